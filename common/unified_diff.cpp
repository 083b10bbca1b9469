#include "common/unified_diff.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

namespace envforge {

namespace {

std::vector<std::string_view> split_lines(const std::string& text) {
    std::vector<std::string_view> out;
    size_t b = 0;
    while (b < text.size()) {
        size_t e = text.find('\n', b);
        e = e == std::string::npos ? text.size() : e + 1;
        out.emplace_back(text.data() + b, e - b);
        b = e;
    }
    return out;
}

enum class Op : uint8_t { Keep, Del, Add };

// The edit script between a[ab, ae) and b[bb, be): longest common subsequence by dynamic
// programming over the middle that the common prefix and suffix leave (small for real edits);
// a middle too large for that is one replacement.
std::vector<std::pair<Op, std::string_view>> edit_script(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
    size_t pre = 0;
    while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
    size_t suf = 0;
    while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
    const size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
    std::vector<std::pair<Op, std::string_view>> out;
    for (size_t i = 0; i < pre; ++i) out.emplace_back(Op::Keep, a[i]);
    if (n * m <= 4'000'000) {
        // lcs[i][j]: the LCS length of a's middle from i and b's middle from j.
        std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
        auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
        for (size_t i = n; i-- > 0;)
            for (size_t j = m; j-- > 0;) at(i, j) = a[pre + i] == b[pre + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[pre + i] == b[pre + j]) {
                out.emplace_back(Op::Keep, a[pre + i]);
                ++i, ++j;
            } else if (j < m && (i == n || at(i, j + 1) >= at(i + 1, j))) {
                out.emplace_back(Op::Add, b[pre + j++]);
            } else {
                out.emplace_back(Op::Del, a[pre + i++]);
            }
        }
        // Deletions before additions inside each changed run, as diff prints them.
        for (size_t k = 0; k < out.size();) {
            size_t e = k;
            while (e < out.size() && out[e].first != Op::Keep) ++e;
            std::stable_partition(out.begin() + static_cast<std::ptrdiff_t>(k), out.begin() + static_cast<std::ptrdiff_t>(e),
                                  [](const auto& x) { return x.first == Op::Del; });
            k = e == k ? k + 1 : e;
        }
    } else {
        for (size_t i = 0; i < n; ++i) out.emplace_back(Op::Del, a[pre + i]);
        for (size_t j = 0; j < m; ++j) out.emplace_back(Op::Add, b[pre + j]);
    }
    for (size_t i = a.size() - suf; i < a.size(); ++i) out.emplace_back(Op::Keep, a[i]);
    return out;
}

void append_line(std::string& out, char mark, std::string_view line) {
    out.push_back(mark);
    out.append(line);
    if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

std::string range(size_t start, size_t count) {
    // Hunk ranges are 1-based; an empty side names the line before it.
    return std::to_string(count == 0 ? start : start + 1) + (count == 1 ? "" : "," + std::to_string(count));
}

}  // namespace

std::string unified_diff(const std::string& path, const std::string& before, const std::string& after) {
    if (before == after) return "";
    const auto a = split_lines(before), b = split_lines(after);
    const auto script = edit_script(a, b);
    constexpr size_t kContext = 3;
    std::string out = "--- " + (before.empty() ? std::string("/dev/null") : "a/" + path) + "\n+++ " +
                      (after.empty() ? std::string("/dev/null") : "b/" + path) + "\n";
    size_t k = 0;
    while (k < script.size()) {
        while (k < script.size() && script[k].first == Op::Keep) ++k;
        if (k == script.size()) break;
        // A hunk: changes closer than 2 * context lines apart share one.
        const size_t begin = k >= kContext ? k - kContext : 0;
        size_t end = k;
        for (;;) {
            while (end < script.size() && script[end].first != Op::Keep) ++end;
            size_t keep = end;
            while (keep < script.size() && script[keep].first == Op::Keep) ++keep;
            if (keep < script.size() && keep - end <= 2 * kContext) {
                end = keep;
                continue;
            }
            end = std::min(script.size(), end + kContext);
            break;
        }
        size_t a_start = 0, b_start = 0;
        for (size_t i = 0; i < begin; ++i) {
            if (script[i].first != Op::Add) ++a_start;
            if (script[i].first != Op::Del) ++b_start;
        }
        size_t a_count = 0, b_count = 0;
        for (size_t i = begin; i < end; ++i) {
            if (script[i].first != Op::Add) ++a_count;
            if (script[i].first != Op::Del) ++b_count;
        }
        out += "@@ -" + range(a_start, a_count) + " +" + range(b_start, b_count) + " @@\n";
        for (size_t i = begin; i < end; ++i)
            append_line(out, script[i].first == Op::Keep ? ' ' : script[i].first == Op::Del ? '-' : '+', script[i].second);
        k = end;
    }
    return out;
}

std::string tree_diff(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after) {
    std::string out;
    auto header = [&](const std::string& path) { out += "diff --git a/" + path + " b/" + path + "\n"; };
    auto i = before.begin();
    auto j = after.begin();
    while (i != before.end() || j != after.end()) {
        if (j == after.end() || (i != before.end() && i->first < j->first)) {
            header(i->first);
            out += "deleted file mode 100644\n" + unified_diff(i->first, i->second, "");
            ++i;
        } else if (i == before.end() || j->first < i->first) {
            header(j->first);
            out += "new file mode 100644\n" + unified_diff(j->first, "", j->second);
            ++j;
        } else {
            if (i->second != j->second) {
                header(i->first);
                out += unified_diff(i->first, i->second, j->second);
            }
            ++i, ++j;
        }
    }
    return out;
}

}  // namespace envforge
