// A real general task (difficulty 2) for store tests: rows made by the generator itself.
#pragma once

#include <cstdint>

#include "envgen/kind.hpp"

namespace envforge::testing {

inline Task general_task(uint64_t seed) {
    SynthRequest req;
    req.seed = seed;
    req.difficulty = 2;
    return require_kind("general").synthesize(req);
}

}  // namespace envforge::testing
