// The launcher: a small single-threaded program that the supervisor spawns per call. As root it
// joins the slot's cgroups and switches to the slot's host uid; then it builds the sandbox
// (native: its own namespaces, mounts, caps and seccomp; bwrap: bubblewrap with hardened flags)
// and reports how the program ended on the status descriptor.
#include "sandbox/launcher.hpp"

#include <cerrno>
#include <csignal>
#include <dirent.h>
#include <poll.h>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "sandbox/launch_config.hpp"
#include "sandbox/seccomp_policy.hpp"

extern char** environ;

namespace envforge::sandbox {

namespace {

// Setup failed: say what on the status descriptor and stop. The supervisor reports setup_error.
[[noreturn]] void fail(const std::string& what, int err = errno) {
    dprintf(kStatusFd, "error %s: %s\n", what.c_str(), std::strerror(err));
    _exit(126);
}

bool write_file(const std::string& path, const std::string& data) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    bool ok = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
    close(fd);
    return ok;
}

void set_limit(int resource, rlim_t soft, rlim_t hard, const char* name) {
    struct rlimit rl {
        soft, hard
    };
    if (setrlimit(resource, &rl) != 0) fail(std::string("setrlimit(") + name + ")");
}

void common_limits(const LaunchConfig& c) {
    set_limit(RLIMIT_CORE, 0, 0, "CORE");
    set_limit(RLIMIT_NOFILE, static_cast<rlim_t>(c.open_files), static_cast<rlim_t>(c.open_files), "NOFILE");
    set_limit(RLIMIT_FSIZE, static_cast<rlim_t>(c.file_bytes), static_cast<rlim_t>(c.file_bytes), "FSIZE");
    set_limit(RLIMIT_NPROC, static_cast<rlim_t>(c.nproc), static_cast<rlim_t>(c.nproc), "NPROC");
    if (c.memory_bytes > 0) set_limit(RLIMIT_DATA, static_cast<rlim_t>(c.memory_bytes), static_cast<rlim_t>(c.memory_bytes), "DATA");
    set_limit(RLIMIT_MSGQUEUE, 0, 0, "MSGQUEUE");
}

void cpu_limit(const LaunchConfig& c) {
    // SIGXCPU at the soft limit, SIGKILL one second later.
    const rlim_t soft = static_cast<rlim_t>(std::ceil(std::max(c.cpu_seconds, 0.01)));
    set_limit(RLIMIT_CPU, soft, soft + 1, "CPU");
}

// As root: join the slot cgroups and become the slot's host uid, never host uid 0.
void become_slot(const LaunchConfig& c) {
    for (const auto& cg : c.cgroups)
        if (!write_file(cg + "/cgroup.procs", std::to_string(getpid()))) fail("join cgroup " + cg);
    if (c.uid >= 0) {
        if (setgroups(0, nullptr) != 0) fail("setgroups");
        if (setresgid(static_cast<gid_t>(c.gid), static_cast<gid_t>(c.gid), static_cast<gid_t>(c.gid)) != 0) fail("setresgid");
        if (setresuid(static_cast<uid_t>(c.uid), static_cast<uid_t>(c.uid), static_cast<uid_t>(c.uid)) != 0) fail("setresuid");
    }
    // Credential changes clear the parent-death signal and make /proc/self root-owned (not
    // dumpable), which would forbid writing our own uid_map: restore both.
    prctl(PR_SET_DUMPABLE, 1);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The supervisor is already gone (the signal above would come too late).
    if (c.supervisor > 0 ? getppid() != static_cast<pid_t>(c.supervisor) : getppid() == 1) _exit(126);
}

std::vector<char*> cstrings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:1000:sandbox:/workspace:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n";
const char* kGroup = "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n";
const char* kHosts = "127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost\n";
const char* kNsswitch = "passwd: files\ngroup: files\nhosts: files\n";

// Mount flags a bind remount must keep (the kernel locks them inside a user namespace).
unsigned long locked_flags(const char* path) {
    struct statvfs sv {};
    if (statvfs(path, &sv) != 0) return 0;
    unsigned long f = 0;
    if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
    return f;
}

void bind(const std::string& src, const std::string& dst, bool read_only, bool device = false) {
    if (mount(src.c_str(), dst.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) fail("bind " + src);
    if (device) return;  // device nodes keep their source mount's nosuid/noexec flags
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (device ? 0 : MS_NODEV) | locked_flags(dst.c_str()) |
                          (read_only ? MS_RDONLY : 0);
    if (mount(nullptr, dst.c_str(), nullptr, flags, nullptr) != 0) fail("remount " + dst);
}

void make_file(const std::string& path, const char* content) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, content, std::strlen(content)) < 0) fail("create " + path);
    close(fd);
}

