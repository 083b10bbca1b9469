// envforge validate: every task's reference must pass N/N, null and the corrupted answers fail.
#include <cstdio>

#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"

namespace envforge::cli {

int cmd_validate(int argc, char** argv) {
    Args a("validate", "Run every task's validation probes through the real tools.",
           {{"db", "FILE", "store", "envforge.db"},
            {"kind", "K", "only tasks of this kind", nullptr},
            {"limit", "N", "at most N tasks", nullptr},
            {"repeat", "N", "times the reference must pass", "1"},
            {"jobs", "J", "probes in flight", "8"},
            {"junit", "FILE", "also write JUnit XML", nullptr},
            {"shard", "I/N", "only the tasks shard I of N owns (by task id)", nullptr},
            {"sandbox", "B", "isolation for tools that run programs: native | bwrap | none", "native"},
            {"json", nullptr, "print a JSON summary", nullptr}},
           argc, argv);
    if (a.print_help_if_asked()) return 0;
    apply_sandbox_option(a.get("sandbox"));
    const Shard shard = shard_option(a);
    Store store(a.get("db"));
    auto tasks = load_tasks_or_fail(store, a.get("db"), a.get("kind"), a.has("limit") ? a.get_int("limit", 1, INT64_MAX) : -1, "validate",
                                    shard);
    if (!shard.whole() && !a.flag("json")) std::printf("shard %s: %zu tasks\n", shard.name().c_str(), tasks.size());
    ValidateSummary s = validate_tasks(store, tasks, static_cast<int>(a.get_int("repeat", 1, 100)),
                                       static_cast<int>(a.get_int("jobs", 1, 4096)), a.flag("json"));
    if (a.has("junit")) write_junit(a.get("junit"), s, tasks);
    if (a.flag("json")) {
        std::printf("%s\n", s.to_json().dump().c_str());
    } else {
        std::printf("validated %zu tasks: %zu probes, %zu failed (%.2fs)\n", s.tasks, s.probes, s.failed_probes, s.seconds);
        for (const auto& [probe, n] : s.failed_by_probe) std::printf("  %s: %zu failed\n", probe.c_str(), n);
        size_t shown = 0;
        for (const auto& r : s.rows)
            if (!r.ok && shown++ < 5)
                std::printf("  task %s probe %s: expected %s, got %s\n", r.task_id.c_str(), r.probe.c_str(),
                            r.expect_pass ? "pass" : "fail", r.passed ? "pass" : "fail");
    }
    return s.failed_probes ? 1 : 0;
}

}  // namespace envforge::cli
