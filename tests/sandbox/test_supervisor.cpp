// The supervisor's own hazards (issue 25): a child that never reads its stdin, a launcher given
// a mode it does not know, two processes leasing uids at once, watchdogs that fire as the call
// ends, and calls queued for one slot.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <future>
#include <thread>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "common/errors.hpp"
#include "sandbox/host_probe.hpp"
#include "sandbox/launch_config.hpp"
#include "sandbox/sandbox.hpp"
#include "sandbox/slots.hpp"
#include "sandbox/spawn.hpp"
#include "tests/sandbox/host_backends.hpp"
#include "tests/temp_dir.hpp"

using namespace envforge::sandbox;
using envforge::sandbox::testing::backends;
using envforge::sandbox::testing::leftovers;
namespace fs = std::filesystem;

namespace {

Request sh(const std::string& script, double wall = 10) {
    Request r;
    r.argv = {"/bin/sh", "-c", script};
    r.env = {"PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8"};
    r.cwd = "/tmp";
    r.limits.wall_seconds = wall;
    return r;
}

Result run_one(Sandbox& box, boost::asio::io_context& io, Request r) {
    auto fut = boost::asio::co_spawn(io, box.run(std::move(r)), boost::asio::use_future);
    io.restart();
    io.run();
    return fut.get();
}

}  // namespace

TEST_CASE("supervisor: a program that exits without reading 1 MiB of stdin does not kill envforge (SIGPIPE)") {
    for (Backend b : backends()) {
        INFO(std::string(backend_name(b)));
        boost::asio::io_context io;
        Sandbox box(io, b, 4);
        Request r = sh("exit 0");
        r.stdin_data.assign(1 << 20, 'x');  // far over a pipe's 64 KiB
        const Result res = run_one(box, io, r);
        CHECK(res.reason == Reason::Exit);
        CHECK(res.exit_code == 0);
        // The sandboxed program gets SIGPIPE's default action back (bit 12 of SigIgn is signal 13).
        const Result ign = run_one(box, io, sh("grep SigIgn /proc/self/status"));
        const std::string text = ign.out.text();
        REQUIRE(text.find("SigIgn:") != std::string::npos);
        const unsigned long long mask = std::stoull(text.substr(text.find(':') + 1), nullptr, 16);
        CHECK(((mask >> 12) & 1) == 0);
    }
}

TEST_CASE("supervisor: the launcher fails closed on a mode it does not know") {
    const std::string launcher = find_launcher();
    REQUIRE(!launcher.empty());
    envforge::testing::TempDir dir("launcher-mode");
    const std::string marker = dir.file("ran");
    LaunchConfig cfg;
    cfg.mode = "sandbox-of-the-future";
    cfg.argv = {"/bin/sh", "-c", "touch " + marker};
    cfg.env = {"PATH=/usr/bin:/bin"};
    cfg.cwd = "/tmp";
    const LauncherProcess p = spawn_launcher(launcher, cfg, -1, -1);
    ::close(p.stdin_w);
    std::string status;
    char buf[4096];
    for (ssize_t n; (n = ::read(p.status_r, buf, sizeof buf)) > 0;) status.append(buf, static_cast<size_t>(n));
    int wst = 0;
    waitpid(p.pid, &wst, 0);
    for (int fd : {p.stdout_r, p.stderr_r, p.status_r}) ::close(fd);
    // LaunchConfig::parse refuses the mode before the launcher's own last check (which would
    // also refuse it, rather than run the program unisolated as it once did).
    INFO("status: " << status);
    CHECK(status.rfind("error ", 0) == 0);
    CHECK(status.find("sandbox-of-the-future") != std::string::npos);
    CHECK(!fs::exists(marker));
    CHECK(WIFEXITED(wst));
    CHECK(WEXITSTATUS(wst) == 126);
}

