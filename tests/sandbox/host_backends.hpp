// Helpers shared by the sandbox tests: which isolating backends this host can run, and how many
// sandboxed processes are alive anywhere on it.
#pragma once

#include <dirent.h>

#include <fstream>
#include <string>
#include <vector>

#include "sandbox/sandbox.hpp"

namespace envforge::sandbox::testing {

// The isolating backends this host supports; a test runs its cases on each.
inline std::vector<Backend> backends() {
    std::vector<Backend> out;
    HostSupport h = probe_host();
    for (Backend b : {Backend::Native, Backend::Bwrap})
        if (h.missing_for(b).empty()) out.push_back(b);
    return out;
}

// Processes running as a sandbox slot uid (2,000,000 and up) anywhere on the host. With
// live_only, zombies are not counted: once their parent is gone they wait for the host's init,
// which in a container may reap them seconds later.
inline int leftovers(bool live_only = false) {
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
                long uid = std::stol(line.substr(5));
                if (uid >= 2'000'000 && uid < 3'100'000 && !(live_only && zombie)) ++n;
                break;
            }
        }
    }
    closedir(d);
    return n;
}

}  // namespace envforge::sandbox::testing
