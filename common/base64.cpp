#include "common/base64.hpp"

#include <array>
#include <cstdint>

namespace envforge {

namespace {

constexpr const char* kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string base64_encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    for (size_t i = 0; i < in.size(); i += 3) {
        uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
        if (i + 1 < in.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
        if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
        out.push_back(kBase64[(v >> 18) & 63]);
        out.push_back(kBase64[(v >> 12) & 63]);
        out.push_back(i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=');
        out.push_back(i + 2 < in.size() ? kBase64[v & 63] : '=');
    }
    return out;
}

std::string base64_decode(std::string_view in) {
    // Each episode and verification decodes the task's binary files: a table, not a search of
    // the alphabet per character. -1 marks what is skipped (padding, line breaks).
    static const std::array<int8_t, 256> value = [] {
        std::array<int8_t, 256> t;
        t.fill(-1);
        for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kBase64[i])] = static_cast<int8_t>(i);
        return t;
    }();
    std::string out;
    out.reserve(in.size() / 4 * 3);
    uint32_t v = 0;
    int bits = 0;
    for (char c : in) {
        const int8_t d = value[static_cast<unsigned char>(c)];
        if (d < 0) continue;
        v = (v << 6) | static_cast<uint32_t>(d);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((v >> bits) & 0xff));
        }
    }
    return out;
}

}  // namespace envforge
