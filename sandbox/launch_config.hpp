// What the supervisor tells the launcher (on fd 3), as "key value" lines with escaped values,
// and the launcher's status lines (on fd 4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace envforge::sandbox {

// Descriptors the launcher inherits besides stdin/stdout/stderr.
inline constexpr int kConfigFd = 3;
inline constexpr int kStatusFd = 4;
// With a session, the supervisor's socket; the program gets it as fd 3.
inline constexpr int kSessionFd = 5;
// With a prepared network namespace (root only), its descriptor.
inline constexpr int kNetnsFd = 6;

struct LaunchConfig {
    std::string mode;  // "native" or "bwrap"
    std::vector<std::string> argv, env;
    std::string workdir, cwd = "/workspace";
    int64_t uid = -1, gid = -1;        // per-slot host ids to switch to (root only)
    std::vector<std::string> cgroups;  // cgroup v1 directories to join before dropping root
    double cpu_seconds = 10;
    int64_t memory_bytes = 0;  // RLIMIT_DATA when no memory cgroup (0: none)
    bool session = false;
    bool netns = false;  // join the namespace on kNetnsFd instead of creating one
    // The process that started the launcher. Its death is detected by the parent pid changing
    // from this, not by it becoming 1: the supervisor may itself be pid 1 (envforge as a
    // container's entrypoint).
    int64_t supervisor = 0;
    int64_t nproc = 64, file_bytes = 64ll << 20, open_files = 256, tmp_bytes = 64ll << 20;

    std::string serialize() const;
    static LaunchConfig parse(const std::string& text);  // throws std::invalid_argument
};

}  // namespace envforge::sandbox
