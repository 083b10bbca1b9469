#include "sandbox/session.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/errors.hpp"
#include "common/utf8.hpp"
#include "sandbox/session_agent.hpp"
#include "sandbox/session_frame.hpp"

namespace envforge::sandbox {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

// Keeps the first and last `limit / 2` bytes of `s` (cut on UTF-8 character boundaries) with a
// marker between them; returns true when it cut. The agent caps its own output, but the agent
// shares its process with the code it runs, so the supervisor enforces the bound again.
bool cap_text(std::string& s, size_t limit) {
    if (s.size() <= limit + 128) return false;  // slack for the agent's own marker
    const size_t head = utf8_boundary(s, limit / 2);
    const size_t tail = utf8_boundary(s, s.size() - (limit - limit / 2));
    s = s.substr(0, head) + "\n[... " + std::to_string(tail - head) + " bytes dropped ...]\n" + s.substr(tail);
    return true;
}

// Replies the supervisor throws away before it gives up on a session: a cell that writes frames
// of its own can make a few, a flood means the channel is no longer the agent's.
constexpr int kMaxStrayReplies = 16;

}  // namespace

struct Session::Impl {
    asio::io_context& io;
    asio::local::stream_protocol::socket sock;
    Limits limits;
    std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
    bool done = false, lost = false;
    std::string lost_reason;  // why the session ended, for the cell that found out
    uint64_t next_id = 0;
    Result result;
    std::shared_ptr<asio::steady_timer> finished;  // fires when the sandbox call returns

    Impl(asio::io_context& ctx, Limits l) : io(ctx), sock(ctx), limits(l) {}

    // Ends the session: its sandbox is killed, its channel closed.
    void end(std::string why) {
        if (!lost) lost_reason = std::move(why);
        lost = true;
        cancel->cancel();
        boost::system::error_code ec;
        sock.close(ec);
    }

    // Reads one frame; nullopt on EOF or error, and on a frame that breaks the protocol (too
    // long, or not whole key/value pairs), which also ends the session. The length prefix comes
    // from untrusted code: it is checked before anything is allocated.
    asio::awaitable<std::optional<Fields>> read_frame() {
        std::array<char, 4> len{};  // (a plain array in a coroutine frame trips GCC 12)
        auto [ec, n] = co_await asio::async_read(sock, asio::buffer(len), asio::as_tuple(asio::use_awaitable));
        if (ec) co_return std::nullopt;
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
    asio::awaitable<std::optional<Fields>> read_reply(std::string id) {
        for (int stray = 0; stray <= kMaxStrayReplies; ++stray) {
            auto frame = co_await read_frame();
            if (!frame || field(*frame, "id") == id) co_return frame;
        }
        end("session_lost: the sandbox sent more than " + std::to_string(kMaxStrayReplies) + " unrequested frames");
        co_return std::nullopt;
    }

    // Sends a request and waits for its reply until `deadline`; then the session is killed.
    asio::awaitable<std::optional<Fields>> call(Fields req, std::chrono::milliseconds deadline) {
        const std::string id = std::to_string(++next_id);
        req.emplace_back("id", id);
        const std::string frame = encode_frame(req);
        auto [ec, n] = co_await asio::async_write(sock, asio::buffer(frame), asio::as_tuple(asio::use_awaitable));
        if (ec) co_return std::nullopt;
        asio::steady_timer timer(io, deadline);
        auto outcome = co_await (read_reply(id) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (outcome.index() == 0) co_return std::get<0>(outcome);
        // Escalation: the agent did not answer even after its KeyboardInterrupt.
        end("session_lost: the session did not respond within its time limit and was killed");
        co_return std::nullopt;
    }

    asio::awaitable<CellResult> run_cell(const char* op, std::string code, double timeout) {
        CellResult r;
        const auto t0 = Clock::now();
        if (done || lost) {
            r.session_lost = true;
            r.exception = lost_reason.empty() ? "session_lost: the session is no longer running" : lost_reason;
            co_return r;
        }
        auto grace = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000) + 2000);
        Fields req;  // built first: a braced list inside co_await trips GCC 12
        req.emplace_back("op", op);
        req.emplace_back("code", std::move(code));
        req.emplace_back("timeout", std::to_string(timeout));
        auto reply = co_await call(std::move(req), grace);
        r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        if (!reply) {
            if (!lost) end("session_lost: the session ended");
            r.session_lost = true;
            r.timed_out = lost_reason.find("time limit") != std::string::npos;
            r.exception = lost_reason;
            co_return r;
        }
        r.out = field(*reply, "stdout");
        r.err = field(*reply, "stderr");
        r.exception = field(*reply, "exception");
        r.exit_code = std::atoi(field(*reply, "exit_code").c_str());
        r.timed_out = field(*reply, "timed_out") == "1";
        r.truncated = field(*reply, "truncated") == "1";
        r.cwd = field(*reply, "cwd");
        for (std::string* text : {&r.out, &r.err, &r.exception})
            if (cap_text(*text, limits.output_bytes)) r.truncated = true;
        if (r.cwd.size() > 4096) r.cwd.resize(4096);
        co_return r;
    }
};

