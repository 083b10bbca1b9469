// Running a trusted host program (git) with an argument vector, never through a shell, and
// collecting its output: for synthesis steps that run outside any event loop.
#pragma once

#include <string>
#include <vector>

namespace envforge {

struct CommandResult {
    int exit_code = -1;  // -1 when it was killed by a signal
    std::string out, err;
    bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (searched in PATH) in `cwd` with `input` on its stdin and this process's
// environment plus `env` (KEY=VALUE). Output past `max_output` bytes per stream is an IoError,
// as is a program that cannot be started.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& cwd, const std::string& input = "",
                          const std::vector<std::string>& env = {}, size_t max_output = size_t{1} << 30);

}  // namespace envforge
