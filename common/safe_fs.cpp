// Safe file operations beneath a root: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) where the
// kernel has it (5.6+), a walk of openat(O_NOFOLLOW) per component where it does not.
#include "common/safe_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <memory>
#include <cstring>
#include <random>
#include <utility>

#include "common/errors.hpp"

namespace envforge::safe_fs {

namespace {

std::atomic<bool> g_component_walk{false};

// Owns a descriptor.
struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd = std::exchange(o.fd, -1);
        }
        return *this;
    }
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    bool ok() const { return fd >= 0; }
};

// The path's components without empty and "." ones (path_problem has refused "..").
std::vector<std::string> components(std::string_view rel) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= rel.size()) {
        size_t j = rel.find('/', i);
        if (j == std::string_view::npos) j = rel.size();
        std::string_view part = rel.substr(i, j - i);
        if (!part.empty() && part != ".") out.emplace_back(part);
        i = j + 1;
    }
    return out;
}

// Opens a directory component beneath `dir` without following a symlink (-1 and errno when it is
// not a directory).
int open_subdir(int dir, const std::string& name) {
    auto not_dir = [&] {
        struct stat lst {};
        errno = ::fstatat(dir, name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode) ? ELOOP : ENOTDIR;
        return -1;
    };
    const int fd = ::openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOTDIR ? not_dir() : -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ::close(fd);
        return not_dir();
    }
    return fd;
}

// The component-wise walk: every directory on the way opened with O_NOFOLLOW, the last
// component opened with `flags | O_NOFOLLOW`.
int open_walk(int root, std::string_view rel, int flags, mode_t mode) {
    const std::vector<std::string> parts = components(rel);
    if (parts.empty()) return ::openat(root, ".", flags | O_CLOEXEC, mode);
    Fd cur(::fcntl(root, F_DUPFD_CLOEXEC, 0));
    if (!cur.ok()) return -1;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        Fd next(open_subdir(cur.fd, parts[i]));
        if (!next.ok()) return -1;
        cur = std::move(next);
    }
    return ::openat(cur.fd, parts.back().c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
}

// `rel` opened beneath `root` with no symlink followed anywhere on the path; -1 and errno.
int open_beneath(int root, std::string_view rel, int flags, mode_t mode = 0) {
    static std::atomic<bool> no_openat2{false};
    if (!g_component_walk.load() && !no_openat2.load()) {
        struct open_how how {};
        how.flags = static_cast<uint64_t>(flags | O_NOFOLLOW | O_CLOEXEC);
        how.mode = (flags & O_CREAT) ? mode : 0;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
        const std::string path = rel.empty() ? "." : std::string(rel);
        const long fd = ::syscall(SYS_openat2, root, path.c_str(), &how, sizeof how);
        // EAGAIN: a rename anywhere on the host raced the lookup (RESOLVE_BENEATH refuses then);
        // an agent renaming in a loop would make every call fail, so the walk answers instead.
        if (fd >= 0 || (errno != ENOSYS && errno != EAGAIN)) return static_cast<int>(fd);
        if (errno == ENOSYS) no_openat2 = true;  // an older kernel, or a seccomp filter that hides the call
    }
    return open_walk(root, rel, flags, mode);
}

// One line for why opening `rel` failed with `err`.
std::string open_error(std::string_view rel, int err) {
    const std::string name = "'" + std::string(rel) + "'";
    switch (err) {
        case ENOENT: return "no such file " + name;
        case ELOOP: return name + " is a symlink or passes through one; symlinks are not followed";
        case EXDEV: return name + " leaves the workspace";
        case ENOTDIR: return name + " passes through something that is not a directory";
        case ENXIO: return name + " is a socket or device, not a regular file";
        case EISDIR: return name + " is a directory";
        case EACCES:
        case EPERM: return name + ": permission denied";
        default: return name + ": " + std::strerror(err);
    }
}

const char* type_name(mode_t m) {
    if (S_ISDIR(m)) return "a directory";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
    if (S_ISLNK(m)) return "a symlink";
    return "not a regular file";
}

// The directory `rel` beneath root, made (with its parents) when `create`; returns an O_PATH
// descriptor. mkdirat never follows a symlink in its last component and the open after it uses
// O_NOFOLLOW, so nothing is ever made outside the root.
Fd open_dir(int root, std::string_view rel, bool create) {
    if (!create) {
        Fd fd(open_beneath(root, rel, O_PATH | O_DIRECTORY));
        if (!fd.ok()) throw InvalidInput(open_error(rel, errno));
        return fd;
    }
    Fd cur(::fcntl(root, F_DUPFD_CLOEXEC, 0));
    if (!cur.ok()) throw IoError(std::string("dup: ") + std::strerror(errno));
    for (const std::string& part : components(rel)) {
        struct stat parent {};
        ::fstat(cur.fd, &parent);
        if (::mkdirat(cur.fd, part.c_str(), 0755) == 0) {
            if (geteuid() == 0) (void)::fchownat(cur.fd, part.c_str(), parent.st_uid, parent.st_gid, AT_SYMLINK_NOFOLLOW);
        } else if (errno != EEXIST) {
            throw InvalidInput("cannot make the directory '" + std::string(rel) + "': " + std::strerror(errno));
        }
        Fd next(open_subdir(cur.fd, part));
        if (!next.ok()) throw InvalidInput(open_error(rel, errno));
        cur = std::move(next);
    }
    return cur;
}

