// The supervisor side: a Sandbox's slots, the launcher started for each call, its output read
// with caps and its status asynchronously, the wall-clock watchdog, and the structured Result.
// Parts live beside it: slots.cpp (uid leases, the slot pool), spawn.cpp (pipes and
// posix_spawn), call_io.cpp (the call's I/O and watchdog), launcher_status.cpp (status lines,
// outcome), request_check.cpp, host_probe.cpp.
#include "sandbox/sandbox.hpp"

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/errors.hpp"
#include "common/process_owner.hpp"
#include "sandbox/call_io.hpp"
#include "sandbox/cgroups.hpp"
#include "sandbox/host_probe.hpp"
#include "sandbox/launch_config.hpp"
#include "sandbox/launcher_status.hpp"
#include "sandbox/request_check.hpp"
#include "sandbox/slots.hpp"
#include "sandbox/spawn.hpp"

namespace envforge::sandbox {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

const char* reason_name(Reason r) {
    switch (r) {
        case Reason::Exit: return "exit";
        case Reason::Signal: return "signal";
        case Reason::TimeoutWall: return "timeout_wall";
        case Reason::TimeoutCpu: return "timeout_cpu";
        case Reason::Oom: return "oom";
        case Reason::Pids: return "pids";
        case Reason::OutputCap: return "output_cap";
        case Reason::SetupError: return "setup_error";
    }
    return "?";
}

const char* backend_name(Backend b) {
    switch (b) {
        case Backend::Native: return "native";
        case Backend::Bwrap: return "bwrap";
        case Backend::None: return "none";
    }
    return "?";
}

Backend parse_backend(const std::string& n) {
    if (n == "native") return Backend::Native;
    if (n == "bwrap") return Backend::Bwrap;
    if (n == "none") return Backend::None;
    throw std::invalid_argument("sandbox backend '" + n + "': expected native, bwrap or none");
}

std::string Captured::text() const {
    if (!truncated) return head + tail;
    return head + "\n[... " + std::to_string(total - head.size() - tail.size()) + " bytes dropped ...]\n" + tail;
}

namespace {

// Waits for the launcher to exit without blocking the event loop (a pidfd becomes readable at
// exit; where pidfd_open is missing, WNOHANG every 5 ms), then reaps it. Returns its wait status.
asio::awaitable<int> reap(pid_t pid) {
    auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
    const int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pfd >= 0) {
        asio::posix::stream_descriptor d(io, pfd);
        co_await d.async_wait(asio::posix::stream_descriptor::wait_read, asio::as_tuple(asio::use_awaitable));
    }
    int wst = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &wst, pfd >= 0 ? 0 : WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) co_return wst;
        if (r == 0) {
            asio::steady_timer t(io, std::chrono::milliseconds(5));
            co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }
}

// Runs `work` on a thread of its own and resumes on the caller's executor. A thread per call,
// not a pool: a process that forks (a test, a job runner) must not inherit a pool whose threads
// the child does not have.
template <class F>
asio::awaitable<void> off_loop(F work) {
    auto ex = co_await asio::this_coro::executor;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [&work, ex](auto handler) {
            std::thread([&work, ex, handler = std::move(handler)]() mutable {
                work();
                asio::post(ex, std::move(handler));
            }).detach();
        },
        asio::use_awaitable);
}

