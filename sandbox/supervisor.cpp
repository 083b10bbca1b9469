// The supervisor side: slots (host uid + cgroups), spawning the launcher with posix_spawn,
// reading capped output and the status asynchronously, the wall-clock watchdog, and turning it
// all into a structured Result.
#include "common/errors.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <ftw.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/process_owner.hpp"
#include "sandbox/cgroups.hpp"
#include "sandbox/launch_config.hpp"
#include "sandbox/sandbox.hpp"

namespace envforge::sandbox {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
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

// Slot uids start here (see Sandbox::Impl); directories they own are earlier sandboxes' work.
constexpr uid_t kFirstSlotUid = 2'000'000;

// Keeps the first and last `cap / 2` bytes of a stream and counts the rest.
struct Capture {
    Captured c;
    size_t cap;
    explicit Capture(size_t limit) : cap(limit) {}
    void add(const char* p, size_t n) {
        c.total += n;
        const size_t half = cap / 2;
        size_t take = std::min(n, half > c.head.size() ? half - c.head.size() : 0);
        c.head.append(p, take);
        p += take;
        n -= take;
        if (n == 0) return;
        c.tail.append(p, n);
        if (c.tail.size() > 2 * (cap - half)) c.tail.erase(0, c.tail.size() - (cap - half));
    }
    Captured finish() {
        const size_t keep = cap - cap / 2;
        if (c.tail.size() > keep) c.tail.erase(0, c.tail.size() - keep);
        c.truncated = c.total > c.head.size() + c.tail.size();
        return std::move(c);
    }
};

// Why `dir` may not be a sandbox's workdir ("" when it may). The sandbox gets it read-write and,
// as root, every file in it is re-owned by the slot's uid, so it must be a private directory:
// nothing under a system tree (denied by prefix: /var/lib and /etc/ssh as much as /etc), not a
// shared directory itself (/tmp, /home, ...), and owned by us or by a sandbox slot, never by
// another user.
std::string workdir_problem(const std::string& dir) {
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return "workdir '" + dir + "' is not a directory";
    char resolved[PATH_MAX];
    if (!realpath(dir.c_str(), resolved)) return "workdir '" + dir + "': cannot resolve";
    const std::string real = resolved;
    auto under = [&](const std::string& prefix) { return real == prefix || real.rfind(prefix + "/", 0) == 0; };
    for (const char* sys : {"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/dev", "/proc", "/sys",
                            "/run", "/snap", "/var"}) {
        if (std::string(sys) == "/var" && real.rfind("/var/tmp/", 0) == 0) continue;  // private dirs in /var/tmp are fine
        if (under(sys)) return "workdir '" + dir + "' is under the system directory " + sys + "; use a private directory";
    }
    for (const char* shared : {"/", "/tmp", "/var/tmp", "/home", "/root", "/srv", "/mnt", "/media", "/opt", "/work"})
        if (real == shared) return "workdir '" + dir + "' is a shared directory; use a private one";
    if (const char* home = std::getenv("HOME"); home && *home) {
        char home_real[PATH_MAX];
        if (realpath(home, home_real) && real == home_real) return "workdir '" + dir + "' is the home directory; use a private one";
    }
    if (std::count(real.begin(), real.end(), '/') < 2) return "workdir '" + dir + "' is too close to the root; use a private directory";
    struct stat rst {};
    stat(real.c_str(), &rst);
    if (rst.st_uid != geteuid() && rst.st_uid < kFirstSlotUid)
        return "workdir '" + dir + "' belongs to uid " + std::to_string(rst.st_uid) + ", not to this user";
    return {};
}

// Gives the slot uid a workdir to write in, without following any symlink inside it.
void adopt_tree(const std::string& dir, uid_t uid, gid_t gid) {
    static thread_local uid_t t_uid;
    static thread_local gid_t t_gid;
    t_uid = uid;
    t_gid = gid;
    nftw(
        dir.c_str(),
        [](const char* path, const struct stat* s, int, struct FTW*) {
            if (s->st_uid != t_uid || s->st_gid != t_gid) lchown(path, t_uid, t_gid);
            return 0;
        },
        32, FTW_PHYS | FTW_MOUNT);
}

std::string find_launcher() {
    if (const char* env = std::getenv("ENVFORGE_SANDBOX_LAUNCHER"); env && *env) return access(env, X_OK) == 0 ? env : "";
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "";
    // Installed side by side; in a build tree the launcher is in build/sandbox/.
    const auto here = self.parent_path();
    for (auto dir : {here, here.parent_path() / "sandbox", here.parent_path().parent_path() / "sandbox"}) {
        auto p = dir / "envforge-sandbox-launch";
        if (std::filesystem::exists(p)) return p.string();
    }
    return "";
}

}  // namespace

