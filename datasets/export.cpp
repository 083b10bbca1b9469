#include "datasets/export.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

#include "tasks/errors.hpp"

namespace envforge {

namespace {

Json ids_json(const std::vector<int32_t>& ids) {
    JsonArray a;
    a.reserve(ids.size());
    for (int32_t t : ids) a.emplace_back(int64_t{t});
    return Json(std::move(a));
}

// What every record of a task repeats, rendered once per task.
struct TaskInfo {
    int difficulty = 0;
    Json tools;   // OpenAI function schemas
    Json prompt;  // [system, user]
};

class TaskCache {
public:
    explicit TaskCache(const Store& store) : store_(store) {}
    const TaskInfo& get(const std::string& id) {
        auto it = cache_.find(id);
        if (it != cache_.end()) return it->second;
        auto task = store_.load_task(id);
        if (!task) throw InvalidInput("task " + id + " of a stored episode is not in the store");
        TaskInfo info;
        info.difficulty = task->difficulty;
        JsonArray tools;
        for (const auto& t : task->tools) tools.push_back(t.to_openai());
        info.tools = Json(std::move(tools));
        info.prompt = Json(JsonArray{Message::system(task->system).to_json(false), Message::user(task->prompt).to_json(false)});
        return cache_.emplace(id, std::move(info)).first->second;
    }

private:
    const Store& store_;
    std::map<std::string, TaskInfo> cache_;
};

EpisodeFilter filter_of(const ExportOptions& o, bool only_passed) {
    EpisodeFilter f;
    f.run = o.run;
    f.only_passed = only_passed;
    f.kind = o.kind;
    f.include_infra = false;
    return f;
}

int64_t count_infra(const Store& store, const ExportOptions& o) {
    std::string sql = std::string("SELECT count(*) FROM episodes e JOIN runs r ON r.id = e.run_id JOIN tasks t ON t.id = e.task_id "
                                  "WHERE (?1 = '' OR r.name = ?1) AND (?2 = '' OR t.kind = ?2) AND e.status IN ") + kInfraStatusesSql;
    SqliteStmt q(const_cast<Store&>(store).db(), sql);
    q.bind(1, o.run).bind(2, o.kind);
    q.step();
    return q.int64(0);
}

// 64-bit FNV-1a: transcripts are compared by hash for dedupe (a collision would drop one
// transcript in 2^64; their text is not kept in memory).
uint64_t fnv1a(const std::string& s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

}  // namespace

TokenTrajectory token_trajectory(const std::vector<Message>& transcript) {
    TokenTrajectory t;
    for (const Message& m : transcript)
        if (m.role == Role::Assistant && (!m.prompt_ids.empty() || !m.completion_ids.empty()))
            t.turns.push_back({m.prompt_ids, m.completion_ids});
    t.has_ids = !t.turns.empty();
    if (!t.has_ids) return t;
    // Merged when each prompt starts with the previous prompt and completion, token for token.
    t.merged = true;
    std::vector<int32_t> so_far = t.turns[0].prompt_ids;
    t.prompt_ids = t.turns[0].prompt_ids;
    for (size_t k = 0; k < t.turns.size(); ++k) {
        const auto& turn = t.turns[k];
        if (k > 0) {
            if (turn.prompt_ids.size() < so_far.size() || !std::equal(so_far.begin(), so_far.end(), turn.prompt_ids.begin())) {
                t.merged = false;
                break;
            }
            // What the environment added between the turns: read, not trained on.
            t.completion_ids.insert(t.completion_ids.end(), turn.prompt_ids.begin() + static_cast<std::ptrdiff_t>(so_far.size()),
                                    turn.prompt_ids.end());
            t.loss_mask.resize(t.completion_ids.size(), 0);
            so_far = turn.prompt_ids;
        }
        t.completion_ids.insert(t.completion_ids.end(), turn.completion_ids.begin(), turn.completion_ids.end());
        t.loss_mask.resize(t.completion_ids.size(), 1);
        so_far.insert(so_far.end(), turn.completion_ids.begin(), turn.completion_ids.end());
    }
    if (!t.merged) {
        t.prompt_ids.clear();
        t.completion_ids.clear();
        t.loss_mask.clear();
    } else {
        t.turns.clear();
    }
    return t;
}

namespace {

// Mean and sample standard deviation (n - 1; 0 for one reward).
std::pair<double, double> mean_std(const std::vector<double>& rewards) {
    if (rewards.empty()) return {0, 0};
    double mean = 0;
    for (double r : rewards) mean += r;
    mean /= static_cast<double>(rewards.size());
    double var = 0;
    for (double r : rewards) var += (r - mean) * (r - mean);
    return {mean, rewards.size() > 1 ? std::sqrt(var / static_cast<double>(rewards.size() - 1)) : 0.0};
}

}  // namespace

std::vector<double> group_advantages(const std::vector<double>& rewards, Advantage mode) {
    const auto [mean, std] = mean_std(rewards);
    std::vector<double> a(rewards.size());
    for (size_t i = 0; i < rewards.size(); ++i)
        a[i] = mode == Advantage::ZScore ? (rewards[i] - mean) / (std + 1e-4) : rewards[i] - mean;
    return a;
}

ExportCounts export_sft(const Store& store, const ExportOptions& o, const std::function<void(const std::string&)>& write) {
    ExportCounts n;
    n.infra_skipped = count_infra(store, o);
    TaskCache tasks(store);
    std::unordered_set<uint64_t> seen;
    std::string line, messages_text;
    for (const EpisodeRow& e : store.episodes(filter_of(o, o.only_passed))) {
        const TaskInfo& t = tasks.get(e.task_id);
        JsonArray msgs;
        for (const auto& m : store.messages(e.id)) msgs.push_back(m.to_json());
        Json messages(std::move(msgs));
        if (o.dedupe) {
            messages_text.clear();
            messages.dump_to(messages_text);
            if (!seen.insert(fnv1a(e.task_id) ^ fnv1a(messages_text)).second) {
                ++n.duplicates;
                continue;
            }
        }
        Json j = Json::object({{"id", e.run_name + "/" + std::to_string(e.id)}, {"run", e.run_name}, {"episode_id", e.id},
                               {"task_id", e.task_id}, {"kind", e.kind}, {"difficulty", t.difficulty}, {"rollout", e.rollout},
                               {"status", e.status}, {"reward", e.reward}, {"passed", e.passed}, {"tools", t.tools},
                               {"messages", std::move(messages)}});
        line.clear();
        j.dump_to(line);
        line += '\n';
        write(line);
        ++n.records;
        ++n.episodes;
    }
    return n;
}

ExportCounts export_grpo(const Store& store, const ExportOptions& o, const std::function<void(const std::string&)>& write) {
    ExportCounts n;
    n.infra_skipped = count_infra(store, o);
    TaskCache tasks(store);
    // Groups are (run, task), in the order their first episode was stored.
    std::map<std::pair<std::string, std::string>, std::vector<EpisodeRow>> groups;
    std::vector<std::pair<std::string, std::string>> order;
    for (EpisodeRow& e : store.episodes(filter_of(o, false))) {
        auto key = std::make_pair(e.run_name, e.task_id);
        auto [it, fresh] = groups.try_emplace(key);
        if (fresh) order.push_back(key);
        it->second.push_back(std::move(e));
    }
    std::string line;
    for (const auto& key : order) {
        auto& rows = groups[key];
        std::sort(rows.begin(), rows.end(), [](const EpisodeRow& a, const EpisodeRow& b) { return a.rollout < b.rollout; });
        const TaskInfo& t = tasks.get(key.second);
        std::vector<double> rewards;
        int64_t passed = 0;
        for (const auto& r : rows) {
            rewards.push_back(r.reward);
            passed += r.passed;
        }
        const std::vector<double> adv = group_advantages(rewards, o.advantage);
        const auto [mean, std_reward] = mean_std(rewards);
        JsonArray rollouts;
        for (size_t i = 0; i < rows.size(); ++i) {
            const EpisodeRow& e = rows[i];
            std::vector<Message> transcript = store.messages(e.id);
            JsonArray completion;  // everything after the shared prompt (system, user)
            for (size_t k = 2; k < transcript.size(); ++k) completion.push_back(transcript[k].to_json(false));
            Json r = Json::object({{"episode_id", e.id}, {"rollout", e.rollout}, {"status", e.status}, {"reward", e.reward},
                                   {"passed", e.passed}, {"advantage", adv[i]}, {"completion", Json(std::move(completion))}});
            const TokenTrajectory tokens = token_trajectory(transcript);
            if (tokens.has_ids) {
                r.set("tokens_merged", tokens.merged);
                if (tokens.merged) {
                    r.set("prompt_ids", ids_json(tokens.prompt_ids));
                    r.set("completion_ids", ids_json(tokens.completion_ids));
                    JsonArray mask;
                    mask.reserve(tokens.loss_mask.size());
                    for (uint8_t m : tokens.loss_mask) mask.emplace_back(int64_t{m});
                    r.set("loss_mask", Json(std::move(mask)));
                } else {
                    JsonArray turns;
                    for (const auto& turn : tokens.turns)
                        turns.push_back(Json::object({{"prompt_ids", ids_json(turn.prompt_ids)}, {"completion_ids", ids_json(turn.completion_ids)}}));
                    r.set("token_turns", Json(std::move(turns)));
                }
            }
            rollouts.push_back(std::move(r));
            ++n.episodes;
        }
        Json j = Json::object({{"run", key.first}, {"task_id", key.second}, {"kind", rows[0].kind}, {"difficulty", t.difficulty},
                               {"prompt", t.prompt}, {"tools", t.tools}, {"group_size", static_cast<int64_t>(rows.size())},
                               {"mean_reward", mean}, {"std_reward", std_reward},
                               {"pass_rate", static_cast<double>(passed) / static_cast<double>(rows.size())},
                               {"advantage", o.advantage == Advantage::Mean ? "mean" : "zscore"},
                               {"rollouts", Json(std::move(rollouts))}});
        line.clear();
        j.dump_to(line);
        line += '\n';
        write(line);
        ++n.records;
    }
    return n;
}

}  // namespace envforge
