// The seccomp deny-list applied to every sandboxed program (reference/sandbox.md §5.6): kernel
// surfaces that namespaces do not cover (mount, namespaces, keyrings, bpf, io_uring, ptrace,
// perf, modules, clocks, TIOCSTI, odd socket families); non-native architectures are killed.
#pragma once

namespace envforge::sandbox {

// Loads the filter into the calling thread (after NO_NEW_PRIVS). Returns 0 or -errno.
int install_seccomp();
// Writes the filter as BPF to `fd` (for bwrap --add-seccomp-fd). Returns 0 or -errno.
int export_seccomp(int fd);

}  // namespace envforge::sandbox
