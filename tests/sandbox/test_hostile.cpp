// The hostile suite of reference/sandbox.md §6, run against both launchers. Every case asserts
// the structured result, that nothing is left running, that the supervisor (this process) is
// alive, and where it applies that the host is unchanged.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <cstring>
#include <cstddef>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "sandbox/sandbox.hpp"
#include "tests/sandbox/host_backends.hpp"

using namespace envforge::sandbox;
using envforge::sandbox::testing::backends;
using envforge::sandbox::testing::leftovers;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

struct Box {
    boost::asio::io_context io;
    Sandbox sandbox;
    explicit Box(Backend b) : sandbox(io, b, 8) {}
    Result run(Request r) {
        auto fut = boost::asio::co_spawn(io, sandbox.run(std::move(r)), boost::asio::use_future);
        io.restart();
        io.run();
        return fut.get();
    }
};

Request sh(const std::string& script, double wall = 10) {
    Request r;
    r.argv = {"/bin/sh", "-c", script};
    r.env = {"PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8"};
    r.cwd = "/tmp";
    r.limits.wall_seconds = wall;
    return r;
}

Request py(const std::string& code, double wall = 10) {
    Request r = sh("", wall);
    r.argv = {"/usr/bin/python3", "-c", code};
    return r;
}

// Runs `req` on every backend and applies `check`, then the common assertions.
template <class Check>
void on_all(const char* name, const Request& req, Check check) {
    for (Backend b : backends()) {
        INFO(name << " on " << backend_name(b));
        Box box(b);
        Result r = box.run(req);
        INFO("reason " << reason_name(r.reason) << " exit " << r.exit_code << " signal " << r.signal << " setup '" << r.setup_error
                       << "' stdout '" << r.out.text().substr(0, 300) << "' stderr '" << r.err.text().substr(0, 300) << "'");
        check(r);
        CHECK(leftovers() == 0);
    }
}

}  // namespace

TEST_CASE("sandbox: the basics on both backends") {
    REQUIRE(!backends().empty());
    on_all("echo", sh("echo hello; echo err >&2; exit 3"), [](const Result& r) {
        CHECK(r.reason == Reason::Exit);
        CHECK(r.exit_code == 3);
        CHECK(r.out.text() == "hello\n");
        CHECK(r.err.text() == "err\n");
    });
    Request in = sh("cat");
    in.stdin_data = "from stdin";
    on_all("stdin", in, [](const Result& r) { CHECK(r.out.text() == "from stdin"); });
    on_all("identity", sh("id -u; grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status"), [](const Result& r) {
        CHECK(r.out.text().rfind("1000\n", 0) == 0);
        CHECK(r.out.text().find("CapEff:\t0000000000000000") != std::string::npos);
        CHECK(r.out.text().find("CapBnd:\t0000000000000000") != std::string::npos);
        CHECK(r.out.text().find("NoNewPrivs:\t1") != std::string::npos);
        CHECK(r.out.text().find("Seccomp:\t2") != std::string::npos);
    });
    on_all("missing program", sh("exec /no/such/program"), [](const Result& r) {
        CHECK(r.reason == Reason::Exit);
        CHECK(r.exit_code != 0);
    });
}

TEST_CASE("hostile 1: fork bomb stops at the process limit") {
    Request r = py("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        os._exit(3)\n", 20);
    r.limits.processes = 32;
    on_all("fork bomb", r,
           [](const Result& res) { CHECK((res.reason == Reason::Pids || (res.reason == Reason::Exit && res.exit_code == 3))); });
}

TEST_CASE("hostile 2: memory balloon is OOM-killed or refused") {
    Request r = py("b = bytearray(300 * 1024 * 1024)\nprint('allocated')");
    r.limits.memory_bytes = 96ll << 20;
    on_all("balloon", r, [](const Result& res) {
        CHECK(res.out.text().find("allocated") == std::string::npos);
        CHECK((res.reason == Reason::Oom || (res.reason == Reason::Exit && res.err.text().find("MemoryError") != std::string::npos)));
    });
}

