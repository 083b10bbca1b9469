// Cgroup detection and layout on fake cgroupfs trees (pure v2 as root, a delegated v2 subtree,
// a container's namespaced mount, hybrid v1), then the v2 code path on this host's real unified
// hierarchy as far as it goes (grouping, CPU accounting, killing leftovers, the sweep).
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/process_owner.hpp"
#include "sandbox/cgroups.hpp"
#include "tests/temp_dir.hpp"

using namespace envforge::sandbox;
using envforge::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

// A fake cgroup v2 directory: the interface files a real one would show.
void fake_cgroup(const fs::path& dir, const std::string& controllers) {
    write(dir / "cgroup.controllers", controllers);
    write(dir / "cgroup.subtree_control", "");
    write(dir / "cgroup.procs", "");
}

std::string mountinfo_v2(const fs::path& point, const std::string& root = "/") {
    return "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
           "30 22 0:26 " +
           root + " " + point.string() + " rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
}

std::string dead_tag() {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    std::string tag = std::to_string(pid) + ".1";  // a start time no live process of that pid has
    waitpid(pid, nullptr, 0);
    return tag;
}

}  // namespace

TEST_CASE("cgroups: a pure v2 host as root uses the whole hierarchy with its controllers") {
    TempDir tmp("cg-v2");
    fake_cgroup(tmp.path, "cpuset cpu io memory hugetlb pids rdma misc");
    CgroupHost h = detect_cgroups(mountinfo_v2(tmp.path), "0::/system.slice/envforge.service\n", true);
    CHECK(h.mode == CgroupMode::V2);
    CHECK(h.v2_base == tmp.path.string());
    CHECK_FALSE(h.v2_delegated);
    CHECK((h.memory && h.pids && h.cpu));
    CHECK(h.describe.find("v2") == 0);
    enable_cgroup_tree(h);
    CHECK(slurp(tmp.path / "cgroup.subtree_control") == "+memory +pids +cpu");
    CHECK(slurp(tmp.path / "envforge" / "cgroup.subtree_control") == "+memory +pids +cpu");
    CHECK((h.memory && h.pids && h.cpu));

    // One slot: limits written where the kernel reads them, counters read back.
    {
        SlotCgroups slot(h, envforge::owner_tag() + "-3");
        const fs::path dir = tmp.path / "envforge" / (envforge::owner_tag() + "-3");
        REQUIRE(slot.dirs() == std::vector<std::string>{dir.string()});
        CHECK(slot.has_memory());
        CHECK(slot.has_pids());
        slot.prepare(96ll << 20, 32);
        CHECK(slurp(dir / "memory.max") == std::to_string(96ll << 20));
        CHECK(slurp(dir / "memory.swap.max") == "0");
        CHECK(slurp(dir / "pids.max") == "35");
        write(dir / "memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 2\noom_group_kill 0\n");
        write(dir / "pids.events", "max 7\n");
        write(dir / "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
        write(dir / "memory.peak", "123456789\n");
        CgroupStats s = slot.read();
        CHECK(s.oom_kills == 2);
        CHECK(s.pids_max_hits == 7);
        CHECK(s.cpu_ns == 1'500'000);
        CHECK(s.peak_memory == 123456789);
    }

    // What a dead owner left is swept; live owners' directories stay.
    const std::string dead = dead_tag();
    fs::create_directories(tmp.path / "envforge" / (dead + "-0"));
    fs::create_directories(tmp.path / "envforge" / (envforge::owner_tag() + "-9"));
    fs::create_directories(tmp.path / "envforge" / "probe-1");
    CHECK(sweep_dead_cgroups(h) == 1);
    CHECK_FALSE(fs::exists(tmp.path / "envforge" / (dead + "-0")));
    CHECK(fs::exists(tmp.path / "envforge" / (envforge::owner_tag() + "-9")));
    CHECK(fs::exists(tmp.path / "envforge" / "probe-1"));
}

TEST_CASE("cgroups: without root, a delegated v2 subtree is used from a leaf of our own cgroup") {
    TempDir tmp("cg-deleg");
    const std::string own_path = "/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope";
    fake_cgroup(tmp.path, "cpuset cpu io memory pids");
    fake_cgroup(tmp.path / own_path.substr(1), "cpu memory pids");
    CgroupHost h = detect_cgroups(mountinfo_v2(tmp.path), "0::" + own_path + "\n", false);
    REQUIRE(h.mode == CgroupMode::V2);
    CHECK(h.v2_delegated);
    CHECK(h.v2_base == (tmp.path / own_path.substr(1)).string());
    CHECK(h.describe.find("delegated") != std::string::npos);
    enable_cgroup_tree(h);
    const fs::path leaf = fs::path(h.v2_base) / ("envforge-supervisor@" + envforge::owner_tag());
    CHECK(slurp(leaf / "cgroup.procs") == std::to_string(getpid()));  // moved out before enabling
    CHECK(slurp(fs::path(h.v2_base) / "cgroup.subtree_control") == "+memory +pids +cpu");
    // A dead supervisor's leaf goes with the sweep.
    const fs::path stale = fs::path(h.v2_base) / ("envforge-supervisor@" + dead_tag());
    fs::create_directories(stale);
    sweep_dead_cgroups(h);
    CHECK_FALSE(fs::exists(stale));
    CHECK(fs::exists(leaf));
    // Not delegated (the scope is not ours to write): no cgroups at all, and it says why.
    TempDir ro("cg-nodeleg");
    fake_cgroup(ro.path, "memory pids");
    CgroupHost none = detect_cgroups(mountinfo_v2(ro.path), "0::/elsewhere\n", false);
    CHECK(none.mode == CgroupMode::None);
    CHECK(none.describe.find("not root") != std::string::npos);
}

TEST_CASE("cgroups: a container's namespaced mount and escaped mount points resolve to our own directory") {
    TempDir tmp("cg-ctr");
    const fs::path point = tmp.path / "sys fs";  // a space: escaped as \040 in mountinfo
    fake_cgroup(point, "memory pids");
    std::string info = mountinfo_v2(tmp.path / "sys\\040fs", "/docker/abc");
    CgroupHost h = detect_cgroups(info, "0::/docker/abc\n", false);
    REQUIRE(h.mode == CgroupMode::V2);
    CHECK(h.v2_base == point.string());
    CHECK(h.v2_delegated);
}

TEST_CASE("cgroups: a hybrid host prefers v1 controllers over an empty unified hierarchy; v2 can be forced") {
    TempDir tmp("cg-hybrid");
    for (const char* c : {"memory", "pids", "cpu,cpuacct", "unified"}) fs::create_directories(tmp.path / c);
    fake_cgroup(tmp.path / "unified", "");
    const std::string p = tmp.path.string();
    const std::string info =
        "22 1 0:21 / / rw - ext4 /dev/vda rw\n"
        "32 31 0:29 / " +
        p +
        "/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        "35 31 0:32 / " +
        p +
        "/memory rw,relatime - cgroup cgroup rw,memory\n"
        "39 31 0:36 / " +
        p +
        "/pids rw,relatime - cgroup cgroup rw,pids\n"
        "41 31 0:38 / " +
        p + "/unified rw,relatime - cgroup2 cgroup2 rw\n";
    if (geteuid() != 0) return;  // v1 needs root; the rest of this case is about v1
    CgroupHost h = detect_cgroups(info, "4:memory:/x\n0::/\n", true);
    CHECK(h.mode == CgroupMode::V1);
    CHECK(h.v1_memory == p + "/memory");
    CHECK(h.v1_cpuacct == p + "/cpu,cpuacct");
    CHECK((h.memory && h.pids && h.cpu));
    SlotCgroups slot(h, "slot-a");
    CHECK(slot.dirs().size() == 3);
    slot.prepare(64ll << 20, 10);
    CHECK(slurp(tmp.path / "memory/envforge/slot-a/memory.limit_in_bytes") == std::to_string(64ll << 20));
    CHECK(slurp(tmp.path / "pids/envforge/slot-a/pids.max") == "13");
    CgroupHost forced = detect_cgroups(info, "0::/\n", true, "v2");
    CHECK(forced.mode == CgroupMode::V2);
    CHECK_FALSE(forced.memory);  // the unified hierarchy here offers no controllers
    CHECK(detect_cgroups(info, "0::/\n", true, "none").mode == CgroupMode::None);
    CHECK(detect_cgroups("", "", true).mode == CgroupMode::None);
}

TEST_CASE("cgroups: v2 on this host's real unified hierarchy groups, accounts and kills") {
    std::ifstream mi("/proc/self/mountinfo"), sc("/proc/self/cgroup");
    std::stringstream info, self;
    info << mi.rdbuf();
    self << sc.rdbuf();
    CgroupHost h = detect_cgroups(info.str(), self.str(), geteuid() == 0, "v2");
    if (h.mode != CgroupMode::V2) {
        MESSAGE("no writable cgroup v2 hierarchy here (" << h.describe << "): real-hierarchy checks skipped");
        return;
    }
    enable_cgroup_tree(h);
    const std::string name = envforge::owner_tag() + "-test";
    std::string dir;
    {
        SlotCgroups slot(h, name);
        REQUIRE(slot.dirs().size() == 1);
        dir = slot.dirs()[0];
        slot.prepare(64ll << 20, 8);
        // A child joins the slot like the launcher does, burns some CPU, then waits to be killed.
        pid_t child = fork();
        if (child == 0) {
            std::ofstream(dir + "/cgroup.procs") << getpid();
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
            while (std::chrono::steady_clock::now() < until) {
            }
            pause();
            _exit(0);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        CHECK(slurp(dir + "/cgroup.procs").find(std::to_string(child)) != std::string::npos);
        CHECK(slot.read().cpu_ns > 100'000'000);  // ~200 ms of CPU counted
        CHECK(slot.kill_leftovers() == 1);
        int st = 0;
        REQUIRE(waitpid(child, &st, 0) == child);
        CHECK(WIFSIGNALED(st));
        slot.prepare(64ll << 20, 8);  // a fresh directory: counters start again
        CHECK(slot.read().cpu_ns == 0);
    }
    CHECK_FALSE(fs::exists(dir));  // removed with the slot
    // A dead owner's slot, with a process still in it, is killed and removed by the sweep.
    const std::string stale = h.v2_base + "/envforge/" + dead_tag() + "-0";
    REQUIRE(fs::create_directory(stale));
    pid_t orphan = fork();
    if (orphan == 0) {
        std::ofstream(stale + "/cgroup.procs") << getpid();
        pause();
        _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(sweep_dead_cgroups(h) >= 1);
    int st = 0;
    CHECK(waitpid(orphan, &st, 0) == orphan);
    CHECK(WIFSIGNALED(st));
    CHECK_FALSE(fs::exists(stale));
}
