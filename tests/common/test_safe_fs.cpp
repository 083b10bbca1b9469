// Safe file operations beneath a root, attacked the way an agent would: symlinks to host
// directories, FIFOs and sockets, hard links, "..", and a symlink swapped in while the host
// works (a racing thread). Each case runs with openat2 and with the component-wise fallback.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/errors.hpp"
#include "common/safe_fs.hpp"
#include "tests/temp_dir.hpp"

using namespace envforge;
namespace fs = std::filesystem;
using envforge::testing::TempDir;

namespace {

void put(const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << s;
}

std::string get(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string refusal(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const InvalidInput& e) {
        return e.what();
    }
    return "";
}

struct Walk {
    explicit Walk(bool on) { safe_fs::force_component_walk(on); }
    ~Walk() { safe_fs::force_component_walk(false); }
};

}  // namespace

TEST_CASE("safe_fs: paths that are not beneath the root are refused before any system call") {
    CHECK(safe_fs::path_problem("a/b.py").empty());
    CHECK(safe_fs::path_problem("./a//b.py").empty());
    CHECK(!safe_fs::path_problem("").empty());
    CHECK(!safe_fs::path_problem("/etc/passwd").empty());
    CHECK(!safe_fs::path_problem("a/../../x").empty());
    CHECK(!safe_fs::path_problem("..").empty());
    CHECK(!safe_fs::path_problem(std::string("a\0b", 3)).empty());
    CHECK(!safe_fs::path_problem(".").empty());
    CHECK(!safe_fs::path_problem(std::string(5000, 'a')).empty());
}

TEST_CASE("safe_fs: reads, writes and planted links (openat2 and the component walk)") {
    for (bool walk : {false, true}) {
        CAPTURE(walk);
        Walk mode(walk);
        TempDir ws("safefs-ws"), host("safefs-host");
        put(ws.path / "pkg/a.py", "x = 1\n");
        put(host.path / "secret", "host secret\n");
        safe_fs::Root root(ws.path.string());
        CHECK(root.read("pkg/a.py", 1 << 20) == "x = 1\n");

        // A symlink to a host directory: no read through it, no directory made through it
        // (the attack of issue 28: write_file evil/NEWDIR/x.txt made /tmp/NEWDIR).
        fs::create_directory_symlink(host.path, ws.path / "evil");
        CHECK(refusal([&] { root.read("evil/secret", 1 << 20); }).find("symlink") != std::string::npos);
        CHECK(!refusal([&] { root.write("evil/NEWDIR/x.txt", "boom", true); }).empty());
        CHECK(!fs::exists(host.path / "NEWDIR"));
        CHECK(!refusal([&] { root.write("evil/secret", "overwritten", false); }).empty());
        CHECK(get(host.path / "secret") == "host secret\n");

        // A symlink to a host file: reading refuses it; writing replaces the link, not the file.
        fs::create_symlink(host.path / "secret", ws.path / "link.txt");
        CHECK(!refusal([&] { root.read("link.txt", 1 << 20); }).empty());
        root.write("link.txt", "mine\n", false);
        CHECK(get(host.path / "secret") == "host secret\n");
        CHECK(!fs::is_symlink(ws.path / "link.txt"));
        CHECK(get(ws.path / "link.txt") == "mine\n");

        // Parents are made beneath the root.
        root.write("new/deep/dir/f.py", "y = 2\n", true);
        CHECK(get(ws.path / "new/deep/dir/f.py") == "y = 2\n");
        CHECK(!refusal([&] { root.write("absent/f.py", "z", false); }).empty());

        // A hard link to another file is refused (it may be a host file linked in).
        fs::create_hard_link(ws.path / "pkg/a.py", ws.path / "hard.py");
        CHECK(refusal([&] { root.read("hard.py", 1 << 20); }).find("hard links") != std::string::npos);
        fs::remove(ws.path / "hard.py");

        // Size limits, directories, "..", absolute paths.
        put(ws.path / "big.bin", std::string(5000, 'b'));
        CHECK(refusal([&] { root.read("big.bin", 4096); }).find("over the limit") != std::string::npos);
        CHECK(refusal([&] { root.read("pkg", 1 << 20); }).find("directory") != std::string::npos);
        CHECK(!refusal([&] { root.read("../" + host.path.filename().string() + "/secret", 1 << 20); }).empty());
        CHECK(!refusal([&] { root.read((host.path / "secret").string(), 1 << 20); }).empty());
        CHECK(!refusal([&] { root.write("pkg", "x", false); }).empty());
    }
}

