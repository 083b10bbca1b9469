#include "envgen/code/code_project.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "envgen/junit_runner.hpp"
#include "envgen/mutate.hpp"
#include "envgen/episode_workspace.hpp"
#include "envgen/interp/interp_kind.hpp"
#include "sandbox/sandbox.hpp"
#include "tasks/errors.hpp"

#ifndef ENVFORGE_SOURCE_DIR
#define ENVFORGE_SOURCE_DIR "."
#endif

namespace envforge::code {

namespace fs = std::filesystem;
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

bool safe_relative(const std::string& p) {
    if (p.empty() || p[0] == '/' || p.find('\0') != std::string::npos) return false;
    for (const auto& part : fs::path(p))
        if (part == ".." || part == ".") return false;
    return true;
}

std::string unescape_xml(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        const size_t semi = s.find(';', i);
        if (semi == std::string_view::npos) {
            out += s[i];
            continue;
        }
        const std::string_view ent = s.substr(i + 1, semi - i - 1);
        if (ent == "lt") out += '<';
        else if (ent == "gt") out += '>';
        else if (ent == "amp") out += '&';
        else if (ent == "quot") out += '"';
        else if (ent == "apos") out += '\'';
        else if (!ent.empty() && ent[0] == '#') {
            const long cp = ent.size() > 1 && ent[1] == 'x' ? std::strtol(std::string(ent.substr(2)).c_str(), nullptr, 16)
                                                             : std::strtol(std::string(ent.substr(1)).c_str(), nullptr, 10);
            if (cp < 0x80) out += static_cast<char>(cp);
            else out += "?";
        } else {
            out += '&';
            continue;
        }
        i = semi;
    }
    return out;
}

std::string attr(std::string_view tag, std::string_view name) {
    const std::string key = " " + std::string(name) + "=\"";
    const size_t at = tag.find(key);
    if (at == std::string_view::npos) return "";
    const size_t b = at + key.size(), e = tag.find('"', b);
    return unescape_xml(tag.substr(b, e - b));
}

// The runner's JUnit XML: <testcase classname name> with an optional failure/error/skipped child.
std::vector<TestOutcome> parse_junit(std::string_view xml) {
    std::vector<TestOutcome> out;
    for (size_t i = xml.find("<testcase"); i != std::string_view::npos; i = xml.find("<testcase", i + 1)) {
        const size_t close = xml.find("</testcase>", i);
        const std::string_view block = xml.substr(i, close - i);
        const std::string_view open = block.substr(0, block.find('>'));
        TestOutcome t;
        t.id = attr(open, "id");
        if (t.id.empty()) {
            const std::string cls = attr(open, "classname"), name = attr(open, "name");
            t.id = cls.empty() ? name : cls + "." + name;
        }
        t.status = "passed";
        for (const char* kind : {"failure", "error", "skipped"})
            if (const size_t k = block.find(std::string("<") + kind); k != std::string_view::npos) {
                t.status = std::string(kind) == "failure" ? "failed" : kind;
                t.message = attr(block.substr(k, block.find('>', k) - k), "message");
            }
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace

void write_files(const std::string& dir, const Files& files) {
    for (const auto& [path, content] : files) {
        if (!safe_relative(path)) throw InvalidInput("file path '" + path + "' must be relative and stay inside the repository");
        const fs::path full = fs::path(dir) / path;
        fs::create_directories(full.parent_path());
        std::ofstream f(full, std::ios::binary | std::ios::trunc);
        f << content;
        if (!f) throw IoError("cannot write '" + full.string() + "'");
    }
}

Files read_tree(const std::string& dir) {
    Files out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        const std::string name = it->path().filename().string();
        if (it->is_symlink()) continue;
        if (it->is_directory() && (name == ".git" || name == "__pycache__")) {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file() || name.ends_with(".pyc")) continue;
        std::ifstream f(it->path(), std::ios::binary);
        std::stringstream ss;
        ss << f.rdbuf();
        out[fs::relative(it->path(), dir).string()] = ss.str();
    }
    return out;
}

asio::awaitable<TestRun> run_tests(sandbox::Sandbox& box, const std::string& dir, const std::string& runner, const std::string& test_dir,
                                   const std::vector<std::string>& ids, double timeout_seconds, double per_test_seconds) {
    sandbox::Request r;
    // -s -P: no user site, and not the working directory on sys.path at start-up, so a
    // sitecustomize.py in the repository is never imported. The environment is ours alone:
    // PYTHONHASHSEED=0 makes set and dict-of-str orders, and so failure messages, repeatable.
    r.argv = {"python3", "-s", "-P", "-c", kJunitRunner, runner, test_dir};
    r.argv.insert(r.argv.end(), ids.begin(), ids.end());
    r.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "PYTHONDONTWRITEBYTECODE=1", "PYTHONHASHSEED=0", "LANG=C.UTF-8",
             "ENVFORGE_TEST_TIMEOUT=" + std::to_string(per_test_seconds)};
    r.workdir = dir;
    r.cwd = "/workspace";
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    const std::string nonce = "envforge-" + std::to_string(rng());
    r.stdin_data = nonce + "\n";
    r.limits.wall_seconds = timeout_seconds;
    r.limits.cpu_seconds = timeout_seconds;
    r.limits.memory_bytes = 1ll << 30;
    r.limits.processes = 64;
    r.limits.output_bytes = 8 << 20;
    sandbox::Result res = co_await box.run(std::move(r));
    TestRun run;
    const std::string out = res.out.text();
    const size_t b = out.find(nonce + "-BEGIN\n"), e = out.find(nonce + "-END");
    if (b == std::string::npos || e == std::string::npos) {
        run.error = "the test run produced no report (" + std::string(sandbox::reason_name(res.reason)) +
                    (res.setup_error.empty() ? "" : ": " + res.setup_error) + "): " + res.err.text().substr(0, 400);
        co_return run;
    }
    const std::string_view report = std::string_view(out).substr(b, e - b);
    run.tests = parse_junit(report);
    const size_t suite = report.find("<testsuite");
    if (suite != std::string_view::npos) run.runner = attr(report.substr(suite, report.find('>', suite) - suite), "runner");
    co_return run;
}

