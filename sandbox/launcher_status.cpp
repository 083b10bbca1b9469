#include "sandbox/launcher_status.hpp"

#include <charconv>
#include <csignal>

namespace envforge::sandbox {

namespace {

template <class T>
T number(std::string_view s) {
    T v{};
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

// The i-th space-separated field of `s` ("" past the end).
std::string_view field(std::string_view s, int i) {
    for (; i > 0; --i) {
        const size_t sp = s.find(' ');
        if (sp == std::string_view::npos) return {};
        s.remove_prefix(sp + 1);
    }
    return s.substr(0, s.find(' '));
}

}  // namespace

LauncherStatus parse_launcher_status(std::string_view text) {
    LauncherStatus st;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        auto rest = [&](std::string_view key) { return line.substr(key.size()); };
        if (line.starts_with("error ")) {
            st.error = std::string(rest("error "));
        } else if (line.starts_with("pid ")) {
            st.child = number<pid_t>(rest("pid "));
        } else if (line.starts_with("exit ")) {
            st.ended = true, st.signaled = false;
            st.exit_code = number<int>(rest("exit "));
        } else if (line.starts_with("signal ")) {
            st.ended = st.signaled = true;
            st.signal = number<int>(rest("signal "));
        } else if (line.starts_with("rusage ")) {
            const std::string_view r = rest("rusage ");
            st.cpu_seconds = number<double>(field(r, 0)) + number<double>(field(r, 1));
            st.maxrss_bytes = number<int64_t>(field(r, 2)) * 1024;
        }
    }
    return st;
}

void classify_call(Result& res, const LauncherStatus& st, const CallEvents& ev, const Limits& limits) {
    res.setup_error = st.error;
    if (st.ended) {
        res.reason = st.signaled ? Reason::Signal : Reason::Exit;
        if (st.signaled) res.signal = st.signal;
        else res.exit_code = st.exit_code;
    }
    res.cpu_seconds = ev.cgroups && ev.after.cpu_ns > 0 ? static_cast<double>(ev.after.cpu_ns) / 1e9 : st.cpu_seconds;
    res.peak_memory_bytes = ev.cgroups && ev.after.peak_memory > 0 ? ev.after.peak_memory : st.maxrss_bytes;
    // A call we stopped may also leave the launcher's "could not set up" message: ours wins.
    if (ev.killed_output) {
        res.reason = Reason::OutputCap, res.setup_error.clear();
    } else if (ev.killed_wall || ev.cancelled) {
        res.reason = Reason::TimeoutWall, res.setup_error.clear();
    } else if (!res.setup_error.empty()) {
        res.reason = Reason::SetupError;
    } else if (!st.ended) {
        res.reason = Reason::SetupError;
        res.setup_error = "the launcher ended without a status (exit status " + std::to_string(ev.wait_status) + ")";
    } else if (ev.cgroups && ev.after.oom_kills > ev.before.oom_kills) {
        res.reason = Reason::Oom;
    } else if (res.reason == Reason::Signal &&
               (res.signal == SIGXCPU || (res.signal == SIGKILL && res.cpu_seconds >= limits.cpu_seconds * 0.95))) {
        res.reason = Reason::TimeoutCpu;
    } else if (ev.cgroups && ev.after.pids_max_hits > ev.before.pids_max_hits && !(res.reason == Reason::Exit && res.exit_code == 0)) {
        res.reason = Reason::Pids;
    }
}

}  // namespace envforge::sandbox