void system_path(const std::string& root, const char* path) {
    struct stat st {};
    if (lstat(path, &st) != 0) return;
    const std::string dst = root + path;
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n < 0) fail(std::string("readlink ") + path);
        target[n] = 0;
        if (symlink(target, dst.c_str()) != 0) fail("symlink " + dst);
    } else if (S_ISDIR(st.st_mode)) {
        mkdir(dst.c_str(), 0755);
        bind(path, dst, true);
    } else if (S_ISREG(st.st_mode) && st.st_size < (1 << 20)) {
        // Small files are copied: cheaper than a bind mount plus its read-only remount.
        int in = open(path, O_RDONLY | O_CLOEXEC);
        int out = open(dst.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (in < 0 || out < 0) fail(std::string("copy ") + path);
        char buf[65536];
        for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;)
            if (write(out, buf, static_cast<size_t>(n)) != n) fail(std::string("copy ") + path);
        close(in);
        close(out);
    } else {
        make_file(dst, "");
        bind(path, dst, true);
    }
}

void tmpfs(const std::string& dst, int64_t bytes, const char* mode) {
    std::string opts = "size=" + std::to_string(bytes) + ",mode=" + mode;
    if (mount("tmpfs", dst.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) != 0) fail("mount tmpfs " + dst);
}

// The new root: tmpfs with read-only system paths, a synthesized /etc, a minimal /dev,
// size-limited /tmp and /dev/shm, the workdir at /workspace, and a fresh /proc.
void build_root(const LaunchConfig& c, const std::string& workdir) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("make / private");
    // The new root is a tmpfs over an existing directory (hidden in this mount namespace only)
    // that must not contain the workdir, which is bound from its host path afterwards.
    std::string root;
    for (const char* candidate : {"/tmp", "/mnt", "/media", "/srv", "/opt", "/run"}) {
        const std::string cand = candidate;
        struct stat st {};
        if (stat(candidate, &st) == 0 && S_ISDIR(st.st_mode) && !(workdir.rfind(cand + "/", 0) == 0 || workdir == cand)) {
            root = cand;
            break;
        }
    }
    if (root.empty()) fail("no directory to build the sandbox root on", ENOENT);
    tmpfs(root, 8 << 20, "0755");
    for (const char* d : {"/etc", "/dev", "/proc", "/tmp", "/workspace", "/.old", "/root"})
        if (mkdir((root + d).c_str(), 0755) != 0) fail(std::string("mkdir ") + d);
    for (const char* p : {"/usr", "/bin", "/lib", "/lib64", "/sbin", "/lib32", "/libx32"}) system_path(root, p);
    for (const char* p : {"/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime", "/etc/mime.types"}) system_path(root, p);
    make_file(root + "/etc/passwd", kPasswd);
    make_file(root + "/etc/group", kGroup);
    make_file(root + "/etc/hosts", kHosts);
    make_file(root + "/etc/nsswitch.conf", kNsswitch);
    make_file(root + "/etc/hostname", "sandbox\n");
    if (mount("tmpfs", (root + "/dev").c_str(), "tmpfs", MS_NOSUID, "size=65536,mode=0755") != 0) fail("mount /dev");
    for (const char* d : {"null", "zero", "full", "random", "urandom", "tty"}) {
        make_file(root + "/dev/" + d, "");
        bind(std::string("/dev/") + d, root + "/dev/" + d, false, true);
    }
    for (auto [name, target] :
         {std::pair{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}})
        if (symlink(target, (root + "/dev/" + name).c_str()) != 0) fail(std::string("symlink /dev/") + name);
    if (mkdir((root + "/dev/shm").c_str(), 01777) != 0) fail("mkdir /dev/shm");
    tmpfs(root + "/dev/shm", c.tmp_bytes, "1777");
    tmpfs(root + "/tmp", c.tmp_bytes, "1777");
    if (!workdir.empty()) bind(workdir, root + "/workspace", false);
    if (chdir(root.c_str()) != 0) fail("chdir new root");
    if (syscall(SYS_pivot_root, ".", ".old") != 0) fail("pivot_root");
    if (chdir("/") != 0) fail("chdir /");
    // proc must be mounted while the old root (with a full proc) is still visible.
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) fail("mount /proc");
    if (umount2("/.old", MNT_DETACH) != 0) fail("umount old root");
    rmdir("/.old");
    if (mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0) fail("remount / read-only");
}

