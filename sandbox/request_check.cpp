#include "sandbox/request_check.hpp"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "sandbox/slots.hpp"

namespace envforge::sandbox {

namespace {

// Why `dir` may not be a sandbox's workdir ("" when it may). The sandbox gets it read-write and,
// as root, every file in it is re-owned by the slot's uid, so it must be a private directory:
// nothing under a system tree (denied by prefix: /var/lib and /etc/ssh as much as /etc), not a
// shared directory itself (/tmp, /home, ...), and owned by us or by a sandbox slot, never by
// another user.
std::string workdir_problem(const std::string& dir) {
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return "workdir '" + dir + "' is not a directory";
    char resolved[PATH_MAX];
    if (!realpath(dir.c_str(), resolved)) return "workdir '" + dir + "': cannot resolve";
    const std::string real = resolved;
    auto under = [&](const std::string& prefix) { return real == prefix || real.rfind(prefix + "/", 0) == 0; };
    for (const char* sys : {"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/dev", "/proc", "/sys",
                            "/run", "/snap", "/var"}) {
        if (std::string(sys) == "/var" && real.rfind("/var/tmp/", 0) == 0) continue;  // private dirs in /var/tmp are fine
        if (under(sys)) return "workdir '" + dir + "' is under the system directory " + sys + "; use a private directory";
    }
    for (const char* shared : {"/", "/tmp", "/var/tmp", "/home", "/root", "/srv", "/mnt", "/media", "/opt", "/work"})
        if (real == shared) return "workdir '" + dir + "' is a shared directory; use a private one";
    if (const char* home = std::getenv("HOME"); home && *home) {
        char home_real[PATH_MAX];
        if (realpath(home, home_real) && real == home_real) return "workdir '" + dir + "' is the home directory; use a private one";
    }
    if (std::count(real.begin(), real.end(), '/') < 2) return "workdir '" + dir + "' is too close to the root; use a private directory";
    struct stat rst {};
    stat(real.c_str(), &rst);
    if (rst.st_uid != geteuid() && rst.st_uid < kFirstSlotUid)
        return "workdir '" + dir + "' belongs to uid " + std::to_string(rst.st_uid) + ", not to this user";
    return {};
}

}  // namespace

// Gives the slot uid a workdir to write in, without following any symlink inside it.
void adopt_tree(const std::string& dir, uid_t uid, gid_t gid) {
    static thread_local uid_t t_uid;
    static thread_local gid_t t_gid;
    t_uid = uid;
    t_gid = gid;
    nftw(
        dir.c_str(),
        [](const char* path, const struct stat* s, int, struct FTW*) {
            if (s->st_uid != t_uid || s->st_gid != t_gid) lchown(path, t_uid, t_gid);
            return 0;
        },
        32, FTW_PHYS | FTW_MOUNT);
}

// Why a request cannot be run as given ("" when it can). Checked before anything is touched: a
// NUL would silently cut a path short on its way through the C interfaces (a workdir of
// "/tmp\0/x" becomes "/tmp"), and relative paths mean something different inside the sandbox.
std::string request_problem(const Request& req) {
    auto has_nul = [](const std::string& s) { return s.find('\0') != std::string::npos; };
    if (req.argv.empty() || req.argv[0].empty()) return "empty command";
    for (const std::string& a : req.argv)
        if (has_nul(a)) return "an argument contains a NUL byte";
    for (const std::string& e : req.env) {
        if (has_nul(e)) return "an environment entry contains a NUL byte";
        const size_t eq = e.find('=');
        if (eq == std::string::npos || eq == 0) return "environment entry '" + e.substr(0, 40) + "' is not KEY=VALUE";
    }
    if (has_nul(req.workdir) || has_nul(req.cwd)) return "a path contains a NUL byte";
    if (!req.workdir.empty() && req.workdir[0] != '/') return "workdir '" + req.workdir + "' is not an absolute path";
    if (!req.workdir.empty())
        if (std::string problem = workdir_problem(req.workdir); !problem.empty()) return problem;
    if (req.cwd.empty() || req.cwd[0] != '/') return "cwd '" + req.cwd + "' is not an absolute path";
    return {};
}

}  // namespace envforge::sandbox