std::string HostSupport::missing_for(Backend b) const {
    if (launcher.empty()) return "envforge-sandbox-launch not found (set ENVFORGE_SANDBOX_LAUNCHER)";
    if (b == Backend::None) return "";
    if (!user_namespaces) return "user namespaces are not available (unshare(CLONE_NEWUSER) failed)";
    if (!seccomp) return "seccomp is not available";
    if (b == Backend::Bwrap && !bwrap) return "bwrap is not installed (Debian package bubblewrap)";
    return "";
}

HostSupport probe_host() {
    HostSupport h;
    h.root = geteuid() == 0;
    h.launcher = find_launcher();
    pid_t pid = fork();
    if (pid == 0) _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
    int st = 0;
    if (pid > 0 && waitpid(pid, &st, 0) == pid) h.user_namespaces = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    h.seccomp = access("/proc/self/status", R_OK) == 0 && std::filesystem::exists("/proc/sys/kernel/seccomp/actions_avail");
    for (const char* dir : {"/usr/bin/", "/bin/", "/usr/local/bin/"})
        h.bwrap = h.bwrap || access((std::string(dir) + "bwrap").c_str(), X_OK) == 0;
    const CgroupHost& cg = host_cgroups();
    h.cgroups = cg.describe;
    h.cgroup_memory = cg.memory;
    h.cgroup_pids = cg.pids;
    h.cgroup_cpu = cg.cpu;
    if (!h.root) h.notes.push_back("not root: one uid for all slots; process limits are shared (RLIMIT_NPROC)");
    if (!h.cgroup_memory) h.notes.push_back("no memory cgroup: memory is limited by RLIMIT_DATA");
    if (!h.cgroup_pids) h.notes.push_back("no pids cgroup: processes are limited by RLIMIT_NPROC");
    return h;
}

namespace {

// A network namespace with loopback up, kept alive by the returned descriptor (-1 on failure).
int make_netns() {
    int up[2], down[2];  // child -> parent: ready; parent -> child: done (EOF)
    if (pipe2(up, O_CLOEXEC) != 0) return -1;
    if (pipe2(down, O_CLOEXEC) != 0) {
        ::close(up[0]);
        ::close(up[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        ::close(up[0]);
        ::close(down[1]);
        bool ok = unshare(CLONE_NEWNET) == 0;
        if (ok) {
            int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            struct ifreq ifr {};
            std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
            ok = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
            ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
            ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
        }
        char c = ok ? 'y' : 'n';
        (void)!write(up[1], &c, 1);
        char wait;
        (void)!read(down[0], &wait, 1);  // EOF once the parent has opened our namespace
        _exit(0);
    }
    ::close(up[1]);
    ::close(down[0]);
    char c = 'n';
    if (pid > 0 && read(up[0], &c, 1) != 1) c = 'n';
    int fd = c == 'y' ? open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC) : -1;
    ::close(up[0]);
    ::close(down[1]);
    if (pid > 0) waitpid(pid, nullptr, 0);
    return fd;
}

}  // namespace

struct Sandbox::Impl {
    asio::io_context& io;
    Backend backend;
    HostSupport host;
    std::vector<bool> busy;
    std::vector<std::unique_ptr<SlotCgroups>> cgroups;
    std::vector<int> netns;  // per slot, -1 until made
    uid_t uid_base = 0;
    int block = -1;  // this instance's share of the process's uids

    // Each process owns 1,024 host uids from 2,000,000 + (pid % 1000) · 1024, handed out in
    // blocks of 64 to its Sandbox instances: two instances (one per synthesis thread, say) must
    // never share a uid or a cgroup, or one call could signal or starve another's processes.
    static constexpr int kBlocks = 16, kBlockSlots = 64;
    static std::mutex& blocks_mu() {
        static std::mutex m;
        return m;
    }
    static std::array<bool, kBlocks>& blocks_used() {
        static std::array<bool, kBlocks> used{};
        return used;
    }

