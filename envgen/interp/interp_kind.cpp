#include "envgen/interp/interp_kind.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include "envgen/episode_sandbox.hpp"
#include "envgen/episode_workspace.hpp"
#include "envgen/interp/interp_env.hpp"
#include "envgen/interp/problems.hpp"
#include "sandbox/session.hpp"
#include "common/errors.hpp"
#include "tasks/scripted_policy.hpp"
#include "envgen/synth_util.hpp"

namespace envforge {

namespace {

constexpr int kMaxExecutions = 20;

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

class InterpEnvironment final : public Environment {
public:
    boost::asio::awaitable<void> start(const Task& task) override {
        task_ = &task;
        co_await ws_.create_warm(limits(task), preload());
        for (const auto& [name, content] : interp::InterpEnv::from_json(task.env).files)
            std::ofstream(ws_.dir() + "/" + name, std::ios::binary) << content;
        co_await ws_.start_session(limits(task));
    }

    boost::asio::awaitable<ToolResult> call(const std::string& name, const Json& args) override {
        const ToolSpec* spec = task_->find_tool(name);
        if (spec->impl.get_bool("submit")) co_return ToolResult{"submitted", false, true, args};
        if (++executions_ > kMaxExecutions)
            co_return ToolResult::error("the limit of " + std::to_string(kMaxExecutions) + " code executions is reached; submit an answer");
        auto r = co_await ws_.session().python(args.get_string("code"), task_->limits.call_timeout_seconds);
        std::string out = r.out;
        if (!r.err.empty()) out += (out.empty() ? "" : "\n") + std::string("[stderr]\n") + r.err;
        if (!r.exception.empty()) out += (out.empty() ? "" : "\n") + r.exception;
        if (r.session_lost) out += "\n[the interpreter was restarted; its state is lost]";
        if (out.empty()) out = "(no output)";
        bool error = !r.exception.empty() || r.session_lost;
        if (r.session_lost) {
            // A fresh interpreter for the rest of the episode, with the same files.
            co_await ws_.start_session(limits(*task_));
        }
        co_return ToolResult{out, error, false, Json()};
    }

    boost::asio::awaitable<Verdict> verify(const Json& final_answer) override {
        const Json& v = task_->verifier;
        std::string got = final_answer.is_string() ? final_answer.as_string() : final_answer.get_string("answer");
        Checks c;
        c.add("answer", interp::answers_match(got, v.get_string("answer"), v.get_string("answer_type"), v.get_number("tolerance")),
              "submitted '" + got + "'");
        co_return c.verdict();
    }

    void close() override { ws_.close(); }

private:
    static sandbox::Limits limits(const Task& task) { return episode_limits(task.limits, 1ll << 30, 128); }
    // What the warm interpreter imports once for every episode (a function: an initializer
    // list in a coroutine trips GCC 12).
    static std::vector<std::string> preload() {
        return {"pandas",    "numpy",  "math",     "statistics", "fractions", "decimal", "collections",
                "itertools", "random", "datetime", "json",       "csv",       "re"};
    }

