// Running a project's suite in the sandbox: the runner's configuration, the call, and its report.
#include <random>
#include <set>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "envgen/code/code_project.hpp"
#include "envgen/code/junit.hpp"
#include "envgen/episode_sandbox.hpp"
#include "envgen/junit_runner.hpp"
#include "sandbox/sandbox.hpp"

namespace envforge::code {

namespace asio = boost::asio;

std::vector<std::string> TestRun::ids(const char* status) const {
    std::vector<std::string> out;
    for (const auto& t : tests)
        if (t.status == status) out.push_back(t.id);
    return out;
}

const TestOutcome* TestRun::find(const std::string& id) const {
    for (const auto& t : tests)
        if (t.id == id) return &t;
    return nullptr;
}

namespace {

Json json_array(const std::vector<std::string>& v) {
    JsonArray a;
    for (const auto& s : v) a.emplace_back(s);
    return Json(std::move(a));
}

}  // namespace

Json RunnerConfig::to_json() const {
    Json lim = Json::object();
    for (const auto& [id, s] : limits) lim.set(id, s);
    Json j = Json::object({{"mode", runner},
                           {"test_dir", test_dir},
                           {"roots", json_array(roots)},
                           {"own", json_array(own)},
                           {"ids", json_array(ids)},
                           {"per_test", per_test_seconds},
                           {"limits", lim},
                           {"max_timeouts", max_timeouts},
                           {"compile", json_array(compile)},
                           {"coverage", json_array(coverage)}});
    if (!dist_name.empty()) j.set("dist", json_array({dist_name, dist_version}));
    return j;
}

std::map<std::string, double> slow_test_limits(const Project& p, double per_test) {
    std::map<std::string, double> out;
    for (const auto& [id, secs] : p.gold_test_seconds)
        if (10 * secs > per_test) out[id] = 10 * secs + 1;
    return out;
}

RunnerConfig runner_config(const Project& p, std::vector<std::string> ids) {
    RunnerConfig c;
    c.runner = p.runner;
    c.test_dir = p.test_dir;
    c.roots = p.roots;
    c.own = p.own;
    c.dist_name = p.dist_name;
    c.dist_version = p.dist_version;
    c.ids = std::move(ids);
    return c;
}

asio::awaitable<TestRun> run_tests(sandbox::Sandbox& box, const std::string& dir, const RunnerConfig& config, double timeout_seconds) {
    sandbox::Request r;
    // -s -P: no user site, and not the working directory on sys.path at start-up, so a
    // sitecustomize.py in the repository is never imported. The environment is ours alone:
    // PYTHONHASHSEED=0 makes set and dict-of-str orders, and so failure messages, repeatable.
    r.argv = {"python3", "-s", "-P", "-c", kJunitRunner};
    r.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0", "LANG=C.UTF-8"};
    r.workdir = dir;
    r.cwd = "/workspace";
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    const std::string nonce = "envforge-" + std::to_string(rng());
    r.stdin_data = nonce + "\n" + config.to_json().dump() + "\n";
    r.limits.wall_seconds = timeout_seconds;
    r.limits.cpu_seconds = timeout_seconds;
    // Real suites start threads and subprocesses (a pids limit of 64 made them fail), and some
    // need memory: generous bounds, still far from the host's.
    r.limits.memory_bytes = 2ll << 30;
    r.limits.processes = 1024;
    r.limits.open_files = 1024;
    r.limits.output_bytes = 8 << 20;
    sandbox::Result res = co_await box.run(std::move(r));
    TestRun run;
    const std::string out = res.out.text();
    const size_t b = out.find(nonce + "-BEGIN\n"), e = out.find(nonce + "-END");
    if (b == std::string::npos || e == std::string::npos) {
        run.timed_out = res.reason == sandbox::Reason::TimeoutWall || res.reason == sandbox::Reason::TimeoutCpu;
        run.error = "the test run produced no report (" + std::string(sandbox::reason_name(res.reason)) +
                    (res.setup_error.empty() ? "" : ": " + res.setup_error) + "): " + res.err.text().substr(0, 400);
        co_return run;
    }
    const std::string_view report = std::string_view(out).substr(b, e - b);
    run.tests = parse_junit(report);
    for (size_t i = report.find("<coverage "); i != std::string_view::npos; i = report.find("<coverage ", i + 1)) {
        const std::string_view tag = report.substr(i, report.find("/>", i) - i);
        std::set<int>& lines = run.coverage[junit_attr(tag, "file")];
        std::stringstream ss(junit_attr(tag, "lines"));
        for (std::string n; std::getline(ss, n, ',');)
            if (!n.empty()) lines.insert(std::atoi(n.c_str()));
    }
    const size_t suite = report.find("<testsuite");
    if (suite != std::string_view::npos) run.runner = junit_attr(report.substr(suite, report.find('>', suite) - suite), "runner");
    co_return run;
}

TestRun run_tests_blocking(const std::string& dir, const RunnerConfig& config, double timeout_seconds) {
    struct PerThread {
        asio::io_context io;
        std::unique_ptr<sandbox::Sandbox> box;
    };
    thread_local PerThread t;
    if (!t.box) t.box = std::make_unique<sandbox::Sandbox>(t.io, sandbox_backend(), 4);
    auto f = asio::co_spawn(t.io, run_tests(*t.box, dir, config, timeout_seconds), asio::use_future);
    t.io.restart();
    t.io.run();
    return f.get();
}

}  // namespace envforge::code
