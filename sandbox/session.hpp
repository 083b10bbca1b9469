// A warm session: one long-lived sandbox per episode running a small agent that executes
// Python cells on persistent globals and shell commands as fresh children with tracked cwd and
// environment. It speaks length-prefixed frames on an inherited socket (no TCP, no in-band
// sentinels). A cell that overruns is interrupted with KeyboardInterrupt and the state is kept;
// one that ignores that is killed with its whole sandbox, reported as session_lost. A session can
// also be forked from a warm sandbox (zygote.hpp) instead of starting one of its own.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "sandbox/sandbox.hpp"

namespace envforge::sandbox {

struct CellResult {
    std::string out, err;
    std::string exception;   // Python traceback or agent error ("" when none)
    int exit_code = 0;       // shell commands
    bool timed_out = false;  // interrupted at the time limit; the session is still alive
    bool truncated = false;
    bool session_lost = false;  // the session was killed or died; start a new one
    std::string cwd;
    double seconds = 0;
};

class Session {
public:
    // Starts the agent in a sandbox with `limits` for the whole session (wall time is its life).
    static boost::asio::awaitable<std::unique_ptr<Session>> start(Sandbox& sandbox, std::string workdir, Limits limits,
                                                                  std::vector<std::string> env = {});
    ~Session();

    boost::asio::awaitable<CellResult> python(std::string code, double timeout_seconds);
    boost::asio::awaitable<CellResult> shell(std::string command, double timeout_seconds);
    bool alive() const;
    // Ends the session; its sandbox and every process in it are gone afterwards.
    boost::asio::awaitable<Result> close();

    struct Impl;

private:
    friend class Zygote;
    explicit Session(std::shared_ptr<Impl> impl);
    // A session over a connected socket to an agent a zygote forked (see zygote.hpp): it lives
    // `wall_seconds`, and losing it calls `on_lost`.
    static std::unique_ptr<Session> adopt(boost::asio::io_context& io, int fd, Limits limits, double wall_seconds,
                                          std::function<void()> on_lost);
    std::shared_ptr<Impl> impl_;  // shared with the sandbox call, which may finish after us
};

}  // namespace envforge::sandbox
