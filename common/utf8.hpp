// UTF-8 for every folder: one decoder, one validity check, one repair. Transcripts, tokenizer
// input, tool output and stored files all pass through here, so they agree on what is valid and
// on how invalid bytes are replaced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace envforge {

// Decodes the character at s[i]. Returns its length, or 0 when the bytes there are not valid
// UTF-8 (overlong forms, surrogates and code points above U+10FFFF included); then `bad` is the
// length of the maximal invalid subpart, the unit that gets one U+FFFD (Unicode's recommended
// practice, which Python's errors="replace" and the WHATWG TextDecoder also follow).
size_t utf8_char(std::string_view s, size_t i, uint32_t& cp, size_t& bad);

void append_utf8(std::string& out, uint32_t cp);

bool is_valid_utf8(std::string_view s);

// `s` with every maximal invalid subpart replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);

// Repairs `s` in place; returns true when it had to.
bool repair_utf8(std::string& s);

// The start of the character that byte `at` belongs to: where to cut a string without splitting
// a character (at == s.size() stays).
size_t utf8_boundary(std::string_view s, size_t at);

// Number of code points (continuation bytes not counted).
size_t utf8_length(std::string_view s);

}  // namespace envforge
