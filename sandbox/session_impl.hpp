// The channel to an in-sandbox agent, shared by a session and the zygote that forks sessions
// (sandbox/zygote.cpp). Internal to sandbox/: nothing outside includes it.
#pragma once

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/utf8.hpp"
#include "sandbox/session.hpp"
#include "sandbox/session_frame.hpp"

namespace envforge::sandbox {

namespace session_detail {

// Keeps the first and last `limit / 2` bytes of `s` (cut on UTF-8 character boundaries) with a
// marker between them; returns true when it cut. The agent caps its own output, but the agent
// shares its process with the code it runs, so the supervisor enforces the bound again.
inline bool cap_text(std::string& s, size_t limit) {
    if (s.size() <= limit + 128) return false;  // slack for the agent's own marker
    const size_t head = utf8_boundary(s, limit / 2);
    const size_t tail = utf8_boundary(s, s.size() - (limit - limit / 2));
    s = s.substr(0, head) + "\n[... " + std::to_string(tail - head) + " bytes dropped ...]\n" + s.substr(tail);
    return true;
}

// Replies the supervisor throws away before it gives up on a session: a cell that writes frames
// of its own can make a few, a flood means the channel is no longer the agent's.
constexpr int kMaxStrayReplies = 16;

// recvmsg of up to `n` bytes into `buf`, keeping the first descriptor passed with them in `fd`
// (others are closed). Returns what recvmsg returns; never blocks.
ssize_t recv_with_fd(int sock, char* buf, size_t n, int& fd);

}  // namespace session_detail

struct Session::Impl {
    using Clock = std::chrono::steady_clock;
    boost::asio::io_context& io;
    boost::asio::local::stream_protocol::socket sock;
    Limits limits;
    std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
    bool done = false, lost = false;
    std::string lost_reason;  // why the session ended, for the cell that found out
    uint64_t next_id = 0;
    Result result;
    std::shared_ptr<boost::asio::steady_timer> finished;  // fires when the sandbox call returns
    // A session forked by a zygote has no sandbox call of its own: its life ends at `deadline`,
    // and losing it (a cell that would not stop) ends the zygote's sandbox through `on_lost`.
    bool forked = false;
    Clock::time_point deadline = Clock::time_point::max();
    std::function<void()> on_lost;

    Impl(boost::asio::io_context& ctx, Limits l) : io(ctx), sock(ctx), limits(l) {}

    // Ends the session: its sandbox is killed, its channel closed.
    void end(std::string why) {
        if (!lost) lost_reason = std::move(why);
        lost = true;
        if (forked) {
            if (on_lost) std::exchange(on_lost, nullptr)();
        } else {
            cancel->cancel();
        }
        boost::system::error_code ec;
        sock.close(ec);
    }

    // Reads one frame; nullopt on EOF or error, and on a frame that breaks the protocol (too
    // long, or not whole key/value pairs), which also ends the session. The length prefix comes
    // from untrusted code: it is checked before anything is allocated. With `fd`, a descriptor
    // sent with the frame's first bytes is kept there.
    boost::asio::awaitable<std::optional<Fields>> read_frame(int* fd = nullptr) {
        namespace asio = boost::asio;
        std::array<char, 4> len{};  // (a plain array in a coroutine frame trips GCC 12)
        if (!fd) {
            auto [ec, n] = co_await asio::async_read(sock, asio::buffer(len), asio::as_tuple(asio::use_awaitable));
            if (ec) co_return std::nullopt;
        } else {
            for (size_t got = 0; got < len.size();) {
                auto [ec] = co_await sock.async_wait(asio::socket_base::wait_read, asio::as_tuple(asio::use_awaitable));
                if (ec) co_return std::nullopt;
                const ssize_t n = session_detail::recv_with_fd(sock.native_handle(), len.data() + got, len.size() - got, *fd);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) co_return std::nullopt;
                if (n > 0) got += static_cast<size_t>(n);
            }
        }
        const uint32_t size = frame_length(len.data());
        if (size > limits.frame_bytes) {
            end("session_lost: the sandbox sent a " + std::to_string(size) + "-byte frame (limit " + std::to_string(limits.frame_bytes) +
                ")");
            co_return std::nullopt;
        }
        std::string body(size, '\0');
        auto [ec2, n2] = co_await asio::async_read(sock, asio::buffer(body), asio::as_tuple(asio::use_awaitable));
        if (ec2) co_return std::nullopt;
        auto fields = decode_frame_body(body);
        if (!fields) end("session_lost: the sandbox sent a malformed frame");
        co_return fields;
    }

    // Reads frames until the reply to request `id`; replies to other ids (stale, or written by
    // the cell itself) are dropped, so a forged frame can never shift later replies.
    boost::asio::awaitable<std::optional<Fields>> read_reply(std::string id, int* fd) {
        for (int stray = 0; stray <= session_detail::kMaxStrayReplies; ++stray) {
            auto frame = co_await read_frame(fd);
            if (!frame || field(*frame, "id") == id) co_return frame;
        }
        end("session_lost: the sandbox sent more than " + std::to_string(session_detail::kMaxStrayReplies) + " unrequested frames");
        co_return std::nullopt;
    }

    // Sends a request and waits for its reply until `deadline`; then the session is killed.
    boost::asio::awaitable<std::optional<Fields>> call(Fields req, std::chrono::milliseconds wait, int* fd = nullptr) {
        namespace asio = boost::asio;
        const std::string id = std::to_string(++next_id);
        req.emplace_back("id", id);
        const std::string frame = encode_frame(req);
        auto [ec, n] = co_await asio::async_write(sock, asio::buffer(frame), asio::as_tuple(asio::use_awaitable));
        if (ec) co_return std::nullopt;
        co_return co_await await_reply(id, wait, fd);
    }

    // Sends a small request now, without waiting: its id, or "" when the whole frame could not
    // be written at once (a part written ends the session, the stream being no longer framed).
    std::string post_now(Fields req) {
        const std::string id = std::to_string(++next_id);
        req.emplace_back("id", id);
        const std::string frame = encode_frame(req);
        const ssize_t n = ::send(sock.native_handle(), frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(frame.size())) return id;
        if (n > 0) end("session_lost: a request could not be written whole");
        return "";
    }

    // Waits for the reply to request `id` until `wait` has passed; then the session is killed.
    boost::asio::awaitable<std::optional<Fields>> await_reply(std::string id, std::chrono::milliseconds wait, int* fd = nullptr) {
        namespace asio = boost::asio;
        using namespace asio::experimental::awaitable_operators;
        asio::steady_timer timer(io, wait);
        auto outcome = co_await (read_reply(id, fd) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (outcome.index() == 0) co_return std::get<0>(outcome);
        // Escalation: the agent did not answer even after its KeyboardInterrupt.
        end("session_lost: the session did not respond within its time limit and was killed");
        co_return std::nullopt;
    }

    boost::asio::awaitable<CellResult> run_cell(const char* op, std::string code, double timeout);
};

}  // namespace envforge::sandbox
