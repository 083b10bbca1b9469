#include "sandbox/seccomp_policy.hpp"

#include <cerrno>
#include <cstdint>
#include <initializer_list>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <seccomp.h>

namespace envforge::sandbox {

namespace {

scmp_filter_ctx build() {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return nullptr;
    // Other architectures (x32, i386 via int 0x80) bypass rules written for x86-64: kill them.
    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    const auto eperm = SCMP_ACT_ERRNO(EPERM);
    // clang-format off
    const char* denied[] = {
        "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount",
        "fsconfig", "fspick", "mount_setattr", "unshare", "setns", "keyctl", "add_key", "request_key",
        "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "ptrace", "process_vm_readv", "process_vm_writev", "kexec_load", "kexec_file_load",
        "init_module", "finit_module", "delete_module", "open_by_handle_at", "name_to_handle_at",
        "swapon", "swapoff", "reboot", "syslog", "acct", "quotactl", "iopl", "ioperm", "modify_ldt",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "lookup_dcookie", "vhangup",
        "pidfd_getfd"};
    // clang-format on
    for (const char* name : denied) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr != __NR_SCMP_ERROR) seccomp_rule_add(ctx, eperm, nr, 0);
    }
    // File-activity watches would see the host's activity on the read-only system mounts
    // (/usr is bound from the host): ENOSYS, so tools fall back to polling as on old kernels.
    for (const char* name : {"inotify_init", "inotify_init1", "inotify_add_watch", "fanotify_init", "fanotify_mark"}) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr != __NR_SCMP_ERROR) seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    }
    // clone3 passes flags in memory that a filter cannot read: ENOSYS makes libc fall back to clone.
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    const uint64_t new_ns = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
    seccomp_rule_add(ctx, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, new_ns, new_ns));
    for (uint64_t flag : {uint64_t(CLONE_NEWNS), uint64_t(CLONE_NEWUSER), uint64_t(CLONE_NEWPID), uint64_t(CLONE_NEWNET),
                          uint64_t(CLONE_NEWIPC), uint64_t(CLONE_NEWUTS), uint64_t(CLONE_NEWCGROUP)})
        seccomp_rule_add(ctx, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    // Terminal injection; compare the low 32 bits only (CVE-2019-10063 used the high bits).
    for (uint64_t req : {uint64_t(TIOCSTI), uint64_t(TIOCLINUX)})
        seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, req));
    // Sockets: unix, IPv4, IPv6, and netlink route only.
    for (int family : {AF_PACKET, AF_VSOCK, AF_KEY, AF_BLUETOOTH, AF_ALG, AF_XDP, AF_CAN, AF_TIPC, AF_RDS, AF_LLC, AF_IEEE802154, AF_PPPOX,
                       AF_X25, AF_AX25, AF_APPLETALK})
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, static_cast<uint64_t>(family)));
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, static_cast<uint64_t>(AF_NETLINK)),
                     SCMP_A2(SCMP_CMP_NE, static_cast<uint64_t>(NETLINK_ROUTE)));
    return ctx;
}

}  // namespace

int install_seccomp() {
    scmp_filter_ctx ctx = build();
    if (!ctx) return -ENOMEM;
    int rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}

int export_seccomp(int fd) {
    scmp_filter_ctx ctx = build();
    if (!ctx) return -ENOMEM;
    int rc = seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    return rc;
}

}  // namespace envforge::sandbox
