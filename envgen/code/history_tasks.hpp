// Code tasks from a repository's own fixes (generator code.history@1): a candidate commit's tests
// are run at the parent with the commit's tests and at the commit (three times), and a commit
// whose new tests fail before and pass after, breaking nothing, becomes a task whose checkout is
// the parent's tree alone (no history, no new tests) and whose verifier runs the hidden tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "envgen/code/git_history.hpp"
#include "tasks/task.hpp"

namespace envforge::code {

struct HistoryOptions {
    std::string repo;  // the user's repository (its git directory is read, never copied)
    std::string name;  // the project's name in tasks and exports
    HistoryRules rules;
    std::string test_dir = "tests";  // where the runner discovers tests
    std::string runner = "auto";
    double test_timeout = 120;  // seconds a whole-suite run may take
    int gold_runs = 3;
};

// Why a candidate was not made a task (or "" when it was), with what the runs showed.
struct HistoryOutcome {
    std::string commit, subject;
    std::string reason;  // setup_failed, timeout, no_fail_to_pass, breaks_passing_test, flaky, "" for a task
    std::string detail;
    std::optional<Task> task;
    double seconds = 0;        // the whole check
    double suite_seconds = 0;  // one plain suite run at the commit (the first gold run)
    // For a model-written statement (synth --llm): what the commit says and does.
    std::string message, patch, test_patch, failing_output;
    FixTokens fix;
};

// Runs the execution check of `c` and, when it passes, makes the task (statement without a
// model: the failing tests and their messages, plus the commit subject unless it gives the fix
// away). Throws only for a repository git cannot read.
HistoryOutcome check_commit(const HistoryOptions& o, const Candidate& c);

// The statement a task gets without a model.
std::string history_statement(const std::string& project, const std::string& subject, const FixTokens& fix,
                              const std::string& failing_output, const std::vector<std::string>& f2p);

}  // namespace envforge::code