// envforge writes to pipes whose reader may be gone (a sandboxed program that exits without
// reading its stdin): that must be an EPIPE error on the write, never a SIGPIPE that ends us.
void ignore_sigpipe() {
    static std::once_flag once;
    std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace

struct Sandbox::Impl {
    asio::io_context& io;
    Backend backend;
    HostSupport host;
    UidBlockLease lease;  // this instance's slot uids and cgroup names, exclusive on the host
    SlotPool slots;
    std::vector<std::unique_ptr<SlotCgroups>> cgroups;
    std::vector<int> netns;  // per slot, -1 until made

    Impl(asio::io_context& ctx, Backend b, int n_slots)
        : io(ctx),
          backend(b),
          host(checked_host(b)),
          lease(static_cast<int>(::getpid())),
          slots(ctx, static_cast<size_t>(std::clamp(n_slots, 1, kBlockSlots))) {
        ignore_sigpipe();
        cgroups.resize(slots.size());
        netns.assign(slots.size(), -1);
    }

    static HostSupport checked_host(Backend b) {
        HostSupport h = probe_host();
        if (auto missing = h.missing_for(b); !missing.empty())
            throw SandboxError("sandbox " + std::string(backend_name(b)) + ": " + missing);
        return h;
    }

    uid_t slot_uid(size_t slot) const { return lease.first_uid() + static_cast<uid_t>(slot); }
    // Prepares the launch of `req` in `slot`: limits, cgroups, uid, network namespace.
    LaunchConfig configure(const Request& req, size_t slot, SlotCgroups*& cg, CgroupStats& before);
    asio::awaitable<Result> run(Request req);

    ~Impl() {
        for (int fd : netns)
            if (fd >= 0) ::close(fd);
        cgroups.clear();
    }
};

Sandbox::Sandbox(asio::io_context& io, Backend backend, int slots) : impl_(std::make_shared<Impl>(io, backend, slots)) {}
Sandbox::~Sandbox() = default;
Backend Sandbox::backend() const { return impl_->backend; }
asio::awaitable<Result> Sandbox::run(Request request) {
    std::shared_ptr<Impl> keep = impl_;  // lives in this coroutine's frame as long as the call
    co_return co_await keep->run(std::move(request));
}

LaunchConfig Sandbox::Impl::configure(const Request& req, size_t slot, SlotCgroups*& cg, CgroupStats& before) {
    const Limits& L = req.limits;
    LaunchConfig cfg;
    cfg.mode = backend_name(backend);
    cfg.argv = req.argv;
    cfg.env = req.env;
    cfg.workdir = req.workdir;
    cfg.cwd = req.cwd;
    cfg.cpu_seconds = L.cpu_seconds;
    cfg.nproc = L.processes;
    cfg.file_bytes = L.file_bytes;
    cfg.open_files = L.open_files;
    cfg.tmp_bytes = L.tmp_bytes;
    cfg.session = req.session_fd >= 0;
    cfg.supervisor = getpid();
    cg = nullptr;
    if (backend != Backend::None && host_cgroups().mode != CgroupMode::None) {
        if (!cgroups[slot])
            cgroups[slot] = std::make_unique<SlotCgroups>(
                host_cgroups(), owner_tag() + "-" + std::to_string(lease.block() * kBlockSlots + static_cast<int>(slot)));
        cg = cgroups[slot].get();
        before = cg->prepare(L.memory_bytes, L.processes);
        cfg.cgroups = cg->dirs();
    }
    if (host.root && backend != Backend::None) {
        cfg.uid = cfg.gid = static_cast<int64_t>(slot_uid(slot));
        if (backend == Backend::Native) {
            if (netns[slot] < 0) netns[slot] = make_netns();
            cfg.netns = netns[slot] >= 0;
        }
    }
    if (!cg || !cg->has_memory()) cfg.memory_bytes = L.memory_bytes;
    if (cg && cg->has_pids()) cfg.nproc = std::max<int64_t>(cfg.nproc, 4096);  // pids.max governs instead
    return cfg;
}

asio::awaitable<Result> Sandbox::Impl::run(Request req) {
    Result res;
    res.backend = backend_name(backend);
    // The session socket belongs to this call: closed when the call ends, whatever happens.
    struct CloseFd {
        int fd;
        ~CloseFd() {
            if (fd >= 0) ::close(fd);
        }
    } session_fd{req.session_fd};
    if (std::string problem = request_problem(req); !problem.empty()) {
        res.setup_error = "bad request: " + problem;
        co_return res;
    }
    const size_t slot = co_await slots.acquire();
    struct Release {
        SlotPool& pool;
        size_t slot;
        ~Release() { pool.release(slot); }
    } release{slots, slot};
    const Limits& L = req.limits;
    SlotCgroups* cg = nullptr;
    CgroupStats before;
    LauncherProcess proc;
    const auto t0 = Clock::now();
    try {
        const LaunchConfig cfg = configure(req, slot, cg, before);
        if (cfg.uid >= 0 && !req.workdir.empty()) {
            // The workdir is the agent's tree (a million files, if it made them): re-owning it is
            // a walk that must not hold up the event loop and every other episode on it.
            co_await off_loop([&] { adopt_tree(req.workdir, static_cast<uid_t>(cfg.uid), static_cast<gid_t>(cfg.gid)); });
        }
        proc = spawn_launcher(host.launcher, cfg, session_fd.fd, cfg.netns ? netns[slot] : -1);
    } catch (const SandboxError& e) {
        res.setup_error = e.what();
        co_return res;
    }
    ::close(std::exchange(session_fd.fd, -1));  // the launcher has it now

    CallIo call(L.output_bytes);
    co_await supervise_call(io, proc, req, cg, call);
    CallEvents& ev = call.ev;
    ev.wait_status = co_await reap(proc.pid);
    res.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (cg) cg->kill_leftovers();
    res.out = call.out.finish();
    res.err = call.err.finish();
    ev.cgroups = cg != nullptr;
    ev.before = before;
    if (cg) ev.after = cg->read();
    classify_call(res, parse_launcher_status(call.status_text), ev, L);
    co_return res;
}

}  // namespace envforge::sandbox
