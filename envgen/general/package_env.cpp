#include "envgen/general/package_env.hpp"

#include <fstream>

#include "common/errors.hpp"
#include "envgen/episode_workspace.hpp"
#include "envgen/general/package.hpp"
#include "envgen/general/world.hpp"
#include "envgen/synth_util.hpp"
#include "package_runtime.hpp"

namespace envforge::general {

namespace {

std::string hex(const std::string& s) {
    static const char* d = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() * 2);
    for (unsigned char c : s) {
        out += d[c >> 4];
        out += d[c & 15];
    }
    return out;
}

// The package's files in the episode's workspace (a plain function: an initializer list after
// a co_await trips GCC 12).
void write_package_files(const GeneralEnv& env, const std::string& dir) {
    for (const char* name : {"schema.sql", "tools.py", "verify.py"})  // each checked by GeneralEnv::from_json
        std::ofstream(dir + "/" + name, std::ios::binary) << env.package_files.at(name).as_string();
}

// The runtime's modules and the standard library a package's tools.py most often imports:
// imported once in the warm sandbox, not in every episode (datetime alone was half an
// episode's CPU for the bundled library package).
std::vector<std::string> package_preload() {
    return {"sqlite3",   "json",    "datetime",   "re",     "math",   "random",      "collections", "itertools",
            "functools", "decimal", "statistics", "string", "typing", "dataclasses", "enum",        "traceback"};
}

class PackageEnvironment final : public Environment {
public:
    boost::asio::awaitable<void> start(const Task& task) override {
        task_ = &task;
        const GeneralEnv env = GeneralEnv::from_json(task.env);
        if (env.domain != "package") throw InvalidInput("task " + task.id + ": env.domain '" + env.domain + "' is not a package");
        const sandbox::Limits limits = episode_limits(task.limits, 1ll << 30, 32);
        co_await ws_.create_warm(limits, package_preload());
        write_package_files(env, ws_.dir());
        co_await ws_.start_session(limits);
        auto r = co_await ws_.session().python(kPackageRuntime, 60);
        // A package that does not load (a syntax error in tools.py, bad SQL) is the environment's
        // failure, named so its author can fix it.
        if (!r.exception.empty() || r.session_lost) {
            const std::string why = r.exception.empty() ? "the session died" : r.exception.substr(r.exception.rfind('\n') + 1);
            throw InvalidInput("package '" + env.package_name + "' does not load: " + why);
        }
    }

    boost::asio::awaitable<ToolResult> call(const std::string& name, const Json& args) override {
        const ToolSpec* spec = task_->find_tool(name);
        if (spec->impl.get_bool("submit")) co_return ToolResult{"submitted", false, true, args};
        // A task may come from an import rather than a checked package: the function name goes
        // into the session's code only as a plain identifier.
        const std::string fn = spec->impl.get_string("py");
        if (!package_identifier(fn)) co_return ToolResult::error("tool '" + name + "' names no Python function");
        auto r = co_await ws_.session().python("_envforge_call('" + fn + "', '" + hex(args.dump()) + "')",
                                               task_->limits.call_timeout_seconds);
        if (r.session_lost) throw InvalidInput("package tool '" + name + "' killed its session");
        if (r.timed_out)
            co_return ToolResult::error("the tool ran past its " + std::to_string(static_cast<int>(task_->limits.call_timeout_seconds)) +
                                        " s limit");
        if (!r.exception.empty()) co_return ToolResult::error(r.exception.substr(r.exception.rfind('\n') + 1));
        const Json doc = Json::parse(r.out, "package tool output");
        if (const Json* e = doc.find("error")) co_return ToolResult::error(e->is_string() ? e->as_string() : e->dump());
        std::string out = doc.find("result") ? doc.at("result").dump() : "null";
        if (const Json* p = doc.find("printed")) out += "\n[printed]\n" + p->as_string();
        co_return ToolResult{out, false, false, Json()};
    }

    boost::asio::awaitable<Verdict> verify(const Json& final_answer) override {
        const Json* expected = task_->verifier.find("expected");
        const Json doc = Json::object({{"answer", final_answer}, {"expected", expected ? *expected : Json::object()}});
        auto r = co_await ws_.session().python("_envforge_verify('" + hex(doc.dump()) + "')", task_->limits.call_timeout_seconds);
        Checks c;
        if (!r.exception.empty() || r.session_lost || r.timed_out) {
            c.add("verify", false, r.timed_out ? "verify ran past its time limit" : "verify failed: " + r.exception);
            co_return c.verdict();
        }
        const Json v = Json::parse(r.out, "package verifier output");
        c.add("verify", v.get_bool("passed"), v.get_string("details"));
        Verdict verdict = c.verdict();
        verdict.reward = v.get_bool("passed") ? v.get_number("reward", 1.0) : 0.0;
        co_return verdict;
    }

    void close() override { ws_.close(); }

private:
    const Task* task_ = nullptr;
    EpisodeWorkspace ws_;
};

}  // namespace

std::unique_ptr<Environment> make_package_environment() { return std::make_unique<PackageEnvironment>(); }

}  // namespace envforge::general
