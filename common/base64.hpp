// Standard base64 (RFC 4648, with padding): binary files inside JSON documents (a task's files).
#pragma once

#include <string>
#include <string_view>

namespace envforge {

std::string base64_encode(std::string_view in);
// Skips what is not in the alphabet (padding, line breaks).
std::string base64_decode(std::string_view in);

}  // namespace envforge
