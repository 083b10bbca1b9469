// An environment package's env.json (with the bundled library package's other files).
#include <filesystem>

#include "envgen/general/package.hpp"
#include "tests/fuzz/fuzz_common.hpp"

#ifndef ENVFORGE_SOURCE_ROOT
#error "the build gives the source root"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    static const bool copied = [] {
        namespace fs = std::filesystem;
        for (const char* f : {"schema.sql", "tools.py", "verify.py", "tasks.jsonl"})
            fs::copy_file(fs::path(ENVFORGE_SOURCE_ROOT) / "datasets/packages/library" / f, fs::path(fuzz::scratch()) / f,
                          fs::copy_options::overwrite_existing);
        return true;
    }();
    (void)copied;
    fuzz::put("env.json", fuzz::text(data, size));
    fuzz::expect_clean([&] {
        const general::Package p = general::load_package(fuzz::scratch());
        if (!p.tasks.empty()) general::package_task(p, 0, 1);
    });
    return 0;
}
