// envforge replay: re-executes each episode's recorded tool calls on a fresh environment and
// reports any difference in tool outputs or verdict (exit 1 on a difference).
#include <cstdio>
#include <fstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "envgen/kind.hpp"
#include "tasks/episode_runner.hpp"
#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"
#include "tools/cli/progress.hpp"

namespace envforge::cli {

namespace {

struct Recorded {
    std::string label;  // "episode 12" or "line 3"
    std::string task_id;
    std::vector<Message> messages;
    double reward = 0;
    bool passed = false;
};

std::string clip(const std::string& s) { return s.size() > 120 ? s.substr(0, 117) + "..." : s; }

// Replays one episode; returns the differences found (empty when identical).
boost::asio::awaitable<std::vector<std::string>> replay_one(const Task& task, const Recorded& rec) {
    std::vector<std::string> diffs;
    auto env = require_kind(task.kind).make_environment(task);
    co_await env->start(task);
    Json final_answer;
    bool done = false;
    int calls = 0;
    for (size_t i = 0; i < rec.messages.size(); ++i) {
        const Message& m = rec.messages[i];
        if (m.role != Role::Assistant) continue;
        if (m.tool_calls.empty() && m.content && !m.content->empty() && final_answer.is_null()) final_answer = Json(*m.content);
        for (size_t k = 0; k < m.tool_calls.size(); ++k) {
            const ToolCall& call = m.tool_calls[k];
            const size_t ti = i + 1 + k;
            if (ti >= rec.messages.size() || rec.messages[ti].role != Role::Tool || rec.messages[ti].tool_call_id != call.id) {
                diffs.push_back("message " + std::to_string(ti) + ": no recorded result for call '" + call.id + "'");
                continue;
            }
            const Message& recorded = rec.messages[ti];
            if (done || calls >= task.limits.max_tool_calls) continue;  // recorded as not executed
            ++calls;
            ToolResult r = co_await execute_tool_call(task, *env, call);
            if (r.content != recorded.content.value_or("") || r.is_error != recorded.is_error)
                diffs.push_back("message " + std::to_string(ti) + " (" + call.name + "): recorded '" + clip(recorded.content.value_or("")) +
                                "', now '" + clip(r.content) + "'");
            if (r.final) {
                final_answer = r.answer;
                done = true;
            }
        }
    }
    Verdict v = co_await env->verify(final_answer);
    env->close();
    if (v.passed != rec.passed || std::abs(v.reward - rec.reward) > 1e-9)
        diffs.push_back("verdict: recorded reward " + std::to_string(rec.reward) + ", now " + std::to_string(v.reward));
    co_return diffs;
}

std::vector<Recorded> from_store(const Store& store, const std::string& run, int64_t episode) {
    std::vector<Recorded> out;
    // Infrastructure failures recorded no outcome of the task: nothing to compare.
    EpisodeFilter filter;
    filter.run = run;
    filter.episode_id = episode;
    filter.include_infra = false;
    for (const auto& e : store.episodes(filter)) {
        out.push_back({"episode " + std::to_string(e.id), e.task_id, store.messages(e.id), e.reward, e.passed});
    }
    return out;
}

std::vector<Recorded> from_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw IoError("input '" + path + "': cannot open");
    std::vector<Recorded> out;
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
        if (line.empty()) continue;
        Json j = Json::parse(line, path + ":" + std::to_string(n));
        Recorded r;
        r.label = "line " + std::to_string(n);
        r.task_id = j.get_string("task_id");
        if (r.task_id.empty() || !j.find("messages") || !j.at("messages").is_array())
            throw InvalidInput(path + ":" + std::to_string(n) + ": expected an SFT record with task_id and messages");
        for (const auto& m : j.at("messages").as_array()) r.messages.push_back(Message::from_json(m));
        r.reward = j.get_number("reward");
        r.passed = j.get_bool("passed");
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

int cmd_replay(int argc, char** argv) {
    Args a("replay", "Re-execute recorded tool calls on fresh environments; exit 1 on any difference.",
           {{"db", "FILE", "store (tasks are always read from it)", "envforge.db"},
            {"run", "NAME", "only this run", nullptr},
            {"episode", "ID", "only this episode", nullptr},
            {"input", "FILE", "replay an exported SFT JSONL file instead of stored episodes", nullptr},
            {"jobs", "J", "episodes replayed at a time", "4"},
            {"json", nullptr, "print a JSON summary", nullptr}},
           argc, argv);
    if (a.print_help_if_asked()) return 0;
    if (a.has("input") && (a.has("run") || a.has("episode")))
        throw InvalidInput("--run and --episode select stored episodes; with --input the file says what to replay");
    Store store(a.get("db"));
    std::vector<Recorded> items = a.has("input")
                                      ? from_file(a.get("input"))
                                      : from_store(store, a.get("run"), a.has("episode") ? a.get_int("episode", 1, INT64_MAX) : -1);
    if (items.empty()) throw InvalidInput("nothing to replay (no matching episodes)");
    // Episodes replay independently: `--jobs` of them at a time on one io_context (tool calls
    // that run programs wait on the sandbox, not on each other); results are reported in order.
    std::vector<std::vector<std::string>> found(items.size());
    boost::asio::io_context io;
    Progress progress("replay", static_cast<int64_t>(items.size()), a.flag("json"));
    size_t next = 0;
    auto worker = [&]() -> boost::asio::awaitable<void> {
        while (next < items.size()) {
            const size_t i = next++;
            const Recorded& rec = items[i];
            auto task = store.load_task(rec.task_id);
            std::vector<std::string>& diffs = found[i];
            if (!task) {
                diffs.push_back("task " + rec.task_id + " is not in the store");
            } else {
                std::string failure;
                try {
                    diffs = co_await replay_one(*task, rec);
                } catch (const std::exception& e) {
                    failure = e.what();
                }
                if (!failure.empty()) diffs.push_back("replay failed: " + failure);
            }
            progress.tick(1, !diffs.empty());
        }
    };
    const int jobs = static_cast<int>(a.get_int("jobs", 1, 256));
    for (int j = 0; j < jobs; ++j)
        boost::asio::co_spawn(io, worker(), [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    progress.finish();
    size_t differing = 0;
    JsonArray report;
    for (size_t i = 0; i < items.size(); ++i) {
        if (found[i].empty()) continue;
        ++differing;
        JsonArray d;
        for (const auto& s : found[i]) {
            if (!a.flag("json")) std::printf("%s (task %s): %s\n", items[i].label.c_str(), items[i].task_id.c_str(), s.c_str());
            d.emplace_back(s);
        }
        report.push_back(Json::object({{"episode", items[i].label}, {"task_id", items[i].task_id}, {"differences", Json(std::move(d))}}));
    }
    if (a.flag("json"))
        std::printf("%s\n", Json::object({{"episodes", static_cast<int64_t>(items.size())},
                                          {"with_differences", static_cast<int64_t>(differing)},
                                          {"report", Json(std::move(report))}})
                                .dump()
                                .c_str());
    else std::printf("replayed %zu episodes: %zu with differences\n", items.size(), differing);
    return differing ? 1 : 0;
}

}  // namespace envforge::cli
