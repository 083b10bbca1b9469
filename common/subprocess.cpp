#include "common/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "common/errors.hpp"

extern char** environ;

namespace envforge {

namespace {

struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() {
        if (::pipe2(fd, O_CLOEXEC) != 0) throw IoError(std::string("pipe2: ") + std::strerror(errno));
    }
    ~Pipe() {
        for (int f : fd)
            if (f >= 0) ::close(f);
    }
    void close_end(int i) {
        if (fd[i] >= 0) ::close(fd[i]);
        fd[i] = -1;
    }
};

// Feeds `input` and drains both outputs together, so neither side can fill a pipe and wait.
void pump(int in_w, int out_r, int err_r, const std::string& input, CommandResult& r, size_t max_output, const std::string& what) {
    struct CloseAll {
        int &a, &b, &c;
        ~CloseAll() {
            for (int* f : {&a, &b, &c})
                if (*f >= 0) ::close(*f), *f = -1;
        }
    } close_all{in_w, out_r, err_r};
    size_t fed = 0;
    if (input.empty() && in_w >= 0) ::close(in_w), in_w = -1;
    char buf[65536];
    while (out_r >= 0 || err_r >= 0) {
        pollfd p[3] = {{out_r, POLLIN, 0}, {err_r, POLLIN, 0}, {in_w, POLLOUT, 0}};
        if (::poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            throw IoError(what + ": poll: " + std::strerror(errno));
        }
        if (in_w >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            const ssize_t n = ::write(in_w, input.data() + fed, input.size() - fed);
            if (n > 0) fed += static_cast<size_t>(n);
            if (n < 0 || fed == input.size()) ::close(in_w), in_w = -1;  // EPIPE: it stopped reading
        }
        for (int i = 0; i < 2; ++i) {
            int& fd = i == 0 ? out_r : err_r;
            if (fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n > 0) {
                std::string& s = i == 0 ? r.out : r.err;
                if (s.size() + static_cast<size_t>(n) > max_output)
                    throw IoError(what + ": more than " + std::to_string(max_output) + " bytes of output");
                s.append(buf, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fd);
                fd = -1;
            }
        }
    }
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& cwd, const std::string& input,
                          const std::vector<std::string>& env, size_t max_output) {
    if (argv.empty()) throw IoError("run_command: no program");
    const std::string what = argv[0] + (argv.size() > 1 ? " " + argv[1] : "");
    Pipe in, out, err;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.fd[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err.fd[1], 2);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) envs.emplace_back(*e);
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw IoError(what + ": cannot start: " + std::strerror(rc));
    in.close_end(0);
    out.close_end(1);
    err.close_end(1);
    CommandResult r;
    try {
        const int in_w = in.fd[1], out_r = out.fd[0], err_r = err.fd[0];
        in.fd[1] = out.fd[0] = err.fd[0] = -1;  // pump closes them
        pump(in_w, out_r, err_r, input, r, max_output, what);
    } catch (...) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw;
    }
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

}  // namespace envforge
