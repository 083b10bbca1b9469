// Names that carry the process that made them, so what a process killed with SIGKILL left behind
// (cgroup directories, workspaces in /tmp, half-built files) can be recognised and removed by
// the next one. A tag is "<pid>.<start time in clock ticks since boot>": the start time tells a
// reused pid from the original owner.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace envforge {

// This process's tag (computed once per process: a forked child gets its own).
std::string owner_tag();

// False only when the tag's process is certainly gone (no such pid, or a pid with another start
// time). A bare pid (names from before tags had a start time) is alive while the pid exists. A
// tag that cannot be parsed counts as alive: nothing is removed on a guess.
bool owner_alive(std::string_view tag);

// The names of the entries of `dir` that hold `marker` followed by a dead owner's tag, which ends
// at the next `end` character or with the name: "...<marker><tag><end>...". An empty marker
// means the name starts with the tag.
std::vector<std::string> dead_owner_entries(const std::string& dir, const std::string& marker, char end);

// Removes those entries (recursively, never following symlinks); returns how many.
int sweep_dead_owners(const std::string& dir, const std::string& marker, char end);

}  // namespace envforge
