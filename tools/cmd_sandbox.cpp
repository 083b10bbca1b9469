// envforge sandbox check | exec: what this host supports, and running a command in the sandbox.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "sandbox/sandbox.hpp"
#include "common/errors.hpp"
#include "common/json.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace envforge::cli {

namespace {

Json captured_json(const sandbox::Captured& c) {
    return Json::object({{"text", c.text()}, {"bytes_total", static_cast<int64_t>(c.total)}, {"truncated", c.truncated}});
}

// Runs /bin/true in a sandbox of `backend`: "" when it ran, else why not. Features can all be
// present and setup still fail (a container whose /proc has masked paths refuses a new proc
// mount), so check proves a backend by using it.
std::string trial_run(sandbox::Backend backend) {
    boost::asio::io_context io;
    try {
        sandbox::Sandbox box(io, backend, 1);
        sandbox::Request req;
        req.argv = {"/bin/true"};
        req.env = {"PATH=/usr/bin:/bin"};
        req.cwd = "/tmp";
        auto fut = boost::asio::co_spawn(io, box.run(req), boost::asio::use_future);
        io.run();
        const sandbox::Result r = fut.get();
        if (r.reason == sandbox::Reason::Exit && r.exit_code == 0) return "";
        std::string why = "a trial command failed to start: " +
                          (r.setup_error.empty() ? std::string(sandbox::reason_name(r.reason)) : r.setup_error);
        if (r.setup_error.find("mount /proc") != std::string::npos)
            why +=
                " (inside a container, /proc has masked paths: podman run --security-opt unmask=ALL, "
                "docker run --security-opt systempaths=unconfined, or --sandbox none)";
        return why;
    } catch (const std::exception& e) {
        return e.what();
    }
}

int sandbox_check(int argc, char** argv) {
    Args a("sandbox check", "Print what this host supports for isolation, and run a trial command with each backend.",
           {{"json", nullptr, "print JSON", nullptr}}, argc, argv);
    if (a.print_help_if_asked()) return 0;
    sandbox::HostSupport h = sandbox::probe_host();
    Json backends = Json::object();
    bool native_ok = false;
    for (auto b : {sandbox::Backend::Native, sandbox::Backend::Bwrap}) {
        std::string missing = h.missing_for(b);
        if (missing.empty()) missing = trial_run(b);
        if (b == sandbox::Backend::Native) native_ok = missing.empty();
        backends.set(sandbox::backend_name(b), missing.empty() ? Json("ok") : Json(missing));
    }
    JsonArray notes;
    for (const auto& n : h.notes) notes.emplace_back(n);
    Json j = Json::object({{"root", h.root},
                           {"user_namespaces", h.user_namespaces},
                           {"seccomp", h.seccomp},
                           {"cgroups", h.cgroups},
                           {"cgroup_memory", h.cgroup_memory},
                           {"cgroup_pids", h.cgroup_pids},
                           {"cgroup_cpu", h.cgroup_cpu},
                           {"bwrap", h.bwrap},
                           {"launcher", h.launcher},
                           {"backends", backends},
                           {"notes", Json(std::move(notes))}});
    if (a.flag("json")) {
        std::printf("%s\n", j.dump().c_str());
    } else {
        for (const auto& m : j.as_object())
            if (m.key != "notes" && m.key != "backends") std::printf("%-18s %s\n", m.key.c_str(), m.value.dump().c_str());
        for (const auto& m : backends.as_object()) std::printf("backend %-10s %s\n", m.key.c_str(), m.value.as_string().c_str());
        for (const auto& n : h.notes) std::printf("note: %s\n", n.c_str());
    }
    return native_ok ? 0 : 1;
}

int sandbox_exec(int argc, char** argv) {
    int split = argc;
    for (int i = 0; i < argc; ++i)
        if (!std::strcmp(argv[i], "--")) {
            split = i;
            break;
        }
    Args a("sandbox exec",
           "Run a command in the sandbox: envforge sandbox exec [options] -- CMD [ARGS...]\n"
           "Prints the structured result as JSON; exits 0 when the command exited 0.",
           {{"sandbox", "B", "native | bwrap | none", "native"},
            {"workdir", "DIR", "host directory mounted read-write at /workspace", nullptr},
            {"wall", "S", "wall-clock seconds", "10"},
            {"cpu", "S", "CPU seconds", "10"},
            {"memory-mb", "N", "memory limit", "512"},
            {"pids", "N", "processes", "64"},
            {"output-kb", "N", "output kept per stream", "64"},
            {"stdin", nullptr, "pass this command's standard input to the program", nullptr}},
           split, argv);
    if (a.print_help_if_asked()) return 0;
    if (split + 1 >= argc) throw InvalidInput("envforge sandbox exec: give the command after '--' (see --help)");
    sandbox::Backend backend;
    try {
        backend = sandbox::parse_backend(a.get("sandbox"));
    } catch (const std::invalid_argument& e) {
        throw InvalidInput(e.what());
    }
    sandbox::Request req;
    for (int i = split + 1; i < argc; ++i) req.argv.push_back(argv[i]);
    req.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/workspace", "LANG=C.UTF-8"};
    if (a.has("workdir")) req.workdir = a.get("workdir");
    else req.cwd = "/tmp";
    req.limits.wall_seconds = static_cast<double>(a.get_int("wall", 1, 86400));
    req.limits.cpu_seconds = static_cast<double>(a.get_int("cpu", 1, 86400));
    req.limits.memory_bytes = a.get_int("memory-mb", 4, 1 << 20) << 20;
    req.limits.processes = static_cast<int>(a.get_int("pids", 1, 100000));
    req.limits.output_bytes = static_cast<size_t>(a.get_int("output-kb", 1, 1 << 20)) << 10;
    if (a.flag("stdin")) req.stdin_data.assign(std::istreambuf_iterator<char>(std::cin), {});
    boost::asio::io_context io;
    std::unique_ptr<sandbox::Sandbox> box;
    try {
        box = std::make_unique<sandbox::Sandbox>(io, backend, 4);
    } catch (const SandboxError& e) {
        throw InvalidInput(e.what());
    }
    auto fut = boost::asio::co_spawn(io, box->run(req), boost::asio::use_future);
    io.run();
    sandbox::Result r = fut.get();
    Json j = Json::object({{"reason", sandbox::reason_name(r.reason)},
                           {"exit_code", r.exit_code},
                           {"signal", r.signal},
                           {"stdout", captured_json(r.out)},
                           {"stderr", captured_json(r.err)},
                           {"wall_seconds", r.wall_seconds},
                           {"cpu_seconds", r.cpu_seconds},
                           {"peak_memory_bytes", r.peak_memory_bytes},
                           {"backend", r.backend}});
    if (!r.setup_error.empty()) j.set("setup_error", r.setup_error);
    std::printf("%s\n", j.dump().c_str());
    return r.reason == sandbox::Reason::Exit && r.exit_code == 0 ? 0 : 1;
}

}  // namespace

int cmd_sandbox(int argc, char** argv) {
    if (argc >= 1 && !std::strcmp(argv[0], "check")) return sandbox_check(argc - 1, argv + 1);
    if (argc >= 1 && !std::strcmp(argv[0], "exec")) return sandbox_exec(argc - 1, argv + 1);
    if (argc >= 1 && (!std::strcmp(argv[0], "--help") || !std::strcmp(argv[0], "-h"))) {
        std::printf("usage: envforge sandbox check [--json] | envforge sandbox exec [options] -- CMD [ARGS...]\n");
        return 0;
    }
    throw InvalidInput("envforge sandbox: expected 'check' or 'exec' (see envforge sandbox --help)");
}

}  // namespace envforge::cli
