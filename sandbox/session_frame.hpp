// The warm session's wire format between the supervisor and the agent in the sandbox: a frame
// is a 4-byte big-endian body length, then key/value pairs, each a 4-byte length and its bytes.
// The agent runs the agent's code, so everything it sends is hostile input: decoding is strict.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace envforge::sandbox {

using Fields = std::vector<std::pair<std::string, std::string>>;

// The whole frame, length prefix included.
std::string encode_frame(const Fields& fields);

// The body length in a frame's first 4 bytes (checked against the limit before any allocation).
uint32_t frame_length(const char* p);

// A frame's body as pairs; nullopt unless it is whole pairs and nothing else.
std::optional<Fields> decode_frame_body(std::string_view body);

// The value of `key` ("" when absent).
std::string field(const Fields& f, const std::string& key);

}  // namespace envforge::sandbox
