// envforge generate: the main job — synthesize tasks of the chosen kinds, validate them, run a
// policy over them and store the verified transcripts.
#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "envgen/kind.hpp"
#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"
#include "tools/cli/policy_options.hpp"

namespace envforge::cli {

namespace {

// Validates the tasks that no earlier generate into this store (a restarted or requeued job)
// validated: probes are deterministic, and code tasks take minutes to probe. A failed one is
// probed again: the failure may be the stop itself (a requeue signals the whole job, sandboxed
// probes included). Returns 1 when any of `tasks` is invalid, else 0.
int validate_new(Store& store, const std::vector<Task>& tasks, const RunConfig& cfg, Json& summary) {
    const std::set<std::string> done = store.validated_tasks(), failed = store.invalid_tasks();
    std::vector<Task> pending;
    for (const auto& t : tasks)
        if (!done.count(t.id) || failed.count(t.id)) pending.push_back(t);
    ValidateSummary v = validate_tasks(store, pending, 1, cfg.jobs, cfg.quiet);
    Json vj = v.to_json();
    vj.set("already_validated", static_cast<int64_t>(tasks.size() - pending.size()));
    summary.set("validate", vj);
    if (!cfg.quiet)
        std::printf("validated %zu tasks (%zu validated before): %zu probes, %zu failed\n", v.tasks, tasks.size() - pending.size(),
                    v.probes, v.failed_probes);
    const std::set<std::string> invalid = store.invalid_tasks();
    return std::any_of(tasks.begin(), tasks.end(), [&](const Task& t) { return invalid.count(t.id) > 0; }) ? 1 : 0;
}

}  // namespace

int cmd_generate(int argc, char** argv) {
    Args a("generate", "Synthesize, validate and run: the whole pipeline on sensible defaults.",
           {{"db", "FILE", "store", "envforge.db"},
            {"kinds", "LIST", "comma-separated kinds", "general,search,interp,code"},
            {"count", "N", "tasks per kind", "30"},
            {"seed", "S", "base seed", "1"},
            {"difficulty", "D|A-B", "difficulty or range", "1-5"},
            {"policy", "P", "reference | null | embedded | openai", "reference"},
            {"run", "NAME", "run name (default: generate-<policy>)", nullptr},
            {"rollouts", "G", "episodes per task", "1"},
            {"jobs", "J", "episodes in flight", "8"},
            {"context", "C", "context policy: v32 | keep-all | drop-all", "v32"},
            {"no-validate", nullptr, "skip validation", nullptr},
            {"include-invalid", nullptr, "also run tasks that failed validation (skipped by default)", nullptr},
            {"shard", "I/N", "only shard I of N: synthesize the requests with index mod N = I, validate and run them", nullptr},
            {"sandbox", "B", "isolation for tools that run programs: native | bwrap | none", "native"},
            {"json", nullptr, "print a JSON summary", nullptr}},
           argc, argv, false, policy_option_specs());
    if (a.print_help_if_asked()) return 0;
    apply_sandbox_option(a.get("sandbox"));
    std::vector<std::string> kinds;
    std::stringstream ss(a.get("kinds"));
    for (std::string k; std::getline(ss, k, ',');)
        if (!k.empty()) kinds.push_back((require_kind(k), k));
    const auto count = static_cast<size_t>(a.get_int("count", 1, 10'000'000));
    const auto seed = static_cast<uint64_t>(a.get_int("seed", 0, INT64_MAX));
    const auto diff = parse_difficulty(a.get("difficulty"));
    RunConfig cfg;
    cfg.policy = a.get("policy");
    check_policy_name(cfg.policy);
    cfg.policy_options = policy_options(a, cfg.policy);
    cfg.run_name = a.has("run") ? a.get("run") : "generate-" + cfg.policy;
    cfg.context = a.get("context");
    cfg.rollouts = static_cast<int>(a.get_int("rollouts", 1, 1024));
    cfg.jobs = static_cast<int>(a.get_int("jobs", 1, 4096));
    cfg.quiet = a.flag("json");
    cfg.include_invalid = a.flag("include-invalid");
    const Shard shard = shard_option(a);
    Store store(a.get("db"));
    install_stop_handlers();

    Json summary = Json::object({{"db", a.get("db")}});
    if (!shard.whole()) summary.set("shard", shard.name());
    std::vector<Task> tasks;
    for (const auto& kind : kinds) {
        SynthSummary s = synth_into(&store, kind, count, seed, diff, Json::object(), cfg.quiet, &tasks, shard);
        summary.set("synth_" + kind, s.to_json());
    }
    const int rc = a.flag("no-validate") ? 0 : validate_new(store, tasks, cfg, summary);
    RunSummary r = run_tasks(store, tasks, cfg);
    summary.set("run", r.to_json());
    if (cfg.quiet) {
        std::printf("%s\n", summary.dump().c_str());
    } else {
        std::printf("synthesized %zu tasks; stored in %s\n", tasks.size(), a.get("db").c_str());
        print_run_summary(r);
        std::printf("next: envforge stats --db %s | envforge export --db %s --format sft -o sft.jsonl\n", a.get("db").c_str(),
                    a.get("db").c_str());
    }
    if (r.exit_code()) return r.exit_code();
    return rc;
}

}  // namespace envforge::cli