TestRun run_tests_blocking(const std::string& dir, const std::string& runner, const std::string& test_dir, const std::vector<std::string>& ids,
                           double timeout_seconds, double per_test_seconds) {
    struct PerThread {
        asio::io_context io;
        std::unique_ptr<sandbox::Sandbox> box;
    };
    thread_local PerThread t;
    if (!t.box) t.box = std::make_unique<sandbox::Sandbox>(t.io, sandbox_backend(), 4);
    auto f = asio::co_spawn(t.io, run_tests(*t.box, dir, runner, test_dir, ids, timeout_seconds, per_test_seconds), asio::use_future);
    t.io.restart();
    t.io.run();
    return f.get();
}

namespace {

std::vector<Mutant> make_mutants(const Project& p) {
    Json files = Json::object();
    for (const auto& [path, content] : p.files)
        for (const auto& d : p.source_dirs)
            if (path.rfind(d + "/", 0) == 0 && path.ends_with(".py")) files.set(path, content);
    const PrivateDir tmp("mutate");
    const std::string& dir = tmp.path();
    write_files(dir, {{"mutate.py", kMutatePy}, {"request.json", Json::object({{"files", files}}).dump()}});
    // The sandbox's own interpreter parses the program (its ast is the one the tests run with).
    asio::io_context io;
    sandbox::Sandbox box(io, sandbox_backend(), 1);
    sandbox::Request r;
    r.argv = {"sh", "-c", "python3 -I mutate.py < request.json"};
    r.env = {"PATH=/usr/bin:/bin"};
    r.workdir = dir;
    r.limits.wall_seconds = 120;
    r.limits.cpu_seconds = 120;
    r.limits.output_bytes = 64 << 20;
    auto f = asio::co_spawn(io, box.run(std::move(r)), asio::use_future);
    io.run();
    const sandbox::Result res = f.get();
    const Json j = Json::parse(res.out.text(), "mutants of " + p.name);
    if (j.is_object()) throw InvalidInput("project '" + p.name + "': " + j.get_string("error"));
    std::vector<Mutant> out;
    for (const Json& m : j.as_array())
        out.push_back({m.get_string("file"), m.get_string("op"), m.get_string("description"), m.get_string("old"), m.get_string("new"),
                       static_cast<int>(m.get_int("line")), static_cast<size_t>(m.get_int("start")), static_cast<size_t>(m.get_int("end"))});
    return out;
}

}  // namespace

