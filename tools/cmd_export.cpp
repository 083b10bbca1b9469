// envforge export: SFT JSONL (OpenAI chat messages with tools, tool_calls, reasoning_content and
// the reward), GRPO JSONL (`rl`: one task group per line with rewards, advantages and token ids),
// or task specs. A flag that does not apply to the chosen format is refused, not ignored.
#include <chrono>
#include <cstdio>

#include "datasets/export.hpp"
#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"

namespace envforge::cli {

int cmd_export(int argc, char** argv) {
    Args a("export", "Write episodes or tasks as JSONL (fields: datasets/EXPORT.md).",
           {{"db", "FILE", "store", "envforge.db"},
            {"format", "F", "sft | rl (GRPO groups; also 'grpo') | swe (SWE-bench instances of code tasks) | tasks", "sft"},
            {"run", "NAME", "sft, rl: only this run", nullptr},
            {"kind", "K", "only this kind", nullptr},
            {"only-passed", nullptr, "sft: only episodes whose verdict passed", nullptr},
            {"dedupe", nullptr, "sft: an identical transcript of the same task only once", nullptr},
            {"advantage", "A", "rl: mean (R - mean) | zscore ((R - mean) / std)", "mean"},
            {"out", "FILE", "output file, '-' for stdout (also -o)", "-"},
            {"json", nullptr, "print the summary as JSON (to stderr when the records go to stdout)", nullptr}},
           argc, argv);
    if (a.print_help_if_asked()) return 0;
    std::string format = a.get("format");
    if (format == "grpo") format = "rl";
    if (format != "sft" && format != "rl" && format != "tasks" && format != "swe")
        throw InvalidInput("--format '" + format + "': expected sft, rl (grpo), swe or tasks");
    auto refuse_unless = [&](const char* flag, bool applies, const char* why) {
        if (a.has(flag) && !applies) throw InvalidInput(std::string("--") + flag + " does not apply to --format " + format + ": " + why);
    };
    refuse_unless("run", format != "tasks", "tasks belong to no run (export the run's episodes with sft, rl or swe)");
    refuse_unless("only-passed", format == "sft",
                  format == "rl" ? "a group needs its failed rollouts for its advantages" : "tasks have no verdict");
    refuse_unless("kind", format != "swe", "SWE-bench instances are made of code tasks only");
    refuse_unless("dedupe", format == "sft", "only SFT transcripts are deduplicated");
    refuse_unless("advantage", format == "rl", "advantages belong to GRPO groups");
    ExportOptions o;
    o.run = a.get("run");
    o.kind = a.get("kind");
    o.only_passed = a.flag("only-passed");
    o.dedupe = a.flag("dedupe");
    const std::string adv = a.get("advantage");
    if (adv != "mean" && adv != "zscore") throw InvalidInput("--advantage '" + adv + "': expected mean or zscore");
    o.advantage = adv == "zscore" ? Advantage::ZScore : Advantage::Mean;

    Store store(a.get("db"), true);
    if (!o.run.empty() && !store.find_run(o.run)) throw InvalidInput("--run '" + o.run + "': no such run in '" + a.get("db") + "'");
    Output out(a.get("out"));
    auto write = [&](const std::string& line) { out.write(line); };
    ExportCounts n;
    const auto t0 = std::chrono::steady_clock::now();
    if (format == "tasks") {
        TaskFilter f;
        f.kind = o.kind;
        f.by_id = true;
        std::string line;
        for (const auto& t : store.load_tasks(f)) {
            line = t.dump();
            line += '\n';
            write(line);
            ++n.records;
        }
    } else {
        n = format == "sft" ? export_sft(store, o, write) : format == "rl" ? export_grpo(store, o, write) : export_swe(store, o, write);
    }
    out.close();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Json summary = Json::object({{"format", format},
                                 {"records", n.records},
                                 {"episodes", n.episodes},
                                 {"duplicates_dropped", n.duplicates},
                                 {"infra_failures_skipped", n.infra_skipped},
                                 {"seconds", seconds}});
    std::FILE* to = a.get("out") == "-" ? stderr : stdout;
    if (a.flag("json")) {
        std::fprintf(to, "%s\n", summary.dump().c_str());
    } else {
        std::fprintf(to, "exported %lld %s records", static_cast<long long>(n.records), format.c_str());
        if (format != "tasks") std::fprintf(to, " (%lld episodes)", static_cast<long long>(n.episodes));
        if (n.duplicates) std::fprintf(to, "; %lld duplicate transcripts dropped", static_cast<long long>(n.duplicates));
        if (n.infra_skipped)
            std::fprintf(to, "; %lld episodes with policy or environment errors left out (no reward; rerun `envforge run` to retry)",
                         static_cast<long long>(n.infra_skipped));
        std::fprintf(to, "\n");
    }
    return 0;
}

}  // namespace envforge::cli