void loopback_up() {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) fail("socket for lo");
    struct ifreq ifr {};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) fail("SIOCGIFFLAGS lo");
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) fail("SIOCSIFFLAGS lo");
    close(s);
}

void drop_capabilities() {
    for (int cap = 0; cap <= 63; ++cap) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);  // EINVAL past the last
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct hdr {
        _LINUX_CAPABILITY_VERSION_3, 0
    };
    struct __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capset, &hdr, data) != 0) fail("capset");
}

[[noreturn]] void exec_program(LaunchConfig& c, bool sandboxed) {
    setsid();  // no controlling terminal: TIOCSTI has nothing to inject into
    if (sandboxed && chdir(c.cwd.c_str()) != 0) {
        dprintf(2, "envforge-sandbox: cwd '%s': %s\n", c.cwd.c_str(), std::strerror(errno));
        _exit(127);
    }
    cpu_limit(c);
    if (sandboxed) {
        drop_capabilities();
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("PR_SET_NO_NEW_PRIVS");
        if (int rc = install_seccomp(); rc != 0) fail("seccomp", -rc);
    }
    if (c.session) {
        // The session socket becomes fd 3, the only descriptor besides stdin, stdout, stderr.
        if (dup2(kSessionFd, 3) != 3) fail("dup2 session");
        syscall(SYS_close_range, 4u, ~0u, 0u);
    } else {
        syscall(SYS_close_range, 3u, ~0u, 0u);
    }
    auto argv = cstrings(c.argv);
    auto envp = cstrings(c.env);
    environ = envp.data();  // execvp searches this environment's PATH
    execvp(argv[0], argv.data());
    dprintf(2, "envforge-sandbox: exec '%s': %s\n", argv[0], std::strerror(errno));
    _exit(127);
}

void report(int status) {
    if (WIFSIGNALED(status)) dprintf(kStatusFd, "signal %d\n", WTERMSIG(status));
    else dprintf(kStatusFd, "exit %d\n", WEXITSTATUS(status));
}

void report_usage(const struct rusage& ru) {
    dprintf(kStatusFd, "rusage %ld.%06ld %ld.%06ld %ld\n", static_cast<long>(ru.ru_utime.tv_sec), static_cast<long>(ru.ru_utime.tv_usec),
            static_cast<long>(ru.ru_stime.tv_sec), static_cast<long>(ru.ru_stime.tv_usec), ru.ru_maxrss);
}

// pid 1 of the sandbox's pid namespace: runs the program, reaps everything, and exits when the
// program does; the kernel then kills whatever the program left behind.
[[noreturn]] void init_main(LaunchConfig& c, const std::string& workdir) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    build_root(c, workdir);
    if (!c.netns) loopback_up();
    sethostname("sandbox", 7);
    pid_t child = fork();
    if (child < 0) fail("fork program");
    if (child == 0) exec_program(c, true);
    if (c.session) close(kSessionFd);  // only the program holds the session open
    int status = 0;
    for (;;) {
        int st = 0;
        pid_t r = waitpid(-1, &st, 0);
        if (r == child) {
            status = st;
            break;
        }
        if (r < 0 && errno != EINTR) break;
    }
    report(status);
    _exit(0);
}

