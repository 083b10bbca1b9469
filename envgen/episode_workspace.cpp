#include "envgen/episode_workspace.hpp"

#include <stdlib.h>

#include <mutex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include "common/process_owner.hpp"
#include "common/safe_fs.hpp"
#include "envgen/episode_sandbox.hpp"
#include "envgen/warm_sessions.hpp"
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

EpisodeWorkspace::EpisodeWorkspace() = default;
EpisodeWorkspace::~EpisodeWorkspace() { close(); }

void EpisodeWorkspace::create() { dir_ = std::make_unique<PrivateDir>("episode"); }

boost::asio::awaitable<void> EpisodeWorkspace::create_warm(const sandbox::Limits& limits, std::vector<std::string> preload) {
    if (!warm_sessions_enabled()) {
        create();
        co_return;
    }
    warm_ = co_await lease_warm_sandbox(limits, std::move(preload));
}

const std::string& EpisodeWorkspace::dir() const { return warm_ ? warm_->dir() : dir_->path(); }

boost::asio::awaitable<void> EpisodeWorkspace::start_session(const sandbox::Limits& limits) {
    session_.reset();
    if (warm_) {
        session_ = co_await warm_->fork(limits);
        co_return;
    }
    auto& io = static_cast<boost::asio::io_context&>((co_await boost::asio::this_coro::executor).context());
    session_ = co_await sandbox::Session::start(episode_sandbox(io), dir_->path(), limits);
}

sandbox::Session& EpisodeWorkspace::session() {
    if (!session_) throw SandboxError("the episode's session has ended");
    return *session_;
}

void EpisodeWorkspace::close() {
    session_.reset();  // kills the sandbox if it is still running (a forked one: its agent exits)
    warm_.reset();     // back to the pool: the next episode releases it before its turn
    dir_.reset();
}

}  // namespace envforge