TEST_CASE("hostile 3-4: tmpfs and file size limits") {
    Request t = sh("dd if=/dev/zero of=/tmp/fill bs=1M count=100 2>&1; echo rc=$?");
    t.limits.tmp_bytes = 16ll << 20;
    on_all("tmpfs full", t, [](const Result& res) { CHECK(res.out.text().find("No space left") != std::string::npos); });
    Request f = py("f = open('/tmp/big', 'wb')\nf.write(b'x' * (32 << 20))\n");
    f.limits.file_bytes = 8ll << 20;
    on_all("file size", f, [](const Result& res) {
        CHECK(((res.reason == Reason::Signal && res.signal == SIGXFSZ) || res.err.text().find("File too large") != std::string::npos));
    });
}

TEST_CASE("hostile 5: endless output is capped, head and tail kept") {
    Request r = sh("yes");
    r.limits.output_bytes = 4096;
    r.limits.output_kill_bytes = 4 << 20;
    on_all("yes", r, [](const Result& res) {
        CHECK(res.reason == Reason::OutputCap);
        CHECK(res.out.truncated);
        CHECK(res.out.total >= (4u << 20));
        CHECK(res.out.head.size() == 2048);
        CHECK(res.out.tail.size() == 2048);
        CHECK(res.out.head.rfind("y\ny\n", 0) == 0);
    });
    on_all("binary output", sh("head -c 100000 /dev/urandom"), [](const Result& res) {
        CHECK(res.reason == Reason::Exit);
        CHECK(res.out.total == 100000);
    });
}

TEST_CASE("hostile 6, 10, 11: background children, daemons and zombies end with the call") {
    on_all("background holds stdout", sh("sleep 1000 & echo started"), [](const Result& res) {
        CHECK(res.reason == Reason::Exit);
        CHECK(res.wall_seconds < 5);
    });
    on_all("daemonize", sh("setsid sleep 1000 </dev/null >/dev/null 2>&1 & nohup sleep 1000 >/dev/null 2>&1 & echo ok"),
           [](const Result& res) { CHECK(res.out.text() == "ok\n"); });
    on_all("zombies", py("import os\nfor i in range(40):\n    if os.fork() == 0:\n        os._exit(0)\nprint('done')"),
           [](const Result& res) { CHECK(res.out.text() == "done\n"); });
}

TEST_CASE("hostile 7-8: CPU and wall-clock limits") {
    Request busy = py("while True: pass", 20);
    busy.limits.cpu_seconds = 1;
    on_all("busy loop", busy, [](const Result& res) {
        CHECK(res.reason == Reason::TimeoutCpu);
        CHECK(res.wall_seconds < 10);
    });
    Request sleepy = sh("sleep 3600", 1);
    on_all("sleep", sleepy, [](const Result& res) {
        CHECK(res.reason == Reason::TimeoutWall);
        CHECK(res.wall_seconds < 5);
        CHECK(res.cpu_seconds < 1);
    });
    Request partial = sh("echo before; sleep 3600", 1);
    on_all("partial output on timeout", partial, [](const Result& res) { CHECK(res.out.text() == "before\n"); });
}

TEST_CASE("hostile 12: only the standard descriptors are open") {
    on_all("fds", py("import os\nprint(sorted(os.listdir('/proc/self/fd')))\nprint(os.getcwd())"), [](const Result& res) {
        CHECK(res.out.text().rfind("['0', '1', '2', '3']\n", 0) == 0);  // 3 is listdir's own
        CHECK(res.out.text().find("/tmp") != std::string::npos);
    });
}

TEST_CASE("hostile 14-15, 18: no network beyond the sandbox's own loopback") {
    on_all("outbound",
           py("import socket\ns = socket.socket()\ns.settimeout(5)\ntry:\n    s.connect(('1.1.1.1', 80))\n    print('connected')\nexcept "
              "OSError as e:\n    print('blocked', e.errno)"),
           [](const Result& res) {
               CHECK(res.out.text().rfind("blocked", 0) == 0);
               CHECK(res.wall_seconds < 4);
           });
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(listener, 4) == 0);
    socklen_t len = sizeof addr;
    getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);
    on_all("host loopback",
           py("import socket\ntry:\n    socket.create_connection(('127.0.0.1', " + std::to_string(port) +
              "), 2)\n    print('connected')\nexcept OSError as e:\n    print('refused', e.errno)"),
           [](const Result& res) { CHECK(res.out.text().rfind("refused", 0) == 0); });
    close(listener);
    on_all("own loopback works",
           py("import socket\ns = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\nc = "
              "socket.create_connection(s.getsockname())\nprint('ok')"),
           [](const Result& res) { CHECK(res.out.text() == "ok\n"); });
    on_all("packet socket",
           py("import socket\ntry:\n    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n    print('open')\nexcept OSError as e:\n    "
              "print('blocked', e.errno)"),
           [](const Result& res) { CHECK(res.out.text().rfind("blocked", 0) == 0); });
}

