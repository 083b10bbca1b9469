// Host-side file operations on directories an agent controls (an episode's workspace, a tree it
// left for verification): every path is resolved beneath a root without following a symlink or
// "..", directories are only ever made beneath the root, only regular files are opened, and
// sizes are bounded. Nothing here blocks on a file the agent planted: a FIFO, socket or device
// is refused after a non-blocking open, before any read, so these calls are safe on the event
// loop (a regular file's read cannot wait on another process).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace envforge::safe_fs {

// Why `rel` cannot name a file beneath a root ("" when it can): empty, absolute, holding a NUL
// byte or a ".." component, or longer than PATH_MAX.
std::string path_problem(std::string_view rel);

// A directory held open as the root of agent-controlled files. Errors are InvalidInput with one
// line naming the path as given (they go back to the agent as tool errors) or IoError for the
// root itself.
class Root {
public:
    explicit Root(const std::string& dir);  // throws IoError when `dir` is not a directory
    ~Root();
    Root(Root&& other) noexcept;
    Root& operator=(Root&&) = delete;
    Root(const Root&) = delete;
    Root& operator=(const Root&) = delete;

    // The contents of the regular file `rel`. Refused: a missing file, a symlink anywhere on the
    // path, a directory, FIFO, socket or device, a file with other hard links (it may be a host
    // file linked in), and a file over `max_bytes`.
    std::string read(std::string_view rel, size_t max_bytes) const;

    // Replaces `rel` with `data` through a new file renamed into place, so a link planted at `rel`
    // is replaced, never written through. Missing parent directories are made (beneath the root,
    // never through a symlink) when `make_parents`. A file that existed keeps its permissions;
    // as root, new files and directories take the owner of the directory they are made in.
    void write(std::string_view rel, std::string_view data, bool make_parents) const;

    // Every regular file beneath the directory `rel_dir` ("" for the root), as paths relative to
    // the root, sorted; symlinks are skipped and never followed, and so are directories for which
    // `skip_dir(name)` is true. Stops with InvalidInput past `max_files` files or 64 levels.
    std::vector<std::string> regular_files(std::string_view rel_dir, const std::function<bool(std::string_view)>& skip_dir,
                                           size_t max_files) const;

    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

// Removes `dir` and everything beneath it without following a symlink: each directory is opened
// with O_NOFOLLOW and its entries unlinked through that descriptor, so a tree that is still being
// changed (a background process of the agent) cannot steer the removal outside it. Best effort:
// returns false when something could not be removed.
bool remove_tree(const std::string& dir);

// Empties `dir` (kept, with mode 0700) the way remove_tree removes: true only when it is empty
// afterwards. For a directory mounted somewhere that must keep its inode (a warm sandbox's
// /workspace), once nothing runs that could write to it.
bool empty_dir(const std::string& dir);

// Tests only: resolve component by component with O_NOFOLLOW, as on kernels without openat2.
void force_component_walk(bool on);

}  // namespace envforge::safe_fs
