// Sandbox benchmarks, each against a baseline in the same run:
//   per call  /bin/true via plain posix_spawn (no isolation) vs the native and bwrap launchers
//   parallel  calls per second with 1 and 64 calls in flight (native)
// Usage: bench_sandbox [--calls N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "sandbox/session.hpp"

using namespace envforge::sandbox;
using Clock = std::chrono::steady_clock;
extern char** environ;

static double secs(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

static Request trivial() {
    Request r;
    r.argv = {"/bin/true"};
    r.env = {"PATH=/usr/bin:/bin"};
    r.cwd = "/tmp";
    return r;
}

// Runs `calls` requests with `inflight` at once; returns seconds, or -1 on a failed call.
static double run(Backend b, int calls, int inflight) {
    boost::asio::io_context io;
    Sandbox box(io, b, inflight);  // probing the host happens here, outside the timing
    int next = 0, bad = 0;
    auto worker = [&]() -> boost::asio::awaitable<void> {
        while (next < calls) {
            ++next;
            Result r = co_await box.run(trivial());
            bad += !(r.reason == Reason::Exit && r.exit_code == 0);
        }
    };
    auto t0 = Clock::now();
    for (int i = 0; i < inflight; ++i) boost::asio::co_spawn(io, worker(), boost::asio::detached);
    io.run();
    double s = secs(t0);
    return bad ? -1 : s;
}

// Median seconds of `cells` round trips in one warm session, and the total rate over
// `sessions` sessions running at once.
struct Warm {
    double py_median = 0, sh_median = 0, rate = 0;
};
static Warm warm(int sessions, int cells) {
    boost::asio::io_context io;
    Sandbox box(io, Backend::Native, sessions);
    Limits limits;
    limits.wall_seconds = 600;
    limits.cpu_seconds = 600;
    std::vector<double> py, sh;
    int done = 0;
    auto worker = [&](bool measure) -> boost::asio::awaitable<void> {
        auto s = co_await Session::start(box, "", limits);
        for (int i = 0; i < cells; ++i) {
            auto t0 = Clock::now();
            auto r = co_await s->python("x = " + std::to_string(i), 10);
            if (measure) py.push_back(secs(t0));
            done += r.exception.empty();
        }
        if (measure)
            for (int i = 0; i < 50; ++i) {
                auto t0 = Clock::now();
                co_await s->shell("true", 10);
                sh.push_back(secs(t0));
            }
        co_await s->close();
    };
    for (int i = 0; i < sessions; ++i) boost::asio::co_spawn(io, worker(sessions == 1), boost::asio::detached);
    auto t0 = Clock::now();
    io.run();
    Warm w;
    w.rate = done / secs(t0);
    auto median = [](std::vector<double> v) {
        if (v.empty()) return 0.0;
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    w.py_median = median(py);
    w.sh_median = median(sh);
    return w;
}

int main(int argc, char** argv) {
    int calls = 300;
    for (int i = 1; i + 1 < argc; i += 2)
        if (!std::strcmp(argv[i], "--calls")) calls = std::atoi(argv[i + 1]);
    auto t0 = Clock::now();
    for (int i = 0; i < calls; ++i) {
        pid_t pid;
        char* args[] = {const_cast<char*>("/bin/true"), nullptr};
        posix_spawn(&pid, "/bin/true", nullptr, nullptr, args, environ);
        waitpid(pid, nullptr, 0);
    }
    const double plain = secs(t0) / calls;
    const double native = run(Backend::Native, calls, 1) / calls;
    const double bwrap = run(Backend::Bwrap, calls, 1) / calls;
    std::printf(
        "per call (/bin/true, sequential, %d calls): plain spawn %.2f ms, native %.2f ms, bwrap %.2f ms; "
        "bwrap/native %.2fx\n",
        calls, plain * 1e3, native * 1e3, bwrap * 1e3, bwrap / native);
    for (int inflight : {1, 64}) {
        double s = run(Backend::Native, calls, inflight);
        std::printf("native, %d in flight: %.0f calls/s\n", inflight, calls / s);
    }
    Warm one = warm(1, 2000);
    std::printf("warm session (native): Python cell round trip median %.3f ms, shell call median %.2f ms\n", one.py_median * 1e3,
                one.sh_median * 1e3);
    Warm many = warm(64, 100);
    std::printf("warm Python cells per second: 1 session %.0f/s, 64 sessions %.0f/s (includes starting the 64 sessions)\n", one.rate,
                many.rate);
    return 0;
}
