// envforge run: run a policy over stored tasks; rerunning the same command resumes.
#include <cstdio>

#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"
#include "tools/cli/policy_options.hpp"

namespace envforge::cli {

int cmd_run(int argc, char** argv) {
    Args a("run",
           "Run a policy over the stored tasks and record verified episodes.\n"
           "Rerunning the same command finishes what is missing and never duplicates an episode.",
           {{"db", "FILE", "store", "envforge.db"},
            {"policy", "P", "reference | null | embedded | openai", "reference"},
            {"run", "NAME", "run name (default: the policy name)", nullptr},
            {"rollouts", "G", "episodes per task", "1"},
            {"jobs", "J", "episodes in flight", "8"},
            {"context", "C", "context policy: v32 | keep-all | drop-all", "v32"},
            {"kind", "K", "only tasks of this kind", nullptr},
            {"limit", "N", "at most N tasks", nullptr},
            {"seed", "S", "sampling seed", "0"},
            {"shard", "I/N", "only the tasks shard I of N owns (by task id)", nullptr},
            {"sandbox", "B", "isolation for tools that run programs: native | bwrap | none", "native"},
            {"include-invalid", nullptr, "also run tasks that failed validation (skipped by default)", nullptr},
            {"json", nullptr, "print a JSON summary", nullptr}},
           argc, argv, false, policy_option_specs());
    if (a.print_help_if_asked()) return 0;
    apply_sandbox_option(a.get("sandbox"));
    RunConfig cfg;
    cfg.policy = a.get("policy");
    check_policy_name(cfg.policy);  // reject bad policy options before touching the store
    cfg.policy_options = policy_options(a, cfg.policy);
    cfg.run_name = a.get("run");
    cfg.context = a.get("context");
    cfg.rollouts = static_cast<int>(a.get_int("rollouts", 1, 1024));
    cfg.jobs = static_cast<int>(a.get_int("jobs", 1, 4096));
    cfg.seed = static_cast<uint64_t>(a.get_int("seed", 0, INT64_MAX));
    cfg.quiet = a.flag("json");
    cfg.include_invalid = a.flag("include-invalid");
    const Shard shard = shard_option(a);
    Store store(a.get("db"));
    auto tasks = load_tasks_or_fail(store, a.get("db"), a.get("kind"), a.has("limit") ? a.get_int("limit", 1, INT64_MAX) : -1, "run",
                                    shard);
    if (!shard.whole() && !a.flag("json")) std::printf("shard %s: %zu tasks\n", shard.name().c_str(), tasks.size());
    install_stop_handlers();
    RunSummary s = run_tasks(store, tasks, cfg);
    if (a.flag("json")) {
        std::printf("%s\n", s.to_json().dump().c_str());
    } else {
        print_run_summary(s);
    }
    return s.exit_code();
}

}  // namespace envforge::cli
