// Warm sessions on both backends: persistent Python state, per-cell capture, interrupts that
// keep state, escalation to session_lost, shells with tracked cwd and environment, and output
// that tries to forge frames.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "sandbox/session.hpp"
#include "tests/sandbox/host_backends.hpp"

using namespace envforge::sandbox;
using envforge::sandbox::testing::backends;
namespace asio = boost::asio;

namespace {

template <class Body>
void with_session(Backend b, Body body) {
    asio::io_context io;
    Sandbox box(io, b, 4);
    Limits limits;
    limits.wall_seconds = 120;
    limits.cpu_seconds = 60;
    auto fut = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto s = co_await Session::start(box, "", limits);
            co_await body(*s);
            co_await s->close();
        },
        asio::use_future);
    io.run();
    fut.get();
}

}  // namespace

TEST_CASE("session: state persists across cells; output and errors are per cell") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            auto r1 = co_await s.python("x = 41\nprint('set')", 10);
            CHECK(r1.out == "set\n");
            CHECK(r1.exception.empty());
            auto r2 = co_await s.python("x + 1", 10);
            CHECK(r2.out == "42\n");  // the last expression is echoed, as in a notebook
            auto r3 = co_await s.python("import sys\nprint('oops', file=sys.stderr)\n1/0", 10);
            CHECK(r3.err == "oops\n");
            CHECK(r3.exception.find("ZeroDivisionError") != std::string::npos);
            CHECK(r3.exception.find("session_agent") == std::string::npos);
            auto r4 = co_await s.python("print(x)", 10);
            CHECK(r4.out == "41\n");
        });
    }
}

TEST_CASE("session 33: a runaway cell is interrupted and the state is kept") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            co_await s.python("kept = 'yes'", 10);
            auto r = co_await s.python("while True: pass", 1);
            CHECK(r.timed_out);
            CHECK_FALSE(r.session_lost);
            CHECK(r.exception.find("KeyboardInterrupt") != std::string::npos);
            CHECK(r.seconds < 3);
            auto after = co_await s.python("print(kept)", 10);
            CHECK(after.out == "yes\n");
        });
    }
}

TEST_CASE("session 34: a cell that ignores the interrupt loses the session, a new one works") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            auto r = co_await s.python("import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True: time.sleep(0.1)",
                                       1);
            CHECK(r.session_lost);
            CHECK_FALSE(s.alive());
            auto next = co_await s.python("print(1)", 5);
            CHECK(next.session_lost);
        });
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            auto r = co_await s.python("print('fresh')", 10);
            CHECK(r.out == "fresh\n");
        });
    }
}

TEST_CASE("session 35: program output cannot forge frames") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            auto r = co_await s.python(
                "import os, struct\nos.write(1, struct.pack('>I', 12) + b'\\x00\\x00\\x00\\x05ready\\r\\n\\x00')\nprint('__END__ "
                "{\"exit_code\": 0}')",
                10);
            CHECK(r.out.find("__END__") != std::string::npos);
            auto r2 = co_await s.python("print('next')", 10);
            CHECK(r2.out == "next\n");
        });
    }
}

TEST_CASE("session: shell commands track cwd and environment") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            auto r1 = co_await s.shell("mkdir -p /tmp/a/b && cd /tmp/a/b && export GREETING=hi && echo done", 10);
            CHECK(r1.out == "done\n");
            CHECK(r1.exit_code == 0);
            CHECK(r1.cwd == "/tmp/a/b");
            auto r2 = co_await s.shell("pwd; echo $GREETING; exit 3", 10);
            CHECK(r2.out == "/tmp/a/b\nhi\n");
            CHECK(r2.exit_code == 3);
            auto r3 = co_await s.shell("sleep 30", 1);
            CHECK(r3.timed_out);
            CHECK_FALSE(r3.session_lost);
            auto r4 = co_await s.shell("echo still here", 10);
            CHECK(r4.out == "still here\n");
        });
    }
}

TEST_CASE("session hostile: a huge frame length from the sandbox ends the session, nothing is allocated") {
    auto rss_kb = [] {
        std::ifstream f("/proc/self/status");
        for (std::string line; std::getline(f, line);)
            if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
        return 0L;
    };
    for (Backend b : backends()) {
        INFO(backend_name(b));
        const long peak_before = rss_kb();
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            auto r = co_await s.python("import os, struct, time\nos.write(3, struct.pack('>I', 1 << 30) + b'x' * 4096)\ntime.sleep(5)", 10);
            CHECK(r.session_lost);
            CHECK(r.exception.find("frame") != std::string::npos);
            CHECK(r.seconds < 4);  // ended at the bad frame, not at the cell's time limit
            CHECK_FALSE(s.alive());
        });
        CHECK(rss_kb() - peak_before < 256 * 1024);  // no 1 GiB buffer in the supervisor
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            // A length that fits but a body that is not whole key/value pairs.
            auto r = co_await s.python(
                "import os, struct, time\nos.write(3, struct.pack('>I', 6) + b'\\x00\\x00\\x00\\x09ab')\ntime.sleep(5)", 10);
            CHECK(r.session_lost);
            CHECK(r.exception.find("malformed") != std::string::npos);
        });
    }
}

TEST_CASE("session hostile: frames written by the cell are capped and never shift later replies") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            // A reply to the current request, forged from inside with 3 MB of output.
            auto big = co_await s.python(
                "import sys\nm = sys.modules['__main__']\nm.send_frame({'id': m.req['id'], 'stdout': 'A' * 3000000})", 10);
            CHECK(big.out.size() < (80u << 10));
            CHECK(big.truncated);
            // Replies to requests not yet made: dropped, the genuine replies still arrive in order.
            auto ahead = co_await s.python(
                "import sys\nm = sys.modules['__main__']\nfor k in range(1, 4):\n"
                "    m.send_frame({'id': str(int(m.req['id']) + k), 'stdout': 'forged'})\nprint('genuine')",
                10);
            CHECK(ahead.out == "genuine\n");
            for (int i = 0; i < 4; ++i) {
                auto r = co_await s.python("print(" + std::to_string(i) + ")", 10);
                CHECK(r.out == std::to_string(i) + "\n");
            }
            auto sh = co_await s.shell("echo shell-ok", 10);
            CHECK(sh.out == "shell-ok\n");
        });
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            // A flood of unrequested frames is no longer the agent talking: the session ends.
            auto r = co_await s.python(
                "import sys\nm = sys.modules['__main__']\nfor k in range(100):\n    m.send_frame({'id': 'x', 'stdout': 'flood'})", 10);
            CHECK(r.session_lost);
            CHECK(r.exception.find("unrequested") != std::string::npos);
        });
    }
}

TEST_CASE("session hostile: a program the shell starts cannot open the agent's memory") {
    for (Backend b : backends()) {
        INFO(backend_name(b));
        with_session(b, [](Session& s) -> asio::awaitable<void> {
            auto r = co_await s.shell(
                "python3 -c \"import sys\ntry:\n    open('/proc/$PPID/mem', 'r+b')\n    print('opened')\n"
                "except OSError as e:\n    print('denied', e.errno)\" ; python3 -c \"import os; open('/proc/%d/mem' % os.getpid(), 'r+b'); "
                "print('own ok')\"",
                10);
            CHECK(r.out.find("denied") != std::string::npos);
            CHECK(r.out.find("opened") == std::string::npos);
            CHECK(r.out.find("own ok") != std::string::npos);  // the check itself can succeed
            auto after = co_await s.python("print('agent fine')", 10);
            CHECK(after.out == "agent fine\n");
        });
    }
}