void write_all(int fd, std::string_view data, std::string_view rel) {
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw InvalidInput("cannot write '" + std::string(rel) + "': " + std::strerror(n < 0 ? errno : ENOSPC));
        done += static_cast<size_t>(n);
    }
}

std::string temp_name() {
    static std::atomic<uint64_t> counter{0};
    thread_local std::mt19937_64 rng(std::random_device{}());
    return ".envforge-tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rng() % 1000000);
}

void walk_files(int dir, const std::string& prefix, int depth, const std::function<bool(std::string_view)>& skip_dir, size_t max_files,
                std::vector<std::string>& out) {
    if (depth > 64) throw InvalidInput("directories nested deeper than 64 levels under '" + prefix + "'");
    Fd dup(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dup.ok()) return;
    DIR* d = ::fdopendir(dup.fd);
    if (!d) return;
    dup.fd = -1;                                                         // owned by d now
    const std::unique_ptr<DIR, int (*)(DIR*)> close_dir(d, ::closedir);  // also when a limit throws
    std::vector<std::pair<std::string, unsigned char>> entries;
    while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        entries.emplace_back(name, e->d_type);
    }
    for (auto& [name, type] : entries) {
        if (type == DT_UNKNOWN) {
            struct stat st {};
            if (::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
        }
        if (type == DT_REG) {
            if (out.size() >= max_files) throw InvalidInput("more than " + std::to_string(max_files) + " files");
            out.push_back(prefix + name);
        } else if (type == DT_DIR && !skip_dir(name)) {
            Fd sub(::openat(::dirfd(d), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (sub.ok()) walk_files(sub.fd, prefix + name + "/", depth + 1, skip_dir, max_files, out);
        }
    }
}

}  // namespace

std::string path_problem(std::string_view rel) {
    if (rel.empty()) return "the path is empty";
    if (rel.size() >= PATH_MAX) return "the path is longer than " + std::to_string(PATH_MAX - 1) + " bytes";
    if (rel.find('\0') != std::string_view::npos) return "the path contains a NUL byte";
    if (rel[0] == '/') return "path '" + std::string(rel) + "' must be relative to the workspace";
    for (const std::string& part : components(rel))
        if (part == "..") return "path '" + std::string(rel) + "' leaves the workspace";
    if (components(rel).empty()) return "path '" + std::string(rel) + "' names no file";
    return {};
}

Root::Root(const std::string& dir) {
    fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) throw IoError("directory '" + dir + "': " + std::strerror(errno));
}

Root::~Root() {
    if (fd_ >= 0) ::close(fd_);
}

