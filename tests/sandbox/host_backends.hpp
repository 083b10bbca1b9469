// Helpers shared by the sandbox tests: which isolating backends this host can run, and how many
// sandboxed processes are alive anywhere on it.
#pragma once

#include <dirent.h>

#include <fstream>
#include <string>
#include <vector>

#include "sandbox/sandbox.hpp"
#include "sandbox/slots.hpp"

namespace envforge::sandbox::testing {

// The isolating backends this host supports; a test runs its cases on each.
inline std::vector<Backend> backends() {
    std::vector<Backend> out;
    HostSupport h = probe_host();
    for (Backend b : {Backend::Native, Backend::Bwrap})
        if (h.missing_for(b).empty()) out.push_back(b);
    return out;
}

// Processes running as a uid in `ranges` ([first, last) pairs) anywhere on the host. With
// live_only, zombies are not counted: once their parent is gone they wait for the host's init,
// which in a container may reap them seconds later.
inline int uid_processes(const std::vector<std::pair<uint32_t, uint32_t>>& ranges, bool live_only) {
    auto ours = [&](long uid) {
        for (const auto& [first, last] : ranges)
            if (uid >= static_cast<long>(first) && uid < static_cast<long>(last)) return true;
        return false;
    };
    int n = 0;
    DIR* d = opendir("/proc");
    if (!d) return 0;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        std::ifstream f(std::string("/proc/") + e->d_name + "/status");
        bool zombie = false;
        for (std::string line; std::getline(f, line);) {
            if (line.rfind("State:", 0) == 0) zombie = line.find('Z') != std::string::npos;
            if (line.rfind("Uid:", 0) == 0) {
                if (ours(std::stol(line.substr(5))) && !(live_only && zombie)) ++n;
                break;
            }
        }
    }
    closedir(d);
    return n;
}

// Processes running as one of the slot uids this process's sandboxes have leased (see
// slot_uid_ranges_used): another envforge on the host has its own uids and is not counted.
inline int leftovers(bool live_only = false) { return uid_processes(slot_uid_ranges_used(), live_only); }

// The uid ranges of the blocks leased in `lock_dir` (a private ENVFORGE_LOCK_DIR given to a child
// envforge process): its sandboxes' uids, whatever became of the child.
inline std::vector<std::pair<uint32_t, uint32_t>> ranges_leased_in(const std::string& lock_dir) {
    std::vector<std::pair<uint32_t, uint32_t>> out;
    DIR* d = opendir(lock_dir.c_str());
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name.rfind("uid-block-", 0) != 0) continue;
        const uint32_t first = static_cast<uint32_t>(kFirstSlotUid + std::stoul(name.substr(10)) * kBlockSlots);
        out.emplace_back(first, first + kBlockSlots);
    }
    closedir(d);
    return out;
}

}  // namespace envforge::sandbox::testing
