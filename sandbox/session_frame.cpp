#include "sandbox/session_frame.hpp"

namespace envforge::sandbox {

namespace {

void put_u32(std::string& s, uint32_t v) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t get_u32(const char* p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

}  // namespace

uint32_t frame_length(const char* p) { return get_u32(p); }

std::string encode_frame(const Fields& fields) {
    std::string body;
    for (const auto& [k, v] : fields) {
        put_u32(body, static_cast<uint32_t>(k.size()));
        body += k;
        put_u32(body, static_cast<uint32_t>(v.size()));
        body += v;
    }
    std::string frame;
    put_u32(frame, static_cast<uint32_t>(body.size()));
    return frame + body;
}

std::optional<Fields> decode_frame_body(std::string_view body) {
    Fields out;
    size_t i = 0;
    auto take = [&](std::string& into) {
        if (body.size() - i < 4) return false;
        const uint32_t n = get_u32(body.data() + i);
        i += 4;
        if (body.size() - i < n) return false;
        into.assign(body.substr(i, n));
        i += n;
        return true;
    };
    while (i < body.size()) {
        std::string k, v;
        if (!take(k) || !take(v)) return std::nullopt;
        out.emplace_back(std::move(k), std::move(v));
    }
    return out;
}

std::string field(const Fields& f, const std::string& key) {
    for (const auto& [k, v] : f)
        if (k == key) return v;
    return "";
}

}  // namespace envforge::sandbox
