// envforge merge: combine the stores of a sharded job into one, each row exactly once.
#include <cstdio>

#include "common/errors.hpp"
#include "datasets/merge.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/progress.hpp"

namespace envforge::cli {

int cmd_merge(int argc, char** argv) {
    Args a("merge",
           "merge OUT.db IN.db...: add the tasks, runs, episodes (with their messages) and validations of each input to OUT,\n"
           "each key once: a task by id, a run by name, an episode by (run, task, rollout), a validation by (task, probe).\n"
           "A key OUT already holds with the same content is skipped, so rerunning a merge adds nothing; the same key with\n"
           "other content is a conflict that names it and writes nothing. One transaction: a killed merge leaves OUT as it was.",
           {{"json", nullptr, "print a JSON summary", nullptr}}, argc, argv, true);
    if (a.print_help_if_asked()) return 0;
    const auto& files = a.positional();
    if (files.size() < 2) throw InvalidInput("envforge merge: give the output store and at least one input (merge OUT.db IN.db...)");
    const std::vector<std::string> inputs(files.begin() + 1, files.end());
    const int64_t total = count_episodes(inputs);  // also checks every input before OUT is created
    Store out(files[0]);
    Progress progress("merge", total, a.flag("json"));
    MergeSummary s = merge_stores(out, inputs, [&] { progress.tick(); });
    progress.finish();
    if (a.flag("json")) {
        Json j = s.to_json();
        j.set("output", files[0]);
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    for (const auto& [path, c] : s.inputs)
        std::printf(
            "%s: %lld tasks new (%lld already there), %lld episodes new (%lld already there, %lld retried failures replaced, %lld failures "
            "kept out), %lld validations new\n",
            path.c_str(), static_cast<long long>(c.tasks_new), static_cast<long long>(c.tasks_same), static_cast<long long>(c.episodes_new),
            static_cast<long long>(c.episodes_same), static_cast<long long>(c.episodes_replaced), static_cast<long long>(c.episodes_kept),
            static_cast<long long>(c.validations_new));
    std::printf("merged %zu stores into %s in %.2fs: %lld tasks, %lld episodes, %lld messages added\n", s.inputs.size(), files[0].c_str(),
                s.seconds, static_cast<long long>(s.total.tasks_new),
                static_cast<long long>(s.total.episodes_new + s.total.episodes_replaced), static_cast<long long>(s.total.messages));
    return 0;
}

}  // namespace envforge::cli
