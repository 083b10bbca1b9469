// Progress reporting: a redrawn bar on a terminal, a few plain lines otherwise (CI logs).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace envforge::cli {

class Progress {
public:
    Progress(std::string label, int64_t total, bool quiet = false);
    void tick(int64_t n = 1, bool failed = false);
    void finish();
    double elapsed() const;
    // More work than announced (synthesis replacing duplicate tasks).
    void extend(int64_t n) { total_ += n; }
    // Shown after the counts ("1234 tokens generated").
    void set_note(std::string note) { note_ = std::move(note); }
    // Redraws on a terminal (elapsed time and rate move on between ticks); nothing otherwise.
    void redraw() {
        if (tty_ && !quiet_ && !finished_) draw(false);
    }

private:
    void draw(bool final);
    std::string label_, note_;
    int64_t total_, done_ = 0, failed_ = 0;
    bool tty_, quiet_, finished_ = false;
    int last_quarter_ = 0;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace envforge::cli
