#include "sandbox/cgroups.hpp"

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/process_owner.hpp"

namespace envforge::sandbox {

namespace {

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

// "key value" lines (memory.events, pids.events, cpu.stat, memory.oom_control).
int64_t field(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    std::string k;
    int64_t v = 0;
    while (in >> k >> v)
        if (k == key) return v;
    return 0;
}

// A word of a controller list ("memory pids", or "+memory +pids" as written).
bool has_word(const std::string& text, const std::string& word) {
    std::istringstream in(text);
    for (std::string w; in >> w;)
        if (w == word || w == "+" + word) return true;
    return false;
}

// mountinfo escapes spaces, tabs, newlines and backslashes in paths as \ooo.
std::string unescape_octal(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
            out.push_back(static_cast<char>(std::strtol(s.substr(i + 1, 3).c_str(), nullptr, 8)));
            i += 3;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

struct Mount {
    std::string root, point, fstype, super_options;
};

// /proc/self/mountinfo: "id parent maj:min root point options [optional...] - fstype source super".
std::vector<Mount> parse_mountinfo(const std::string& text) {
    std::vector<Mount> out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream in(line);
        std::vector<std::string> f;
        for (std::string w; in >> w;) f.push_back(w);
        size_t dash = 0;
        while (dash < f.size() && f[dash] != "-") ++dash;
        if (dash < 6 || dash + 3 > f.size()) continue;
        out.push_back({unescape_octal(f[3]), unescape_octal(f[4]), f[dash + 1], f.size() > dash + 3 ? f[dash + 3] : ""});
    }
    return out;
}

// Makes <mount>/envforge and proves a directory can be created in it (v1 controllers).
bool v1_writable(const std::string& point) {
    const std::string parent = point + "/envforge";
    mkdir(parent.c_str(), 0755);
    const std::string probe = parent + "/probe-" + std::to_string(getpid());
    if (mkdir(probe.c_str(), 0755) != 0 && errno != EEXIST) return false;
    rmdir(probe.c_str());
    return true;
}

// Writes an interface file that must already exist (never creates one).
bool put_existing(const std::string& path, const std::string& value) {
    const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    close(fd);
    return ok;
}

// Removes one slot directory: its processes are killed first (a cgroup with members cannot go);
// cgroup.kill (kernel 5.14+) kills them all at once, else each listed pid.
void remove_cgroup_dir(const std::string& dir) {
    if (!put_existing(dir + "/cgroup.kill", "1")) {
        std::istringstream in(get(dir + "/cgroup.procs"));
        for (pid_t pid; in >> pid;) ::kill(pid, SIGKILL);
    }
    for (int i = 0; i < 50 && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) usleep(2000);
}

std::vector<std::string> v2_controllers(const CgroupHost& h) {
    std::vector<std::string> out;
    if (h.memory) out.push_back("memory");
    if (h.pids) out.push_back("pids");
    if (h.cpu) out.push_back("cpu");
    return out;
}

}  // namespace

void enable_cgroup_tree(CgroupHost& h) {
    if (h.mode != CgroupMode::V2) return;
    if (h.v2_delegated) {
        const std::string leaf = h.v2_base + "/envforge-supervisor@" + owner_tag();
        mkdir(leaf.c_str(), 0755);
        if (!put(leaf + "/cgroup.procs", std::to_string(getpid()))) {
            h.memory = h.pids = h.cpu = false;
            h.describe += "; could not move into " + leaf + ", so no controllers";
        }
    }
    std::string plus;
    for (const auto& c : v2_controllers(h)) plus += (plus.empty() ? "+" : " +") + c;
    const std::string tree = h.v2_base + "/envforge";
    mkdir(tree.c_str(), 0755);
    for (const std::string& dir : {h.v2_base, tree}) {
        if (plus.empty()) break;
        if (!has_word(get(dir + "/cgroup.subtree_control"), "memory") || !has_word(get(dir + "/cgroup.subtree_control"), "pids"))
            put(dir + "/cgroup.subtree_control", plus);
    }
    // What the slots will really get: the controllers <base>/envforge hands down.
    const std::string granted = get(tree + "/cgroup.subtree_control");
    h.memory = h.memory && has_word(granted, "memory");
    h.pids = h.pids && has_word(granted, "pids");
    h.cpu = h.cpu && has_word(granted, "cpu");
}

CgroupHost detect_cgroups(const std::string& mountinfo, const std::string& self_cgroup, bool root, const std::string& force) {
    CgroupHost h;
    std::string v2_point, v2_root;
    std::string v1_memory, v1_pids, v1_cpuacct;
    for (const Mount& m : parse_mountinfo(mountinfo)) {
        if (m.fstype == "cgroup2" && v2_point.empty()) {
            v2_point = m.point;
            v2_root = m.root;
        } else if (m.fstype == "cgroup") {
            std::istringstream opts(m.super_options);
            for (std::string o; std::getline(opts, o, ',');) {
                if (o == "memory" && v1_memory.empty()) v1_memory = m.point;
                if (o == "pids" && v1_pids.empty()) v1_pids = m.point;
                if (o == "cpuacct" && v1_cpuacct.empty()) v1_cpuacct = m.point;
            }
        }
    }
    // Our own v2 cgroup ("0::/path"), as a directory of the mount.
    std::string own;
    std::istringstream lines(self_cgroup);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("0::", 0) != 0 || v2_point.empty()) continue;
        std::string path = line.substr(3);
        if (v2_root != "/" && path.rfind(v2_root, 0) == 0) path = path.substr(v2_root.size());
        own = v2_point + (path == "/" ? "" : path);
    }
    // v2: the whole hierarchy as root; our own cgroup when it was delegated to us.
    if (!v2_point.empty()) {
        if (root && access(v2_point.c_str(), W_OK) == 0) {
            h.v2_base = v2_point;
        } else if (!own.empty() && access(own.c_str(), W_OK) == 0 && access((own + "/cgroup.procs").c_str(), W_OK) == 0 &&
                   access((own + "/cgroup.subtree_control").c_str(), W_OK) == 0) {
            h.v2_base = own;
            h.v2_delegated = true;
        }
    }
    const std::string offered = h.v2_base.empty() ? "" : get(h.v2_base + "/cgroup.controllers");
    const bool v2_limits = has_word(offered, "memory") && has_word(offered, "pids");
    if (root) {
        if (!v1_memory.empty() && v1_writable(v1_memory)) h.v1_memory = v1_memory;
        if (!v1_pids.empty() && v1_writable(v1_pids)) h.v1_pids = v1_pids;
        if (!v1_cpuacct.empty() && v1_writable(v1_cpuacct)) h.v1_cpuacct = v1_cpuacct;
    }
    const bool v1_any = !h.v1_memory.empty() || !h.v1_pids.empty();
    // Preference: v2 with limits, v1 with limits, v2 for grouping alone (every process of a call
    // found and killed, CPU time counted), nothing.
    std::string mode = force;
    if (mode.empty()) mode = v2_limits ? "v2" : v1_any ? "v1" : !h.v2_base.empty() ? "v2" : "none";
    if (mode == "v2" && !h.v2_base.empty()) {
        h.mode = CgroupMode::V2;
        h.memory = has_word(offered, "memory");
        h.pids = has_word(offered, "pids");
        h.cpu = has_word(offered, "cpu");
        h.describe = "v2 at " + h.v2_base + (h.v2_delegated ? " (delegated)" : "");
    } else if (mode == "v1" && (v1_any || !h.v1_cpuacct.empty())) {
        h.mode = CgroupMode::V1;
        h.memory = !h.v1_memory.empty();
        h.pids = !h.v1_pids.empty();
        h.cpu = !h.v1_cpuacct.empty();
        h.describe = "v1";
    } else {
        h.describe = v2_point.empty() && v1_memory.empty() ? "none (no cgroup hierarchy mounted)"
                     : root                                ? "none (no writable cgroup hierarchy)"
                                                           : "none (not root and no delegated cgroup v2 subtree)";
    }
    if (h.mode != CgroupMode::V1) h.v1_memory.clear(), h.v1_pids.clear(), h.v1_cpuacct.clear();
    return h;
}

