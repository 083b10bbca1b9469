// Per-slot cgroup v1 directories (memory, pids, cpuacct) under <controller>/envforge/<pid>-<slot>:
// created once per slot, limits set before each call, counters read after it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace envforge::sandbox {

struct CgroupStats {
    int64_t oom_kills = 0;        // memory.oom_control oom_kill
    int64_t pids_max_hits = 0;    // pids.events max
    int64_t peak_memory = 0;      // memory.max_usage_in_bytes
    int64_t cpu_ns = 0;           // cpuacct.usage
};

class SlotCgroups {
public:
    // Empty (no directories) when cgroup v1 controllers are not writable here.
    SlotCgroups(const std::string& name);
    ~SlotCgroups();
    SlotCgroups(const SlotCgroups&) = delete;
    SlotCgroups& operator=(const SlotCgroups&) = delete;

    bool has_memory() const { return !memory_.empty(); }
    bool has_pids() const { return !pids_.empty(); }
    const std::vector<std::string>& dirs() const { return dirs_; }

    // Sets limits and resets the counters; returns the counters before the call.
    CgroupStats prepare(int64_t memory_bytes, int processes);
    CgroupStats read() const;
    // Kills every process still in the slot (there should be none after a call).
    int kill_leftovers() const;

private:
    std::string memory_, pids_, cpuacct_;
    std::vector<std::string> dirs_;
};

// True when `controller` under /sys/fs/cgroup accepts a new directory.
bool cgroup_v1_writable(const std::string& controller);

}  // namespace envforge::sandbox
