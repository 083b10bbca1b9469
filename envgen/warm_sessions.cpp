#include "envgen/warm_sessions.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <tuple>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "common/errors.hpp"
#include "common/safe_fs.hpp"
#include "envgen/episode_sandbox.hpp"
#include "envgen/episode_workspace.hpp"
#include "sandbox/request_check.hpp"
#include "sandbox/zygote.hpp"

namespace envforge {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// A warm sandbox's life: its zygote's wall and CPU limit, and when it is retired (before that
// limit, with room for one more episode), and how many sessions it forks before it is retired.
constexpr double kLifeSeconds = 3600;
constexpr double kRetireAfterSeconds = 3000;
constexpr int kMaxSessions = 2000;
// How long an idle warm sandbox waits for the next episode of its io_context.
constexpr auto kIdleWait = std::chrono::milliseconds(250);

using Key = std::tuple<int64_t, int, int64_t, size_t, std::vector<std::string>>;

Key key_of(const sandbox::Limits& l, const std::vector<std::string>& preload) {
    return {l.memory_bytes, l.processes, l.tmp_bytes, l.output_bytes, preload};
}

class WarmPool;

}  // namespace

struct WarmLease::Entry {
    asio::io_context& io;
    WarmPool* pool = nullptr;  // the io_context's pool: alive as long as the io_context
    Key key;
    std::vector<std::string> preload;
    PrivateDir dir{"warm"};
    std::unique_ptr<sandbox::Zygote> zygote;  // started at the first fork
    Clock::time_point born = Clock::now();
    uint64_t serial = 0;
    Entry(asio::io_context& ctx, Key k, std::vector<std::string> p) : io(ctx), key(std::move(k)), preload(std::move(p)) {}
    ~Entry() { zygote.reset(); }  // the sandbox first, then its directory

    bool reusable() const {
        return zygote && zygote->alive() && zygote->sessions() < kMaxSessions &&
               std::chrono::duration<double>(Clock::now() - born).count() < kRetireAfterSeconds;
    }
};

namespace {

// The idle warm sandboxes of one io_context, as an Asio service: they go when it does.
class WarmPool final : public asio::execution_context::service {
public:
    static asio::execution_context::id id;
    explicit WarmPool(asio::execution_context& ctx) : service(ctx) {}

    // Takes an idle sandbox with this key, or returns null.
    std::unique_ptr<WarmLease::Entry> take(const Key& key) {
        for (auto it = idle_.begin(); it != idle_.end(); ++it)
            if (it->entry->key == key) {
                auto e = std::move(it->entry);
                idle_.erase(it);
                return e;
            }
        return nullptr;
    }

    void put(std::unique_ptr<WarmLease::Entry> e) {
        // At the io_context's shutdown the episodes' frames are destroyed after this pool shut
        // down: their sandboxes end with them.
        if (closed_) return;
        const uint64_t serial = ++serials_;
        e->serial = serial;
        auto timer = std::make_shared<asio::steady_timer>(e->io, kIdleWait);
        idle_.push_back({std::move(e), timer});
        timer->async_wait([this, serial](const boost::system::error_code& ec) {
            if (ec) return;
            for (auto it = idle_.begin(); it != idle_.end(); ++it)
                if (it->entry->serial == serial) {
                    idle_.erase(it);
                    return;
                }
        });
    }

private:
    struct Idle {
        std::unique_ptr<WarmLease::Entry> entry;
        std::shared_ptr<asio::steady_timer> timer;
        ~Idle() {
            if (timer) timer->cancel();
        }
        Idle(std::unique_ptr<WarmLease::Entry> e, std::shared_ptr<asio::steady_timer> t) : entry(std::move(e)), timer(std::move(t)) {}
        Idle(Idle&&) = default;
        Idle& operator=(Idle&&) = default;
    };
    void shutdown() override {
        closed_ = true;
        idle_.clear();
    }
    bool closed_ = false;
    std::vector<Idle> idle_;
    uint64_t serials_ = 0;
};

asio::execution_context::id WarmPool::id;

// Hands the workspace's new files to the slot's uid, as the sandbox did with the first ones (as
// root only: otherwise the sandbox's uid is ours).
void adopt_new_files(const std::string& dir) {
    struct stat st {};
    if (geteuid() != 0 || ::lstat(dir.c_str(), &st) != 0 || st.st_uid == 0) return;
    sandbox::adopt_tree(dir, st.st_uid, st.st_gid);
}

}  // namespace

bool warm_sessions_enabled() {
    const char* v = std::getenv("ENVFORGE_WARM_SESSIONS");
    return sandbox_backend() != sandbox::Backend::None && !(v && std::strcmp(v, "0") == 0);
}

WarmLease::WarmLease(std::unique_ptr<Entry> entry) : entry_(std::move(entry)) {}

WarmLease::~WarmLease() {
    if (!entry_ || !entry_->reusable()) return;
    // The zygote cleans up after the episode now, while the host stores it and starts the next.
    entry_->zygote->begin_release();
    entry_->pool->put(std::move(entry_));
}

const std::string& WarmLease::dir() const { return entry_->dir.path(); }

asio::awaitable<std::unique_ptr<sandbox::Session>> WarmLease::fork(const sandbox::Limits& limits) {
    for (int attempt = 0;; ++attempt) {
        if (!entry_->zygote || !entry_->zygote->alive()) {
            entry_->zygote.reset();
            sandbox::Limits life = limits;
            life.wall_seconds = life.cpu_seconds = kLifeSeconds;
            entry_->zygote = co_await sandbox::Zygote::start(episode_sandbox(entry_->io), entry_->dir.path(), life, entry_->preload);
            entry_->born = Clock::now();
        } else {
            adopt_new_files(entry_->dir.path());
        }
        try {
            co_return co_await entry_->zygote->fork(limits);
        } catch (const SandboxError&) {
            if (attempt > 0) throw;  // a fresh zygote failed too
        }
    }
}

asio::awaitable<std::unique_ptr<WarmLease>> lease_warm_sandbox(const sandbox::Limits& limits, std::vector<std::string> preload) {
    auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
    episode_sandbox(io);  // made before the pool, so the pool's sandboxes end before it does
    auto& pool = asio::use_service<WarmPool>(io);
    const Key key = key_of(limits, preload);
    while (auto e = pool.take(key)) {
        if (!e->reusable()) continue;
        // Nothing of the last episode may remain: its processes, /tmp, /dev/shm and IPC (the
        // zygote), then its workspace (here, once nothing runs that could write to it).
        if (co_await e->zygote->release() && safe_fs::empty_dir(e->dir.path())) co_return std::make_unique<WarmLease>(std::move(e));
    }
    auto fresh = std::make_unique<WarmLease::Entry>(io, key, std::move(preload));
    fresh->pool = &pool;
    co_return std::make_unique<WarmLease>(std::move(fresh));
}

}  // namespace envforge
