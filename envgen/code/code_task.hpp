// What every code task shares, mutant or mined from history: the system prompt and tools, the
// environment a project's files make, and the probes that must fail validation.
#pragma once

#include <string>

#include "envgen/code/code_project.hpp"
#include "tasks/task.hpp"

namespace envforge::code {

// The system prompt and the tools (bash, read_file, str_replace, write_file, run_tests, submit).
void set_code_tools(Task& t);

// The episode limits of every code task (mutant or real fix): 50 turns, 100 tool calls,
// 30 minutes, 120 s a call.
void set_code_limits(Task& t);

// Validation's negatives: doing nothing, deleting or skipping `failing_file` (a test file of a
// failing test; none when empty), the fix with a syntax error (`broken_fix`, the whole content of
// `fix_file`), a forged report, and forcing every test to pass from sitecustomize.py, conftest.py
// and the test directory's __init__.py.
JsonArray code_probes(const std::string& failing_file, const std::string& fix_file, const std::string& broken_fix,
                      const std::string& test_dir);

}  // namespace envforge::code
