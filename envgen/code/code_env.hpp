// A code task's environment (Task::env), typed: synthesis (mutants and history) writes it with
// to_json, the episode and the verifier read it with from_json, and `import` checks it with
// one-line errors that name the member. The runner's settings are derived from it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "envgen/code/code_project.hpp"

namespace envforge::code {

struct CodeEnv {
    Files files;                           // the repository the agent starts from
    std::vector<std::string> source_dirs;  // where the agent's changes count
    std::string test_dir = "tests";
    std::string runner = "unittest";            // unittest | pytest | auto
    std::vector<std::string> roots = {"."};     // import roots
    std::vector<std::string> own;               // the project's top-level packages
    double test_timeout = 120;                  // seconds a whole-suite run of the agent's code may take
    std::string dist_name, dist_version;        // registered as installed, when known
    std::map<std::string, double> test_limits;  // slow tests' own limits, in whole seconds
    // Tasks mined from history: file names that are tests wherever they lie (never the agent's).
    std::optional<std::vector<std::string>> test_patterns;

    Json to_json() const;
    // Throws InvalidInput naming the member ("env.runner: ...").
    static CodeEnv from_json(const Json& env);
    // The suite runs' settings: 10 s a test, longer for the slow ones.
    RunnerConfig runner_config() const;
};

// The environment of a task made from `p`, starting from `files`.
CodeEnv project_env(const Project& p, const Files& files);

}  // namespace envforge::code
