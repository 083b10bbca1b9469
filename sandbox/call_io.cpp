#include "sandbox/call_io.hpp"

#include <signal.h>

#include <algorithm>
#include <array>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "sandbox/cgroups.hpp"

namespace envforge::sandbox {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

void Capture::add(const char* p, size_t n) {
    c.total += n;
    const size_t half = cap / 2;
    size_t take = std::min(n, half > c.head.size() ? half - c.head.size() : 0);
    c.head.append(p, take);
    p += take;
    n -= take;
    if (n == 0) return;
    c.tail.append(p, n);
    if (c.tail.size() > 2 * (cap - half)) c.tail.erase(0, c.tail.size() - (cap - half));
}

Captured Capture::finish() {
    const size_t keep = cap - cap / 2;
    if (c.tail.size() > keep) c.tail.erase(0, c.tail.size() - keep);
    c.truncated = c.total > c.head.size() + c.tail.size();
    return std::move(c);
}

asio::awaitable<void> supervise_call(asio::io_context& io, const LauncherProcess& proc, Request& req, SlotCgroups* cg, CallIo& call) {
    const Limits& L = req.limits;
    asio::posix::stream_descriptor out_s(io, proc.stdout_r), err_s(io, proc.stderr_r), status_s(io, proc.status_r), in_s(io, proc.stdin_w);
    CallEvents& ev = call.ev;
    bool finished = false;
    // Stop the sandbox by killing the launcher's child (reported as "pid N"), so the launcher
    // reaps it and nothing is orphaned; before that pid is known, or once the launcher has
    // reported its end (the child is reaped and its pid may be reused), kill the launcher.
    auto kill_launcher = [&] {
        const LauncherStatus st = parse_launcher_status(call.status_text);
        ::kill(st.child > 0 && !st.ended ? st.child : proc.pid, SIGKILL);
    };
    auto drain = [&](asio::posix::stream_descriptor& s, Capture* cap, std::string* plain) -> asio::awaitable<void> {
        std::array<char, 65536> buf;
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            if (n > 0) {
                if (cap) {
                    cap->add(buf.data(), n);
                    if (cap->c.total > L.output_kill_bytes && !ev.killed_output) {
                        ev.killed_output = true;
                        kill_launcher();
                    }
                } else if (plain->size() < 65536) {
                    plain->append(buf.data(), n);
                }
            }
            if (ec) co_return;
        }
    };
    // A program that exits without reading its stdin makes this write fail (EPIPE): not an error.
    auto feed = [&]() -> asio::awaitable<void> {
        if (!req.stdin_data.empty()) co_await asio::async_write(in_s, asio::buffer(req.stdin_data), asio::as_tuple(asio::use_awaitable));
        boost::system::error_code ignored;
        in_s.close(ignored);
    };
    if (req.cancel) {
        if (req.cancel->cancelled) kill_launcher();
        req.cancel->kill = [&] {
            ev.cancelled = true;
            if (!finished) kill_launcher();
        };
    }
    // The watchdog is a branch of the same parallel group as the I/O, so it has ended before
    // anything it refers to goes, and it can never signal a pid that was reaped.
    using Clock = std::chrono::steady_clock;
    asio::steady_timer watchdog(io, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(L.wall_seconds)));
    auto io_then_stop = [&]() -> asio::awaitable<void> {
        co_await (feed() && drain(out_s, &call.out, nullptr) && drain(err_s, &call.err, nullptr) &&
                  drain(status_s, nullptr, &call.status_text));
        finished = true;
        watchdog.cancel();
    };
    // When the first kill does not end the call within two seconds (a helper the launcher does
    // not know of holds our pipes), the launcher and everything in the slot's cgroup follow.
    auto guard = [&]() -> asio::awaitable<void> {
        for (int round = 0;; ++round) {
            auto [ec] = co_await watchdog.async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec || finished) co_return;
            ev.killed_wall = true;
            if (round == 0) kill_launcher();
            else {
                ::kill(proc.pid, SIGKILL);  // not reaped before this group ends: never a reused pid
                if (cg) cg->kill_leftovers();
            }
            watchdog.expires_after(std::chrono::seconds(2));
        }
    };
    co_await (io_then_stop() && guard());
    if (req.cancel) req.cancel->kill = nullptr;
}

}  // namespace envforge::sandbox
