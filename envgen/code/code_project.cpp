#include "envgen/code/code_project.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "common/errors.hpp"
#include "common/install_paths.hpp"
#include "envgen/code/mutation.hpp"
#include "envgen/code/repo_layout.hpp"
#include "envgen/episode_workspace.hpp"

#ifndef ENVFORGE_SOURCE_DIR
#define ENVFORGE_SOURCE_DIR "."
#endif

namespace envforge::code {

namespace fs = std::filesystem;

Project describe_project(const std::string& dir, const Json& overrides) {
    Project p;
    p.dir = dir;
    if (!fs::is_directory(dir)) throw InvalidInput("repository '" + dir + "' is not a directory");
    Json seed = Json::object();
    if (fs::exists(dir + "/seed.json")) seed = Json::parse(read_text(dir + "/seed.json"), dir + "/seed.json");
    for (const auto& m : overrides.as_object()) seed.set(m.key, m.value);
    p.name = seed.get_string("name", fs::path(dir).filename().string());
    p.description = seed.get_string("description");
    p.test_dir = seed.get_string("test_dir", "tests");
    p.runner = seed.get_string("runner", "unittest");
    p.test_timeout = seed.get_number("test_timeout", 60);
    p.ignore_failing = seed.get_bool("ignore_failing", false);
    if (p.runner != "unittest" && p.runner != "pytest" && p.runner != "auto")
        throw InvalidInput("project '" + dir + "': runner must be unittest, pytest or auto, not '" + p.runner + "'");
    if (const Json* sd = seed.find("source_dirs"); sd && sd->is_array())
        for (const Json& d : sd->as_array()) {
            std::string s = d.as_string();
            while (s.size() > 1 && s.back() == '/') s.pop_back();
            p.source_dirs.push_back(s);
        }
    if (p.source_dirs.empty()) throw InvalidInput("project '" + dir + "': no source directories (seed.json 'source_dirs', or --src)");
    for (const auto& d : p.source_dirs) {
        const fs::path full = fs::path(dir) / d;
        if (d.empty() || d[0] == '/' || d.find("..") != std::string::npos)
            throw InvalidInput("--src '" + d + "': expected a directory inside the repository, relative to it");
        if (!fs::exists(full)) throw InvalidInput("--src '" + d + "': no such directory in '" + dir + "'");
        bool any_py = d.ends_with(".py");
        if (fs::is_directory(full))
            for (auto it = fs::recursive_directory_iterator(full); it != fs::recursive_directory_iterator() && !any_py; ++it)
                any_py = it->path().extension() == ".py";
        if (!any_py) throw InvalidInput("--src '" + d + "': holds no Python files");
    }
    if (!fs::exists(fs::path(dir) / p.test_dir))
        throw InvalidInput("--test-dir '" + p.test_dir + "': no such directory (or test file) in '" + dir + "'");
    import_layout(p);
    distribution(p);
    p.files = read_tree(dir);
    p.files.erase("seed.json");
    return p;
}

namespace {

// Only lines some test runs can make a task: one traced run of the suite finds them, and the
// rest of the candidates are dropped before any is tried.
void drop_uncovered_mutants(Project& p) {
    RunnerConfig traced = runner_config(p);
    traced.coverage = p.source_dirs;
    PrivateDir cov_dir("coverage");
    write_files(cov_dir.path(), p.files);
    const auto t0 = std::chrono::steady_clock::now();
    const TestRun cov = run_tests_blocking(cov_dir.path(), traced, std::max(600.0, 10 * p.gold_seconds));
    if (cov.ok() && !cov.coverage.empty()) {
        const size_t before = p.mutants.size();
        std::erase_if(p.mutants, [&](const Mutant& m) {
            auto it = cov.coverage.find(m.file);
            return it == cov.coverage.end() || !it->second.count(m.line);
        });
        p.uncovered_mutants = before - p.mutants.size();
    }
    std::fprintf(stderr, "code: %s: coverage run in %.1f s: %zu of %zu candidate mutants are on lines no test runs\n", p.name.c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), p.uncovered_mutants,
                 p.mutants.size() + p.uncovered_mutants);
}

}  // namespace

