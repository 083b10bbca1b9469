// A seeded, portable random generator (SplitMix64). The standard distributions are
// implementation-defined, so synthesis uses only these helpers to stay byte-identical everywhere.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace envforge {

class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n) by multiply-shift (n > 0).
    uint64_t below(uint64_t n) {
        __extension__ using u128 = unsigned __int128;
        return static_cast<uint64_t>((static_cast<u128>(next()) * n) >> 64);
    }
    // Uniform integer in [lo, hi].
    int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1))); }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }

    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[below(v.size())];
    }
    template <class T, size_t N>
    const T& pick(const T (&a)[N]) {
        return a[below(N)];
    }

    template <class T>
    void shuffle(std::vector<T>& v) {
        for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }

private:
    uint64_t state_;
};

// Derives an independent seed from a base seed and a label or index (stable across machines).
inline uint64_t mix_seed(uint64_t base, uint64_t index) {
    Rng r(base ^ (index * 0xd1b54a32d192ed03ULL));
    r.next();
    return r.next();
}
inline uint64_t mix_seed(uint64_t base, std::string_view label) {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (char c : label) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return mix_seed(base, h);
}

// The stream of one generation stage, derived from the task's seed and the stage's name: a
// stage's draws never depend on how many draws the stages before it made, so one stage can be
// refactored (or draw more) without changing what the others generate.
inline Rng stage_rng(uint64_t seed, std::string_view stage) { return Rng(mix_seed(seed, stage)); }

}  // namespace envforge
