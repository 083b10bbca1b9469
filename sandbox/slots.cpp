#include "sandbox/slots.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/errors.hpp"
#include "sandbox/sandbox.hpp"

namespace envforge::sandbox {

namespace asio = boost::asio;

namespace {

std::mutex g_used_mu;
std::vector<std::pair<uint32_t, uint32_t>> g_used;  // every range this process has leased

// Makes the lease directory (0700) and checks that nobody else can plant files in it.
void check_lease_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        throw SandboxError("sandbox lease directory '" + dir + "': " + std::strerror(errno));
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw SandboxError("sandbox lease directory '" + dir + "' is not a directory (a symlink?)");
    if (st.st_uid != ::geteuid() || (st.st_mode & 022) != 0)
        throw SandboxError("sandbox lease directory '" + dir + "' belongs to uid " + std::to_string(st.st_uid) +
                           " or is writable by others; remove it or set ENVFORGE_LOCK_DIR");
}

}  // namespace

std::string lease_dir() {
    if (const char* env = std::getenv("ENVFORGE_LOCK_DIR"); env && *env) return env;
    if (::geteuid() == 0 && ::access("/run/lock", W_OK) == 0) return "/run/lock/envforge";
    return "/tmp/envforge-locks-" + std::to_string(::geteuid());
}

UidBlockLease::UidBlockLease(int preferred) {
    const std::string dir = lease_dir();
    check_lease_dir(dir);
    const int start = ((preferred % kHostBlocks) + kHostBlocks) % kHostBlocks;
    for (int i = 0; i < kHostBlocks; ++i) {
        const int block = (start + i) % kHostBlocks;
        const std::string path = dir + "/uid-block-" + std::to_string(block);
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) throw SandboxError("sandbox lease '" + path + "': " + std::strerror(errno));
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            fd_ = fd;
            block_ = block;
            std::lock_guard lock(g_used_mu);
            g_used.emplace_back(first_uid(), first_uid() + kBlockSlots);
            return;
        }
        const int err = errno;
        ::close(fd);
        if (err != EWOULDBLOCK) throw SandboxError("sandbox lease '" + path + "': flock: " + std::strerror(err));
    }
    throw SandboxError("sandbox: all " + std::to_string(kHostBlocks) + " uid blocks of this host are leased");
}

UidBlockLease::~UidBlockLease() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
}

std::vector<std::pair<uint32_t, uint32_t>> slot_uid_ranges_used() {
    std::lock_guard lock(g_used_mu);
    return g_used;
}

struct SlotPool::Impl {
    asio::io_context& io;
    std::vector<bool> busy;
    std::vector<std::shared_ptr<asio::steady_timer>> waiters;
};

SlotPool::SlotPool(asio::io_context& io, size_t n) : impl_(std::make_unique<Impl>(Impl{io, std::vector<bool>(n, false), {}})) {}
SlotPool::~SlotPool() = default;
size_t SlotPool::size() const { return impl_->busy.size(); }

asio::awaitable<size_t> SlotPool::acquire() {
    for (;;) {
        for (size_t i = 0; i < impl_->busy.size(); ++i)
            if (!impl_->busy[i]) {
                impl_->busy[i] = true;
                co_return i;
            }
        auto timer = std::make_shared<asio::steady_timer>(impl_->io, asio::steady_timer::time_point::max());
        impl_->waiters.push_back(timer);
        co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));  // cancelled by release()
    }
}

void SlotPool::release(size_t slot) {
    impl_->busy[slot] = false;
    // Every waiter retries: one whose coroutine was destroyed meanwhile must not swallow the wake.
    for (auto& t : std::exchange(impl_->waiters, {})) t->cancel();
}

}  // namespace envforge::sandbox
