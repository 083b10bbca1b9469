// Warm sandboxes on both backends: sessions forked one after another from one zygote see
// nothing of each other (no file, variable, process or IPC object), and a session that attacks
// the zygote (signals, its control channel, a cell that will not stop) ends the warm sandbox
// instead of reaching the next session.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "common/safe_fs.hpp"
#include "sandbox/zygote.hpp"
#include "tests/sandbox/host_backends.hpp"

using namespace envforge::sandbox;
using envforge::sandbox::testing::backends;
namespace asio = boost::asio;

namespace {

Limits session_limits(double wall_seconds = 60) {
    Limits l;
    l.wall_seconds = wall_seconds;
    l.cpu_seconds = 30;
    l.memory_bytes = 1ll << 30;
    l.processes = 64;
    return l;
}

// Runs `body(zygote, workdir)` with a zygote over a fresh private workdir, on backend `b`.
template <class Body>
void with_zygote(Backend b, Body body) {
    std::string workdir = "/tmp/envforge-test-zygote-" + std::string(6, 'X');  // mkdtemp's template
    REQUIRE(mkdtemp(workdir.data()));
    asio::io_context io;
    Sandbox box(io, b, 4);
    Limits life = session_limits();
    life.wall_seconds = life.cpu_seconds = 300;
    const std::vector<std::string> preload(1, "json");  // (a braced list in a coroutine trips GCC 12)
    auto fut = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto z = co_await Zygote::start(box, workdir, life, preload);
            co_await body(*z, workdir);
            z->kill();
        },
        asio::use_future);
    io.run();
    envforge::safe_fs::remove_tree(workdir);
    fut.get();
}

// What a session sees of earlier ones, as one line of Python output.
constexpr const char* kLookAround = R"(import os, json
me, zygote = os.getpid(), os.getppid()
print(json.dumps({
    "variable": "secret" in globals(),
    "files": sorted(os.listdir("/workspace")) + sorted(os.listdir("/tmp")) + sorted(os.listdir("/dev/shm")),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me, zygote)),
    "ipc": sum(len(open("/proc/sysvipc/" + k).read().splitlines()) - 1 for k in ("shm", "sem", "msg")),
}))
)";

}  // namespace

TEST_CASE("zygote: nothing of one session is visible to the next") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        with_zygote(b, [&](Zygote& z, const std::string& dir) -> asio::awaitable<void> {
            {
                auto a = co_await z.fork(session_limits());
                auto r = co_await a->python(
                    "import os, ctypes, subprocess\nsecret = 42\n"
                    "for p in ('/workspace/a.txt', '/tmp/a.txt', '/dev/shm/a'):\n    open(p, 'w').write('left behind')\n"
                    "os.makedirs('/tmp/deep/er'); os.chmod('/tmp/deep', 0)\n"
                    "libc = ctypes.CDLL(None)\nprint(libc.shmget(0, 4096, 0o1600), libc.semget(0, 1, 0o1600), libc.msgget(0, 0o1600))\n"
                    "subprocess.Popen(['sleep', '1000'])\nsubprocess.Popen(['setsid', 'sh', '-c', 'sleep 1000 & sleep 1000'])\n"
                    "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        import time; time.sleep(1000)\n    os._exit(0)\n"
                    "print('planted')",
                    20);
                CHECK(r.exception == "");
                CHECK(r.out.find("planted") != std::string::npos);
                auto seen = co_await a->python(kLookAround, 20);
                CHECK(seen.out.find("\"processes\": []") == std::string::npos);  // they run now
            }
            CHECK(co_await z.release());
            CHECK(envforge::safe_fs::empty_dir(dir));
            auto b2 = co_await z.fork(session_limits());
            auto seen = co_await b2->python(kLookAround, 20);
            CHECK(seen.exception == "");
            CHECK(seen.out == "{\"variable\": false, \"files\": [], \"processes\": [], \"ipc\": 0}\n");
            CHECK(z.sessions() == 2);
        });
    }
}

TEST_CASE("zygote: a session cannot reach the zygote's channel or memory, nor stop it with catchable signals") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        with_zygote(b, [&](Zygote& z, const std::string& dir) -> asio::awaitable<void> {
            {
                auto a = co_await z.fork(session_limits());
                auto r = co_await a->python(
                    "import os, signal\nz = os.getppid()\nout = []\n"
                    "for path in ('/proc/%d/fd/3' % z, '/proc/%d/mem' % z, '/proc/%d/environ' % z):\n"
                    "    try:\n        os.open(path, os.O_RDWR); out.append('opened ' + path)\n"
                    "    except OSError as e:\n        out.append(type(e).__name__)\n"
                    "for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGALRM, signal.SIGPIPE):\n"
                    "    os.kill(z, s)\nprint(out)",
                    20);
                CHECK(r.out == "['PermissionError', 'PermissionError', 'PermissionError']\n");
                // Frames forged on the session's own channel go nowhere once it is closed.
                co_await a->python(
                    "import sys\nm = sys.modules['__main__']\nfor i in range(1, 5):\n    m.send_frame({'id': str(i), 'released': 1})", 10);
            }
            CHECK(z.alive());
            CHECK(co_await z.release());
            CHECK(envforge::safe_fs::empty_dir(dir));
            auto next = co_await z.fork(session_limits());
            auto r = co_await next->python("print('fresh')", 10);
            CHECK(r.out == "fresh\n");
        });
    }
}

TEST_CASE("zygote: a session that kills or stops the zygote, or will not stop, ends only the warm sandbox") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        for (const char* attack : {"os.kill(os.getppid(), signal.SIGKILL)", "os.kill(os.getppid(), signal.SIGSTOP)"}) {
            INFO(attack);
            with_zygote(b, [&](Zygote& z, const std::string&) -> asio::awaitable<void> {
                {
                    auto a = co_await z.fork(session_limits());
                    co_await a->python(std::string("import os, signal\n") + attack, 10);
                }
                CHECK_FALSE(co_await z.release(std::chrono::seconds(2)));
                CHECK_FALSE(z.alive());
                bool refused = false;
                try {
                    co_await z.fork(session_limits());
                } catch (const std::exception&) {
                    refused = true;
                }
                CHECK(refused);
            });
        }
        // Past its wall time the session is lost, and with it the warm sandbox it ran in.
        with_zygote(b, [&](Zygote& z, const std::string&) -> asio::awaitable<void> {
            auto a = co_await z.fork(session_limits(1));
            auto r = co_await a->python("while True:\n    try:\n        pass\n    except BaseException:\n        pass", 30);
            CHECK(r.session_lost);
            CHECK(r.seconds < 5);
            CHECK_FALSE(z.alive());
        });
    }
}
