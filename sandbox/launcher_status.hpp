// The launcher's status lines on kStatusFd, and how a finished call is classified from them:
//   "pid N" (the sandboxed program started) | "exit N" | "signal S" |
//   "rusage USER_S SYS_S MAXRSS_KB" | "error MSG" (the sandbox could not be set up).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "sandbox/cgroups.hpp"
#include "sandbox/sandbox.hpp"

namespace envforge::sandbox {

struct LauncherStatus {
    pid_t child = 0;     // host pid of the program, once started
    bool ended = false;  // an exit or signal line came
    bool signaled = false;
    int exit_code = -1, signal = 0;
    double cpu_seconds = 0;  // from rusage
    int64_t maxrss_bytes = 0;
    std::string error;  // the last "error" line
};

// Reads the status text; lines it does not know are ignored, numbers that do not parse are 0.
LauncherStatus parse_launcher_status(std::string_view text);

// What the supervisor saw besides the status.
struct CallEvents {
    bool killed_wall = false, killed_output = false, cancelled = false;
    int wait_status = 0;  // the launcher's own, from waitpid
    bool cgroups = false;
    CgroupStats before, after;
};

// Fills res.reason, exit_code, signal, setup_error, cpu_seconds and peak_memory_bytes.
void classify_call(Result& res, const LauncherStatus& st, const CallEvents& ev, const Limits& limits);

}  // namespace envforge::sandbox
