// The one UTF-8 module: validity as Unicode defines it, and replacement of each maximal invalid
// subpart by one U+FFFD, as Python's errors="replace" does (checked against it here).
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "common/utf8.hpp"

using namespace envforge;

TEST_CASE("utf8: validity") {
    CHECK(is_valid_utf8("plain ascii"));
    CHECK(is_valid_utf8("\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80"));
    CHECK(is_valid_utf8("\xf4\x8f\xbf\xbf"));        // U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
    CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong, three bytes
    CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xe4\xb8"));          // truncated
    CHECK_FALSE(is_valid_utf8("\x80"));              // lone continuation
}

TEST_CASE("utf8: repair replaces maximal subparts, as Python does") {
    // Each case with what bytes.decode("utf-8", "replace") gives.
    const std::pair<std::string, std::string> cases[] = {
        {"ok \xe4\xb8\xad \xc3", "ok \xe4\xb8\xad \xef\xbf\xbd"},
        {"\xe4\xb8x", "\xef\xbf\xbdx"},                            // one truncated character: one U+FFFD
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                  // C0 is never valid: two
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},  // surrogate: three
        {"\xf0\x9f\x98", "\xef\xbf\xbd"},
        {"a\x80\x80"
         "b",
         "a\xef\xbf\xbd\xef\xbf\xbd"
         "b"},
    };
    for (const auto& [in, want] : cases) {
        CHECK(sanitize_utf8(in) == want);
        std::string s = in;
        CHECK(repair_utf8(s));
        CHECK(s == want);
        CHECK_FALSE(repair_utf8(s));
    }
}

TEST_CASE("utf8: boundaries, lengths and encoding") {
    const std::string s =
        "a\xe4\xb8\xad"
        "b";  // a, U+4E2D, b
    CHECK(utf8_boundary(s, 0) == 0);
    CHECK(utf8_boundary(s, 2) == 1);
    CHECK(utf8_boundary(s, 3) == 1);
    CHECK(utf8_boundary(s, 4) == 4);
    CHECK(utf8_boundary(s, s.size()) == s.size());
    CHECK(utf8_length(s) == 3);
    for (uint32_t cp : {0x41u, 0xE9u, 0x4E2Du, 0x1F600u, 0x10FFFFu}) {
        std::string out;
        append_utf8(out, cp);
        uint32_t back;
        size_t bad;
        CHECK(utf8_char(out, 0, back, bad) == out.size());
        CHECK(back == cp);
    }
}
