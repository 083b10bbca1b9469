#include "common/shard.hpp"

#include <charconv>

#include "common/errors.hpp"
#include "common/sha256.hpp"

namespace envforge {

uint32_t shard_of(std::string_view task_id, uint32_t count) {
    if (count <= 1) return 0;
    const auto digest = sha256(task_id);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | digest[static_cast<size_t>(i)];
    return static_cast<uint32_t>(v % count);
}

bool Shard::owns_task(std::string_view id) const { return shard_of(id, count) == index; }

Shard parse_shard(std::string_view text, std::string_view flag) {
    const std::string what = std::string(flag) + " '" + std::string(text) + "': expected i/N with 0 <= i < N <= 65536 (e.g. 3/8)";
    const size_t slash = text.find('/');
    if (slash == std::string_view::npos) throw InvalidInput(what);
    auto number = [&](std::string_view s, uint32_t& out) {
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return !s.empty() && ec == std::errc() && end == s.data() + s.size();
    };
    Shard s;
    if (!number(text.substr(0, slash), s.index) || !number(text.substr(slash + 1), s.count) || s.count == 0 || s.count > 65536 ||
        s.index >= s.count)
        throw InvalidInput(what);
    return s;
}

}  // namespace envforge
