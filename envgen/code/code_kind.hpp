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

namespace code {
// What synthesis did with each project's mutants in this process: `synth code` reports it.
struct SynthesisStats {
    std::string project;
    int accepted = 0;    // became tasks
    int equivalent = 0;  // no gold-passing test failed
    int no_report = 0;   // the suite crashed, ran out of time, or hung test after test
    int invalid = 0;     // the mutated file does not compile (checked when tried)
    double seconds = 0;  // spent running mutants' suites
    int tried() const { return accepted + equivalent + no_report + invalid; }
};
std::vector<SynthesisStats> synthesis_stats();
}  // namespace code

}  // namespace envforge