    const Task* task_ = nullptr;
    EpisodeWorkspace ws_;
    int executions_ = 0;
};

class InterpKind final : public EnvKind {
public:
    std::string name() const override { return "interp"; }
    std::string describe() const override { return "problems solved by running Python in a sandboxed, stateful interpreter"; }
    Task synthesize(const SynthRequest& req) const override {
        const int family = static_cast<int>(req.index % 3);
        interp::Problem p = interp::make_problem(family, req.seed, req.difficulty);
        interp::TaskSpec s;
        s.generator = "interp." + p.family;
        s.version = "2";  // 2: a stream per generation stage (problems.cpp)
        s.seed = req.seed;
        s.difficulty = req.difficulty;
        s.question = p.question;
        s.files = p.files;
        s.answer = p.answer;
        s.answer_type = p.answer_type;
        s.tolerance = p.tolerance;
        s.reference_code = p.reference_code;
        s.probes = {{"off_by_one", p.off_by_one}, {"dropped_filter", p.dropped_filter}};
        return interp::make_task(s);
    }
    std::unique_ptr<Environment> make_environment(const Task&) const override { return std::make_unique<InterpEnvironment>(); }
    void check_env(const Task& task) const override { interp::InterpEnv::from_json(task.env); }
};

}  // namespace

namespace interp {

Task make_task(const TaskSpec& s) {
    Task t;
    t.kind = "interp";
    t.seed = s.seed;
    t.difficulty = s.difficulty;
    t.generator_name = s.generator;
    t.generator_version = s.version;
    t.system =
        "You solve problems by writing and running Python code. The python tool runs code in a stateful "
        "Jupyter-like interpreter (variables persist; the value of the last expression is shown) and times "
        "out after 120.0 seconds; you may use at most 20 code executions. Files for the task are in the "
        "current directory. When you are sure, call submit with just the answer.";
    t.prompt = s.question + " Answer with just the number or text.";
    t.tools.push_back({"python", "Run Python code in the stateful interpreter; returns its output.",
                       object_schema({{"code", str_prop("Python source")}}, {"code"}), Json::object({{"op", "python"}})});
    t.tools.push_back({"submit", "Submit the final answer.", object_schema({{"answer", str_prop("the answer")}}, {"answer"}),
                       Json::object({{"submit", true}})});
    t.env = InterpEnv{s.files}.to_json();
    t.verifier = Json::object({{"type", "interp"}, {"answer", s.answer}, {"answer_type", s.answer_type}, {"tolerance", s.tolerance}});
    if (!s.must_keep.empty()) {
        JsonArray keep;
        for (const auto& k : s.must_keep) keep.emplace_back(k);
        t.verifier.set("must_keep", Json(std::move(keep)));
    }
    std::vector<ScriptTurn> script = {{"Compute it.", {{"python", Json::object({{"code", s.reference_code}})}}},
                                      {"The program printed the answer.", {{"submit", Json::object({{"answer", kLastOutput}})}}}};
    JsonArray probes;
    for (const auto& [name, answer] : s.probes)
        probes.push_back(Json::object({{"name", name},
                                       {"expect_pass", false},
                                       {"turns", script_to_json({ScriptTurn{"", {{"submit", Json::object({{"answer", answer}})}}}})}}));
    t.reference = reference_json(script_to_json(script), Json::object({{"answer", s.answer}}), std::move(probes));
    t.limits.max_turns = 30;
    t.limits.max_tool_calls = 30;
    t.limits.wall_seconds = 1800;
    t.limits.call_timeout_seconds = 120;
    t.finalize();
    return t;
}

bool answers_match(const std::string& got_raw, const std::string& expected, const std::string& type, double tolerance) {
    std::string got = trim(got_raw);
    if (got.empty()) return false;
    if (type == "int") {
        std::string digits;
        for (char c : got)
            if (c != ',' && c != '_' && c != ' ') digits.push_back(c);
        char* end = nullptr;
        long long v = std::strtoll(digits.c_str(), &end, 10);
        return end && *end == '\0' && std::to_string(v) == expected;
    }
    if (type == "float") {
        char* end = nullptr;
        double v = std::strtod(got.c_str(), &end);
        return end && trim(end).empty() && std::isfinite(v) && std::abs(v - std::strtod(expected.c_str(), nullptr)) <= tolerance;
    }
    if (type == "list") {
        auto items = [](const std::string& s) {
            std::vector<std::string> out;
            std::string cur;
            for (char c : s + ",") {
                if (c == ',' || c == '[' || c == ']') {
                    std::string t = trim(cur);
                    if (t.size() >= 2 && (t.front() == '\'' || t.front() == '"')) t = t.substr(1, t.size() - 2);
                    if (!t.empty()) out.push_back(t);
                    cur.clear();
                } else {
                    cur.push_back(c);
                }
            }
            std::sort(out.begin(), out.end());
            return out;
        };
        return items(got) == items(expected);
    }
    auto lower = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    std::string g = lower(got);
    if (g.size() >= 2 && (g.front() == '\'' || g.front() == '"') && g.back() == g.front()) g = g.substr(1, g.size() - 2);
    return g == lower(trim(expected));
}

}  // namespace interp

const EnvKind& interp_kind() {
    static const InterpKind kind;
    return kind;
}

}  // namespace envforge
