// A Sandbox's slots: host uids leased in blocks across every envforge process on the machine,
// and a pool that hands out free slots to waiting calls without polling.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace boost::asio {
class io_context;
}

namespace envforge::sandbox {

inline constexpr uid_t kFirstSlotUid = 2'000'000;
inline constexpr int kBlockSlots = 64;
// Uids 2,000,000 up to 3,024,000: room for 16,000 sandboxes (of 64 slots) at once on one host.
inline constexpr int kHostBlocks = 16'000;

// The directory of the lease files: $ENVFORGE_LOCK_DIR when set, else /run/lock/envforge for
// root (the same for every process on the host) or /tmp/envforge-locks-<euid>.
std::string lease_dir();

// One block of kBlockSlots host uids, held for the object's life. The lease is an flock on
// <lease_dir>/uid-block-N: exclusive across processes, and released by the kernel when the holder
// dies, kill -9 included, so a crashed envforge never strands a block.
class UidBlockLease {
public:
    // Leases the first free block from `preferred` on. Throws SandboxError when the lease
    // directory is unsafe (not ours, writable by others, a symlink) or every block is taken.
    explicit UidBlockLease(int preferred);
    ~UidBlockLease();
    UidBlockLease(const UidBlockLease&) = delete;
    UidBlockLease& operator=(const UidBlockLease&) = delete;

    int block() const { return block_; }
    uid_t first_uid() const { return kFirstSlotUid + static_cast<uid_t>(block_) * kBlockSlots; }

private:
    int fd_ = -1;
    int block_ = -1;
};

// Busy flags for n slots; acquire() waits for a release when all are busy (a timer per waiter,
// cancelled by release), never polls.
class SlotPool {
public:
    SlotPool(boost::asio::io_context& io, size_t n);
    ~SlotPool();
    size_t size() const;
    boost::asio::awaitable<size_t> acquire();
    void release(size_t slot);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace envforge::sandbox