TEST_CASE("hostile 19-20, 28, 31: the host filesystem is read-only and secrets are absent") {
    const std::string passwd = slurp("/etc/passwd");
    on_all("writes",
           sh("echo x >> /etc/passwd; echo x > /usr/bin/python3; echo x > /proc/sys/kernel/hostname; "
              "echo x > /newfile; echo x > /proc/1/exe; echo done"),
           [](const Result& res) {
               CHECK(res.out.text() == "done\n");
               CHECK(res.err.text().find("Read-only") != std::string::npos);
           });
    CHECK(slurp("/etc/passwd") == passwd);
    on_all("secrets", sh("cat /etc/shadow; ls /root/.ssh; cat /proc/1/environ | tr '\\0' '\\n'; env; echo end"), [](const Result& res) {
        CHECK(res.out.text().find("root:") == std::string::npos);
        CHECK(res.out.text().find("ENVFORGE") == std::string::npos);
        CHECK(res.out.text().find("PATH=/usr/bin:/bin") != std::string::npos);
        CHECK(res.out.text().find("end") != std::string::npos);
    });
    on_all("host root files are not ours", sh("stat -c %u /usr/bin/python3"), [](const Result& res) { CHECK(res.out.text() != "1000\n"); });
    on_all("devices", sh("ls /dev/vda /dev/mem /dev/kmsg 2>&1; mknod /tmp/blk b 8 0 2>&1; echo end"), [](const Result& res) {
        CHECK(res.out.text().find("No such file") != std::string::npos);
        CHECK(!fs::exists("/tmp/blk"));
        CHECK(res.out.text().find("end") != std::string::npos);
    });
}

TEST_CASE("hostile 24-27, 29-30: privileged and kernel-surface calls are refused") {
    on_all("syscalls",
           py("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
              "for name, nr in [('ptrace', 101), ('keyctl', 250), ('perf_event_open', 298), ('bpf', 321),\n"
              "                 ('userfaultfd', 323), ('io_uring_setup', 425), ('unshare', 272), ('mount', 165),\n"
              "                 ('pivot_root', 155), ('chroot', 161), ('setns', 308), ('open_by_handle_at', 304)]:\n"
              "    rc = libc.syscall(nr, 0, 0, 0, 0, 0)\n    print(name, rc, ctypes.get_errno())\n"),
           [](const Result& res) {
               std::istringstream in(res.out.text());
               int lines = 0;
               for (std::string name, rc, err; in >> name >> rc >> err; ++lines) {
                   INFO(name);
                   CHECK(rc == "-1");
               }
               CHECK(lines == 12);
           });
    on_all("setuid", py("import os\ntry:\n    os.setuid(0)\n    print('root')\nexcept OSError:\n    print('denied')"),
           [](const Result& res) { CHECK(res.out.text() == "denied\n"); });
    on_all("nested namespaces", sh("unshare -r true && echo escaped || echo denied"),
           [](const Result& res) { CHECK(res.out.text().find("denied") != std::string::npos); });
    on_all("TIOCSTI",
           py("import fcntl, termios\ntry:\n    fcntl.ioctl(0, termios.TIOCSTI, b'x')\n    print('injected')\nexcept OSError as e:\n    "
              "print('blocked', e.errno)"),
           [](const Result& res) { CHECK(res.out.text().rfind("blocked", 0) == 0); });
    on_all("kill everything", sh("kill -9 -1; echo survived"), [](const Result& res) { CHECK(res.reason != Reason::SetupError); });
    CHECK(::kill(getpid(), 0) == 0);  // the supervisor is alive
}

