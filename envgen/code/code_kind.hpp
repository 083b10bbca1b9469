// The `code` kind: bug-fix tasks made from Python repositories with tests. A mutant of the source
// (never the tests) that makes at least one gold-passing test fail becomes a task; the agent
// works in a fresh one-commit git repository in a sandboxed session, and verification applies
// its source changes onto a pristine copy with the original tests and runs the fail-to-pass and
// pass-to-pass tests with JUnit output in a fresh sandbox.
#pragma once

#include "envgen/kind.hpp"

namespace envforge {

const EnvKind& code_kind();

}  // namespace envforge
