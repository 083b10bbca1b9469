// One shard of a job split over N machines (`--shard i/N`). The partition is a pure function of
// the task id, so every machine, scheduler and rerun agrees on which shard owns a task without
// talking to the others; synthesis, which makes the ids, is split by its request index instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace envforge {

struct Shard {
    uint32_t index = 0;  // 0-based
    uint32_t count = 1;  // 1: the whole job

    bool whole() const { return count == 1; }
    // The shard that owns task `id`: the first 8 bytes of SHA-256(id), big-endian, modulo count.
    // Hashing (rather than reading the hex of a content id) spreads imported tasks with any ids.
    bool owns_task(std::string_view id) const;
    // Synthesis request `i` belongs to shard i mod count.
    bool owns_index(size_t i) const { return i % count == index; }
    std::string name() const { return std::to_string(index) + "/" + std::to_string(count); }
};

uint32_t shard_of(std::string_view task_id, uint32_t count);

// Parses "i/N" with 0 <= i < N <= 65536; throws InvalidInput naming `flag` otherwise.
Shard parse_shard(std::string_view text, std::string_view flag = "--shard");

}  // namespace envforge
