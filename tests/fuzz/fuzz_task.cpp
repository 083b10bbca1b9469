// Task specs as `envforge import` reads them: the task, then its kind's typed environment (what
// an episode's start reads), and for the general kind the database built from its tables.
#include "envgen/general/general_env.hpp"
#include "envgen/kind.hpp"
#include "tasks/task.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    fuzz::expect_clean([&] {
        const Task t = Task::parse(fuzz::text(data, size));
        require_kind(t.kind).check_env(t);
        if (t.kind == "general") general::build_database(general::GeneralEnv::from_json(t.env));
    });
    return 0;
}
