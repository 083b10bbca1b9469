// The `code` kind: bug-fix tasks made from Python repositories with tests. A mutant of the source
// (never the tests) that makes at least one gold-passing test fail becomes a task; the agent
// works in a fresh one-commit git repository in a sandboxed session, and verification applies
// its source changes onto a pristine copy with the original tests and runs the fail-to-pass and
// pass-to-pass tests with JUnit output in a fresh sandbox.
#pragma once

#include <string>
#include <vector>

#include "envgen/kind.hpp"

namespace envforge {

const EnvKind& code_kind();

// `report` gives, per project, the mutants tried to make the run's tasks: accepted (became
// tasks), equivalent (no gold-passing test failed), no_report (the suite crashed, ran out of
// time, or hung test after test), invalid (the mutated file does not compile), and the seconds
// of suite runs per accepted task.

}  // namespace envforge
