#include "envgen/episode_workspace.hpp"

#include <stdlib.h>

#include <mutex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include "common/process_owner.hpp"
#include "common/safe_fs.hpp"
#include "envgen/episode_sandbox.hpp"
#include "common/errors.hpp"

namespace envforge {

sandbox::Limits episode_limits(const Limits& task_limits, int64_t memory_bytes, int processes) {
    sandbox::Limits limits;
    limits.wall_seconds = task_limits.wall_seconds;
    limits.cpu_seconds = task_limits.wall_seconds;
    limits.memory_bytes = memory_bytes;
    limits.processes = processes;
    return limits;
}

PrivateDir::PrivateDir(const std::string& purpose) {
    // What processes killed with SIGKILL left in /tmp goes first, once per process.
    static std::once_flag swept;
    std::call_once(swept, [] { sweep_dead_owners("/tmp", kPrivateDirMarker, '-'); });
    std::string tmpl = "/tmp/" + std::string(kPrivateDirMarker) + owner_tag() + "-" + purpose + "-" + std::string(6, 'X');
    if (!mkdtemp(tmpl.data())) throw IoError("cannot create a directory for '" + purpose + "' in /tmp");
    path_ = std::move(tmpl);
}

PrivateDir::~PrivateDir() { remove(); }

void PrivateDir::remove() {
    if (path_.empty()) return;
    // The agent may have planted links in it, or left a process changing it: never followed.
    safe_fs::remove_tree(path_);
    path_.clear();
}

void EpisodeWorkspace::create() { dir_ = std::make_unique<PrivateDir>("episode"); }

boost::asio::awaitable<void> EpisodeWorkspace::start_session(const sandbox::Limits& limits) {
    auto& io = static_cast<boost::asio::io_context&>((co_await boost::asio::this_coro::executor).context());
    session_.reset();
    session_ = co_await sandbox::Session::start(episode_sandbox(io), dir_->path(), limits);
}

sandbox::Session& EpisodeWorkspace::session() {
    if (!session_) throw SandboxError("the episode's session has ended");
    return *session_;
}

void EpisodeWorkspace::close() {
    session_.reset();  // kills the sandbox if it is still running
    dir_.reset();
}

}  // namespace envforge
