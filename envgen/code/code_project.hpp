// A Python project used as a seed for code tasks: its files, its unittest suite run in the
// sandbox with JUnit output (the gold state run N times, flaky tests set apart), and the mutants
// made on its parsed source (envgen/code/mutate.py, run by the sandbox's interpreter).
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/json.hpp"

namespace envforge::sandbox {
class Sandbox;
}

namespace envforge::code {

struct TestOutcome {
    std::string id;      // tests.test_x.Class.test_y
    std::string status;  // passed | failed | error | skipped | xfail | xpass (the last three are neutral)
    std::string message;
    double seconds = 0;
    bool neutral() const { return status == "skipped" || status == "xfail" || status == "xpass"; }
};

struct TestRun {
    std::vector<TestOutcome> tests;
    std::string error;                              // the run itself failed (no report: timeout, crash, killed)
    std::string runner;                             // what ran the suite: unittest or pytest
    bool timed_out = false;                         // the whole run reached its time limit
    std::map<std::string, std::set<int>> coverage;  // file -> lines the tests ran (when asked)
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

// How a suite is run: what the runner (envgen/code/junit_runner.py) is told on stdin.
struct RunnerConfig {
    std::string runner = "unittest";  // unittest | pytest | auto (pytest when installed)
    std::string test_dir = "tests";
    std::vector<std::string> roots = {"."};  // import roots, relative to the repository
    std::vector<std::string> own;            // the project's top-level packages (never taken from site-packages)
    std::string dist_name, dist_version;     // registered as installed (importlib.metadata), when known
    std::vector<std::string> ids;            // tests to run (default: all)
    double per_test_seconds = 0;             // each test's time limit (0: none)
    std::map<std::string, double> limits;    // tests with a longer limit of their own
    int max_timeouts = 0;                    // stop the suite after this many tests ran out of time (0: never)
    std::vector<std::string> compile;        // files that must compile before anything runs (a mutant's)
    std::vector<std::string> coverage;       // report the lines the tests ran in files under these paths
    Json to_json() const;
};

struct Project {
    std::string name, description, dir;
    std::vector<std::string> source_dirs;  // mutated and taken from the agent (test files inside them excluded)
    std::string test_dir = "tests";
    std::string runner = "unittest";                  // unittest | pytest | auto (pytest when installed)
    std::vector<std::string> roots, own;              // import roots and top-level packages (from the source dirs)
    std::string dist_name, dist_version;              // from pyproject.toml / setup.cfg
    std::map<std::string, double> gold_test_seconds;  // slowest of the gold runs, per test
    Files files;
    std::vector<std::string> passing;  // passed in every gold run
    std::vector<std::string> flaky;    // passed in some gold runs and not others
    std::vector<std::string> neutral;  // skipped, expected failures: in no verdict
    std::vector<std::string> broken;   // failed in every gold run, set aside when asked (ignore_failing)
    bool ignore_failing = false;
    std::vector<Mutant> mutants;
    int gold_runs = 0;
    size_t uncovered_mutants = 0;  // candidates dropped because no test runs their line
    double gold_seconds = 0;       // the slowest gold run: mutants get a multiple of it (they may loop forever)
    double test_timeout = 60;      // seed.json "test_timeout": the agent's suite runs end after this long
};

// Whether a path is relative and stays inside its root (no "..", ".", or NUL).
bool safe_relative(const std::string& path);
// Writes `files` under `dir` (creating directories); paths must be relative and stay inside.
void write_files(const std::string& dir, const Files& files);
// Reads every regular file below `dir` (skipping .git, __pycache__ and symlinks).
Files read_tree(const std::string& dir);
// Files in a task: text as JSON strings, and content that is not UTF-8 (fixtures in other
// encodings, binary data) as {"base64": "..."}, so every stored task stays valid JSON.
Json files_to_json(const Files& files);
Files files_from_json(const Json& files);  // InvalidInput on an unsafe path or a malformed entry

// The project's config with the given ids (the gold or a mutant's run).
RunnerConfig runner_config(const Project& p, std::vector<std::string> ids = {});

// Each test's default time limit in the agent's and the verifier's runs (CodeEnv::runner_config).
inline constexpr double kTaskPerTestSeconds = 10.0;

// Limits of their own for the tests that would not fit under `per_test`, the default of the run
// they are in: ten times the slowest gold run, plus a second, so a busy machine does not fail
// the gold code.
std::map<std::string, double> slow_test_limits(const Project& p, double per_test);

// Runs the suite (or the configured test ids) in a fresh sandbox over `dir`, reading the JUnit
// report that the runner frames with a nonce (so test output cannot forge it).
boost::asio::awaitable<TestRun> run_tests(sandbox::Sandbox& box, const std::string& dir, const RunnerConfig& config,
                                          double timeout_seconds = 300);

// The runner's JUnit report (attributes in double or single quotes, as Python's quoteattr writes
// them when a value holds a double quote).
std::vector<TestOutcome> parse_junit(std::string_view xml);

// A project's description without running anything: seed.json or `overrides` (source dirs,
// test dir, runner), its import layout and distribution, and its files. Throws InvalidInput for
// source or test directories that are missing or hold no Python.
Project describe_project(const std::string& dir, const Json& overrides = Json::object());

// Loads a project (seed.json, or the given source dirs and test dir for a user repository),
// runs its suite `gold_runs` times and makes its mutants. Throws InvalidInput naming the failing
// tests when the seed does not pass its own suite.
Project load_project(const std::string& dir, int gold_runs, const Json& overrides = Json::object());

// The bundled seeds (datasets/seeds/code/*): $ENVFORGE_SEEDS_DIR, else <prefix>/share/envforge/seeds/code
// of an installed envforge, else the source tree's.
std::vector<std::string> bundled_seed_dirs();

// run_tests outside any event loop (synthesis): on this thread's own io_context and sandbox.
TestRun run_tests_blocking(const std::string& dir, const RunnerConfig& config, double timeout_seconds = 300);

// Whether `path` (relative to the repository) is a file of the test directory.
bool in_test_dir(const std::string& path, const std::string& test_dir);

}  // namespace envforge::code
