// Typed errors for failures that abort a unit of work (a command, an episode's setup). Expected
// outcomes — a tool call that fails, a verifier that rejects — are values, never exceptions.
#pragma once

#include <stdexcept>
#include <string>

namespace envforge {

// Bad input from a user, a file or a model: the message names the thing, the value and what was
// expected. The command line turns it into one line on stderr and exit code 2.
struct InvalidInput : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A file, database or other resource could not be read or written.
struct IoError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A sandbox could not be set up or could not run what it was given: the backend is missing on
// this host, a pipe or socket could not be made, too many sandboxes, the session agent did not
// start. Not raised for what the sandboxed program does (that is a RunResult).
struct SandboxError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void assert_fail(const char* expr, const char* file, int line);

}  // namespace envforge

// Programmer errors only; never on input from users, files or the network. Kept in release
// builds: the checks sit at entry points (a kernel's shapes, a store's invariants), never in
// inner loops, and a wrong shape read past a buffer is worse than an abort that names it.
#define ENVFORGE_ASSERT(cond) ((cond) ? (void)0 : ::envforge::assert_fail(#cond, __FILE__, __LINE__))