Session::Session(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Session::~Session() {
    if (impl_ && !impl_->done) impl_->cancel->cancel();
}

asio::awaitable<std::unique_ptr<Session>> Session::start(Sandbox& sandbox, std::string workdir, Limits limits,
                                                         std::vector<std::string> env) {
    auto& io = static_cast<asio::io_context&>((co_await asio::this_coro::executor).context());
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw SandboxError("session: socketpair failed");
    auto impl = std::make_shared<Impl>(io, limits);
    impl->sock.assign(asio::local::stream_protocol(), fds[0]);
    Request req;
    req.argv = {"/usr/bin/python3", "-I", "-c", kSessionAgent};
    req.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
               "HOME=/workspace",
               "LANG=C.UTF-8",
               "PYTHONDONTWRITEBYTECODE=1",
               "GIT_TERMINAL_PROMPT=0",
               "DEBIAN_FRONTEND=noninteractive",
               "ENVFORGE_CELL_OUTPUT=" + std::to_string(limits.output_bytes)};
    for (auto& e : env) req.env.push_back(std::move(e));
    req.workdir = std::move(workdir);
    req.cwd = req.workdir.empty() ? "/tmp" : "/workspace";
    req.limits = limits;
    req.session_fd = fds[1];
    req.cancel = impl->cancel;
    impl->finished = std::make_shared<asio::steady_timer>(io, Clock::time_point::max());
    asio::co_spawn(io, sandbox.run(std::move(req)), [impl](std::exception_ptr error, Result r) {
        // run() reports what the program did as a Result; an exception is our failure (no
        // memory, a bug) and is kept as the setup error, never dropped.
        if (error) {
            r.reason = Reason::SetupError;
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                r.setup_error = std::string("the sandbox call failed: ") + e.what();
            } catch (...) {
                r.setup_error = "the sandbox call failed";
            }
        }
        impl->result = std::move(r);
        impl->done = true;
        impl->finished->cancel();
    });
    std::unique_ptr<Session> s(new Session(impl));
    asio::steady_timer timer(io, std::chrono::seconds(20));
    auto ready = co_await (s->impl_->read_frame() || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (ready.index() != 0 || !std::get<0>(ready) || field(*std::get<0>(ready), "ready") != "1") {
        s->impl_->lost = true;
        s->impl_->cancel->cancel();
        // Wait for the sandbox call to end so its setup error can be reported.
        co_await s->impl_->finished->async_wait(asio::as_tuple(asio::use_awaitable));
        throw SandboxError("session: the agent did not start (" + std::string(reason_name(s->impl_->result.reason)) +
                           (s->impl_->result.setup_error.empty() ? "" : ": " + s->impl_->result.setup_error) + ") " +
                           s->impl_->result.err.text().substr(0, 300));
    }
    co_return s;
}

asio::awaitable<CellResult> Session::python(std::string code, double timeout_seconds) {
    return impl_->run_cell("python", std::move(code), timeout_seconds);
}

asio::awaitable<CellResult> Session::shell(std::string command, double timeout_seconds) {
    return impl_->run_cell("shell", std::move(command), timeout_seconds);
}

bool Session::alive() const { return !impl_->done && !impl_->lost; }

asio::awaitable<Result> Session::close() {
    boost::system::error_code ec;
    impl_->sock.shutdown(asio::socket_base::shutdown_send, ec);
    if (!impl_->done) {
        asio::steady_timer grace(impl_->io, std::chrono::seconds(2));
        auto outcome = co_await (impl_->finished->async_wait(asio::as_tuple(asio::use_awaitable)) ||
                                 grace.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (outcome.index() == 1 && !impl_->done) {
            impl_->cancel->cancel();
            co_await impl_->finished->async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }
    co_return impl_->result;
}

}  // namespace envforge::sandbox
