// A warm sandbox that serves one episode after another: its agent (the zygote) imports the
// modules sessions will want once, then forks a fresh interpreter per session, with a channel
// of its own. Between sessions, release() kills every process the last one started and empties
// /tmp, /dev/shm and System V IPC; the caller empties /workspace (it owns that directory). The
// zygote's control channel is never open in a session, and the zygote is not dumpable and
// ignores every signal it can, so an episode cannot reach the next one through it; an episode
// that kills or stops the zygote only ends the warm sandbox (alive() turns false).
// Needs a pid namespace (both isolating backends have one): never use it with Backend::None.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "sandbox/session.hpp"

namespace envforge::sandbox {

class Zygote {
public:
    // Starts the warm sandbox over `workdir` (mounted at /workspace). `limits` bound the whole
    // sandbox (memory and processes are shared by the zygote and its session; wall and CPU are
    // the zygote's whole life). Throws SandboxError when it does not start.
    static boost::asio::awaitable<std::unique_ptr<Zygote>> start(Sandbox& sandbox, std::string workdir, Limits limits,
                                                                 std::vector<std::string> preload);
    ~Zygote();
    Zygote(const Zygote&) = delete;
    Zygote& operator=(const Zygote&) = delete;

    // A fresh session forked from the zygote, with the CPU (RLIMIT_CPU) and wall time of
    // `limits`, and its output and frame bounds. Losing it (a cell that will not stop) ends the
    // warm sandbox. Throws SandboxError when the zygote is gone.
    boost::asio::awaitable<std::unique_ptr<Session>> fork(Limits limits);
    // Kills every process in the sandbox but its init and the zygote, and empties /tmp,
    // /dev/shm and IPC. False when it could not: the sandbox is then ended.
    boost::asio::awaitable<bool> release(std::chrono::milliseconds wait = std::chrono::seconds(10));
    // Asks for the release now, without waiting (a session just ended): the zygote cleans while
    // the caller does other work, and release() then only collects the answer.
    void begin_release();
    bool alive() const;
    // Ends the sandbox and everything in it.
    void kill();
    int sessions() const { return sessions_; }

private:
    Zygote() = default;
    std::unique_ptr<Session> control_;
    int sessions_ = 0;
    std::string pending_release_;  // the id of a release asked for and not yet answered
};

}  // namespace envforge::sandbox