TEST_CASE("supervisor: uid blocks are exclusive across processes and freed when the holder dies") {
    envforge::testing::TempDir locks("uid-leases");
    setenv("ENVFORGE_LOCK_DIR", locks.path.c_str(), 1);
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    const pid_t child = fork();
    if (child == 0) {
        // Another envforge process, on a pid with the same remainder: it leases block 7 first.
        UidBlockLease mine(7);
        const char c = static_cast<char>('0' + mine.block() % 10);
        (void)!write(ready[1], &c, 1);
        pause();
        _exit(0);
    }
    char c = 0;
    REQUIRE(read(ready[0], &c, 1) == 1);
    CHECK(c == '7');
    {
        UidBlockLease ours(7);
        CHECK(ours.block() == 8);  // 7 is held by the other process
        CHECK(ours.first_uid() == kFirstSlotUid + 8 * kBlockSlots);
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    {
        UidBlockLease again(7);  // the kernel released the dead holder's lock
        CHECK(again.block() == 7);
    }
    // An unsafe lease directory (writable by others) is refused, not used.
    fs::permissions(locks.path, fs::perms::others_write, fs::perm_options::add);
    CHECK_THROWS_AS(UidBlockLease(1), envforge::SandboxError);
    unsetenv("ENVFORGE_LOCK_DIR");
    ::close(ready[0]);
    ::close(ready[1]);
}

TEST_CASE("supervisor: two sandboxes in two processes never share a slot uid") {
    if (geteuid() != 0) return;  // without root every slot runs as our own uid
    for (Backend b : backends()) {
        INFO(std::string(backend_name(b)));
        // Each process's sandbox writes a file in a workdir of its own; the host uid that owns
        // it is the slot uid the sandbox ran as.
        envforge::testing::TempDir a("uid-a"), c("uid-b");
        auto in_workdir = [](const fs::path& dir) {
            Request r = sh("touch /workspace/mine; sleep 0.3");
            r.workdir = dir.string();
            r.cwd = "/workspace";
            return r;
        };
        const pid_t child = fork();
        if (child == 0) {
            bool ok = false;
            {  // the sandbox goes before _exit, so its cgroup directories go with it
                boost::asio::io_context io;
                Sandbox box(io, b, 4);
                const Result r = run_one(box, io, in_workdir(c.path));
                ok = r.reason == Reason::Exit && r.exit_code == 0;
            }
            _exit(ok ? 0 : 1);
        }
        boost::asio::io_context io;
        Sandbox box(io, b, 4);
        const Result r = run_one(box, io, in_workdir(a.path));
        int wst = 0;
        waitpid(child, &wst, 0);
        REQUIRE(r.reason == Reason::Exit);
        REQUIRE((WIFEXITED(wst) && WEXITSTATUS(wst) == 0));
        struct stat sa {
        }, sc{};
        REQUIRE(stat((a.path / "mine").c_str(), &sa) == 0);
        REQUIRE(stat((c.path / "mine").c_str(), &sc) == 0);
        CHECK(sa.st_uid >= kFirstSlotUid);
        CHECK(sc.st_uid >= kFirstSlotUid);
        CHECK(sa.st_uid != sc.st_uid);
    }
}

TEST_CASE("supervisor: watchdogs that fire as calls end never outlive them (run under ASan in test-sanitize)") {
    for (Backend b : backends()) {
        INFO(std::string(backend_name(b)));
        boost::asio::io_context io;
        Sandbox box(io, b, 8);
        int timeouts = 0, exits = 0;
        for (int round = 0; round < 6; ++round) {
            std::vector<std::future<Result>> futs;
            for (int i = 0; i < 8; ++i) {
                // The program's end and the wall limit land in the same few milliseconds.
                Request r = sh("true", 0.002 + 0.002 * (i % 6));
                futs.push_back(boost::asio::co_spawn(io, box.run(std::move(r)), boost::asio::use_future));
            }
            io.restart();
            io.run();
            for (auto& f : futs) {
                const Result res = f.get();
                (res.reason == Reason::TimeoutWall ? timeouts : exits) += 1;
                CHECK((res.reason == Reason::TimeoutWall || res.reason == Reason::Exit));
            }
        }
        MESSAGE(std::string(backend_name(b)) << ": " << timeouts << " stopped by the watchdog, " << exits << " ended first");
        // A launcher killed before its child set its parent-death signal leaves an orphan for
        // a moment (the slot's cgroup kills it; its zombie waits for the host's init).
        for (int i = 0; i < 100 && leftovers(true) > 0; ++i) usleep(20 * 1000);
        CHECK(leftovers(true) == 0);
    }
}

TEST_CASE("supervisor: calls queued for one slot each run in turn, woken by the release") {
    for (Backend b : backends()) {
        INFO(std::string(backend_name(b)));
        boost::asio::io_context io;
        Sandbox box(io, b, 1);
        std::vector<std::future<Result>> futs;
        for (int i = 0; i < 12; ++i)
            futs.push_back(boost::asio::co_spawn(io, box.run(sh("echo " + std::to_string(i))), boost::asio::use_future));
        rusage before{}, after{};
        getrusage(RUSAGE_SELF, &before);
        const auto t0 = std::chrono::steady_clock::now();
        io.restart();
        io.run();
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        getrusage(RUSAGE_SELF, &after);
        for (int i = 0; i < 12; ++i) {
            const Result r = futs[static_cast<size_t>(i)].get();
            CHECK(r.reason == Reason::Exit);
            CHECK(r.out.text() == std::to_string(i) + "\n");
        }
        MESSAGE(std::string(backend_name(b)) << ": 12 calls through one slot in " << wall << " s");
    }
}

TEST_CASE("supervisor: sandboxes made on several threads at once never wait on each other (network namespace helpers)") {
    // Each thread's first call in a slot forks a helper that makes the slot's network namespace;
    // helpers forked at the same moment once inherited each other's pipes and waited forever.
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (Backend b : backends()) {
                boost::asio::io_context io;
                Sandbox box(io, b, 8);
                std::vector<std::future<Result>> futs;
                for (int i = 0; i < 8; ++i) futs.push_back(boost::asio::co_spawn(io, box.run(sh("true")), boost::asio::use_future));
                io.run();
                for (auto& f : futs) ok += f.get().reason == Reason::Exit;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(ok == 4 * 8 * static_cast<int>(backends().size()));
}
