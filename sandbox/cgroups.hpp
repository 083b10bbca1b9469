// Per-slot cgroups: which hierarchy this host offers (v1 controllers, the v2 unified hierarchy,
// or none), one directory per sandbox slot with its limits set before each call and its
// counters read after it, and the sweep of directories that killed processes left behind.
//
//   v1  <mount>/<controller>/envforge/<owner>-<slot> for memory, pids and cpuacct (root only)
//   v2  <base>/envforge/<owner>-<slot>, base = the hierarchy's root when we may write it (root),
//       else our own cgroup when it is delegated to us (systemd Delegate=yes, a container's
//       namespace root): we then move into a leaf <own>/envforge-supervisor@<owner> first, since
//       a v2 cgroup that holds processes may not hand controllers to its children.
// <owner> is common/process_owner's tag, so a later process can tell which directories are dead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace envforge::sandbox {

enum class CgroupMode : uint8_t { None, V1, V2 };

// What the host offers, found once per process (or from given inputs, for tests).
struct CgroupHost {
    CgroupMode mode = CgroupMode::None;
    // V1: the controllers' mount points ("" when absent or not writable).
    std::string v1_memory, v1_pids, v1_cpuacct;
    // V2: the directory that holds envforge's tree, and whether it is our own delegated cgroup
    // (we must then live in a leaf of it before enabling controllers).
    std::string v2_base;
    bool v2_delegated = false;
    bool memory = false, pids = false, cpu = false;  // limits and accounting that will be enforced
    std::string describe;                            // one line for `envforge sandbox check`
};

// Inputs of the detection: /proc/self/mountinfo, /proc/self/cgroup, and whether we are root.
// `force` is "", "v1", "v2" or "none" ($ENVFORGE_CGROUP): a mode the host lacks gives None.
CgroupHost detect_cgroups(const std::string& mountinfo, const std::string& self_cgroup, bool root, const std::string& force = "");
// V2: turns the controllers on for envforge's tree: in the base's subtree_control (after moving
// this process into a leaf when the base is its own delegated cgroup) and in <base>/envforge's.
// Controllers the kernel refuses are switched off in `host`.
void enable_cgroup_tree(CgroupHost& host);
// This host's, detected and enabled on first use; also sweeps what dead owners left (below).
const CgroupHost& host_cgroups();

// Kills the processes in, and removes, the slot directories of owners that are gone (a process
// killed with SIGKILL cannot clean up). Returns how many directories were removed.
int sweep_dead_cgroups(const CgroupHost& host);

struct CgroupStats {
    int64_t oom_kills = 0;      // v1 memory.oom_control oom_kill, v2 memory.events oom_kill
    int64_t pids_max_hits = 0;  // pids.events max
    int64_t peak_memory = 0;    // v1 memory.max_usage_in_bytes, v2 memory.peak
    int64_t cpu_ns = 0;         // v1 cpuacct.usage, v2 cpu.stat usage_usec
};

class SlotCgroups {
public:
    // No directories when the host has no usable hierarchy.
    SlotCgroups(const CgroupHost& host, const std::string& name);
    ~SlotCgroups();
    SlotCgroups(const SlotCgroups&) = delete;
    SlotCgroups& operator=(const SlotCgroups&) = delete;

    bool has_memory() const { return memory_; }
    bool has_pids() const { return pids_; }
    // The directories the launcher joins (writes its pid to cgroup.procs of each).
    const std::vector<std::string>& dirs() const { return dirs_; }

    // Sets limits and returns the counters before the call. v2 counters cannot be reset, so
    // its directory is made anew for each call (cheap, and it cannot hold a leftover).
    CgroupStats prepare(int64_t memory_bytes, int processes);
    CgroupStats read() const;
    // Kills every process still in the slot (there should be none after a call).
    int kill_leftovers() const;

private:
    CgroupHost host_;
    std::string name_;
    std::vector<std::string> dirs_;
    bool memory_ = false, pids_ = false;
};

}  // namespace envforge::sandbox
