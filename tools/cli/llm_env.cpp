#include "tools/cli/llm_env.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/errors.hpp"
#include "envgen/general/package.hpp"
#include "tools/cli/model_calls.hpp"
#include "tools/cli/pipeline.hpp"
#include "tools/cli/policy_options.hpp"

namespace envforge::cli {

namespace {

// Themes the environments are written about, taken in turn from the seed: a spread of the
// everyday back offices agents are asked to work in.
const char* const kThemes[] = {
    "a pharmacy's prescriptions and stock",
    "an airline's bookings and rebooking rules",
    "a university's course registration",
    "a veterinary clinic's appointments",
    "a bike-sharing fleet and its stations",
    "a theatre's seats and ticket holds",
    "a warehouse's orders, picking and shipping",
    "a city library's holds and fines",
    "a hotel's rooms, rates and upgrades",
    "a farm cooperative's deliveries and quotas",
    "a hospital ward's beds and transfers",
    "a school district's bus routes",
    "a recipe site's ingredients and substitutions",
    "a car rental desk's fleet and damage reports",
    "a museum's loans between collections",
    "a utility company's meter readings and bills",
};

const char* kSystem =
    "You write environments for training tool-using agents, as packages. Reply with one JSON object and nothing else:\n"
    "{\"env.json\": {\"name\": \"snake_case_name\", \"description\": \"...\", \"system\": \"the agent's system prompt\", "
    "\"tools\": [{\"name\": \"tool_name\", \"description\": \"...\", \"parameters\": {JSON schema of type object}}], "
    "\"answer\": {JSON schema of type object: the arguments of submit, e.g. {\"answer\": string}}},\n"
    " \"schema.sql\": \"CREATE TABLE ...; INSERT INTO ...;\" (realistic data, at least 20 rows),\n"
    " \"tools.py\": \"def tool_name(db, **arguments): ...\" (one function per tool; db is a sqlite3 connection whose rows are dicts; "
    "raise an exception with a clear message for a request the rules refuse),\n"
    " \"verify.py\": \"def verify(db, answer, **expected): ...\" (returns {\"passed\": bool, \"details\": str}; checks the answer and the "
    "final database; answer is the object submitted, or None),\n"
    " \"tasks\": [{\"prompt\": \"...\", \"difficulty\": 1-5, \"expected\": {keyword arguments of verify}, \"solution\": [[{\"name\": "
    "\"tool_name\", \"arguments\": {...}}], ...] (turns of tool calls), \"answer\": {what the solution submits}, \"wrong_answers\": "
    "[{...}, ...]}]}\n"
    "Every task must need the tools to solve; its solution must pass verify; no answer and every wrong answer must fail it.";

std::string strip_fences(std::string text) {
    const size_t open = text.find('{'), close = text.rfind('}');
    if (open == std::string::npos || close == std::string::npos || close < open) return text;
    return text.substr(open, close - open + 1);
}

size_t longest_solution(const general::Package& p) {
    size_t most = 0;
    for (const auto& t : p.tasks) {
        size_t calls = 0;
        for (const auto& turn : t.at("solution").as_array()) calls += turn.is_array() ? turn.size() : 1;
        most = std::max(most, calls);
    }
    return most;
}

// What went wrong in validation, as the model should read it: per failed probe, what was
// expected and the verifier's or environment's words.
std::string validation_feedback(const ValidateSummary& v, const std::vector<Task>& tasks) {
    std::string out;
    for (const auto& row : v.rows) {
        if (row.ok) continue;
        size_t n = 0;
        while (n < tasks.size() && tasks[n].id != row.task_id) ++n;
        std::string why = row.details.get_string("error");
        if (why.empty())
            if (const Json* checks = row.details.find("checks"); checks && checks->is_array())
                for (const auto& c : checks->as_array()) why += c.get_string("why") + " ";
        out += "task " + std::to_string(n + 1) + ", " + row.probe + ": expected to " + (row.expect_pass ? "pass" : "fail") + " but " +
               (row.passed ? "passed" : "failed") + (why.empty() ? "" : " (" + why + ")") + "\n";
        if (out.size() > 3000) break;
    }
    return out;
}

// What envforge made of one reply: when `problem` is empty, the package written to `dir`, its
// tasks, their validation and its longest solution; else why not (`kind`: the stage that refused).
struct ReplyCheck {
    std::string problem, kind, dir;
    std::vector<Task> tasks;
    ValidateSummary validation;
    size_t longest = 0;
};

// Writes the reply's package as version `version + 1` under cfg.out_dir, loads it, requires a
// raise (stage > 0) to be harder than `longest`, and validates its tasks in a scratch store.
ReplyCheck check_reply(const ModelReply& reply, const LlmEnvConfig& cfg, int stage, int version, size_t longest) {
    namespace fs = std::filesystem;
    ReplyCheck r;
    const std::string text = reply.message ? reply.message->content.value_or("") : "";
    try {
        if (!reply.message) throw InvalidInput(reply.error);
        r.kind = "not JSON";
        const Json spec = Json::parse(strip_fences(text), "the reply");
        r.kind = "package check";
        const Json* env = spec.is_object() ? spec.find("env.json") : nullptr;
        std::string name = env && env->is_object() ? env->get_string("name") : "";
        // The name becomes a folder: only a plain word may (a model could write "../x").
        if (name.size() > 64 || !general::package_identifier(name)) name = "environment";
        // Never over what an earlier run wrote: NAME-vK, else NAME-vK-2, -3, ...
        const std::string base = (fs::path(cfg.out_dir) / (name + "-v" + std::to_string(version + 1))).string();
        r.dir = base;
        for (int n = 2; fs::exists(r.dir); ++n) r.dir = base + "-" + std::to_string(n);
        general::write_package(r.dir, spec, std::to_string(version + 1));
        const general::Package p = general::load_package(r.dir);
        if (stage > 0 && longest_solution(p) <= longest) {
            r.kind = "not harder";
            throw InvalidInput("not harder: the longest solution has " + std::to_string(longest_solution(p)) +
                               " calls, as before; add a task whose solution needs more");
        }
        for (size_t i = 0; i < p.tasks.size(); ++i) r.tasks.push_back(general::package_task(p, i, cfg.seed + i));
        r.kind = "validation";
        Store scratch(":memory:");
        scratch.add_tasks(r.tasks);
        r.validation = validate_tasks(scratch, r.tasks, 1, 8, true);
        if (r.validation.failed_probes) throw InvalidInput("validation failed:\n" + validation_feedback(r.validation, r.tasks));
        r.longest = longest_solution(p);
    } catch (const std::exception& ex) {
        r.problem = ex.what();
    }
    return r;
}

}  // namespace

Json LlmEnvSummary::to_json() const {
    JsonArray dirs;
    for (const auto& d : packages) dirs.emplace_back(d);
    return Json::object({{"environments", static_cast<int64_t>(environments)},
                         {"accepted", static_cast<int64_t>(accepted)},
                         {"versions", static_cast<int64_t>(versions)},
                         {"tasks", static_cast<int64_t>(tasks)},
                         {"calls", static_cast<int64_t>(calls)},
                         {"rejected", counts_json(rejected)},
                         {"infra_failures", static_cast<int64_t>(infra_failures)},
                         {"packages", Json(std::move(dirs))},
                         {"seconds", seconds}});
}

LlmEnvSummary llm_synthesize_environments(Store& store, const LlmEnvConfig& cfg) {
    namespace fs = std::filesystem;
    const auto start = std::chrono::steady_clock::now();
    LlmEnvSummary s;
    s.environments = cfg.environments;
    auto policy = make_policy(cfg.policy, cfg.policy_options);
    const size_t themes = sizeof kThemes / sizeof kThemes[0];
    for (size_t e = 0; e < cfg.environments; ++e) {
        const std::string theme = kThemes[(cfg.seed + e) % themes];
        const std::string source = "environment/" + std::to_string(e + 1) + ": " + theme;
        std::vector<Message> conversation = {Message::system(kSystem), Message::user("Write a new environment about " + theme +
                                                                                     ". Give it 3 tasks, of difficulty 1, 2 and 3.")};
        size_t longest = 0;  // of the last accepted version
        int version = 0;
        bool server_down = false;
        // Stage 0 writes the first version; stages 1..raises each ask for a harder one.
        for (int stage = 0; stage <= cfg.raises && !server_down && (stage == 0 || version > 0); ++stage) {
            bool accepted = false;
            for (int attempt = 0; attempt < cfg.attempts && !accepted; ++attempt) {
                PolicyRequest req;
                req.prompt = conversation;
                req.seed = cfg.seed + e * 1000 + static_cast<uint64_t>(stage * 10 + attempt);
                const ModelReply reply = ask_all(*policy, {req}, 1, nullptr)[0];
                ++s.calls;
                SynthesisCall call{source, stage == 0 ? "environment" : "raise", "", false, "", raw_record(req, reply)};
                if (reply.infra) {
                    ++s.infra_failures;
                    call.reason = "server: " + reply.error;
                    store.add_synthesis_calls({call});
                    server_down = true;
                    break;
                }
                const ReplyCheck r = check_reply(reply, cfg, stage, version, longest);
                // The model sees its own reply (not the audit record) before what envforge says of it.
                if (reply.message) {
                    conversation.push_back(*reply.message);
                    conversation.back().raw.clear();
                }
                if (r.problem.empty()) {
                    accepted = true;
                    longest = r.longest;
                    ++version;
                    ++s.versions;
                    s.packages.push_back(r.dir);
                    store.add_tasks(r.tasks);
                    store.put_validations(r.validation.rows);
                    s.tasks += r.tasks.size();
                    call.accepted = true;
                    call.task_id = r.tasks.empty() ? "" : r.tasks.front().id;
                    conversation.push_back(Message::user(
                        "envforge validated it: every solution passes, and no answer and every wrong answer fail. Now make it harder: "
                        "keep the tasks and add one of difficulty " +
                        std::to_string(std::min<int64_t>(5, version + 3)) +
                        " whose solution needs more tool calls than any so far (more conditions, changes that must happen in order). "
                        "Reply with the whole package as one JSON object."));
                } else {
                    if (!r.dir.empty()) fs::remove_all(r.dir);
                    ++s.rejected[r.kind];
                    call.reason = r.kind + ": " + r.problem.substr(0, 2000);
                    conversation.push_back(Message::user("envforge did not accept it (" + r.kind + "): " + r.problem.substr(0, 3000) +
                                                         "\nReply with the whole corrected package as one JSON object."));
                }
                store.add_synthesis_calls({call});
            }
            if (!accepted) break;
        }
        if (version > 0) ++s.accepted;
        if (server_down) break;  // the rest would fail the same way; a rerun does them
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
}

}  // namespace envforge::cli
