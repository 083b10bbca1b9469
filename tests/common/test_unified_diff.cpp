// Unified diffs: the hunks GNU patch applies, with context and the no-newline marker, merged
// when changes are close, on files that were added or removed.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/unified_diff.hpp"
#include "tests/temp_dir.hpp"

using namespace envforge;
using envforge::testing::TempDir;

namespace {

std::string lines(int from, int to, const char* tag = "line") {
    std::string s;
    for (int i = from; i <= to; ++i) s += std::string(tag) + " " + std::to_string(i) + "\n";
    return s;
}

// Applies `patch` to `before` with GNU patch and returns the result.
std::string patched(const std::string& before, const std::string& patch) {
    TempDir dir("diff-apply");
    std::ofstream(dir.file("f.txt"), std::ios::binary) << before;
    std::ofstream(dir.file("p.diff"), std::ios::binary) << patch;
    const std::string cmd = "cd " + dir.path.string() + " && patch -s -p1 < p.diff";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::ifstream f(dir.file("f.txt"), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("unified_diff: one changed line with three lines of context") {
    const std::string a = lines(1, 10);
    std::string b = a;
    b.replace(b.find("line 5\n"), 7, "LINE five\n");
    const std::string d = unified_diff("f.txt", a, b);
    CHECK(d == "--- a/f.txt\n+++ b/f.txt\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+LINE five\n line 6\n line 7\n line 8\n");
    CHECK(patched(a, d) == b);
    CHECK(unified_diff("f.txt", a, a).empty());
}

TEST_CASE("unified_diff: near changes share a hunk, far ones do not; insertions at the ends; no final newline") {
    const std::string a = lines(1, 40);
    std::string b = "new first\n" + a;
    b.replace(b.find("line 10\n"), 8, "");
    b.replace(b.find("line 14\n"), 8, "fourteen\n");
    b += "appended";  // no newline at the end
    const std::string d = unified_diff("f.txt", a, b);
    CHECK(d.find("\\ No newline at end of file") != std::string::npos);
    int hunks = 0;
    for (size_t at = d.find("@@ -"); at != std::string::npos; at = d.find("@@ -", at + 1)) ++hunks;
    CHECK(hunks == 3);  // the start; lines 10 and 14 together; the end
    CHECK(patched(a, d) == b);
    const std::string back = unified_diff("f.txt", b, a);
    CHECK(patched(b, back) == a);
}

TEST_CASE("tree_diff: changed, added and removed files, in path order") {
    std::map<std::string, std::string> a{{"pkg/a.py", "x = 1\n"}, {"pkg/gone.py", "old\n"}, {"pkg/same.py", "s\n"}};
    std::map<std::string, std::string> b{{"pkg/a.py", "x = 2\n"}, {"pkg/new.py", "fresh\n"}, {"pkg/same.py", "s\n"}};
    const std::string d = tree_diff(a, b);
    CHECK(d.find("diff --git a/pkg/a.py b/pkg/a.py\n--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n") == 0);
    CHECK(d.find("deleted file mode 100644\n--- a/pkg/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n") != std::string::npos);
    CHECK(d.find("new file mode 100644\n--- /dev/null\n+++ b/pkg/new.py\n@@ -0,0 +1 @@\n+fresh\n") != std::string::npos);
    CHECK(d.find("same.py") == std::string::npos);
    CHECK(d.find("pkg/gone.py") < d.find("pkg/new.py"));
}