Project load_project(const std::string& dir, int gold_runs, const Json& overrides) {
    Project p = describe_project(dir, overrides);
    // The gold state, N times: a test counts when it passed every time; one that passed only
    // sometimes is flaky and is left out of every verdict, as are skipped and expected failures.
    std::map<std::string, int> passes, neutral;
    std::set<std::string> seen;
    std::vector<TestOutcome> last;
    PrivateDir gold("gold");
    const std::string run_dir = gold.path();
    write_files(run_dir, p.files);
    for (int i = 0; i < gold_runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        TestRun r = run_tests_blocking(run_dir, runner_config(p), std::max(600.0, 3 * p.test_timeout));
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        p.gold_seconds = std::max(p.gold_seconds, secs);
        if (!r.ok()) throw InvalidInput("project '" + p.name + "': " + r.error);
        // "auto" becomes what this sandbox actually ran, so tasks name tests one way for good.
        if (p.runner == "auto" && !r.runner.empty()) p.runner = r.runner;
        for (const auto& t : r.tests) {
            seen.insert(t.id);
            if (t.status == "passed") ++passes[t.id];
            else if (t.neutral()) ++neutral[t.id];
            p.gold_test_seconds[t.id] = std::max(p.gold_test_seconds[t.id], t.seconds);
        }
        std::fprintf(stderr, "code: %s: gold run %d/%d: %zu tests in %.1f s\n", p.name.c_str(), i + 1, gold_runs, r.tests.size(), secs);
        last = std::move(r.tests);
    }
    gold.remove();
    std::vector<std::string> failing;
    for (const auto& id : seen) {
        const int n = passes.count(id) ? passes[id] : 0;
        if (n == gold_runs) p.passing.push_back(id);
        else if (neutral.count(id) && n + neutral[id] == gold_runs) p.neutral.push_back(id);
        else if (n > 0) p.flaky.push_back(id);
        else failing.push_back(id);
    }
    if (!failing.empty() && p.ignore_failing) {
        // Tests that fail in this sandbox whatever the source (they need the network, a missing
        // file, another platform): out of every verdict, as SWE-bench leaves them out of PASS_TO_PASS.
        p.broken = failing;
        failing.clear();
    }
    if (!failing.empty()) {
        const std::set<std::string> failing_ids(failing.begin(), failing.end());
        std::vector<const TestOutcome*> failed;
        for (const auto& t : last)
            if (failing_ids.count(t.id)) failed.push_back(&t);
        if (std::string cause = missing_module_cause(p, failed); !cause.empty()) throw InvalidInput("project '" + p.name + "': " + cause);
        std::string names;
        for (size_t i = 0; i < failing.size() && i < 10; ++i) names += (i ? ", " : "") + failing[i];
        std::string first = failed.empty() ? "" : failed[0]->message.substr(0, 200);
        for (auto& c : first)
            if (c == '\n') c = ' ';
        throw InvalidInput("project '" + p.name + "' does not pass its own suite: " + std::to_string(failing.size()) + " failing (" +
                           names + ")" + (first.empty() ? "" : "; first: " + first) +
                           "; --ignore-failing sets tests that always fail aside");
    }
    if (p.passing.empty()) throw InvalidInput("project '" + p.name + "': the suite ran no test (is --test-dir right?)");
    p.gold_runs = gold_runs;
    p.mutants = make_mutants(p);
    drop_uncovered_mutants(p);
    std::fprintf(stderr,
                 "code: %s: %zu passing tests (%zu flaky, %zu skipped or expected failures, %zu always failing and set aside), %zu "
                 "candidate mutants\n",
                 p.name.c_str(), p.passing.size(), p.flaky.size(), p.neutral.size(), p.broken.size(), p.mutants.size());
    return p;
}

std::vector<std::string> bundled_seed_dirs() {
    std::string root;
    if (const char* env = std::getenv("ENVFORGE_SEEDS_DIR"); env && *env) root = env;
    else if (std::string installed = installed_data_path("seeds/code"); !installed.empty()) root = installed;
    else root = std::string(ENVFORGE_SOURCE_DIR) + "/datasets/seeds/code";
    std::vector<std::string> out;
    if (fs::is_directory(root))
        for (const auto& e : fs::directory_iterator(root))
            if (e.is_directory() && fs::exists(e.path() / "seed.json")) out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    if (out.empty()) throw IoError("no bundled code seeds in '" + root + "' (set ENVFORGE_SEEDS_DIR)");
    return out;
}

}  // namespace envforge::code