const CgroupHost& host_cgroups() {
    static CgroupHost host;
    static std::once_flag once;
    std::call_once(once, [] {
        const char* force = std::getenv("ENVFORGE_CGROUP");
        host = detect_cgroups(get("/proc/self/mountinfo"), get("/proc/self/cgroup"), geteuid() == 0, force ? force : "");
        enable_cgroup_tree(host);
        sweep_dead_cgroups(host);
    });
    return host;
}

int sweep_dead_cgroups(const CgroupHost& h) {
    int removed = 0;
    std::vector<std::string> trees;
    // Every tree a dead owner may have used, not only this run's mode: a run forced onto v2
    // (ENVFORGE_CGROUP=v2) on a v1 host leaves its directories in the v2 hierarchy.
    if (!h.v2_base.empty()) trees.push_back(h.v2_base + "/envforge");
    if (h.mode == CgroupMode::V2) {
        if (h.v2_delegated)
            for (const std::string& name : dead_owner_entries(h.v2_base, "envforge-supervisor@", '\0')) {
                remove_cgroup_dir(h.v2_base + "/" + name);
                ++removed;
            }
    }
    for (const std::string* point : {&h.v1_memory, &h.v1_pids, &h.v1_cpuacct})
        if (!point->empty()) trees.push_back(*point + "/envforge");
    for (const std::string& tree : trees)
        for (const std::string& name : dead_owner_entries(tree, "", '-')) {
            remove_cgroup_dir(tree + "/" + name);
            removed += access((tree + "/" + name).c_str(), F_OK) != 0;
        }
    return removed;
}

