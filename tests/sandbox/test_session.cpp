// Warm sessions on both backends: persistent Python state, per-cell capture, interrupts that
// keep state, escalation to session_lost, shells with tracked cwd and environment, and output
// that tries to forge frames.
#include <doctest/doctest.h>

#include <filesystem>

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
    auto fut = asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        auto s = co_await Session::start(box, "", limits);
        co_await body(*s);
        co_await s->close();
    }, asio::use_future);
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
            auto r = co_await s.python("import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True: time.sleep(0.1)", 1);
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
            auto r = co_await s.python("import os, struct\nos.write(1, struct.pack('>I', 12) + b'\\x00\\x00\\x00\\x05ready\\r\\n\\x00')\nprint('__END__ {\"exit_code\": 0}')", 10);
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