int run_native(LaunchConfig& c) {
    std::string workdir;
    if (!c.workdir.empty()) {
        char resolved[PATH_MAX];
        if (!realpath(c.workdir.c_str(), resolved)) fail("workdir " + c.workdir);
        workdir = resolved;
    }
    // 1. rlimits first, while nothing has been unshared: they are inherited by everything below
    //    and cannot be raised again once the capabilities are gone.
    common_limits(c);
    if (c.netns) {
        // A network namespace the supervisor prepared (loopback up): creating one per call was
        // half of the launch time. Joined while still root; the sandbox has no rights in it.
        if (setns(kNetnsFd, CLONE_NEWNET) != 0) fail("setns(network)");
        close(kNetnsFd);
    }
    // 2. Join the slot's cgroups and become its host uid (as root); from here on every process
    //    of the call is accounted to the slot and owned by a uid no other slot uses.
    become_slot(c);
    const uid_t uid = geteuid();
    const gid_t gid = getegid();
    // 3. A user namespace mapping only that uid (to 1000 inside): the capabilities it grants to
    //    build mounts are over this namespace alone, and setgroups is denied so supplementary
    //    groups cannot be dropped to escape a group-based deny.
    if (unshare(CLONE_NEWUSER) != 0) fail("unshare(CLONE_NEWUSER)");
    if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", "1000 " + std::to_string(uid) + " 1") ||
        !write_file("/proc/self/gid_map", "1000 " + std::to_string(gid) + " 1"))
        fail("write uid/gid map");
    // 4. The other namespaces, owned by that user namespace. A new pid namespace applies to
    //    children only, so the program's init is forked: init_main builds the root filesystem,
    //    drops capabilities, installs seccomp and execs the program as pid 1.
    if (unshare(CLONE_NEWNS | CLONE_NEWPID | (c.netns ? 0 : CLONE_NEWNET) | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP) != 0)
        fail("unshare(namespaces)");
    pid_t init = fork();
    if (init < 0) fail("fork init");
    if (init == 0) init_main(c, workdir);
    if (c.session) close(kSessionFd);
    // The supervisor stops a call by killing this pid; the pid namespace then dies with it and
    // this launcher still reaps it and reports.
    dprintf(kStatusFd, "pid %d\n", init);
    int status = 0;
    struct rusage ru {};
    while (wait4(init, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    report_usage(ru);
    return 0;
}

int memfd_with(const char* name, const std::string& content) {
    int fd = memfd_create(name, 0);
    if (fd < 0 || write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) fail("memfd");
    lseek(fd, 0, SEEK_SET);
    return fd;
}

// bwrap's JSON status, read until the outer bwrap (`pid`) exits. Not until EOF: an orphaned inner
// bwrap may hold the pipe open forever. Watches a pidfd where the kernel has pidfd_open (5.3+).
std::string read_bwrap_status(int fd, pid_t pid) {
    std::string json;
    char buf[512];
    const int pfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pfd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    for (bool exited = false;;) {
        if (pfd >= 0) {
            struct pollfd p[2] = {{fd, POLLIN, 0}, {pfd, POLLIN, 0}};
            if (poll(p, 2, -1) < 0 && errno != EINTR) break;
            exited = p[1].revents != 0;
        }
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) json.append(buf, static_cast<size_t>(n));
        if (n == 0 || exited || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
    }
    if (pfd >= 0) close(pfd);
    close(fd);
    return json;
}

// SIGKILL to every child this process has (the subreaper's orphans included).
void kill_children() {
    const std::string tasks = "/proc/self/task";
    DIR* d = opendir(tasks.c_str());
    if (!d) return;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        FILE* f = fopen((tasks + "/" + e->d_name + "/children").c_str(), "r");
        if (!f) continue;
        for (int child; fscanf(f, "%d", &child) == 1;) kill(child, SIGKILL);
        fclose(f);
    }
    closedir(d);
}

// bwrap's command line: every namespace, no capabilities, the slot's user as uid 1000, a
// read-only root of /usr and the links beside it, the synthetic /etc files, sized /tmp and
// /dev/shm, the workdir at /workspace, the seccomp filter from `seccomp_fd`, and its JSON status
// on `status_w`; then the program.
std::vector<std::string> bwrap_args(const LaunchConfig& c, int seccomp_fd, int status_w) {
    std::vector<std::string> a = {
        "bwrap", "--unshare-all", "--unshare-user",    "--disable-userns", "--cap-drop", "ALL",     "--uid",     "1000",
        "--gid", "1000",          "--die-with-parent", "--new-session",    "--hostname", "sandbox", "--clearenv"};
    for (const auto& kv : c.env) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) continue;
        a.insert(a.end(), {"--setenv", kv.substr(0, eq), kv.substr(eq + 1)});
    }
    a.insert(a.end(), {"--ro-bind", "/usr", "/usr"});
    for (const char* p : {"/bin", "/lib", "/lib64", "/sbin"}) {
        char target[256];
        ssize_t n = readlink(p, target, sizeof target - 1);
        if (n > 0) a.insert(a.end(), {"--symlink", std::string(target, static_cast<size_t>(n)), p});
        else if (access(p, F_OK) == 0) a.insert(a.end(), {"--ro-bind", p, p});
    }
    for (const char* p : {"/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime", "/etc/mime.types"})
        a.insert(a.end(), {"--ro-bind-try", p, p});
    for (auto [content, dest] :
         {std::pair{kPasswd, "/etc/passwd"}, {kGroup, "/etc/group"}, {kHosts, "/etc/hosts"}, {kNsswitch, "/etc/nsswitch.conf"}})
        a.insert(a.end(), {"--file", std::to_string(memfd_with("etc", content)), dest});
    a.insert(a.end(), {"--proc", "/proc", "--dev", "/dev", "--size", std::to_string(c.tmp_bytes), "--tmpfs", "/tmp", "--size",
                       std::to_string(c.tmp_bytes), "--tmpfs", "/dev/shm"});
    if (!c.workdir.empty()) a.insert(a.end(), {"--bind", c.workdir, "/workspace"});
    // bwrap builds its root on a tmpfs without a size: made read-only once everything is in
    // place (as native's root is), so only the sized /tmp, /dev/shm and the workdir take writes.
    a.insert(a.end(), {"--remount-ro", "/"});
    a.insert(a.end(),
             {"--chdir", c.cwd, "--add-seccomp-fd", std::to_string(seccomp_fd), "--json-status-fd", std::to_string(status_w), "--"});
    a.insert(a.end(), c.argv.begin(), c.argv.end());
    return a;
}

