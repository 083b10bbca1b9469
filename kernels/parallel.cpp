#include "kernels/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace envforge::kernels {
namespace {

thread_local bool t_in_pool = false;

// One job at a time: workers sleep on a condition variable between jobs and take chunks from an
// atomic counter during one, so an uneven chunk never idles the other threads.
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

    void run(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn) {
        std::unique_lock lock(mu_);
        fn_ = &fn;
        n_ = n;
        chunk_ = chunk;
        next_.store(0);
        active_ = static_cast<int>(workers_.size());
        ++generation_;
        lock.unlock();
        wake_.notify_all();
        t_in_pool = true;
        take_chunks();
        t_in_pool = false;
        lock.lock();
        done_.wait(lock, [&] { return active_ == 0; });
        fn_ = nullptr;
    }

private:
    void take_chunks() {
        for (;;) {
            const int64_t b = next_.fetch_add(chunk_);
            if (b >= n_) return;
            (*fn_)(b, std::min(n_, b + chunk_));
        }
    }

    void work() {
        t_in_pool = true;
        uint64_t seen = 0;
        for (;;) {
            {
                std::unique_lock lock(mu_);
                wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
                if (quit_) return;
                seen = generation_;
            }
            take_chunks();
            std::lock_guard lock(mu_);
            if (--active_ == 0) done_.notify_one();
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
    int64_t n_ = 0, chunk_ = 1;
    std::atomic<int64_t> next_{0};
    int active_ = 0;
    uint64_t generation_ = 0;
    bool quit_ = false;
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
