// A compiled Unicode regular expression (PCRE2, JIT when available) for the tokenizer's
// pre-tokenizer patterns, which are written for Oniguruma/JavaScript: `\s` and `\S` are
// rewritten to the Unicode White_Space property, as the JavaScript reference does.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace envforge::model {

class PcreRegex {
public:
    // Throws InvalidInput with PCRE2's message and offset when the pattern does not compile.
    explicit PcreRegex(const std::string& pattern);
    ~PcreRegex();
    PcreRegex(PcreRegex&&) noexcept;
    PcreRegex& operator=(PcreRegex&&) noexcept;

    // Non-overlapping matches in `text` (valid UTF-8), as [begin, end) byte offsets.
    void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;
    const std::string& pattern() const { return pattern_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string pattern_;
};

// The Oniguruma → PCRE2 rewrite (exposed for tests).
std::string rewrite_whitespace_classes(const std::string& pattern);

}  // namespace envforge::model