TEST_CASE("hostile 21: a symlinked workdir entry never exposes host files") {
    const fs::path dir = fs::temp_directory_path() / ("envforge-hostile-" + std::to_string(getpid()));
    fs::create_directories(dir);
    Request r = sh("ln -sf /etc/shadow /workspace/out.txt; cat /workspace/out.txt 2>&1; echo x > /workspace/made; echo end");
    r.workdir = dir.string();
    r.cwd = "/workspace";
    on_all("symlink", r, [&](const Result& res) {
        CHECK(res.out.text().find("root:") == std::string::npos);
        CHECK(fs::is_symlink(dir / "out.txt"));
        CHECK(fs::exists(dir / "made"));
    });
    fs::remove_all(dir);
}

TEST_CASE("hostile 36: fail closed when isolation cannot be set up") {
    setenv("ENVFORGE_SANDBOX_LAUNCHER", "/nonexistent/launcher", 1);
    boost::asio::io_context io;
    CHECK_THROWS_AS(Sandbox(io, Backend::Native), std::runtime_error);
    CHECK(!probe_host().missing_for(Backend::Native).empty());
    unsetenv("ENVFORGE_SANDBOX_LAUNCHER");
}

TEST_CASE("hostile 13, 38: many concurrent calls, no cross-talk, no descriptor growth") {
    for (Backend b : backends()) {
        boost::asio::io_context io;
        Sandbox box(io, b, 8);
        auto fds = [] { return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{}); };
        // The first calls create Asio's reactor descriptors and each slot's network namespace;
        // count from after them.
        for (int i = 0; i < 8; ++i) boost::asio::co_spawn(io, box.run(sh("sleep 0.2")), boost::asio::detached);
        io.run();
        io.restart();
        const auto fds_before = fds();
        std::vector<std::future<Result>> futs;
        for (int i = 0; i < 48; ++i)
            futs.push_back(boost::asio::co_spawn(io, box.run(sh("echo call-" + std::to_string(i) + "; sleep 0.0" + std::to_string(i % 10))),
                                                 boost::asio::use_future));
        io.run();
        for (int i = 0; i < 48; ++i) CHECK(futs[static_cast<size_t>(i)].get().out.text() == "call-" + std::to_string(i) + "\n");
        CHECK(fds() == fds_before);
        CHECK(leftovers() == 0);
    }
}

TEST_CASE("hostile 9: many workers each under the CPU limit are stopped by the wall clock") {
    Request r = py("import os\nfor i in range(6):\n    if os.fork() == 0:\n        while True: pass\nos.wait()\n", 2);
    r.limits.cpu_seconds = 30;
    on_all("cpu workers", r, [](const Result& res) {
        CHECK(res.reason == Reason::TimeoutWall);
        CHECK(res.wall_seconds < 6);
    });
}

