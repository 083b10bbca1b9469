#include "sandbox/host_probe.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "sandbox/cgroups.hpp"
#include "sandbox/sandbox.hpp"

namespace envforge::sandbox {

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
        // This process has other threads, and they have pipes of their own open (another slot's
        // namespace helper among them): the child keeps only its two ends, or two helpers forked
        // at once would each hold the other's pipe open and wait for its EOF forever.
        const int keep_a = std::min(up[1], down[0]), keep_b = std::max(up[1], down[0]);
        if (keep_a > 3) ::syscall(SYS_close_range, 3u, static_cast<unsigned>(keep_a - 1), 0u);
        if (keep_b > keep_a + 1) ::syscall(SYS_close_range, static_cast<unsigned>(keep_a + 1), static_cast<unsigned>(keep_b - 1), 0u);
        ::syscall(SYS_close_range, static_cast<unsigned>(keep_b + 1), ~0u, 0u);
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

}  // namespace envforge::sandbox
