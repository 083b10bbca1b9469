// `synth code --history`: tasks from a repository's own bug-fix commits. Scans the first-parent
// history, keeps the commits that change source and tests within the size limits, runs each
// candidate's execution check on `jobs` threads (each with its own sandbox), stores every task
// and every decision as it is made (a rerun with the same options skips decided commits), and
// with a model writes each task's issue from the commit (leaking replies are dropped).
#pragma once

#include <map>
#include <string>

#include "datasets/store.hpp"
#include "envgen/code/history_tasks.hpp"

namespace envforge::cli {

struct HistoryConfig {
    code::HistoryOptions options;
    std::string range;       // "" (HEAD), "A..B", "REV.."
    size_t max_commits = 0;  // scanned, newest first (0: all)
    size_t max_tasks = 0;    // stop once this many tasks are made (0: no limit)
    int jobs = 2;
    std::string llm;  // "" | openai | embedded
    Json llm_options;
    bool quiet = false;
    bool scan_only = false;  // scan, choose candidates and split their patches; run no test
};

struct HistorySummary {
    std::string repo;
    size_t scanned = 0, candidates = 0, checked = 0, already_decided = 0, tasks = 0, added = 0;
    std::map<std::string, size_t> rejected;       // reason -> commits (scan and execution reasons)
    std::map<int, size_t> difficulty;             // difficulty -> tasks
    std::map<std::string, size_t> dropped_files;  // file kind (extension) -> count, left out of patches
    double scan_seconds = 0, check_seconds = 0;
    double check_seconds_sum = 0, suite_seconds_sum = 0;  // over tasks: the cost ratio
    size_t llm_written = 0, llm_dropped = 0, llm_infra = 0;
    size_t patch_bytes = 0, test_patch_bytes = 0;  // scan_only: the split patches' sizes
    Json to_json() const;
    void print() const;
};

HistorySummary synthesize_from_history(Store& store, const HistoryConfig& config);

}  // namespace envforge::cli