TEST_CASE("hostile 16-17: no channel to the host or between two live sandboxes") {
    // An abstract unix socket on the host.
    int host = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string name = "envforge-host-" + std::to_string(getpid());
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    REQUIRE(bind(host, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(listen(host, 1) == 0);
    on_all("abstract socket",
           py("import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n    s.connect('\\0" + name +
              "')\n    print('connected')\nexcept OSError as e:\n    print('blocked', e.errno)"),
           [](const Result& res) { CHECK(res.out.text().rfind("blocked", 0) == 0); });
    close(host);
    for (Backend b : backends()) {
        INFO(backend_name(b));
        boost::asio::io_context io;
        Sandbox box(io, b, 4);
        // A listens on loopback and creates SysV shared memory; B, running at the same time, looks for both.
        auto fa = boost::asio::co_spawn(
            io,
            box.run(
                py("import socket, time, sys\ns = socket.socket(); s.bind(('127.0.0.1', 47001)); s.listen()\n"
                   "import ctypes\nlibc = ctypes.CDLL(None)\nprint(libc.shmget(4242, 4096, 0o1666))\nsys.stdout.flush()\ntime.sleep(2)")),
            boost::asio::use_future);
        auto fb = boost::asio::co_spawn(io,
                                        box.run(py("import socket, time, ctypes\ntime.sleep(0.8)\nlibc = ctypes.CDLL(None)\n"
                                                   "print('shm', libc.shmget(4242, 0, 0))\ntry:\n    "
                                                   "socket.create_connection(('127.0.0.1', 47001), 1)\n    print('connected')\n"
                                                   "except OSError:\n    print('refused')")),
                                        boost::asio::use_future);
        io.run();
        Result a = fa.get(), bres = fb.get();
        CHECK(a.out.text().rfind("-1", 0) != 0);  // A did get its segment
        CHECK(bres.out.text().find("shm -1") != std::string::npos);
        CHECK(bres.out.text().find("refused") != std::string::npos);
        CHECK(leftovers() == 0);
    }
}

TEST_CASE("hostile 22: a symlink planted in the workdir never makes the host write outside it") {
    const fs::path dir = fs::temp_directory_path() / ("envforge-plant-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path victim = fs::temp_directory_path() / ("envforge-victim-" + std::to_string(getpid()));
    std::ofstream(victim) << "host data";
    struct stat before {};
    stat(victim.c_str(), &before);
    Request r = sh("ln -sf " + victim.string() + " /workspace/run.sh; echo planted");
    r.workdir = dir.string();
    r.cwd = "/workspace";
    for (Backend b : backends()) {
        Box box(b);
        CHECK(box.run(r).out.text() == "planted\n");
        // The next call adopts the workdir for its slot's uid: the link must not be followed.
        Request next = sh("ls /workspace");
        next.workdir = dir.string();
        box.run(next);
        struct stat after {};
        stat(victim.c_str(), &after);
        CHECK(after.st_uid == before.st_uid);
        CHECK(slurp(victim) == "host data");
    }
    fs::remove_all(dir);
    fs::remove(victim);
}

TEST_CASE("hostile 23: bad paths in requests are rejected cleanly") {
    for (Backend b : backends()) {
        Box box(b);
        Request r = sh("true");
        r.workdir = "/nonexistent/../../etc";
        Result res = box.run(r);
        CHECK(res.reason == Reason::SetupError);
        CHECK(!res.setup_error.empty());
        // A NUL would cut the path short in C: point it at a private directory so that a
        // regression runs the call there (and fails this test) instead of adopting a shared tree.
        const fs::path priv = fs::temp_directory_path() / ("envforge-nul-" + std::to_string(getpid()));
        fs::create_directories(priv);
        Request nul = sh("true");
        nul.workdir = priv.string() + std::string("\0/x", 3);
        Result nres = box.run(nul);
        CHECK(nres.reason == Reason::SetupError);
        CHECK(nres.setup_error.find("NUL") != std::string::npos);
        Request rel = sh("true");
        rel.workdir = "relative/dir";
        CHECK(box.run(rel).reason == Reason::SetupError);
        Request env = sh("true");
        env.env = {"NOEQUALS"};
        CHECK(box.run(env).setup_error.find("KEY=VALUE") != std::string::npos);
        Request shared = sh("true");
        shared.workdir = "/tmp";
        Result sres = box.run(shared);
        CHECK(sres.reason == Reason::SetupError);
        fs::remove_all(priv);
        // System trees are denied by prefix, not by an exact list; the directory is left as it was.
        const fs::path sys_dir = "/var/lib/envforge-hostile-" + std::to_string(getpid());
        fs::create_directories(sys_dir);
        for (const std::string& dir : {sys_dir.string(), std::string("/var/lib"), std::string("/etc/ssh"), std::string("/usr/local/lib"),
                                       std::string("/run/user"), std::string("/var/tmp")}) {
            if (!fs::exists(dir)) continue;
            INFO(dir);
            struct stat before {};
            stat(dir.c_str(), &before);
            Request sys = sh("touch /workspace/x");
            sys.workdir = dir;
            Result r = box.run(sys);
            CHECK(r.reason == Reason::SetupError);
            CHECK(r.setup_error.find("workdir") != std::string::npos);
            struct stat after {};
            stat(dir.c_str(), &after);
            CHECK(after.st_uid == before.st_uid);
        }
        CHECK(!fs::exists(sys_dir / "x"));
        fs::remove_all(sys_dir);
        // Another user's directory is not ours to hand to a sandbox.
        const fs::path foreign = fs::temp_directory_path() / ("envforge-foreign-" + std::to_string(getpid()));
        fs::create_directories(foreign);
        if (geteuid() == 0) {
            REQUIRE(chown(foreign.c_str(), 12345, 12345) == 0);
            Request f = sh("true");
            f.workdir = foreign.string();
            Result fr = box.run(f);
            CHECK(fr.setup_error.find("belongs to uid 12345") != std::string::npos);
        }
        fs::remove_all(foreign);
    }
}

TEST_CASE("hostile 37: killing the supervisor mid-call leaves nothing running") {
    const char* exe = std::getenv("ENVFORGE_TEST_ENVFORGE");
    if (!exe) return;  // set by the build for this test
    for (const char* backend : {"native", "bwrap"}) {
        if (!probe_host().missing_for(parse_backend(backend)).empty()) continue;
        // The child leases its uids in a lock directory of its own: its processes are counted
        // by those, so another envforge on the host cannot fail (or pass) this test.
        char lock_tmpl[] = "/tmp/envforge-test-locks-XXXXXX";
        const std::string lock_dir = mkdtemp(lock_tmpl);
        pid_t pid = fork();
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            setenv("ENVFORGE_LOCK_DIR", lock_dir.c_str(), 1);
            execl(exe, exe, "sandbox", "exec", "--sandbox", backend, "--wall", "60", "--", "sh", "-c", "sleep 1000 & sleep 1000", nullptr);
            _exit(127);
        }
        usleep(600 * 1000);
        auto left = [&](bool live_only) {
            return envforge::sandbox::testing::uid_processes(envforge::sandbox::testing::ranges_leased_in(lock_dir), live_only);
        };
        CHECK(left(false) > 0);  // the call is running
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        // Everything dies at once (parent-death signals down to the namespace's init); the
        // launchers' zombies then belong to the host's init, which reaps them in its own time.
        for (int i = 0; i < 50 && left(true) > 0; ++i) usleep(20 * 1000);
        CHECK(left(true) == 0);
        fs::remove_all(lock_dir);
    }
}

TEST_CASE("sandbox: 10,000 calls without zombie, descriptor or memory growth") {
    auto rss_kb = [] {
        std::ifstream f("/proc/self/status");
        for (std::string line; std::getline(f, line);)
            if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
        return 0L;
    };
    auto fds = [] { return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{}); };
    for (Backend b : backends()) {
        if (b != Backend::Native) continue;  // the launcher path is the same for both; native is the fast one
        boost::asio::io_context io;
        Sandbox box(io, b, 16);
        int ok = 0;
        auto batch = [&](int calls) {
            int next = 0;
            auto worker = [&]() -> boost::asio::awaitable<void> {
                while (next < calls) {
                    ++next;
                    Result r = co_await box.run(sh("exit 0"));
                    ok += r.reason == Reason::Exit && r.exit_code == 0;
                }
            };
            for (int i = 0; i < 16; ++i) boost::asio::co_spawn(io, worker(), boost::asio::detached);
            io.restart();
            io.run();
        };
        batch(500);  // warm-up: slots, namespaces, reactor
        const auto fds0 = fds();
        const long rss0 = rss_kb();
        batch(9500);
        CHECK(ok == 10000);
        CHECK(fds() == fds0);
        CHECK(rss_kb() - rss0 < 8 * 1024);
        CHECK(leftovers() == 0);
    }
}

TEST_CASE("hostile: the sandbox root takes no writes outside the sized /tmp, /dev/shm and /workspace") {
    on_all("root fill",
           sh("for d in / /root /home /etc; do dd if=/dev/zero of=$d/fill bs=1M count=200 2>&1 | tail -1; done; "
              "mkdir /newdir 2>&1; echo end"),
           [](const Result& res) {
               CHECK(res.out.text().find("Read-only") != std::string::npos);
               CHECK(res.out.text().find("200+0 records out") == std::string::npos);
               CHECK(res.out.text().find("end") != std::string::npos);
               CHECK(res.reason == Reason::Exit);
           });
}

TEST_CASE("hostile: no inotify or fanotify watches on the host's files") {
    on_all("watches",
           py("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
              "for name, nr, args in [('inotify_init1', 294, (0,)), ('inotify_init', 253, ()), ('fanotify_init', 300, (0, 0))]:\n"
              "    rc = libc.syscall(nr, *args)\n    print(name, rc, ctypes.get_errno())\n"
              "fd = libc.inotify_init1(0)\nprint('libc', fd, libc.inotify_add_watch(3, b'/usr/bin', 0xfff) if fd < 0 else 'watching')\n"),
           [](const Result& res) {
               CHECK(res.out.text().find("inotify_init1 -1 38") != std::string::npos);  // ENOSYS
               CHECK(res.out.text().find("inotify_init -1 38") != std::string::npos);
               CHECK(res.out.text().find("fanotify_init -1 38") != std::string::npos);
               CHECK(res.out.text().find("libc -1 -1") != std::string::npos);
           });
}

namespace {

// Cgroup directories of this host's envforge trees (v1 controllers and the unified hierarchy)
// whose owner pid is `pid`.
std::vector<fs::path> cgroup_dirs_of(pid_t pid) {
    std::vector<fs::path> out;
    for (const char* tree : {"/sys/fs/cgroup/memory/envforge", "/sys/fs/cgroup/pids/envforge", "/sys/fs/cgroup/cpuacct/envforge",
                             "/sys/fs/cgroup/unified/envforge", "/sys/fs/cgroup/envforge"}) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(tree, ec))
            if (e.path().filename().string().rfind(std::to_string(pid) + ".", 0) == 0) out.push_back(e.path());
    }
    return out;
}

}  // namespace

