// Owner tags: this process is alive, a reaped child is not, a reused pid with another start time
// is not, unparseable names are left alone, and the sweep removes only dead owners' entries.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/process_owner.hpp"
#include "tests/temp_dir.hpp"

using namespace envforge;
using envforge::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// The tag a process that has exited had.
std::string dead_tag() {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const std::string tag = owner_tag();
        (void)!write(fds[1], tag.data(), tag.size());
        _exit(0);
    }
    close(fds[1]);
    char buf[64];
    ssize_t n = read(fds[0], buf, sizeof buf);
    close(fds[0]);
    waitpid(pid, nullptr, 0);
    return std::string(buf, static_cast<size_t>(std::max<ssize_t>(n, 0)));
}

}  // namespace

TEST_CASE("process_owner: tags tell live owners from dead ones") {
    const std::string me = owner_tag();
    CHECK(me.rfind(std::to_string(getpid()) + ".", 0) == 0);
    CHECK(owner_alive(me));
    const std::string dead = dead_tag();
    REQUIRE(dead.find('.') != std::string::npos);
    CHECK_FALSE(owner_alive(dead));
    // Our pid with another start time: a reused pid, so the owner is gone.
    CHECK_FALSE(owner_alive(std::to_string(getpid()) + ".1"));
    CHECK(owner_alive(std::to_string(getpid())));              // a bare pid that exists
    CHECK_FALSE(owner_alive(dead.substr(0, dead.find('.'))));  // a bare pid that does not
    for (const char* odd : {"", "probe", "12x.5", ".55", "7.", "abc.def", "-3.4"}) {
        INFO(odd);
        CHECK(owner_alive(odd));  // never removed on a guess
    }
}

TEST_CASE("process_owner: the sweep removes dead owners' entries only, without following links") {
    TempDir dir("owner-sweep");
    const fs::path root = dir.path;
    const fs::path outside = root / "outside";
    fs::create_directories(outside);
    std::ofstream(outside / "keep.txt") << "not ours to delete";
    const std::string dead = dead_tag();
    fs::create_directories(root / ("envforge@" + dead + "-episode-abc") / "sub");
    std::ofstream(root / ("envforge@" + dead + "-episode-abc") / "sub" / "f") << "x";
    fs::create_symlink(outside, root / ("envforge@" + dead + "-episode-abc") / "link");
    fs::create_directories(root / ("envforge@" + owner_tag() + "-episode-def"));
    fs::create_directories(root / "envforge@probe-x");
    fs::create_directories(root / "unrelated");
    std::ofstream(root / ("index.db.tmp@" + dead)) << "half built";
    CHECK(sweep_dead_owners(root.string(), "envforge@", '-') == 1);
    CHECK_FALSE(fs::exists(root / ("envforge@" + dead + "-episode-abc")));
    CHECK(fs::exists(root / ("envforge@" + owner_tag() + "-episode-def")));
    CHECK(fs::exists(root / "envforge@probe-x"));
    CHECK(fs::exists(root / "unrelated"));
    CHECK(fs::exists(outside / "keep.txt"));
    CHECK(dead_owner_entries(root.string(), ".tmp@", '\0') == std::vector<std::string>{"index.db.tmp@" + dead});
    CHECK(sweep_dead_owners(root.string(), ".tmp@", '\0') == 1);
    CHECK_FALSE(fs::exists(root / ("index.db.tmp@" + dead)));
}
