#include "sandbox/cgroups.hpp"

#include <csignal>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace envforge::sandbox {

namespace {

const std::string kRoot = "/sys/fs/cgroup/";

bool put(const std::string& path, const std::string& value) {
    std::ofstream f(path);
    f << value;
    f.flush();
    return static_cast<bool>(f);
}

std::string get(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

int64_t field(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    std::string k;
    int64_t v = 0;
    while (in >> k >> v)
        if (k == key) return v;
    return 0;
}

std::string make(const std::string& controller, const std::string& name) {
    const std::string parent = kRoot + controller + "/envforge";
    mkdir(parent.c_str(), 0755);
    const std::string dir = parent + "/" + name;
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return "";
    return dir;
}

}  // namespace

bool cgroup_v1_writable(const std::string& controller) {
    const std::string probe = make(controller, "probe-" + std::to_string(getpid()));
    if (probe.empty()) return false;
    rmdir(probe.c_str());
    return true;
}

SlotCgroups::SlotCgroups(const std::string& name) {
    if (geteuid() != 0) return;
    memory_ = make("memory", name);
    pids_ = make("pids", name);
    cpuacct_ = make("cpuacct", name);
    for (const auto* d : {&memory_, &pids_, &cpuacct_})
        if (!d->empty()) dirs_.push_back(*d);
    // Sandboxes are the first to go when memory is short, never the supervisor.
    if (!memory_.empty()) put(memory_ + "/memory.oom_control", "0");
}

SlotCgroups::~SlotCgroups() {
    kill_leftovers();
    for (const auto& d : dirs_) rmdir(d.c_str());
}

CgroupStats SlotCgroups::read() const {
    CgroupStats s;
    if (!memory_.empty()) {
        s.oom_kills = field(get(memory_ + "/memory.oom_control"), "oom_kill");
        s.peak_memory = std::atoll(get(memory_ + "/memory.max_usage_in_bytes").c_str());
    }
    if (!pids_.empty()) s.pids_max_hits = field(get(pids_ + "/pids.events"), "max");
    if (!cpuacct_.empty()) s.cpu_ns = std::atoll(get(cpuacct_ + "/cpuacct.usage").c_str());
    return s;
}

CgroupStats SlotCgroups::prepare(int64_t memory_bytes, int processes) {
    if (!memory_.empty()) {
        // memsw must stay >= memory: raise it first, then set both.
        put(memory_ + "/memory.memsw.limit_in_bytes", "-1");
        put(memory_ + "/memory.limit_in_bytes", std::to_string(memory_bytes));
        put(memory_ + "/memory.memsw.limit_in_bytes", std::to_string(memory_bytes));
        put(memory_ + "/memory.max_usage_in_bytes", "0");
    }
    // The launcher and the sandbox's init count too.
    if (!pids_.empty()) put(pids_ + "/pids.max", std::to_string(processes + 3));
    if (!cpuacct_.empty()) put(cpuacct_ + "/cpuacct.usage", "0");
    return read();
}

int SlotCgroups::kill_leftovers() const {
    int killed = 0;
    for (const auto& d : dirs_) {
        std::istringstream in(get(d + "/cgroup.procs"));
        for (pid_t pid; in >> pid;)
            if (::kill(pid, SIGKILL) == 0) ++killed;
    }
    return killed;
}

}  // namespace envforge::sandbox
