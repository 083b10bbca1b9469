#include "sandbox/session.hpp"

#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>

#include "common/errors.hpp"
#include "sandbox/session_agent.hpp"
#include "sandbox/session_impl.hpp"

namespace envforge::sandbox {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

ssize_t session_detail::recv_with_fd(int sock, char* buf, size_t n, int& fd) {
    struct iovec iov {
        buf, n
    };
    alignas(struct cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t got = ::recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (got < 0) return got;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int passed;
            std::memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (fd < 0) fd = passed;
            else ::close(passed);
        }
    }
    return got;
}

asio::awaitable<CellResult> Session::Impl::run_cell(const char* op, std::string code, double timeout) {
    CellResult r;
    const auto t0 = Clock::now();
    if (forked && !lost && t0 >= deadline) end("session_lost: the episode's wall time is spent");
    if (done || lost) {
        r.session_lost = true;
        r.exception = lost_reason.empty() ? "session_lost: the session is no longer running" : lost_reason;
        co_return r;
    }
    auto grace = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000) + 2000);
    if (forked) grace = std::min(grace, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - t0));
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
        if (session_detail::cap_text(*text, limits.output_bytes)) r.truncated = true;
    if (r.cwd.size() > 4096) r.cwd.resize(4096);
    co_return r;
}

Session::Session(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Session::~Session() {
    if (!impl_) return;
    if (impl_->forked) {
        // The forked agent sees its channel close and exits; whatever it left running goes at
        // the zygote's next release.
        boost::system::error_code ec;
        impl_->sock.close(ec);
    } else if (!impl_->done) {
        impl_->cancel->cancel();
    }
}

std::unique_ptr<Session> Session::adopt(asio::io_context& io, int fd, Limits limits, double wall_seconds, std::function<void()> on_lost) {
    auto impl = std::make_shared<Impl>(io, limits);
    impl->sock.assign(asio::local::stream_protocol(), fd);
    impl->forked = true;
    impl->on_lost = std::move(on_lost);
    impl->deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wall_seconds));
    impl->result.reason = Reason::Exit;
    impl->result.exit_code = 0;
    return std::unique_ptr<Session>(new Session(std::move(impl)));
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
    if (impl_->forked) {
        impl_->sock.close(ec);
        co_return impl_->result;
    }
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