TEST_CASE("safe_fs: a FIFO or a socket is refused at once, never waited on") {
    for (bool walk : {false, true}) {
        CAPTURE(walk);
        Walk mode(walk);
        TempDir ws("safefs-fifo");
        REQUIRE(mkfifo((ws.path / "f").c_str(), 0644) == 0);
        const int s = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, (ws.path / "sock").c_str(), sizeof addr.sun_path - 1);
        REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        safe_fs::Root root(ws.path.string());
        const auto t0 = std::chrono::steady_clock::now();
        CHECK(refusal([&] { root.read("f", 1 << 20); }).find("FIFO") != std::string::npos);
        CHECK(!refusal([&] { root.read("sock", 1 << 20); }).empty());
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
        // Writing replaces the FIFO with a file: nothing waits for a reader.
        root.write("f", "data", false);
        CHECK(get(ws.path / "f") == "data");
        ::close(s);
    }
}

TEST_CASE("safe_fs: a directory swapped for a symlink while the host works never lets it out") {
    for (bool walk : {false, true}) {
        CAPTURE(walk);
        Walk mode(walk);
        TempDir ws("safefs-race"), host("safefs-race-host");
        put(host.path / "secret.py", "host\n");
        fs::create_directory(ws.path / "d");
        put(ws.path / "d/secret.py", "mine\n");
        safe_fs::Root root(ws.path.string());
        std::atomic<bool> stop{false};
        // The agent's background process: d flips between a real directory and a link to the host.
        fs::create_directory_symlink(host.path, ws.path / "d.link");
        std::thread swapper([&] {
            const fs::path d = ws.path / "d", link = ws.path / "d.link";
            while (!stop) ::renameat2(AT_FDCWD, link.c_str(), AT_FDCWD, d.c_str(), RENAME_EXCHANGE);
        });
        int reads_inside = 0;
        for (int i = 0; i < 3000; ++i) {
            try {
                const std::string got = root.read("d/secret.py", 1 << 20);
                CHECK(got == "mine\n");  // never the host's file
                ++reads_inside;
            } catch (const InvalidInput&) {
            }
            try {
                root.write("d/new/out.py", "agent\n", true);
            } catch (const InvalidInput&) {
            }
        }
        stop = true;
        swapper.join();
        MESSAGE("reads that found the workspace's own file: " << reads_inside << " of 3000");
        CHECK(!fs::exists(host.path / "new"));
        CHECK(get(host.path / "secret.py") == "host\n");
        CHECK(fs::directory_iterator(host.path) != fs::directory_iterator());
        size_t host_entries = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(host.path)) ++host_entries;
        CHECK(host_entries == 1);
    }
}

TEST_CASE("safe_fs: regular_files lists the tree without following links") {
    TempDir ws("safefs-walk"), host("safefs-walk-host");
    put(ws.path / "src/a.py", "a");
    put(ws.path / "src/sub/b.py", "b");
    put(ws.path / "src/__pycache__/c.pyc", "c");
    put(host.path / "h.py", "h");
    fs::create_directory_symlink(host.path, ws.path / "src/out");
    fs::create_symlink(host.path / "h.py", ws.path / "src/l.py");
    REQUIRE(mkfifo((ws.path / "src/f.py").c_str(), 0644) == 0);
    safe_fs::Root root(ws.path.string());
    auto skip = [](std::string_view n) { return n == "__pycache__"; };
    CHECK(root.regular_files("src", skip, 100) == std::vector<std::string>{"src/a.py", "src/sub/b.py"});
    CHECK(root.regular_files("", skip, 100) == std::vector<std::string>{"src/a.py", "src/sub/b.py"});
    CHECK(root.regular_files("src/out", skip, 100).empty());
    CHECK(!refusal([&] { root.regular_files("src", skip, 1); }).empty());
}

TEST_CASE("safe_fs: remove_tree removes what the agent left and nothing it points at") {
    TempDir host("safefs-rm-host");
    put(host.path / "keep.txt", "keep");
    const fs::path ws = host.path.parent_path() / (host.path.filename().string() + "-ws");
    put(ws / "a/b/c.txt", "x");
    fs::create_directory_symlink(host.path, ws / "a/link");
    fs::create_symlink(host.path / "keep.txt", ws / "file-link");
    REQUIRE(mkfifo((ws / "fifo").c_str(), 0644) == 0);
    // 300 levels: deeper than any path the kernel takes whole (PATH_MAX) once names are long.
    fs::path deep = ws / "deep";
    const std::string long_name(200, 'd');
    {
        fs::create_directory(deep);
        int fd = ::open(deep.c_str(), O_RDONLY | O_DIRECTORY);
        for (int i = 0; i < 300; ++i) {
            REQUIRE(::mkdirat(fd, long_name.c_str(), 0755) == 0);
            const int next = ::openat(fd, long_name.c_str(), O_RDONLY | O_DIRECTORY);
            ::close(fd);
            fd = next;
        }
        ::close(fd);
    }
    fs::permissions(ws / "a/b", fs::perms::owner_read | fs::perms::owner_exec);  // read-only
    CHECK(safe_fs::remove_tree(ws.string()));
    CHECK(!fs::exists(fs::symlink_status(ws)));
    CHECK(get(host.path / "keep.txt") == "keep");
    CHECK(safe_fs::remove_tree(ws.string()));  // absent: nothing to do
}