    Impl(asio::io_context& ctx, Backend b, int slots) : io(ctx), backend(b), host(probe_host()) {
        if (auto missing = host.missing_for(b); !missing.empty())
            throw SandboxError("sandbox " + std::string(backend_name(b)) + ": " + missing);
        {
            std::lock_guard lock(blocks_mu());
            for (int i = 0; i < kBlocks && block < 0; ++i)
                if (!blocks_used()[static_cast<size_t>(i)]) block = i, blocks_used()[static_cast<size_t>(i)] = true;
        }
        if (block < 0) throw SandboxError("sandbox: more than " + std::to_string(kBlocks) + " sandboxes in one process");
        busy.assign(static_cast<size_t>(std::clamp(slots, 1, kBlockSlots)), false);
        cgroups.resize(busy.size());
        netns.assign(busy.size(), -1);
        uid_base = static_cast<uid_t>(kFirstSlotUid + (getpid() % 1000) * kBlocks * kBlockSlots + block * kBlockSlots);
    }

    asio::awaitable<size_t> acquire() {
        for (;;) {
            for (size_t i = 0; i < busy.size(); ++i)
                if (!busy[i]) {
                    busy[i] = true;
                    co_return i;
                }
            asio::steady_timer t(io, std::chrono::milliseconds(1));
            co_await t.async_wait(asio::use_awaitable);
        }
    }

    asio::awaitable<Result> run(Request req);

    ~Impl() {
        for (int fd : netns)
            if (fd >= 0) ::close(fd);
        cgroups.clear();
        std::lock_guard lock(blocks_mu());
        blocks_used()[static_cast<size_t>(block)] = false;
    }
};

Sandbox::Sandbox(asio::io_context& io, Backend backend, int slots) : impl_(std::make_unique<Impl>(io, backend, slots)) {}
Sandbox::~Sandbox() = default;
Backend Sandbox::backend() const { return impl_->backend; }
asio::awaitable<Result> Sandbox::run(Request request) { return impl_->run(std::move(request)); }

namespace {

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw SandboxError(std::string("pipe: ") + std::strerror(errno));
        r = fds[0];
        w = fds[1];
    }
    ~Pipe() {
        if (r >= 0) close(r);
        if (w >= 0) close(w);
    }
};

// Why a request cannot be run as given ("" when it can). Checked before anything is touched: a
// NUL would silently cut a path short on its way through the C interfaces (a workdir of
// "/tmp\0/x" becomes "/tmp"), and relative paths mean something different inside the sandbox.
std::string request_problem(const Request& req) {
    auto has_nul = [](const std::string& s) { return s.find('\0') != std::string::npos; };
    if (req.argv.empty() || req.argv[0].empty()) return "empty command";
    for (const std::string& a : req.argv)
        if (has_nul(a)) return "an argument contains a NUL byte";
    for (const std::string& e : req.env) {
        if (has_nul(e)) return "an environment entry contains a NUL byte";
        const size_t eq = e.find('=');
        if (eq == std::string::npos || eq == 0) return "environment entry '" + e.substr(0, 40) + "' is not KEY=VALUE";
    }
    if (has_nul(req.workdir) || has_nul(req.cwd)) return "a path contains a NUL byte";
    if (!req.workdir.empty() && req.workdir[0] != '/') return "workdir '" + req.workdir + "' is not an absolute path";
    if (!req.workdir.empty())
        if (std::string problem = workdir_problem(req.workdir); !problem.empty()) return problem;
    if (req.cwd.empty() || req.cwd[0] != '/') return "cwd '" + req.cwd + "' is not an absolute path";
    return {};
}

}  // namespace