SlotCgroups::SlotCgroups(const CgroupHost& host, const std::string& name) : host_(host), name_(name) {
    if (host.mode == CgroupMode::V1) {
        for (const std::string* point : {&host.v1_memory, &host.v1_pids, &host.v1_cpuacct}) {
            if (point->empty()) continue;
            const std::string dir = *point + "/envforge/" + name;
            if (mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) dirs_.push_back(dir);
        }
        memory_ = host.memory;
        pids_ = host.pids;
        // Sandboxes are the first to go when memory is short, never the supervisor.
        if (memory_) put(host.v1_memory + "/envforge/" + name + "/memory.oom_control", "0");
    } else if (host.mode == CgroupMode::V2) {
        const std::string dir = host.v2_base + "/envforge/" + name;
        if (mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) dirs_.push_back(dir);
        memory_ = host.memory && !dirs_.empty();
        pids_ = host.pids && !dirs_.empty();
    }
}

SlotCgroups::~SlotCgroups() {
    // remove_cgroup_dir kills what is left and waits for it to leave: a plain rmdir right after
    // SIGKILL fails with EBUSY while the killed processes exit, and the directory stays behind.
    for (const auto& d : dirs_) remove_cgroup_dir(d);
}

CgroupStats SlotCgroups::read() const {
    CgroupStats s;
    if (host_.mode == CgroupMode::V1) {
        const std::string mem = host_.v1_memory + "/envforge/" + name_;
        if (memory_) {
            s.oom_kills = field(get(mem + "/memory.oom_control"), "oom_kill");
            s.peak_memory = std::atoll(get(mem + "/memory.max_usage_in_bytes").c_str());
        }
        if (pids_) s.pids_max_hits = field(get(host_.v1_pids + "/envforge/" + name_ + "/pids.events"), "max");
        if (host_.cpu) s.cpu_ns = std::atoll(get(host_.v1_cpuacct + "/envforge/" + name_ + "/cpuacct.usage").c_str());
    } else if (host_.mode == CgroupMode::V2 && !dirs_.empty()) {
        const std::string& dir = dirs_[0];
        if (memory_) {
            s.oom_kills = field(get(dir + "/memory.events"), "oom_kill");
            s.peak_memory = std::atoll(get(dir + "/memory.peak").c_str());  // kernel 5.19+; else 0 (rusage is used)
        }
        if (pids_) s.pids_max_hits = field(get(dir + "/pids.events"), "max");
        s.cpu_ns = field(get(dir + "/cpu.stat"), "usage_usec") * 1000;  // present without the cpu controller
    }
    return s;
}

CgroupStats SlotCgroups::prepare(int64_t memory_bytes, int processes) {
    // The launcher and the sandbox's init count too.
    const std::string pids_max = std::to_string(processes + 3);
    if (host_.mode == CgroupMode::V1) {
        const std::string mem = host_.v1_memory + "/envforge/" + name_;
        if (memory_) {
            // memsw must stay >= memory: raise it first, then set both.
            put(mem + "/memory.memsw.limit_in_bytes", "-1");
            put(mem + "/memory.limit_in_bytes", std::to_string(memory_bytes));
            put(mem + "/memory.memsw.limit_in_bytes", std::to_string(memory_bytes));
            put(mem + "/memory.max_usage_in_bytes", "0");
        }
        if (pids_) put(host_.v1_pids + "/envforge/" + name_ + "/pids.max", pids_max);
        if (host_.cpu) put(host_.v1_cpuacct + "/envforge/" + name_ + "/cpuacct.usage", "0");
    } else if (host_.mode == CgroupMode::V2 && !dirs_.empty()) {
        const std::string& dir = dirs_[0];
        // Fresh counters: memory.peak and the event counts cannot be reset in v2.
        remove_cgroup_dir(dir);
        mkdir(dir.c_str(), 0755);
        if (memory_) {
            put(dir + "/memory.max", std::to_string(memory_bytes));
            put(dir + "/memory.swap.max", "0");  // swap would let a call outgrow its limit
        }
        if (pids_) put(dir + "/pids.max", pids_max);
    }
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
