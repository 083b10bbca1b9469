// Task specs as `envforge import` reads them, then what an episode's start reads of each kind's
// env: the general kind's tables, the code kind's files and runner settings.
#include "envgen/code/code_project.hpp"
#include "envgen/general/general_env.hpp"
#include "envgen/kind.hpp"
#include "tasks/task.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    fuzz::expect_clean([&] {
        const Task t = Task::parse(fuzz::text(data, size));
        require_kind(t.kind);
        if (t.kind == "general" && t.env.find("tables")) general::build_database(t);
        if (t.kind == "code") {
            if (const Json* files = t.env.find("files")) code::files_from_json(*files);
            code::RunnerConfig::from_task(t.env);
        }
    });
    return 0;
}
