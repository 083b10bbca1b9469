#include "kernels/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace envforge::kernels {
namespace {

thread_local bool t_in_pool = false;

// One job at a time: workers take chunks from an atomic counter, so an uneven chunk never idles
// the other threads. Between jobs they spin briefly before sleeping on a condition variable: a
// decode step issues a job every few tens of microseconds, and a futex wake-up per job cost
// about a tenth of the step.
class Pool {
public:
    explicit Pool(int n) { resize(n); }
    ~Pool() { stop(); }

    int size() const { return static_cast<int>(workers_.size()) + 1; }

    void resize(int n) {
        stop();
        quit_ = false;
        for (int i = 1; i < n; ++i) workers_.emplace_back([this] { work(); });
    }

    // Runs fn over [0, n). The first exception any thread throws stops the handing out of chunks
    // and is rethrown here once every thread has left fn: nothing uses fn after run() returns.
    void run(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn) {
        fn_ = &fn;
        error_ = nullptr;
        n_ = n;
        chunk_ = chunk;
        next_.store(0, std::memory_order_relaxed);
        active_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
        {
            std::lock_guard lock(mu_);
            generation_.fetch_add(1, std::memory_order_release);
        }
        wake_.notify_all();
        t_in_pool = true;
        take_chunks();
        t_in_pool = false;
        for (int spin = 0; active_.load(std::memory_order_acquire) != 0; ++spin) {
            if (spin < kSpins) {
                pause();
                continue;
            }
            std::unique_lock lock(mu_);
            done_.wait(lock, [&] { return active_.load(std::memory_order_acquire) == 0; });
        }
        fn_ = nullptr;
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    }

private:
    static constexpr int kSpins = 20000;  // about 100 µs of pause instructions

    static void pause() {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
    }

    void take_chunks() {
        for (;;) {
            const int64_t b = next_.fetch_add(chunk_, std::memory_order_relaxed);
            if (b >= n_) return;
            try {
                (*fn_)(b, std::min(n_, b + chunk_));
            } catch (...) {
                std::lock_guard lock(error_mu_);
                if (!error_) error_ = std::current_exception();
                next_.store(n_, std::memory_order_relaxed);  // no more chunks for anyone
                return;
            }
        }
    }

    void work() {
        t_in_pool = true;
        uint64_t seen = 0;
        for (;;) {
            int spin = 0;
            while (generation_.load(std::memory_order_acquire) == seen && !quit_.load(std::memory_order_relaxed)) {
                if (spin++ < kSpins) {
                    pause();
                    continue;
                }
                std::unique_lock lock(mu_);
                wake_.wait(lock, [&] { return quit_.load() || generation_.load() != seen; });
            }
            if (quit_.load()) return;
            seen = generation_.load(std::memory_order_acquire);
            take_chunks();
            if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                std::lock_guard lock(mu_);
                done_.notify_one();
            }
        }
    }

    void stop() {
        {
            std::lock_guard lock(mu_);
            quit_ = true;
        }
        wake_.notify_all();
        for (auto& t : workers_) t.join();
        workers_.clear();
    }

    std::vector<std::thread> workers_;
    std::mutex mu_;
    std::condition_variable wake_, done_;
    const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
    std::mutex error_mu_;
    std::exception_ptr error_;  // the first exception of the current job
    int64_t n_ = 0, chunk_ = 1;
    std::atomic<int64_t> next_{0};
    std::atomic<int> active_{0};
    std::atomic<uint64_t> generation_{0};
    std::atomic<bool> quit_{false};
};

int default_threads() {
    if (const char* env = std::getenv("ENVFORGE_THREADS")) {
        const int n = std::atoi(env);
        if (n > 0) return std::min(n, 256);
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

std::mutex g_pool_mu;  // serialises jobs from different caller threads

Pool& pool() {
    static Pool p(default_threads());
    return p;
}

}  // namespace

int n_threads() { return pool().size(); }

void set_threads(int n) {
    std::lock_guard lock(g_pool_mu);
    pool().resize(std::max(1, n));
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    const int threads = t_in_pool ? 1 : n_threads();
    if (threads == 1 || n <= grain) {
        fn(0, n);
        return;
    }
    // About four chunks per thread balance uneven work without much counter traffic.
    const int64_t chunk = std::max(grain, (n + threads * 4 - 1) / (threads * 4));
    std::lock_guard lock(g_pool_mu);
    pool().run(n, chunk, fn);
}

}  // namespace envforge::kernels
