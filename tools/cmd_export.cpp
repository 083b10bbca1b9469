// envforge export: SFT JSONL (OpenAI chat messages with tools, tool_calls, reasoning_content and
// the reward), RL JSONL (prompts with the group's rewards), or task specs.
#include <cstdio>
#include <map>

#include "tasks/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"

namespace envforge::cli {

namespace {

Json openai_tools(const Task& t) {
    JsonArray tools;
    for (const auto& tool : t.tools) tools.push_back(tool.to_openai());
    return Json(std::move(tools));
}

}  // namespace

int cmd_export(int argc, char** argv) {
    Args a("export", "Write episodes or tasks as JSONL.",
           {{"db", "FILE", "store", "envforge.db"},
            {"run", "NAME", "only this run", nullptr},
            {"format", "F", "sft | rl | tasks", "sft"},
            {"only-passed", nullptr, "only episodes whose verdict passed", nullptr},
            {"kind", "K", "tasks format: only this kind", nullptr},
            {"out", "FILE", "output file, '-' for stdout (also -o)", "-"}},
           argc, argv);
    if (a.print_help_if_asked()) return 0;
    const std::string format = a.get("format");
    if (format != "sft" && format != "rl" && format != "tasks")
        throw InvalidInput("--format '" + format + "': expected sft, rl or tasks");
    Store store(a.get("db"), true);
    Output out(a.get("out"));
    size_t n = 0;
    std::string line;
    if (format == "tasks") {
        TaskFilter f;
        f.kind = a.get("kind");
        for (const auto& t : store.load_tasks(f)) {
            line = t.dump();
            line += '\n';
            out.write(line);
            ++n;
        }
    } else {
        std::map<std::string, Task> tasks;
        auto task_of = [&](const std::string& id) -> const Task& {
            auto it = tasks.find(id);
            if (it == tasks.end()) it = tasks.emplace(id, *store.load_task(id)).first;
            return it->second;
        };
        auto episodes = store.episodes(a.get("run"), -1, a.flag("only-passed"));
        if (format == "sft") {
            for (const auto& e : episodes) {
                const Task& t = task_of(e.task_id);
                JsonArray msgs;
                for (const auto& m : store.messages(e.id)) msgs.push_back(m.to_json());
                Json j = Json::object({{"id", e.run_name + "/" + std::to_string(e.id)},
                                       {"run", e.run_name}, {"episode_id", e.id},
                                       {"task_id", e.task_id}, {"kind", e.kind},
                                       {"difficulty", t.difficulty}, {"rollout", e.rollout},
                                       {"status", e.status}, {"reward", e.reward}, {"passed", e.passed},
                                       {"tools", openai_tools(t)}, {"messages", Json(std::move(msgs))}});
                line = j.dump();
                line += '\n';
                out.write(line);
                ++n;
            }
        } else {
            // One record per (run, task): the prompt, the tools and the group's rewards.
            std::map<std::pair<std::string, std::string>, JsonArray> groups;
            std::vector<std::pair<std::string, std::string>> order;
            for (const auto& e : episodes) {
                auto key = std::make_pair(e.run_name, e.task_id);
                if (!groups.count(key)) order.push_back(key);
                groups[key].push_back(Json::object({{"rollout", e.rollout}, {"reward", e.reward},
                                                    {"passed", e.passed}, {"episode_id", e.id}}));
            }
            for (const auto& key : order) {
                const Task& t = task_of(key.second);
                double sum = 0;
                for (const auto& r : groups[key]) sum += r.get_number("reward");
                JsonArray prompt;
                prompt.push_back(Message::system(t.system).to_json(false));
                prompt.push_back(Message::user(t.prompt).to_json(false));
                Json j = Json::object({{"run", key.first}, {"task_id", t.id}, {"kind", t.kind},
                                       {"difficulty", t.difficulty}, {"prompt", Json(std::move(prompt))},
                                       {"tools", openai_tools(t)},
                                       {"mean_reward", sum / static_cast<double>(groups[key].size())},
                                       {"rollouts", Json(groups[key])}});
                line = j.dump();
                line += '\n';
                out.write(line);
                ++n;
            }
        }
    }
    out.close();
    std::fprintf(stderr, "exported %zu %s records\n", n, format.c_str());
    return 0;
}

}  // namespace envforge::cli
