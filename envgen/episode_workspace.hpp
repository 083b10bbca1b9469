// The private directory and warm sandbox session of one episode (the interp and code kinds):
// created at start, the session restarted when it is lost, both gone at close.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "sandbox/session.hpp"
#include "tasks/task.hpp"

namespace envforge {

// Private directories are /tmp/envforge@<owner>-<purpose>-<random>: the owner tag (see
// common/process_owner.hpp) lets the next process remove what a killed one left.
inline constexpr const char* kPrivateDirMarker = "envforge@";

// A fresh directory (mkdtemp), removed with its contents when the object goes. Throws IoError
// when it cannot be made.
class PrivateDir {
public:
    explicit PrivateDir(const std::string& purpose);
    ~PrivateDir();
    PrivateDir(const PrivateDir&) = delete;
    PrivateDir& operator=(const PrivateDir&) = delete;
    const std::string& path() const { return path_; }
    // Removes it now (the destructor then does nothing).
    void remove();

private:
    std::string path_;
};

// A session's limits for a whole episode: the task's wall time (also its CPU budget), and the
// memory and processes its kind needs.
sandbox::Limits episode_limits(const Limits& task_limits, int64_t memory_bytes, int processes);

class WarmLease;

class EpisodeWorkspace {
public:
    EpisodeWorkspace();
    EpisodeWorkspace(const EpisodeWorkspace&) = delete;
    EpisodeWorkspace& operator=(const EpisodeWorkspace&) = delete;

    ~EpisodeWorkspace();

    // Makes the episode's private directory; throws IoError.
    void create();
    // The same, in a warm sandbox of this io_context that sessions with `limits` may share one
    // after another (warm_sessions.hpp), whose interpreter has `preload` imported; a private
    // directory as create() makes where warm sessions are off.
    boost::asio::awaitable<void> create_warm(const sandbox::Limits& limits, std::vector<std::string> preload);
    const std::string& dir() const;
    // (Re)starts the session over the directory, on the sandbox of the calling coroutine's
    // io_context (see episode_sandbox.hpp), or forks it from the warm sandbox.
    boost::asio::awaitable<void> start_session(const sandbox::Limits& limits);
    // Throws SandboxError once the session has been stopped.
    sandbox::Session& session();
    // Kills the session and everything it started; the directory stays (for verification).
    void stop_session() { session_.reset(); }
    // Kills the session if it still runs and removes the directory.
    void close();

private:
    std::unique_ptr<PrivateDir> dir_;
    std::unique_ptr<WarmLease> warm_;
    std::unique_ptr<sandbox::Session> session_;
};

}  // namespace envforge
