#include "envgen/episode_workspace.hpp"

#include <stdlib.h>

#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include "envgen/interp/interp_kind.hpp"
#include "tasks/errors.hpp"

namespace envforge {

PrivateDir::PrivateDir(const std::string& prefix) {
    std::string tmpl = "/tmp/" + prefix + "-" + std::string(6, 'X');  // mkdtemp's template
    if (!mkdtemp(tmpl.data())) throw IoError("cannot create a directory for '" + prefix + "' in /tmp");
    path_ = std::move(tmpl);
}

PrivateDir::~PrivateDir() { remove(); }

void PrivateDir::remove() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    path_.clear();
}

void EpisodeWorkspace::create() { dir_ = std::make_unique<PrivateDir>("envforge-episode"); }

boost::asio::awaitable<void> EpisodeWorkspace::start_session(const sandbox::Limits& limits) {
    auto& io = static_cast<boost::asio::io_context&>((co_await boost::asio::this_coro::executor).context());
    session_.reset();
    session_ = co_await sandbox::Session::start(episode_sandbox(io), dir_->path(), limits);
}

void EpisodeWorkspace::close() {
    session_.reset();  // kills the sandbox if it is still running
    dir_.reset();
}

}  // namespace envforge
