// doctest main for tests that need the sandbox: exit 77 (Meson's SKIP) with the reason when this
// host cannot isolate, so a missing sandbox never reads as a pass.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "sandbox/sandbox.hpp"

int main(int argc, char** argv) {
    const std::string missing = envforge::sandbox::probe_host().missing_for(envforge::sandbox::Backend::Native);
    if (!missing.empty()) {
        std::printf("SKIP: the sandbox cannot run here: %s\n", missing.c_str());
        return 77;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
