// The private directory and warm sandbox session of one episode (the interp and code kinds):
// created at start, the session restarted when it is lost, both gone at close.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "sandbox/session.hpp"

namespace envforge {

class EpisodeWorkspace {
public:
    EpisodeWorkspace() = default;
    EpisodeWorkspace(const EpisodeWorkspace&) = delete;
    EpisodeWorkspace& operator=(const EpisodeWorkspace&) = delete;
    ~EpisodeWorkspace() { close(); }

    // Makes /tmp/envforge-episode-XXXXXX; throws IoError.
    void create();
    const std::string& dir() const { return dir_; }
    // (Re)starts the session over the directory, on the sandbox of the calling coroutine's
    // io_context (see interp_kind.hpp: episode_sandbox).
    boost::asio::awaitable<void> start_session(const sandbox::Limits& limits);
    sandbox::Session& session() { return *session_; }
    // Kills the session if it still runs and removes the directory.
    void close();

private:
    std::string dir_;
    std::unique_ptr<sandbox::Session> session_;
};

}  // namespace envforge
