// A repository's history as the code kind mines it (`synth code --history`): the first-parent
// commits with the files each changes (one `git log`), each file's role by the test-file rule,
// the commits that change both source and tests within the size limits, their three trees
// (the parent; the parent with the commit's tests; the commit's source on top) and their patch
// and test_patch split the SWE-bench way. Git runs with external diff drivers, textconv and
// fsmonitor off: the repository's own configuration never runs a program.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "envgen/code/code_project.hpp"

namespace envforge::code {

struct FileChange {
    char status = 'M';  // A added, M modified, D deleted, R renamed (from old_path)
    std::string path, old_path;
    int added = 0, removed = 0;
    bool binary = false;
};

struct Commit {
    std::string hash, parent;  // parent: the first parent ("" for a root commit)
    int64_t time = 0;          // committer time, seconds since the epoch
    std::string subject;
    std::vector<FileChange> files;
};

// Which files are tests and how large a fix may be. A test file is any file under one of the test
// directories (test code and its fixture data), or a .py file whose name is test_*.py,
// *_test.py or conftest.py (test_patterns) wherever it lies; a source file is any other .py file
// under a source directory; everything else is "other" and is left out of both patches
// (documentation, data, configuration, other languages).
struct HistoryRules {
    std::vector<std::string> source_dirs, test_dirs;
    std::vector<std::string> test_patterns = {"test_*.py", "*_test.py", "conftest.py"};
    int max_source_files = 5;
    int max_source_lines = 200;  // added plus removed lines of source
};

enum class FileRole { Source, Test, Other };
FileRole file_role(const std::string& path, const HistoryRules& rules);
// Whether `name` (a file name, no directory) matches the test-file patterns.
bool test_file_name(const std::string& name, const std::vector<std::string>& patterns);

// Runs git in `repo` with the safety options above; throws InvalidInput with git's message.
std::string git(const std::string& repo, std::vector<std::string> args, const std::string& input = "");

// The first-parent commits of `range` ("" for HEAD, "A..B", or "REV.." for everything after
// REV), newest first, at most `max_commits` (0: all); a merge counts as the one change it makes
// to its first parent.
std::vector<Commit> scan_history(const std::string& repo, const std::string& range, size_t max_commits);

struct Candidate {
    Commit commit;
    std::vector<FileChange> source, tests;  // the files of patch and test_patch
    std::vector<std::string> dropped;       // other files the commit changes, left out of both
    int source_lines = 0;
};

// "" when `c` is a candidate (filled into `out`), else why not: root_commit, no_source_change,
// no_test_change, binary_change, too_many_files, too_many_lines.
std::string candidate_of(const Commit& c, const HistoryRules& rules, Candidate& out);

struct CandidateTrees {
    Files base;        // the parent's tree: what the agent gets
    Files with_tests;  // the parent with the commit's versions of the test files
    Files gold;        // with the commit's source files too (renames and deletions applied)
    std::string patch, test_patch;
    int hunks = 0;  // of patch
};

// The candidate's patch and test_patch (git diff of its source files, of its test files).
std::pair<std::string, std::string> split_patches(const std::string& repo, const Candidate& c);

// Reads the trees and patches of a candidate from the repository (git ls-tree, cat-file, diff).
CandidateTrees candidate_trees(const std::string& repo, const Candidate& c);

// What the fix adds that the parent did not have: identifiers new to the changed files (and not
// used by the new tests, which are the specification), string and number literals of its added
// lines that its removed lines lack, and its added lines themselves.
struct FixTokens {
    std::set<std::string> identifiers, literals, lines;
};
FixTokens fix_tokens(const CandidateTrees& t, const Candidate& c);

// The first identifier, literal or line of the fix that `text` contains ("" when none): text
// holding one gives the fix away.
std::string leak_in(const std::string& text, const FixTokens& fix);

// Difficulty 1..5 from the size of the real fix: files, hunks and changed lines.
int fix_difficulty(const Candidate& c, int hunks);

}  // namespace envforge::code
