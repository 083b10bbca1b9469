// What the fuzz targets share: the input as text, a private scratch directory for parsers that
// read files, and the rule that a parser may refuse input only with envforge's own errors.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "common/errors.hpp"

namespace envforge::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// A directory of this process's own (libFuzzer's workers are processes), made once.
inline const std::string& scratch() {
    static const std::string dir = [] {
        std::string t = "/tmp/envforge-fuzz-" + std::to_string(getpid()) + "-XXXXXX";
        return std::string(mkdtemp(t.data()));
    }();
    return dir;
}

inline std::string put(const std::string& name, std::string_view content) {
    const std::string path = scratch() + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(content.data(), static_cast<std::streamsize>(content.size()));
    return path;
}

// Runs `parse`; the errors envforge promises for bad input are expected, anything else
// (std::out_of_range from a stray .at(), a bad_alloc, a logic_error) is a finding and aborts.
template <class F>
void expect_clean(F&& parse) {
    try {
        parse();
    } catch (const InvalidInput&) {
    } catch (const IoError&) {
    }
}

}  // namespace envforge::fuzz
