// Starting the launcher: its pipes, the descriptors it inherits at fixed numbers (config, status,
// session socket, network namespace), posix_spawn with every result checked, and the config
// written to it.
#pragma once

#include <sys/types.h>

#include <string>

#include "sandbox/launch_config.hpp"

namespace envforge::sandbox {

// The supervisor's ends of a started launcher's pipes (owned by the caller).
struct LauncherProcess {
    pid_t pid = -1;
    int stdin_w = -1, stdout_r = -1, stderr_r = -1, status_r = -1;
};

// Spawns `launcher` with `cfg` on its config pipe. `session_fd` and `netns_fd` (-1 for none) are
// handed over at kSessionFd and kNetnsFd; the caller keeps and closes them. The launcher starts
// with SIGPIPE at its default action, whatever this process does with it. Throws SandboxError
// naming the failing call.
LauncherProcess spawn_launcher(const std::string& launcher, const LaunchConfig& cfg, int session_fd, int netns_fd);

}  // namespace envforge::sandbox
