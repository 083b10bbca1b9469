// Unified diffs of text files (`diff -u` / `git diff` hunks with three lines of context), for the
// patches of code tasks and the changes agents make.
#pragma once

#include <map>
#include <string>

namespace envforge {

// The hunks that turn `before` into `after`, with `--- a/PATH` / `+++ b/PATH` headers ("" when
// equal). Lines are compared whole; a file without a final newline is marked as git marks it.
std::string unified_diff(const std::string& path, const std::string& before, const std::string& after);

// The diff of every file that differs between two trees (path -> content): added, removed and
// changed files, in path order, as one patch `git apply` takes.
std::string tree_diff(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after);

}  // namespace envforge
