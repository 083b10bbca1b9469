#include "sandbox/zygote.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "common/errors.hpp"
#include "sandbox/session_impl.hpp"

namespace envforge::sandbox {

namespace asio = boost::asio;

asio::awaitable<std::unique_ptr<Zygote>> Zygote::start(Sandbox& sandbox, std::string workdir, Limits limits,
                                                       std::vector<std::string> preload) {
    std::string modules;
    for (const auto& m : preload) modules += (modules.empty() ? "" : ",") + m;
    // One BLAS thread: a forked child keeps only the thread that forked, and sandboxed
    // sessions have little CPU to spread anyway.
    std::vector<std::string> env = {"ENVFORGE_ZYGOTE=1", "ENVFORGE_PRELOAD=" + modules, "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1",
                                    "MKL_NUM_THREADS=1"};
    std::unique_ptr<Zygote> z(new Zygote);
    z->control_ = co_await Session::start(sandbox, std::move(workdir), limits, std::move(env));
    co_return z;
}

Zygote::~Zygote() = default;

bool Zygote::alive() const { return control_ && control_->alive(); }

void Zygote::kill() {
    if (control_ && control_->alive()) control_->impl_->end("the warm sandbox was ended");
}

asio::awaitable<std::unique_ptr<Session>> Zygote::fork(Limits limits) {
    if (!alive()) throw SandboxError("the warm sandbox is gone");
    Session::Impl& ctl = *control_->impl_;
    Fields req;
    req.emplace_back("op", "fork");
    req.emplace_back("cpu", std::to_string(limits.cpu_seconds));
    int fd = -1;
    auto reply = co_await ctl.call(std::move(req), std::chrono::seconds(10), &fd);
    struct stat st {};
    if (!reply || field(*reply, "forked").empty() || fd < 0 || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        if (fd >= 0) ::close(fd);
        kill();
        throw SandboxError("the warm sandbox did not fork a session" + (reply ? " (" + field(*reply, "exception") + ")" : std::string()));
    }
    ++sessions_;
    // A session that will not stop ends the warm sandbox: the zygote cannot kill a process that
    // ignores it without ending its sandbox, and the next episode must not meet it.
    std::weak_ptr<Session::Impl> weak = control_->impl_;
    auto s = Session::adopt(ctl.io, fd, limits, limits.wall_seconds, [weak] {
        if (auto c = weak.lock(); c && !c->lost) c->end("a session of the warm sandbox was lost");
    });
    co_return s;
}

void Zygote::begin_release() {
    if (!alive() || !pending_release_.empty()) return;
    Fields req;
    req.emplace_back("op", "release");
    pending_release_ = control_->impl_->post_now(std::move(req));
}

asio::awaitable<bool> Zygote::release(std::chrono::milliseconds wait) {
    if (!alive()) co_return false;
    std::optional<Fields> reply;
    if (!pending_release_.empty()) {
        reply = co_await control_->impl_->await_reply(std::exchange(pending_release_, std::string()), wait);
    } else {
        Fields req;
        req.emplace_back("op", "release");
        reply = co_await control_->impl_->call(std::move(req), wait);
    }
    if (reply && field(*reply, "released") == "1") co_return true;
    kill();
    co_return false;
}

}  // namespace envforge::sandbox