Project load_project(const std::string& dir, int gold_runs, const Json& overrides) {
    Project p;
    p.dir = dir;
    Json seed = Json::object();
    if (fs::exists(dir + "/seed.json")) {
        std::ifstream f(dir + "/seed.json");
        std::stringstream ss;
        ss << f.rdbuf();
        seed = Json::parse(ss.str(), dir + "/seed.json");
    }
    for (const auto& m : overrides.as_object()) seed.set(m.key, m.value);
    p.name = seed.get_string("name", fs::path(dir).filename().string());
    p.description = seed.get_string("description");
    p.test_dir = seed.get_string("test_dir", "tests");
    p.runner = seed.get_string("runner", "unittest");
    p.test_timeout = seed.get_number("test_timeout", 60);
    if (p.runner != "unittest" && p.runner != "pytest" && p.runner != "auto")
        throw InvalidInput("project '" + dir + "': runner must be unittest, pytest or auto, not '" + p.runner + "'");
    if (const Json* sd = seed.find("source_dirs"); sd && sd->is_array())
        for (const Json& d : sd->as_array()) p.source_dirs.push_back(d.as_string());
    if (p.source_dirs.empty()) throw InvalidInput("project '" + dir + "': no source directories (seed.json 'source_dirs', or --src)");
    p.files = read_tree(dir);
    p.files.erase("seed.json");
    // The gold state, N times: a test counts when it passed every time; one that passed only
    // sometimes is flaky and is left out of every verdict.
    std::map<std::string, int> passes;
    std::set<std::string> seen;
    PrivateDir gold("gold");
    const std::string run_dir = gold.path();
    write_files(run_dir, p.files);
    for (int i = 0; i < gold_runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        TestRun r = run_tests_blocking(run_dir, p.runner, p.test_dir, {});
        p.gold_seconds = std::max(p.gold_seconds, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        if (!r.ok()) {
            throw InvalidInput("project '" + p.name + "': " + r.error);
        }
        // "auto" becomes what this sandbox actually ran, so tasks name tests one way for good.
        if (p.runner == "auto" && !r.runner.empty()) p.runner = r.runner;
        for (const auto& t : r.tests) {
            seen.insert(t.id);
            if (t.status == "passed") ++passes[t.id];
        }
    }
    gold.remove();
    std::vector<std::string> failing;
    for (const auto& id : seen) {
        const int n = passes.count(id) ? passes[id] : 0;
        if (n == gold_runs) p.passing.push_back(id);
        else if (n > 0) p.flaky.push_back(id);
        else failing.push_back(id);
    }
    if (!failing.empty()) {
        std::string names;
        for (size_t i = 0; i < failing.size() && i < 10; ++i) names += (i ? ", " : "") + failing[i];
        throw InvalidInput("project '" + p.name + "' does not pass its own suite: " + std::to_string(failing.size()) + " failing (" + names + ")");
    }
    if (p.passing.empty()) throw InvalidInput("project '" + p.name + "': the suite ran no test");
    p.gold_runs = gold_runs;
    p.mutants = make_mutants(p);
    return p;
}

std::vector<std::string> bundled_seed_dirs() {
    std::string root;
    if (const char* env = std::getenv("ENVFORGE_SEEDS_DIR"); env && *env) root = env;
    else root = std::string(ENVFORGE_SOURCE_DIR) + "/datasets/seeds/code";
    std::vector<std::string> out;
    if (fs::is_directory(root))
        for (const auto& e : fs::directory_iterator(root))
            if (e.is_directory() && fs::exists(e.path() / "seed.json")) out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    if (out.empty()) throw IoError("no bundled code seeds in '" + root + "' (set ENVFORGE_SEEDS_DIR)");
    return out;
}

}  // namespace envforge::code
