#include "envgen/code/code_env.hpp"

#include <cmath>

#include "common/errors.hpp"
#include "common/json_fields.hpp"

namespace envforge::code {

namespace {

Json strings_json(const std::vector<std::string>& v) {
    JsonArray a;
    for (const auto& s : v) a.emplace_back(s);
    return Json(std::move(a));
}

// A directory of the repository, as the runner and the verifier take it.
void check_dir(const JsonFields& f, const char* key, const std::string& dir) {
    if (dir != "." && !safe_relative(dir))
        throw InvalidInput(f.path(key) + ": '" + dir + "' must be relative and stay inside the repository");
}

}  // namespace

Json CodeEnv::to_json() const {
    Json env = Json::object({{"files", files_to_json(files)},
                             {"source_dirs", strings_json(source_dirs)},
                             {"test_dir", test_dir},
                             {"runner", runner},
                             {"roots", strings_json(roots)},
                             {"own", strings_json(own)},
                             {"test_timeout", test_timeout}});
    if (!dist_name.empty()) env.set("dist", Json(JsonArray{Json(dist_name), Json(dist_version)}));
    if (!test_limits.empty()) {
        Json limits = Json::object();
        for (const auto& [id, seconds] : test_limits) limits.set(id, seconds);
        env.set("test_limits", limits);
    }
    if (test_patterns) env.set("test_patterns", strings_json(*test_patterns));
    return env;
}

CodeEnv CodeEnv::from_json(const Json& env) {
    const JsonFields f(env, "env");
    CodeEnv e;
    e.files = files_from_json(f.required("files"));
    e.source_dirs = f.strings("source_dirs");
    for (const auto& d : e.source_dirs) check_dir(f, "source_dirs", d);
    e.test_dir = f.string_or("test_dir", "tests");
    check_dir(f, "test_dir", e.test_dir);
    e.runner = f.string_or("runner", "unittest");
    if (e.runner != "unittest" && e.runner != "pytest" && e.runner != "auto")
        throw InvalidInput("env.runner: '" + e.runner + "', expected unittest, pytest or auto");
    if (f.optional("roots")) e.roots = f.strings("roots");
    for (const auto& r : e.roots) check_dir(f, "roots", r);
    if (f.optional("own")) e.own = f.strings("own");
    e.test_timeout = f.number_or("test_timeout", 120);
    if (!(e.test_timeout > 0 && e.test_timeout <= 86400)) throw InvalidInput("env.test_timeout: expected seconds in (0, 86400]");
    if (f.optional("dist")) {
        const std::vector<std::string> dist = f.strings("dist");
        if (dist.size() != 2) throw InvalidInput("env.dist: expected [name, version]");
        e.dist_name = dist[0];
        e.dist_version = dist[1];
    }
    if (f.optional("test_limits")) e.test_limits = f.numbers_by_name("test_limits");
    for (const auto& [id, seconds] : e.test_limits)
        if (!(seconds > 0 && seconds <= 86400)) throw InvalidInput("env.test_limits." + id + ": expected seconds in (0, 86400]");
    e.test_patterns = f.strings_if_present("test_patterns");
    return e;
}

RunnerConfig CodeEnv::runner_config() const {
    RunnerConfig c;
    c.runner = runner;
    c.test_dir = test_dir;
    c.roots = roots;
    c.own = own;
    c.per_test_seconds = kTaskPerTestSeconds;
    c.limits = test_limits;
    c.dist_name = dist_name;
    c.dist_version = dist_version;
    return c;
}

CodeEnv project_env(const Project& p, const Files& files) {
    CodeEnv e;
    e.files = files;
    e.source_dirs = p.source_dirs;
    e.test_dir = p.test_dir;
    e.runner = p.runner;
    e.roots = p.roots;
    e.own = p.own;
    e.test_timeout = p.test_timeout;  // whole-suite runs of the agent's code end after this long (it may loop forever)
    e.dist_name = p.dist_name;
    e.dist_version = p.dist_version;
    // Slow tests keep their own limits in the agent's and the verifier's runs, rounded up to
    // whole seconds in the task.
    for (const auto& [id, limit] : slow_test_limits(p, kTaskPerTestSeconds)) e.test_limits[id] = std::ceil(limit);
    return e;
}

}  // namespace envforge::code