Root::Root(Root&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

std::string Root::read(std::string_view rel, size_t max_bytes) const {
    if (std::string problem = path_problem(rel); !problem.empty()) throw InvalidInput(problem);
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused by fstat below.
    Fd fd(open_beneath(fd_, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY));
    if (!fd.ok()) throw InvalidInput(open_error(rel, errno));
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0) throw InvalidInput(open_error(rel, errno));
    const std::string name = "'" + std::string(rel) + "'";
    if (!S_ISREG(st.st_mode)) throw InvalidInput(name + " is " + type_name(st.st_mode) + ", not a regular file");
    if (st.st_nlink > 1) throw InvalidInput(name + " has other hard links; only files with one link are read");
    if (static_cast<uint64_t>(st.st_size) > max_bytes)
        throw InvalidInput(name + " is " + std::to_string(st.st_size) + " bytes, over the limit of " + std::to_string(max_bytes));
    std::string data(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    for (;;) {
        if (got == data.size()) {
            if (data.size() > max_bytes) throw InvalidInput(name + " grew over the limit of " + std::to_string(max_bytes) + " bytes");
            data.resize(data.size() + 4096);
        }
        const ssize_t n = ::read(fd.fd, data.data() + got, data.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw InvalidInput(name + ": " + std::strerror(errno));
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    data.resize(got);
    if (got > max_bytes) throw InvalidInput(name + " grew over the limit of " + std::to_string(max_bytes) + " bytes");
    return data;
}

void Root::write(std::string_view rel, std::string_view data, bool make_parents) const {
    if (std::string problem = path_problem(rel); !problem.empty()) throw InvalidInput(problem);
    std::vector<std::string> parts = components(rel);
    const std::string name = parts.back();
    parts.pop_back();
    std::string parent_rel;
    for (const auto& p : parts) parent_rel += (parent_rel.empty() ? "" : "/") + p;
    const Fd dir = open_dir(fd_, parent_rel, make_parents);
    struct stat parent {
    }, old{};
    ::fstat(dir.fd, &parent);
    const bool existed = ::fstatat(dir.fd, name.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0;
    if (existed && S_ISDIR(old.st_mode)) throw InvalidInput("'" + std::string(rel) + "' is a directory");
    const bool keep = existed && S_ISREG(old.st_mode);
    const std::string tmp = temp_name();
    Fd fd(::openat(dir.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.ok()) throw InvalidInput("cannot write '" + std::string(rel) + "': " + std::strerror(errno));
    try {
        write_all(fd.fd, data, rel);
        ::fchmod(fd.fd, keep ? (old.st_mode & 0777) : 0644);
        if (geteuid() == 0) (void)::fchown(fd.fd, keep ? old.st_uid : parent.st_uid, keep ? old.st_gid : parent.st_gid);
        if (::renameat(dir.fd, tmp.c_str(), dir.fd, name.c_str()) != 0)
            throw InvalidInput("cannot write '" + std::string(rel) + "': " + std::strerror(errno));
    } catch (...) {
        ::unlinkat(dir.fd, tmp.c_str(), 0);
        throw;
    }
}

std::vector<std::string> Root::regular_files(std::string_view rel_dir, const std::function<bool(std::string_view)>& skip_dir,
                                             size_t max_files) const {
    std::vector<std::string> out;
    std::string prefix;
    Fd start;
    if (rel_dir.empty() || rel_dir == ".") {
        start = Fd(::fcntl(fd_, F_DUPFD_CLOEXEC, 0));
    } else {
        if (std::string problem = path_problem(rel_dir); !problem.empty()) throw InvalidInput(problem);
        start = Fd(open_beneath(fd_, rel_dir, O_RDONLY | O_DIRECTORY));
        if (!start.ok()) return out;  // absent, or a symlink: nothing beneath it counts
        prefix = std::string(rel_dir);
        while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
        prefix += "/";
    }
    if (start.ok()) walk_files(start.fd, prefix, 0, skip_dir, max_files, out);
    std::sort(out.begin(), out.end());
    return out;
}

namespace {

// Empties the directory open as `dir`; subdirectories deeper than kMaxDepth are moved up to
// `top` (renameat within the tree) and emptied on a later pass, so depth costs neither stack
// nor descriptors.
constexpr int kMaxDepth = 64;

bool clear_dir(int dir, int top, int depth, size_t& moved_up) {
    bool ok = true;
    for (int pass = 0; pass < 4; ++pass) {
        Fd dup(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dup.ok()) return false;
        DIR* d = ::fdopendir(dup.fd);
        if (!d) return false;
        dup.fd = -1;
        std::vector<std::string> names;
        while (const dirent* e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
        ::closedir(d);
        if (names.empty()) return ok;
        (void)::fchmod(dir, 0700);  // an agent may have made it read-only
        ok = true;
        for (const std::string& name : names) {
            if (::unlinkat(dir, name.c_str(), 0) == 0 || errno == ENOENT) continue;
            if (errno != EISDIR) {
                ok = false;
                continue;
            }
            if (depth >= kMaxDepth) {
                const std::string up = ".envforge-deep-" + std::to_string(moved_up);
                if (::renameat(dir, name.c_str(), top, up.c_str()) == 0) ++moved_up;  // emptied by a later round
                else ok = false;
                continue;
            }
            Fd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub.ok()) {
                ok = ::unlinkat(dir, name.c_str(), 0) == 0 && ok;  // swapped for a file or a link meanwhile
                continue;
            }
            ok = clear_dir(sub.fd, top, depth + 1, moved_up) && ok;
            ok = ::unlinkat(dir, name.c_str(), AT_REMOVEDIR) == 0 && ok;
        }
    }
    return ok;
}

}  // namespace

namespace {

// Removes everything beneath the open directory `fd`.
bool clear_open_dir(int fd) {
    // Subtrees moved up from below kMaxDepth land in the top directory: repeat while any moved.
    bool ok = true;
    size_t moved_up = 0;
    for (int round = 0; round < 100000; ++round) {
        const size_t before = moved_up;
        ok = clear_dir(fd, fd, 0, moved_up);
        if (moved_up == before) break;
    }
    return ok;
}

}  // namespace

bool remove_tree(const std::string& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.ok()) {
        if (errno == ENOENT) return true;
        return ::unlink(dir.c_str()) == 0;  // a symlink or a file where the directory was
    }
    const bool ok = clear_open_dir(fd.fd);
    fd.reset();
    return ::rmdir(dir.c_str()) == 0 && ok;
}

bool empty_dir(const std::string& dir) {
    // The agent may have locked its own workspace (chmod 0): its owner, or root, opens it again.
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    if (::chmod(dir.c_str(), 0700) != 0) return false;
    // A default ACL would shape the files put there next: gone (ENODATA when there is none).
    for (const char* acl : {"system.posix_acl_default", "system.posix_acl_access"})
        if (::removexattr(dir.c_str(), acl) != 0 && errno != ENODATA && errno != ENOTSUP) return false;
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.ok()) return false;
    if (!clear_open_dir(fd.fd)) return false;
    // Empty for real: nothing came back while it was being cleared.
    DIR* d = ::fdopendir(::dup(fd.fd));
    if (!d) return false;
    bool empty = true;
    while (dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
    ::closedir(d);
    return empty;
}

void force_component_walk(bool on) { g_component_walk = on; }

}  // namespace envforge::safe_fs
