// Element types of weights and caches, and exact bf16 <-> f32 conversion.
#pragma once

#include <cstdint>
#include <cstring>

namespace envforge::kernels {

enum class DType : uint8_t { F32, BF16 };

inline float bf16_to_f32(uint16_t h) {
    const uint32_t u = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// Round to nearest even, as PyTorch does; NaN stays NaN.
inline uint16_t f32_to_bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
}

// Element i of a row-major matrix of either type, as f32 (reference paths).
inline float load_as_f32(const void* base, DType t, int64_t i) {
    if (t == DType::F32) {
        float f;
        std::memcpy(&f, static_cast<const char*>(base) + i * 4, 4);
        return f;
    }
    uint16_t h;
    std::memcpy(&h, static_cast<const char*>(base) + i * 2, 2);
    return bf16_to_f32(h);
}

inline int64_t dtype_size(DType t) { return t == DType::F32 ? 4 : 2; }

}  // namespace envforge::kernels
