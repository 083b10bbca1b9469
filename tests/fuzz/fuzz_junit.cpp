// JUnit XML as test runners write it (and as an agent's tests could shape it).
#include "envgen/code/code_project.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    fuzz::expect_clean([&] { code::parse_junit(fuzz::text(data, size)); });
    return 0;
}
