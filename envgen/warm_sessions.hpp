// Warm sandboxes reused across the episodes of one io_context (the interp and package kinds):
// an episode leases one, fills its /workspace and forks a fresh interpreter from its zygote
// (sandbox/zygote.hpp), with the modules its kind needs already imported. When the next episode
// takes it, the zygote kills everything the last one started and empties /tmp, /dev/shm and IPC,
// and the workspace is emptied here; a sandbox that cannot be made clean is ended, never reused.
// An idle warm sandbox ends after a moment, so a finished run's io_context runs out of work.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "sandbox/session.hpp"

namespace envforge {

// On unless ENVFORGE_WARM_SESSIONS=0, and only with an isolating backend (the zygote's release
// needs a pid namespace of its own).
bool warm_sessions_enabled();

class WarmLease {
public:
    struct Entry;
    explicit WarmLease(std::unique_ptr<Entry> entry);
    ~WarmLease();  // back to the pool while its zygote lives
    WarmLease(const WarmLease&) = delete;
    WarmLease& operator=(const WarmLease&) = delete;

    // The host directory mounted at /workspace: empty when leased.
    const std::string& dir() const;
    // A fresh session (the zygote is started first when needed) with the episode's CPU and wall
    // time from `limits`.
    boost::asio::awaitable<std::unique_ptr<sandbox::Session>> fork(const sandbox::Limits& limits);

private:
    std::unique_ptr<Entry> entry_;
};

// A warm sandbox of the calling coroutine's io_context for sessions with `limits`' memory,
// process and output bounds, whose zygote preloads `preload`: an idle one, released and emptied,
// or a new one.
boost::asio::awaitable<std::unique_ptr<WarmLease>> lease_warm_sandbox(const sandbox::Limits& limits, std::vector<std::string> preload);

}  // namespace envforge
