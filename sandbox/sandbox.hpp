// Isolated execution of untrusted programs: the request, the limits and the structured result,
// and the Sandbox facade that runs requests on an Asio io_context with one of two launchers:
//   native  the project's own launcher: user, pid, mount, net, ipc, uts and cgroup namespaces,
//           tmpfs root with read-only system binds, pivot_root, seccomp deny-list, caps dropped
//   bwrap   Debian's bubblewrap with hardened flags, limits applied by a wrapper before exec
// Both run the program as a per-slot host uid, never host uid 0. Uses nothing else of envforge.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace boost::asio {
class io_context;
}

namespace envforge::sandbox {

struct Limits {
    double wall_seconds = 10;
    double cpu_seconds = 10;
    int64_t memory_bytes = 512ll << 20;   // memcg when available, else RLIMIT_DATA
    int processes = 64;                   // pids cgroup when available, else RLIMIT_NPROC (per slot uid)
    int64_t file_bytes = 64ll << 20;      // RLIMIT_FSIZE
    int open_files = 256;                 // RLIMIT_NOFILE
    int64_t tmp_bytes = 64ll << 20;       // size of /tmp and /dev/shm
    size_t output_bytes = 64 << 10;       // kept per stream: half head, half tail
    size_t output_kill_bytes = 16 << 20;  // a stream past this is killed (reason output_cap)
    // Warm sessions: the largest frame the supervisor accepts from the in-sandbox agent. The
    // agent runs untrusted code, so its length prefix is checked before anything is allocated;
    // a bigger (or malformed) frame ends the session.
    size_t frame_bytes = 4 << 20;
};

enum class Reason : uint8_t { Exit, Signal, TimeoutWall, TimeoutCpu, Oom, Pids, OutputCap, SetupError };
const char* reason_name(Reason r);

// One output stream: the first and last bytes, the total count, whether bytes were dropped.
struct Captured {
    std::string head, tail;
    size_t total = 0;
    bool truncated = false;
    std::string text() const;  // head, a marker with the dropped count, tail
};

struct Result {
    Reason reason = Reason::SetupError;
    int exit_code = -1;  // with Reason::Exit (and others, when the program exited)
    int signal = 0;      // the terminating signal, when killed
    Captured out, err;
    double wall_seconds = 0, cpu_seconds = 0;
    int64_t peak_memory_bytes = 0;
    std::string setup_error;  // with Reason::SetupError: what is missing or failed
    std::string backend;
};

// Lets the caller stop a running call (a session that missed its deadline).
struct CancelToken {
    bool cancelled = false;
    std::function<void()> kill;  // set by the supervisor while the call runs
    void cancel() {
        cancelled = true;
        if (kill) kill();
    }
};

struct Request {
    std::vector<std::string> argv;  // argv[0] is resolved against PATH inside the sandbox
    std::vector<std::string> env;   // KEY=VALUE; nothing from the host is inherited
    std::string workdir;            // host directory, mounted read-write at /workspace ("" = none)
    std::string cwd = "/workspace";
    std::string stdin_data;
    Limits limits;
    int session_fd = -1;  // a socket handed to the program as fd 3; run() takes ownership (closes it)
    std::shared_ptr<CancelToken> cancel;
};

enum class Backend : uint8_t { Native, Bwrap, None };
const char* backend_name(Backend b);
Backend parse_backend(const std::string& name);  // throws std::invalid_argument

// What this host supports; `envforge sandbox check` prints it.
struct HostSupport {
    bool root = false;
    bool user_namespaces = false;
    std::string cgroups;  // which hierarchy limits the sandboxes: "v1", "v2 at DIR", "none (why)"
    bool cgroup_memory = false, cgroup_pids = false, cgroup_cpu = false;
    bool seccomp = false;
    bool bwrap = false;
    std::string launcher;  // path of envforge-sandbox-launch, "" when not found
    std::vector<std::string> notes;
    // Empty when `b` can run here, else what is missing (fail closed).
    std::string missing_for(Backend b) const;
};
HostSupport probe_host();

// The slot uid ranges [first, last) that this process's sandboxes have leased so far: the
// processes a test may count as its own on a host where other envforge processes run.
std::vector<std::pair<uint32_t, uint32_t>> slot_uid_ranges_used();

class Sandbox {
public:
    // Throws SandboxError (common/errors.hpp) naming what is missing when `backend` cannot isolate here
    // (Backend::None runs without isolation and must be asked for explicitly).
    // At most 64 slots per instance. Each instance leases its own block of host uids, exclusive
    // across every envforge process on the host (see slots.hpp), so no two sandboxes share a uid.
    Sandbox(boost::asio::io_context& io, Backend backend, int slots = 64);
    ~Sandbox();
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    Backend backend() const;
    // Runs one request; waits for a free slot when all are busy. Never throws for the
    // program's behaviour: failures are in Result::reason.
    boost::asio::awaitable<Result> run(Request request);

private:
    struct Impl;
    // Shared with every call in flight: a call's coroutine that the io_context destroys at its
    // shutdown, after this object, must still find its slots and cgroups.
    std::shared_ptr<Impl> impl_;
};

}  // namespace envforge::sandbox
