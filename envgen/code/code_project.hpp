// A Python project used as a seed for code tasks: its files, its unittest suite run in the
// sandbox with JUnit output (the gold state run N times, flaky tests set apart), and the mutants
// made on its parsed source (envgen/code/mutate.py, run by the sandbox's interpreter).
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "tasks/json.hpp"

namespace envforge::sandbox {
class Sandbox;
}

namespace envforge::code {

struct TestOutcome {
    std::string id;      // tests.test_x.Class.test_y
    std::string status;  // passed | failed | error | skipped
    std::string message;
};

struct TestRun {
    std::vector<TestOutcome> tests;
    std::string error;  // the run itself failed (no report: timeout, crash, killed)
    std::string runner;  // what ran the suite: unittest or pytest
    bool ok() const { return error.empty(); }
    std::vector<std::string> ids(const char* status) const;
    const TestOutcome* find(const std::string& id) const;
};

struct Mutant {
    std::string file, op, description, old_text, new_text;
    int line = 0;
    size_t start = 0, end = 0;  // byte range of old_text in the original file
};

using Files = std::map<std::string, std::string>;  // relative path -> content

struct Project {
    std::string name, description, dir;
    std::vector<std::string> source_dirs;  // mutated and taken from the agent
    std::string test_dir = "tests";
    std::string runner = "unittest";  // unittest | pytest | auto (pytest when installed)
    Files files;
    std::vector<std::string> passing;  // passed in every gold run
    std::vector<std::string> flaky;    // passed in some gold runs and not others
    std::vector<Mutant> mutants;
    int gold_runs = 0;
    double gold_seconds = 0;   // the slowest gold run: mutants get a multiple of it (they may loop forever)
    double test_timeout = 60;  // seed.json "test_timeout": the agent's suite runs end after this long
};

// Writes `files` under `dir` (creating directories); paths must be relative and stay inside.
void write_files(const std::string& dir, const Files& files);
// Reads every regular file below `dir` (skipping .git, __pycache__ and symlinks).
Files read_tree(const std::string& dir);

// Runs the suite (or the given test ids) in a fresh sandbox over `dir`, reading the JUnit
// report that the runner frames with a nonce (so test output cannot forge it).
// per_test_seconds > 0 ends any single test after that long (as an error of that test).
boost::asio::awaitable<TestRun> run_tests(sandbox::Sandbox& box, const std::string& dir, const std::string& runner,
                                          const std::string& test_dir, const std::vector<std::string>& ids, double timeout_seconds = 300,
                                          double per_test_seconds = 0);

// Loads a project (seed.json, or the given source dirs and test dir for a user repository),
// runs its suite `gold_runs` times and makes its mutants. Throws InvalidInput naming the failing
// tests when the seed does not pass its own suite.
Project load_project(const std::string& dir, int gold_runs, const Json& overrides = Json::object());

// The bundled seeds (datasets/seeds/code/*), found next to the sources or via ENVFORGE_SEEDS_DIR.
std::vector<std::string> bundled_seed_dirs();

// run_tests outside any event loop (synthesis): on this thread's own io_context and sandbox.
TestRun run_tests_blocking(const std::string& dir, const std::string& runner, const std::string& test_dir,
                           const std::vector<std::string>& ids, double timeout_seconds = 300, double per_test_seconds = 0);

}  // namespace envforge::code
