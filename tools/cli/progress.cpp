#include "tools/cli/progress.hpp"

#include <cstdio>

#include <unistd.h>

namespace envforge::cli {

using Clock = std::chrono::steady_clock;

Progress::Progress(std::string label, int64_t total, bool quiet)
    : label_(std::move(label)), total_(total), tty_(isatty(STDERR_FILENO) != 0), quiet_(quiet), start_(Clock::now()), last_draw_(start_) {}

double Progress::elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void Progress::tick(int64_t n, bool failed) {
    done_ += n;
    if (failed) failed_ += n;
    if (quiet_) return;
    auto now = Clock::now();
    if (tty_) {
        if (now - last_draw_ > std::chrono::milliseconds(80) || done_ == total_) {
            last_draw_ = now;
            draw(false);
        }
    } else if (total_ > 0) {
        int quarter = static_cast<int>(4 * done_ / total_);
        if (quarter > last_quarter_ && done_ < total_) {
            last_quarter_ = quarter;
            draw(false);
        }
    }
}

void Progress::draw(bool final) {
    const double secs = elapsed();
    const double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
    char tail[192];
    std::snprintf(tail, sizeof tail, " %lld/%lld  %.1f/s  %.0fs%s%s%s", static_cast<long long>(done_), static_cast<long long>(total_), rate,
                  secs, failed_ ? "  (failures)" : "", note_.empty() ? "" : "  ", note_.c_str());
    if (tty_) {
        const int width = 28;
        int filled = total_ > 0 ? static_cast<int>(width * done_ / total_) : width;
        std::string bar(static_cast<size_t>(filled), '#');
        bar.resize(width, '.');
        std::fprintf(stderr, "\r%s [%s]%s\x1b[K%s", label_.c_str(), bar.c_str(), tail, final ? "\n" : "");
    } else {
        std::fprintf(stderr, "%s:%s\n", label_.c_str(), tail);
    }
    std::fflush(stderr);
}

void Progress::finish() {
    if (finished_ || quiet_) return;
    finished_ = true;
    draw(true);
}

}  // namespace envforge::cli
