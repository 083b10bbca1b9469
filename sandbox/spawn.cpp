#include "sandbox/spawn.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include "common/errors.hpp"

namespace envforge::sandbox {

namespace {

// A descriptor closed when it goes out of scope unless released.
struct OwnedFd {
    int fd = -1;
    OwnedFd() = default;
    explicit OwnedFd(int f) : fd(f) {}
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(OwnedFd&& o) noexcept {
        std::swap(fd, o.fd);
        return *this;
    }
    ~OwnedFd() {
        if (fd >= 0) ::close(fd);
    }
    int release() { return std::exchange(fd, -1); }
};

struct Pipe {
    OwnedFd r, w;
    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw SandboxError(std::string("pipe2: ") + std::strerror(errno));
        r.fd = fds[0];
        w.fd = fds[1];
    }
};

// posix_spawn applies the dup2s in order, so no source may sit on a target number (0..kNetnsFd):
// a copy above them replaces it.
int above_targets(int fd) {
    if (fd < 0 || fd > kNetnsFd) return fd;
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, kNetnsFd + 1);
    if (moved < 0) throw SandboxError(std::string("fcntl(F_DUPFD_CLOEXEC): ") + std::strerror(errno));
    return moved;
}

// Throws SandboxError for a nonzero posix_spawn* result.
void check(int rc, const char* call) {
    if (rc != 0) throw SandboxError(std::string(call) + ": " + std::strerror(rc));
}

struct FileActions {
    posix_spawn_file_actions_t fa;
    FileActions() { check(posix_spawn_file_actions_init(&fa), "posix_spawn_file_actions_init"); }
    ~FileActions() { posix_spawn_file_actions_destroy(&fa); }
    void dup2(int from, int to) {
        if (from >= 0) check(posix_spawn_file_actions_adddup2(&fa, from, to), "posix_spawn_file_actions_adddup2");
    }
};

struct SpawnAttr {
    posix_spawnattr_t attr;
    SpawnAttr() {
        check(posix_spawnattr_init(&attr), "posix_spawnattr_init");
        // envforge ignores SIGPIPE (a child that stops reading must not kill it); programs in
        // the sandbox get the default action back, as a shell would give them.
        sigset_t def, none;
        sigemptyset(&def);
        sigaddset(&def, SIGPIPE);
        sigemptyset(&none);
        check(posix_spawnattr_setsigdefault(&attr, &def), "posix_spawnattr_setsigdefault");
        check(posix_spawnattr_setsigmask(&attr, &none), "posix_spawnattr_setsigmask");
        check(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags");
    }
    ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
};

// The whole config; the launcher reads it at once. A launcher that died early shows in its
// status (the write then fails with EPIPE, which is not an error of ours).
void write_config(int fd, const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<size_t>(n);
    }
}

}  // namespace

LauncherProcess spawn_launcher(const std::string& launcher, const LaunchConfig& cfg, int session_fd, int netns_fd) {
    Pipe config, status, out, err, in;
    OwnedFd session_copy, netns_copy;
    for (OwnedFd* fd : {&in.r, &out.w, &err.w, &config.r, &status.w}) {
        OwnedFd moved(above_targets(fd->fd));
        if (moved.fd != fd->fd) *fd = std::move(moved);
        else moved.release();
    }
    // The caller's descriptors are duplicated when they sit low, never closed here.
    if (session_fd >= 0 && session_fd <= kNetnsFd) session_copy.fd = above_targets(session_fd), session_fd = session_copy.fd;
    if (netns_fd >= 0 && netns_fd <= kNetnsFd) netns_copy.fd = above_targets(netns_fd), netns_fd = netns_copy.fd;
    FileActions fa;
    fa.dup2(in.r.fd, 0);
    fa.dup2(out.w.fd, 1);
    fa.dup2(err.w.fd, 2);
    fa.dup2(config.r.fd, kConfigFd);
    fa.dup2(status.w.fd, kStatusFd);
    if (cfg.session) fa.dup2(session_fd, kSessionFd);
    if (cfg.netns) fa.dup2(netns_fd, kNetnsFd);
    check(posix_spawn_file_actions_addclosefrom_np(&fa.fa, kNetnsFd + 1), "posix_spawn_file_actions_addclosefrom_np");
    SpawnAttr attr;
    std::string path = launcher;
    char* argv[] = {path.data(), nullptr};
    char* envp[] = {nullptr};
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, path.c_str(), &fa.fa, &attr.attr, argv, envp);
    if (rc != 0) throw SandboxError("spawn " + path + ": " + std::strerror(rc));
    // The child's ends close first, so a launcher that died makes the config write fail (EPIPE)
    // instead of blocking.
    for (OwnedFd* fd : {&in.r, &out.w, &err.w, &config.r, &status.w}) OwnedFd(fd->release());
    write_config(config.w.fd, cfg.serialize());
    LauncherProcess p;
    p.pid = pid;
    p.stdin_w = in.w.release();
    p.stdout_r = out.r.release();
    p.stderr_r = err.r.release();
    p.status_r = status.r.release();
    return p;
}

}  // namespace envforge::sandbox