int run_bwrap(LaunchConfig& c) {
    common_limits(c);
    become_slot(c);
    // bwrap's own helpers outlive it briefly; adopt them so they are reaped here, not left as
    // zombies under a host init that may not reap.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) fail("pipe");
    int seccomp_fd = memfd_create("seccomp", 0);
    if (seccomp_fd < 0 || export_seccomp(seccomp_fd) != 0) fail("seccomp export");
    lseek(seccomp_fd, 0, SEEK_SET);
    std::vector<std::string> a = bwrap_args(c, seccomp_fd, status_pipe[1]);
    cpu_limit(c);
    pid_t pid = fork();
    if (pid < 0) fail("fork bwrap");
    if (pid == 0) {
        // The descriptors bwrap reads must survive exec; everything else is close-on-exec.
        for (int fd : {status_pipe[1], seccomp_fd}) fcntl(fd, F_SETFD, 0);
        close(kStatusFd);
        if (c.session) {
            if (dup2(kSessionFd, 3) != 3) _exit(127);  // bwrap passes fd 3 through to the program
            close(kSessionFd);
        }
        auto argv = cstrings(a);
        execvp("bwrap", argv.data());
        dprintf(2, "envforge-sandbox: exec bwrap: %s\n", std::strerror(errno));
        _exit(127);
    }
    close(status_pipe[1]);
    if (c.session) close(kSessionFd);
    dprintf(kStatusFd, "pid %d\n", pid);
    const std::string json = read_bwrap_status(status_pipe[0], pid);
    int status = 0;
    struct rusage ru {};
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    // bwrap killed while it starts can leave its inner half waiting forever for the outer one
    // (its parent-death signal set too late); as our subreaped orphan, it is killed here.
    kill_children();
    while (waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
    }
    report_usage(ru);
    // bwrap reports {"exit-code": N}; its init turns a fatal signal S into 128 + S.
    auto at = json.find("\"exit-code\"");
    if (at == std::string::npos) {
        dprintf(kStatusFd, "error bwrap could not set up the sandbox (status %d; its message is on stderr)\n",
                WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
        return 0;
    }
    int code = std::atoi(json.c_str() + json.find(':', at) + 1);
    if (code > 128 && code < 128 + 65) dprintf(kStatusFd, "signal %d\n", code - 128);
    else dprintf(kStatusFd, "exit %d\n", code);
    return 0;
}

int run_unsandboxed(LaunchConfig& c) {
    common_limits(c);
    pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
        if (!c.workdir.empty() && chdir(c.workdir.c_str()) != 0) _exit(127);
        close(kStatusFd);
        exec_program(c, false);
    }
    if (c.session) close(kSessionFd);
    dprintf(kStatusFd, "pid %d\n", pid);
    int status = 0;
    struct rusage ru {};
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    report_usage(ru);
    report(status);
    return 0;
}

}  // namespace

int launcher_main(int, char**) {
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(kConfigFd, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("read config");
        text.append(buf, static_cast<size_t>(n));
    }
    close(kConfigFd);
    LaunchConfig c;
    try {
        c = LaunchConfig::parse(text);
    } catch (const std::exception& e) {
        dprintf(kStatusFd, "error %s\n", e.what());
        return 126;
    }
    if (c.mode == "native") return run_native(c);
    if (c.mode == "bwrap") return run_bwrap(c);
    if (c.mode == "none") return run_unsandboxed(c);  // asked for by name (--sandbox none), never by default
    // Fail closed: a mode this launcher does not know never runs the program unisolated.
    dprintf(kStatusFd, "error unknown sandbox mode '%s' (native, bwrap or none)\n", c.mode.c_str());
    return 126;
}

}  // namespace envforge::sandbox