TEST_CASE("hostile: cgroups of a supervisor killed with SIGKILL are swept by the next one, on v1 and forced v2") {
    const char* exe = std::getenv("ENVFORGE_TEST_ENVFORGE");
    if (!exe || geteuid() != 0) return;  // set by the build; cgroups need root here
    for (const char* mode : {"", "v2"}) {
        INFO("ENVFORGE_CGROUP=" << mode);
        char lock_tmpl[] = "/tmp/envforge-test-locks-XXXXXX";
        const std::string lock_dir = mkdtemp(lock_tmpl);
        pid_t pid = fork();
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            dup2(devnull, 2);
            setenv("ENVFORGE_LOCK_DIR", lock_dir.c_str(), 1);
            setenv("ENVFORGE_CGROUP", mode, 1);
            execl(exe, exe, "sandbox", "exec", "--wall", "60", "--", "sh", "-c", "sleep 1000 & sleep 1000", nullptr);
            _exit(127);
        }
        std::vector<fs::path> dirs;
        for (int i = 0; i < 100 && (dirs = cgroup_dirs_of(pid)).empty(); ++i) usleep(20 * 1000);
        usleep(300 * 1000);
        REQUIRE(!dirs.empty());
        if (std::string(mode) == "v2") {
            CHECK(dirs[0].string().find("unified") != std::string::npos);
            CHECK(slurp((dirs[0] / "cgroup.procs").string()).size() > 0);  // the call's processes are in it
        }
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        auto left = [&] { return envforge::sandbox::testing::uid_processes(envforge::sandbox::testing::ranges_leased_in(lock_dir), true); };
        for (int i = 0; i < 50 && left() > 0; ++i) usleep(20 * 1000);
        CHECK(left() == 0);
        fs::remove_all(lock_dir);
        CHECK(!cgroup_dirs_of(pid).empty());  // nobody could remove them: the owner was killed
        // The next envforge process sweeps them at start.
        std::string check = std::string("ENVFORGE_CGROUP=") + mode + " " + exe + " sandbox check --json";
        FILE* p = popen(check.c_str(), "r");
        std::string out;
        char buf[4096];
        for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
        pclose(p);
        CHECK(out.find(std::string(mode) == "v2" ? "\"cgroups\":\"v2 at" : "\"cgroups\":\"v1\"") != std::string::npos);
        CHECK(cgroup_dirs_of(pid).empty());
    }
}
