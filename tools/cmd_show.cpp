// envforge show EPISODE: one episode's verdict and transcript, readable or as JSON.
#include <cstdio>

#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"

namespace envforge::cli {

int cmd_show(int argc, char** argv) {
    Args a("show", "Print one episode (by id; see `envforge stats` and the episodes table).",
           {{"db", "FILE", "store", "envforge.db"}, {"json", nullptr, "print JSON", nullptr}}, argc, argv, true);
    if (a.print_help_if_asked()) return 0;
    if (a.positional().size() != 1) throw InvalidInput("envforge show: expected one episode id (see --help)");
    const std::string& arg = a.positional()[0];
    char* end = nullptr;
    long long id = std::strtoll(arg.c_str(), &end, 10);
    if (arg.empty() || *end || id <= 0) throw InvalidInput("envforge show: episode id '" + arg + "': expected a positive integer");
    Store store(a.get("db"), true);
    EpisodeFilter filter;
    filter.episode_id = id;
    auto rows = store.episodes(filter);
    if (rows.empty()) throw InvalidInput("episode " + arg + ": not in '" + a.get("db") + "'");
    const EpisodeRow& e = rows[0];
    auto messages = store.messages(e.id);
    if (a.flag("json")) {
        JsonArray msgs;
        for (const auto& m : messages) msgs.push_back(m.to_json());
        std::printf("%s\n", Json::object({{"episode_id", e.id},
                                          {"run", e.run_name},
                                          {"task_id", e.task_id},
                                          {"status", e.status},
                                          {"reward", e.reward},
                                          {"passed", e.passed},
                                          {"verdict", e.verdict},
                                          {"messages", Json(std::move(msgs))}})
                                .dump()
                                .c_str());
        return 0;
    }
    std::printf("episode %lld  run %s  task %s (%s)  rollout %d\nstatus %s  reward %.3f  %s  turns %d  tool calls %d  %.3fs\n",
                static_cast<long long>(e.id), e.run_name.c_str(), e.task_id.c_str(), e.kind.c_str(), e.rollout, e.status.c_str(), e.reward,
                e.passed ? "PASSED" : "FAILED", e.turns, e.tool_calls, e.seconds);
    if (!e.error.empty()) std::printf("error: %s\n", e.error.c_str());
    for (const auto& m : messages) {
        std::printf("\n[%s%s]\n", role_name(m.role), m.role == Role::Tool ? (" " + m.name + (m.is_error ? " ERROR" : "")).c_str() : "");
        if (m.reasoning) std::printf("  (reasoning) %s\n", m.reasoning->c_str());
        if (m.content && !m.content->empty()) std::printf("  %s\n", m.content->c_str());
        for (const auto& c : m.tool_calls) std::printf("  -> %s(%s)\n", c.name.c_str(), c.arguments.c_str());
    }
    std::printf("\nverdict: %s\n", e.verdict.dump().c_str());
    return 0;
}

}  // namespace envforge::cli
