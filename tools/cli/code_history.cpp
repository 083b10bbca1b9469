#include "tools/cli/code_history.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "common/errors.hpp"
#include "common/sha256.hpp"
#include "tools/cli/model_calls.hpp"
#include "tools/cli/policy_options.hpp"
#include "tools/cli/pipeline.hpp"
#include "tools/cli/progress.hpp"

namespace envforge::cli {

namespace {

using Clock = std::chrono::steady_clock;

// What the decisions of a run depend on: a rerun with other rules decides again.
std::string options_key(const code::HistoryOptions& o) {
    JsonArray src, tests, patterns;
    for (const auto& d : o.rules.source_dirs) src.emplace_back(d);
    for (const auto& d : o.rules.test_dirs) tests.emplace_back(d);
    for (const auto& p : o.rules.test_patterns) patterns.emplace_back(p);
    const Json key = Json::object({{"generator", "code.history@1"},
                                   {"src", Json(std::move(src))},
                                   {"test_dirs", Json(std::move(tests))},
                                   {"patterns", Json(std::move(patterns))},
                                   {"max_files", o.rules.max_source_files},
                                   {"max_lines", o.rules.max_source_lines},
                                   {"test_dir", o.test_dir},
                                   {"runner", o.runner},
                                   {"test_timeout", o.test_timeout},
                                   {"gold_runs", o.gold_runs}});
    return sha256_hex(key.dump_canonical()).substr(0, 16);
}

std::string extension_of(const std::string& path) {
    const std::string name = path.substr(path.rfind('/') + 1);
    const size_t dot = name.rfind('.');
    return dot == std::string::npos || dot == 0 ? "(no extension)" : name.substr(dot);
}

std::vector<Message> issue_request(const code::HistoryOutcome& o) {
    std::string user =
        "Write the GitHub issue that a user would have filed before this commit was made: what goes wrong, how to see it, "
        "what was expected. Rules: plain text, at most 200 words; do not name tests or test functions; do not describe or "
        "hint at the fix; quote no code from the change below.\n\nCommit message:\n" +
        o.message + "\n\nThe change (for you only):\n" + o.patch.substr(0, 6000) + "\nThe tests it added or changed:\n" +
        o.test_patch.substr(0, 6000) + "\nWhat those tests reported before the change:\n" + o.failing_output.substr(0, 3000);
    return {Message::system("You write clear, faithful bug reports for software projects."), Message::user(user)};
}

// Why a model-written issue cannot be used ("" when it can).
std::string issue_problem(const std::string& text, const code::HistoryOutcome& o) {
    if (text.find_first_not_of(" \n\t") == std::string::npos) return "empty";
    if (const std::string leak = code::leak_in(text, o.fix); !leak.empty()) return "gives the fix away (" + leak + ")";
    for (const Json& id : o.task->verifier.at("f2p").as_array()) {
        std::string name = id.as_string();
        name = name.substr(name.find_last_of(".:") + 1);
        if (name.size() > 5 && text.find(name) != std::string::npos) return "names a test (" + name + ")";
    }
    if (text.find("\n+") != std::string::npos || text.find("@@ ") != std::string::npos) return "quotes the diff";
    return "";
}

// The model writes each task's issue; a reply that leaks leaves the task with its own statement.
void write_issues(Store& store, const HistoryConfig& cfg, std::vector<code::HistoryOutcome>& made, HistorySummary& s) {
    auto policy = make_policy(cfg.llm, cfg.llm_options);
    std::vector<PolicyRequest> requests;
    for (const auto& o : made) {
        PolicyRequest r;
        r.prompt = issue_request(o);
        r.seed = o.task->seed;
        requests.push_back(std::move(r));
    }
    Progress progress("history issues", static_cast<int64_t>(made.size()), cfg.quiet);
    const auto replies = ask_all(*policy, requests, cfg.jobs * 4, &progress);
    progress.finish();
    std::vector<SynthesisCall> calls;
    for (size_t i = 0; i < made.size(); ++i) {
        code::HistoryOutcome& o = made[i];
        SynthesisCall call{o.task->id, "issue", "", false, "", raw_record(requests[i], replies[i])};
        if (replies[i].infra) ++s.llm_infra, call.reason = "server: " + replies[i].error;
        else if (!replies[i].message) call.reason = "malformed reply";
        else call.reason = issue_problem(replies[i].message->content.value_or(""), o);
        if (call.reason.empty()) {
            Task t = *o.task;
            t.prompt = replies[i].message->content.value_or("") +
                       "\n\nChange the source so that this is fixed. Tests the verifier runs may not be in your checkout; changes to "
                       "tests are not kept.";
            t.generator_name = "code.history+llm";
            t.verifier["history"].set("statement", "model");
            t.finalize();
            o.task = std::move(t);
            call.accepted = true;
            call.task_id = o.task->id;
            ++s.llm_written;
        } else if (!replies[i].infra) {
            ++s.llm_dropped;
        }
        calls.push_back(std::move(call));
    }
    store.add_synthesis_calls(calls);
}

// The first-parent commits of the range, and those that make candidates (the others counted
// by the scan's reason, the files left out of patches by their kind).
std::vector<code::Candidate> scan_candidates(const HistoryConfig& cfg, HistorySummary& s) {
    const std::vector<code::Commit> commits = code::scan_history(cfg.options.repo, cfg.range, cfg.max_commits);
    s.scanned = commits.size();
    std::vector<code::Candidate> candidates;
    for (const auto& c : commits) {
        code::Candidate cand;
        const std::string why = code::candidate_of(c, cfg.options.rules, cand);
        for (const auto& d : cand.dropped) ++s.dropped_files[extension_of(d)];
        if (!why.empty()) ++s.rejected[why];
        else candidates.push_back(std::move(cand));
    }
    s.candidates = candidates.size();
    return candidates;
}

// The candidates no earlier run with the same options decided (what those runs decided is
// counted in the summary).
std::vector<const code::Candidate*> undecided(Store& store, const std::string& repo, const std::string& key,
                                              const std::vector<code::Candidate>& candidates, HistorySummary& s) {
    const auto decided = store.history_decisions(repo, key);
    std::vector<const code::Candidate*> todo;
    for (const auto& c : candidates) {
        auto it = decided.find(c.commit.hash);
        if (it == decided.end()) {
            todo.push_back(&c);
            continue;
        }
        ++s.already_decided;
        if (it->second.task_id.empty()) ++s.rejected[it->second.reason];
        else ++s.tasks, s.check_seconds_sum += it->second.seconds, s.suite_seconds_sum += it->second.suite_seconds;
    }
    return todo;
}

// One candidate's execution check; an exception (a git or sandbox failure) is a setup failure
// of that commit, not of the run.
code::HistoryOutcome checked(const code::HistoryOptions& o, const code::Candidate& c) {
    code::HistoryOutcome out;
    try {
        out = code::check_commit(o, c);
    } catch (const std::exception& e) {
        out.commit = c.commit.hash;
        out.reason = "setup_failed";
        out.detail = e.what();
    }
    if (std::getenv("ENVFORGE_DEBUG") && !out.task)
        std::fprintf(stderr, "history: %s %s: %s\n", out.commit.substr(0, 10).c_str(), out.reason.c_str(), out.detail.c_str());
    return out;
}

}  // namespace

Json HistorySummary::to_json() const {
    Json d = Json::object();
    for (const auto& [k, v] : difficulty) d.set(std::to_string(k), static_cast<int64_t>(v));
    return Json::object({{"repo", repo},
                         {"scanned", static_cast<int64_t>(scanned)},
                         {"candidates", static_cast<int64_t>(candidates)},
                         {"checked", static_cast<int64_t>(checked)},
                         {"already_decided", static_cast<int64_t>(already_decided)},
                         {"tasks", static_cast<int64_t>(tasks)},
                         {"new_tasks", static_cast<int64_t>(added)},
                         {"rejected", counts_json(rejected)},
                         {"difficulty", d},
                         {"dropped_files", counts_json(dropped_files)},
                         {"scan_seconds", scan_seconds},
                         {"patch_bytes", static_cast<int64_t>(patch_bytes)},
                         {"test_patch_bytes", static_cast<int64_t>(test_patch_bytes)},
                         {"check_seconds", check_seconds},
                         {"seconds_per_task", tasks ? check_seconds_sum / static_cast<double>(tasks) : 0.0},
                         {"suite_seconds", tasks ? suite_seconds_sum / static_cast<double>(tasks) : 0.0},
                         {"cost_ratio", suite_seconds_sum > 0 ? check_seconds_sum / suite_seconds_sum : 0.0},
                         {"llm", Json::object({{"written", static_cast<int64_t>(llm_written)},
                                               {"dropped", static_cast<int64_t>(llm_dropped)},
                                               {"server_failures", static_cast<int64_t>(llm_infra)}})}});
}

void HistorySummary::print() const {
    std::printf(
        "history of %s: %zu commits scanned in %.1f s, %zu candidates (%zu decided by an earlier run), %zu checked in %.1f s, %zu tasks "
        "(%zu new)\n",
        repo.c_str(), scanned, scan_seconds, candidates, already_decided, checked, check_seconds, tasks, added);
    std::printf("  %-22s %s\n", "reason", "commits");
    for (const auto& [why, n] : rejected) std::printf("  %-22s %zu\n", why.c_str(), n);
    if (!difficulty.empty()) {
        std::printf("  difficulty:");
        for (const auto& [d, n] : difficulty) std::printf(" %d: %zu", d, n);
        std::printf("\n");
    }
    if (tasks)
        std::printf("  cost: %.1f s of checks per task (rejected commits included) / %.1f s for one suite run at the commit = %.1fx\n",
                    check_seconds_sum / static_cast<double>(tasks), suite_seconds_sum / static_cast<double>(tasks),
                    suite_seconds_sum > 0 ? check_seconds_sum / suite_seconds_sum : 0.0);
    if (!dropped_files.empty()) {
        std::printf("  files left out of both patches:");
        for (const auto& [ext, n] : dropped_files) std::printf(" %s %zu", ext.c_str(), n);
        std::printf("\n");
    }
    if (llm_written + llm_dropped + llm_infra)
        std::printf("  issues written by the model: %zu kept, %zu dropped (leaks or malformed), %zu server failures\n", llm_written,
                    llm_dropped, llm_infra);
}

namespace {

// --scan-only: each candidate's diff split into patch and test_patch, as a task would get them.
void count_patch_bytes(const std::string& repo, const std::vector<code::Candidate>& candidates, HistorySummary& s) {
    for (const auto& c : candidates) {
        const auto [patch, test_patch] = code::split_patches(repo, c);
        s.patch_bytes += patch.size();
        s.test_patch_bytes += test_patch.size();
    }
}

}  // namespace

HistorySummary synthesize_from_history(Store& store, const HistoryConfig& cfg) {
    HistorySummary s;
    const code::HistoryOptions& o = cfg.options;
    s.repo = o.name;
    const auto t0 = Clock::now();
    const std::vector<code::Candidate> candidates = scan_candidates(cfg, s);
    if (cfg.scan_only) {
        count_patch_bytes(o.repo, candidates, s);
        s.scan_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        return s;
    }
    s.scan_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const std::string key = options_key(o);
    const std::vector<const code::Candidate*> todo = undecided(store, o.repo, key, candidates, s);
    // The checks, `jobs` at a time; each decision is stored as it is made (unless a model still
    // has to write the issue: then after it has).
    std::mutex mu;
    std::atomic<size_t> next{0}, made_count{s.tasks};
    std::vector<code::HistoryOutcome> made;
    double rejected_seconds = 0;
    Progress progress("history " + o.name, static_cast<int64_t>(todo.size()), cfg.quiet);
    auto record = [&](const code::HistoryOutcome& out) {
        HistoryDecision d{o.repo,      key,
                          out.commit,  out.reason.empty() ? "task" : out.reason,
                          out.detail,  out.task ? out.task->id : "",
                          out.seconds, out.suite_seconds};
        store.put_history_decision(d);
    };
    const auto c0 = Clock::now();
    auto worker = [&] {
        for (;;) {
            if (cfg.max_tasks && made_count.load() >= cfg.max_tasks) return;
            const size_t i = next++;
            if (i >= todo.size()) return;
            code::HistoryOutcome out = checked(o, *todo[i]);
            std::lock_guard lock(mu);
            // --count is exact: a task finished by another worker after the count was reached
            // is neither stored nor decided, so a later run with a larger count checks it again.
            if (out.task && cfg.max_tasks && made_count.load() >= cfg.max_tasks) return;
            ++s.checked;
            if (out.task) {
                ++made_count;
                ++s.tasks;
                ++s.difficulty[out.task->difficulty];
                s.check_seconds_sum += out.seconds;
                s.suite_seconds_sum += out.suite_seconds;
                if (cfg.llm.empty()) {
                    s.added += store.add_tasks({*out.task});
                    record(out);
                } else {
                    made.push_back(std::move(out));
                }
            } else {
                ++s.rejected[out.reason];
                rejected_seconds += out.seconds;
                record(out);
            }
            progress.tick(1, !out.task);
        }
    };
    std::vector<std::thread> threads;
    for (int j = 0; j < std::max(1, cfg.jobs); ++j) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    progress.finish();
    s.check_seconds = std::chrono::duration<double>(Clock::now() - c0).count();
    // What rejected commits cost is part of each task's price.
    s.check_seconds_sum += rejected_seconds;
    if (!cfg.llm.empty() && !made.empty()) {
        write_issues(store, cfg, made, s);
        for (const auto& out : made) {
            s.added += store.add_tasks({*out.task});
            record(out);
        }
    }
    return s;
}

}  // namespace envforge::cli
