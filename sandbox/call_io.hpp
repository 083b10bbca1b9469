// One call's traffic with its launcher, once it runs: stdin fed, stdout and stderr captured with
// caps (the launcher killed past the output limit), the status pipe read, cancellation honoured,
// and the wall-clock watchdog. The supervisor (supervisor.cpp) sets the call up before and
// classifies its outcome after.
#pragma once

#include <cstddef>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "sandbox/launcher_status.hpp"
#include "sandbox/sandbox.hpp"
#include "sandbox/spawn.hpp"

namespace envforge::sandbox {

class SlotCgroups;

// Keeps the first and last `cap / 2` bytes of a stream and counts the rest.
struct Capture {
    Captured c;
    size_t cap;
    explicit Capture(size_t limit) : cap(limit) {}
    void add(const char* p, size_t n);
    Captured finish();
};

// What the launcher wrote and what the supervisor did to it.
struct CallIo {
    Capture out, err;
    std::string status_text;  // the launcher's status lines (launcher_status.hpp)
    CallEvents ev;
    explicit CallIo(size_t output_cap) : out(output_cap), err(output_cap) {}
};

// Runs until the launcher has closed its pipes (it has ended, or was killed): by the output
// limit, req.cancel, or the watchdog at req.limits.wall_seconds; then, should a helper the
// launcher does not know hold the pipes two seconds more, the launcher and everything in `cg`
// (when given). Nothing it signals has been reaped: the caller reaps proc.pid after.
boost::asio::awaitable<void> supervise_call(boost::asio::io_context& io, const LauncherProcess& proc, Request& req, SlotCgroups* cg,
                                            CallIo& call);

}  // namespace envforge::sandbox