asio::awaitable<Result> Sandbox::Impl::run(Request req) {
    Result res;
    res.backend = backend_name(backend);
    if (std::string problem = request_problem(req); !problem.empty()) {
        if (req.session_fd >= 0) ::close(req.session_fd);
        res.setup_error = "bad request: " + problem;
        co_return res;
    }
    // The session socket belongs to this call from here on: closed once the launcher has it.
    struct CloseFd {
        int fd;
        ~CloseFd() {
            if (fd >= 0) ::close(fd);
        }
    } session_fd{req.session_fd};
    const size_t slot = co_await acquire();
    struct Release {
        std::vector<bool>& busy;
        size_t slot;
        ~Release() { busy[slot] = false; }
    } release{busy, slot};
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
    CgroupStats before;
    SlotCgroups* cg = nullptr;
    if (backend != Backend::None && host_cgroups().mode != CgroupMode::None) {
        if (!cgroups[slot])
            cgroups[slot] = std::make_unique<SlotCgroups>(host_cgroups(),
                                                          owner_tag() + "-" + std::to_string(block * kBlockSlots + static_cast<int>(slot)));
        cg = cgroups[slot].get();
        before = cg->prepare(L.memory_bytes, L.processes);
        cfg.cgroups = cg->dirs();
    }
    if (host.root && backend != Backend::None) {
        cfg.uid = cfg.gid = static_cast<int64_t>(uid_base + slot);
        if (backend == Backend::Native) {
            if (netns[slot] < 0) netns[slot] = make_netns();
            cfg.netns = netns[slot] >= 0;
        }
        if (!req.workdir.empty()) adopt_tree(req.workdir, static_cast<uid_t>(cfg.uid), static_cast<gid_t>(cfg.gid));
    }
    if (!cg || !cg->has_memory()) cfg.memory_bytes = L.memory_bytes;
    if (cg && cg->has_pids()) cfg.nproc = std::max<int64_t>(cfg.nproc, 4096);  // pids.max governs instead

    Pipe config, status, out, err, in;
    // posix_spawn applies the dup2s in order, so no source may sit on a target number (0..5):
    // move every source above them first.
    for (int* fd : {&in.r, &out.w, &err.w, &config.r, &status.w, &session_fd.fd, &netns[slot]}) {
        if (*fd < 0 || *fd > kNetnsFd) continue;
        int moved = fcntl(*fd, F_DUPFD_CLOEXEC, kNetnsFd + 1);
        ::close(*fd);
        *fd = moved;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.r, 0);
    posix_spawn_file_actions_adddup2(&fa, out.w, 1);
    posix_spawn_file_actions_adddup2(&fa, err.w, 2);
    posix_spawn_file_actions_adddup2(&fa, config.r, kConfigFd);
    posix_spawn_file_actions_adddup2(&fa, status.w, kStatusFd);
    if (cfg.session) posix_spawn_file_actions_adddup2(&fa, session_fd.fd, kSessionFd);
    if (cfg.netns) posix_spawn_file_actions_adddup2(&fa, netns[slot], kNetnsFd);
    posix_spawn_file_actions_addclosefrom_np(&fa, kNetnsFd + 1);
    std::string path = host.launcher;
    char* argv[] = {path.data(), nullptr};
    char* envp[] = {nullptr};
    pid_t pid = -1;
    const auto t0 = Clock::now();
    int rc = posix_spawn(&pid, path.c_str(), &fa, nullptr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        res.setup_error = "spawn " + path + ": " + std::strerror(rc);
        co_return res;
    }
    for (int* fd : {&in.r, &out.w, &err.w, &config.r, &status.w, &session_fd.fd}) {
        if (*fd >= 0) close(*fd);
        *fd = -1;
    }
    const std::string text = cfg.serialize();
    (void)!write(config.w, text.data(), text.size());  // small; the launcher reads it at once
    close(config.w);
    config.w = -1;

    asio::posix::stream_descriptor out_s(io, std::exchange(out.r, -1)), err_s(io, std::exchange(err.r, -1)),
        status_s(io, std::exchange(status.r, -1)), in_s(io, std::exchange(in.w, -1));
    Capture out_c(L.output_bytes), err_c(L.output_bytes);
    std::string status_text;
    bool killed_wall = false, killed_output = false, finished = false;
    // Stop the sandbox by killing the launcher's child (reported as "pid N"), so the launcher
    // reaps it and nothing is orphaned; before that pid is known, kill the launcher itself.
    auto kill_launcher = [&] {
        pid_t target = pid;
        if (auto at = status_text.find("pid "); at != std::string::npos && (at == 0 || status_text[at - 1] == '\n'))
            target = static_cast<pid_t>(std::atoi(status_text.c_str() + at + 4));
        ::kill(target > 0 ? target : pid, SIGKILL);
    };
    auto drain = [&](asio::posix::stream_descriptor& s, Capture* cap, std::string* plain) -> asio::awaitable<void> {
        std::array<char, 65536> buf;
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            if (n > 0) {
                if (cap) {
                    cap->add(buf.data(), n);
                    if (cap->c.total > L.output_kill_bytes && !killed_output) {
                        killed_output = true;
                        kill_launcher();
                    }
                } else if (plain->size() < 65536) {
                    plain->append(buf.data(), n);
                }
            }
            if (ec) co_return;
        }
    };
    auto feed = [&]() -> asio::awaitable<void> {
        if (!req.stdin_data.empty()) co_await asio::async_write(in_s, asio::buffer(req.stdin_data), asio::as_tuple(asio::use_awaitable));
        in_s.close();
    };
    bool cancelled = false;
    if (req.cancel) {
        if (req.cancel->cancelled) kill_launcher();
        req.cancel->kill = [&] {
            cancelled = true;
            if (!finished) kill_launcher();
        };
    }
    asio::steady_timer watchdog(io, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(L.wall_seconds)));
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto [ec] = co_await watchdog.async_wait(asio::as_tuple(asio::use_awaitable));
            if (!ec && !finished) {
                killed_wall = true;
                kill_launcher();
            }
        },
        asio::detached);
    co_await (feed() && drain(out_s, &out_c, nullptr) && drain(err_s, &err_c, nullptr) && drain(status_s, nullptr, &status_text));
    finished = true;
    watchdog.cancel();
    if (req.cancel) req.cancel->kill = nullptr;
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR) {
    }
    res.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (cg) cg->kill_leftovers();
    res.out = out_c.finish();
    res.err = err_c.finish();

    // Status lines: "exit N" | "signal S" | "rusage U S MAXRSS_KB" | "error MSG".
    bool have_status = false;
    double ru_cpu = 0;
    int64_t ru_maxrss = 0;
    std::istringstream lines(status_text);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("error ", 0) == 0) res.setup_error = line.substr(6);
        else if (line.rfind("exit ", 0) == 0) {
            res.exit_code = std::atoi(line.c_str() + 5);
            res.reason = Reason::Exit;
            have_status = true;
        } else if (line.rfind("signal ", 0) == 0) {
            res.signal = std::atoi(line.c_str() + 7);
            res.reason = Reason::Signal;
            have_status = true;
        } else if (line.rfind("rusage ", 0) == 0) {
            double u = 0, s = 0;
            long rss = 0;
            std::sscanf(line.c_str() + 7, "%lf %lf %ld", &u, &s, &rss);
            ru_cpu = u + s;
            ru_maxrss = static_cast<int64_t>(rss) * 1024;
        }
    }
    CgroupStats after = cg ? cg->read() : CgroupStats{};
    res.cpu_seconds = cg && after.cpu_ns > 0 ? static_cast<double>(after.cpu_ns) / 1e9 : ru_cpu;
    res.peak_memory_bytes = cg && after.peak_memory > 0 ? after.peak_memory : ru_maxrss;
    // A call we stopped may also leave the launcher's "could not set up" message: ours wins.
    if (killed_output) res.reason = Reason::OutputCap, res.setup_error.clear();
    else if (killed_wall || cancelled) res.reason = Reason::TimeoutWall, res.setup_error.clear();
    else if (!res.setup_error.empty()) res.reason = Reason::SetupError;
    else if (!have_status) {
        res.reason = Reason::SetupError;
        res.setup_error = "the launcher ended without a status (exit status " + std::to_string(wst) + ")";
    } else if (cg && after.oom_kills > before.oom_kills) {
        res.reason = Reason::Oom;
    } else if (res.reason == Reason::Signal &&
               (res.signal == SIGXCPU || (res.signal == SIGKILL && res.cpu_seconds >= L.cpu_seconds * 0.95))) {
        res.reason = Reason::TimeoutCpu;
    } else if (cg && after.pids_max_hits > before.pids_max_hits && !(res.reason == Reason::Exit && res.exit_code == 0)) {
        res.reason = Reason::Pids;
    }
    co_return res;
}

}  // namespace envforge::sandbox
