#include "envgen/code/history_tasks.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "common/errors.hpp"
#include "envgen/code/code_env.hpp"
#include "envgen/code/code_task.hpp"
#include "envgen/episode_workspace.hpp"
#include "envgen/synth_util.hpp"
#include "tasks/scripted_policy.hpp"

namespace envforge::code {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string iso_time(int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

Json strings(const std::vector<std::string>& v) {
    JsonArray a;
    for (const auto& s : v) a.emplace_back(s);
    return Json(std::move(a));
}

// The commit's source changes written over the tree in `dir` (renamed files leave their old path).
void apply_on_disk(const std::string& dir, const CandidateTrees& t, const Candidate& c) {
    Files changed;
    for (const auto& f : c.source) {
        std::error_code ec;
        if (!f.old_path.empty()) fs::remove(fs::path(dir) / f.old_path, ec);
        if (auto it = t.gold.find(f.path); it != t.gold.end()) changed[f.path] = it->second;
        else fs::remove(fs::path(dir) / f.path, ec);
    }
    write_files(dir, changed);
}

std::map<std::string, std::string> statuses(const TestRun& r) {
    std::map<std::string, std::string> out;
    for (const auto& t : r.tests) out[t.id] = t.status;
    return out;
}

// A suite that cannot import names what is missing.
std::string missing_module(const TestRun& r) {
    for (const auto& t : r.tests)
        if (const size_t at = t.message.find("No module named '"); at != std::string::npos) {
            const size_t b = at + 17, e = t.message.find('\'', b);
            return "the suite imports '" + t.message.substr(b, e - b) + "', which the sandbox's python3 does not have";
        }
    return "";
}

std::string failing_text(const TestRun& pre, const std::vector<std::string>& f2p) {
    std::string out;
    const std::set<std::string> wanted(f2p.begin(), f2p.end());
    for (const auto& t : pre.tests) {
        if (!wanted.count(t.id) || out.size() > 3000) continue;
        std::string msg = t.message.empty() ? t.status : t.message;
        if (msg.size() > 500) msg = msg.substr(0, 500) + "…";
        for (size_t at = 0; (at = msg.find('\n', at)) != std::string::npos; at += 5) msg.replace(at, 1, "\n    ");
        out += (t.status == "failed" ? "FAIL: " : "ERROR: ") + t.id + "\n    " + msg + "\n";
    }
    // A test that did not run: its module did not import (reported once, under the file's name).
    std::set<std::string> files_said;
    for (const auto& id : f2p) {
        if (pre.find(id) != nullptr) continue;
        const std::string file = id.substr(0, id.find("::"));
        const TestOutcome* module = pre.find(file);
        if (module && files_said.insert(file).second && out.size() < 3000)
            out += "ERROR: " + file + " does not import\n    " + module->message.substr(0, 500) + "\n";
        else if (!module) out += "MISSING: " + id + " (the test does not run at all yet)\n";
    }
    return out;
}

// The real fix through the tools: read what the fix touches, write each changed source file as
// the commit has it (removing what it deletes), run the tests, submit.
std::vector<ScriptTurn> reference_script(const CandidateTrees& t, const Candidate& c) {
    std::vector<ScriptTurn::Call> writes;
    std::vector<std::string> removed;
    for (const auto& f : c.source) {
        if (!f.old_path.empty()) removed.push_back(f.old_path);
        if (auto it = t.gold.find(f.path); it != t.gold.end())
            writes.push_back({"write_file", Json::object({{"path", f.path}, {"content", it->second}})});
        else removed.push_back(f.path);
    }
    if (!removed.empty()) {
        std::string cmd = "rm -f";
        for (const auto& r : removed) cmd += " '" + r + "'";
        writes.push_back({"bash", Json::object({{"command", cmd}})});
    }
    const std::string first = c.source[0].old_path.empty() ? c.source[0].path : c.source[0].old_path;
    std::vector<ScriptTurn> script;
    if (t.base.count(first)) script.push_back({"Read the code the failure points to.", {{"read_file", Json::object({{"path", first}})}}});
    script.push_back({"Apply the fix.", std::move(writes)});
    script.push_back({"Check the suite.", {{"run_tests", Json::object()}}});
    script.push_back({"Done.", {{"submit", Json::object()}}});
    return script;
}

Task make_history_task(const HistoryOptions& o, const Project& p, const Candidate& c, const CandidateTrees& trees,
                       const std::string& statement, const std::vector<std::string>& f2p, const std::vector<std::string>& p2p,
                       const std::vector<std::string>& flaky, const std::vector<std::string>& neutral,
                       const std::vector<std::string>& broken) {
    Task t;
    t.kind = "code";
    t.seed = std::stoull(c.commit.hash.substr(0, 13), nullptr, 16);
    t.difficulty = fix_difficulty(c, trees.hunks);
    t.generator_name = "code.history";
    t.generator_version = "1";
    set_code_tools(t);
    t.prompt = statement;
    CodeEnv env = project_env(p, trees.base);
    env.test_patterns = o.rules.test_patterns;
    t.env = env.to_json();
    // The commit's tests, which the checkout lacks: laid over the parent's tree at verification.
    Files hidden;
    std::vector<std::string> removed;
    for (const auto& f : c.tests) {
        if (!f.old_path.empty()) removed.push_back(f.old_path);
        if (auto it = trees.with_tests.find(f.path); it != trees.with_tests.end()) hidden[f.path] = it->second;
        else removed.push_back(f.path);
    }
    t.verifier = Json::object({{"type", "code"},
                               {"f2p", strings(f2p)},
                               {"p2p", strings(p2p)},
                               {"flaky", strings(flaky)},
                               {"neutral", strings(neutral)},
                               {"broken", strings(broken)},
                               {"hidden_files", files_to_json(hidden)},
                               {"removed_files", strings(removed)},
                               {"history", Json::object({{"repo", o.name},
                                                         {"commit", c.commit.hash},
                                                         {"base_commit", c.commit.parent},
                                                         {"created_at", iso_time(c.commit.time)},
                                                         {"subject", c.commit.subject}})}});
    std::string failing_file;
    for (const auto& f : c.tests)
        if (!hidden.empty() && hidden.count(f.path)) {
            failing_file = f.path;
            break;
        }
    const std::string fix_file = c.source[0].path;
    const auto fixed = trees.gold.find(fix_file);
    JsonArray probes = code_probes(failing_file, fix_file, (fixed == trees.gold.end() ? "" : fixed->second) + "\ndef broken(:\n    pass\n",
                                   p.test_dir);
    t.reference = reference_json(script_to_json(reference_script(trees, c)), Json(), std::move(probes));
    t.reference.set("patch", trees.patch);
    t.reference.set("test_patch", trees.test_patch);
    set_code_limits(t);
    t.finalize();
    return t;
}

}  // namespace

std::string history_statement(const std::string& project, const std::string& subject, const FixTokens& fix,
                              const std::string& failing_output, const std::vector<std::string>& f2p) {
    std::string t = "Bug report for `" + project + "`\n\n";
    if (!subject.empty() && leak_in(subject, fix).empty()) t += subject + "\n\n";
    t += "These tests fail and must pass:\n\n" + failing_output + "\nFailing tests:";
    for (size_t i = 0; i < f2p.size() && i < 8; ++i) t += (i ? ", " : " ") + f2p[i];
    if (f2p.size() > 8) t += ", and " + std::to_string(f2p.size() - 8) + " more";
    t += "\n\nChange the source so that they pass and the rest of the suite still does. Some of these tests are not in your "
         "checkout: the verifier runs them as named here. Changes to tests are not kept.";
    return t;
}

namespace {

// The source directories that exist in this tree: a project that moved its package (tomli's
// tomli/ became src/tomli/) is named by both with --src, and each commit has one of them.
std::vector<std::string> present_dirs(const std::vector<std::string>& dirs, const Files& tree) {
    std::vector<std::string> out;
    for (const std::string& d : dirs) {
        const std::string prefix = d + "/";
        for (const auto& entry : tree)
            if (entry.first.compare(0, prefix.size(), prefix) == 0) {
                out.push_back(d);
                break;
            }
    }
    return out.empty() ? dirs : out;
}

}  // namespace

namespace {

// The tests of the parent run (with the commit's tests) against those of the commit's run.
struct RunComparison {
    std::vector<std::string> f2p, p2p, neutral, broken, breaks;
};

RunComparison compare_runs(const TestRun& pre, const TestRun& gold) {
    RunComparison c;
    const auto before = statuses(pre), after = statuses(gold);
    for (const auto& [id, status] : after) {
        const auto b = before.find(id);
        const bool passed_before = b != before.end() && b->second == "passed";
        if (status == "passed") {
            if (passed_before) c.p2p.push_back(id);
            else if (b == before.end() || b->second == "failed" || b->second == "error") c.f2p.push_back(id);
            else c.neutral.push_back(id);  // skipped before, passing now: in no verdict
        } else if (passed_before && (status == "failed" || status == "error")) {
            c.breaks.push_back(id);
        } else if (status == "failed" || status == "error") {
            c.broken.push_back(id);  // failing at both: set aside, as always-failing tests are
        } else {
            c.neutral.push_back(id);
        }
    }
    for (const auto& [id, status] : before)
        if (status == "passed" && !after.count(id)) c.breaks.push_back(id + " (gone)");
    return c;
}

// The gold state again, the way the verifier runs it: the fail-to-pass tests alone, the
// pass-to-pass tests alone, the fail-to-pass tests once more (`runs` in all). A test that does
// not pass every time is flaky, and so is one that passes only after others ran (a suite whose
// imports work by the order of its modules): the verifier would see it fail. `slowest` gets
// each test's longest time.
std::set<std::string> flaky_as_verified(const std::string& dir, const RunnerConfig& cfg, double limit, int runs,
                                        const std::vector<std::string>& f2p, const std::vector<std::string>& p2p, const TestRun& gold,
                                        std::map<std::string, double>& slowest) {
    std::set<std::string> flaky;
    for (const auto& t : gold.tests) slowest[t.id] = t.seconds;
    for (int i = 1; i < runs + 1; ++i) {
        const std::vector<std::string>& ids = i == 2 ? p2p : f2p;
        if (ids.empty()) continue;
        RunnerConfig subset = cfg;
        subset.ids = ids;
        const TestRun again = run_tests_blocking(dir, subset, limit);
        const auto st = statuses(again);
        for (const auto& t : again.tests) slowest[t.id] = std::max(slowest[t.id], t.seconds);
        for (const auto& id : ids)
            if (!again.ok() || !st.count(id) || st.at(id) != "passed") flaky.insert(id);
    }
    return flaky;
}

}  // namespace

HistoryOutcome check_commit(const HistoryOptions& o, const Candidate& c) {
    HistoryOutcome out;
    out.commit = c.commit.hash;
    out.subject = c.commit.subject;
    const auto t0 = Clock::now();
    auto done = [&](std::string reason, std::string detail) {
        out.reason = std::move(reason);
        out.detail = std::move(detail);
        out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        return out;
    };
    const CandidateTrees trees = candidate_trees(o.repo, c);
    const PrivateDir dir("history");
    write_files(dir.path(), trees.with_tests);
    Json overrides = Json::object({{"source_dirs", strings(present_dirs(o.rules.source_dirs, trees.with_tests))},
                                   {"test_dir", o.test_dir},
                                   {"runner", o.runner},
                                   {"test_timeout", o.test_timeout}});
    Project p;
    try {
        p = describe_project(dir.path(), overrides);
    } catch (const InvalidInput& e) {
        return done("setup_failed", e.what());
    }
    p.name = o.name;
    RunnerConfig cfg = runner_config(p);
    cfg.per_test_seconds = 30;
    cfg.max_timeouts = 3;
    const double limit = 2 * o.test_timeout + 60;
    const TestRun pre = run_tests_blocking(dir.path(), cfg, limit);
    if (!pre.ok()) return done(pre.timed_out ? "timeout" : "setup_failed", "at the parent with the new tests: " + pre.error);
    if (p.runner == "auto" && !pre.runner.empty()) cfg.runner = p.runner = pre.runner;
    apply_on_disk(dir.path(), trees, c);
    const auto g0 = Clock::now();
    TestRun gold = run_tests_blocking(dir.path(), cfg, limit);
    out.suite_seconds = std::chrono::duration<double>(Clock::now() - g0).count();
    if (!gold.ok()) return done(gold.timed_out ? "timeout" : "setup_failed", "at the commit: " + gold.error);
    auto [f2p, p2p, neutral, broken, breaks] = compare_runs(pre, gold);
    if (!breaks.empty())
        return done("breaks_passing_test",
                    breaks.front() + (breaks.size() > 1 ? " and " + std::to_string(breaks.size() - 1) + " more" : ""));
    if (f2p.empty()) {
        if (p2p.empty()) {
            const std::string cause = missing_module(gold);
            return done("setup_failed", cause.empty() ? "no test passes at the commit" : cause);
        }
        return done("no_fail_to_pass", std::to_string(p2p.size()) + " tests pass before and after");
    }
    std::map<std::string, double> slowest;
    const std::set<std::string> flaky = flaky_as_verified(dir.path(), cfg, limit, std::max(o.gold_runs, 2), f2p, p2p, gold, slowest);
    for (const auto& id : f2p)
        if (flaky.count(id)) return done("flaky", id + " did not pass in every run (the whole suite; alone, as the verifier runs it)");
    std::erase_if(p2p, [&](const std::string& id) { return flaky.count(id) > 0; });
    p.gold_test_seconds = slowest;
    out.fix = fix_tokens(trees, c);
    out.failing_output = failing_text(pre, f2p);
    out.patch = trees.patch;
    out.test_patch = trees.test_patch;
    out.message = c.commit.subject;
    const std::string statement = history_statement(o.name, c.commit.subject, out.fix, out.failing_output, f2p);
    out.task = make_history_task(o, p, c, trees, statement, f2p, p2p, {flaky.begin(), flaky.end()}, neutral, broken);
    return done("", std::to_string(f2p.size()) + " fail-to-pass, " + std::to_string(p2p.size()) + " pass-to-pass");
}

}  // namespace envforge::code
