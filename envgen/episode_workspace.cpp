#include "envgen/episode_workspace.hpp"

#include <stdlib.h>

#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include "envgen/interp/interp_kind.hpp"
#include "tasks/errors.hpp"

namespace envforge {

void EpisodeWorkspace::create() {
    char tmpl[] = "/tmp/envforge-episode-XXXXXX";
    if (!mkdtemp(tmpl)) throw IoError("cannot create an episode directory in /tmp");
    dir_ = tmpl;
}

boost::asio::awaitable<void> EpisodeWorkspace::start_session(const sandbox::Limits& limits) {
    auto& io = static_cast<boost::asio::io_context&>((co_await boost::asio::this_coro::executor).context());
    session_.reset();
    session_ = co_await sandbox::Session::start(episode_sandbox(io), dir_, limits);
}

void EpisodeWorkspace::close() {
    session_.reset();  // kills the sandbox if it is still running
    if (!dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        dir_.clear();
    }
}

}  // namespace envforge
