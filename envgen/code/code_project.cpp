#include "envgen/code/code_project.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "common/errors.hpp"
#include "common/install_paths.hpp"
#include "common/utf8.hpp"
#include "envgen/episode_workspace.hpp"
#include "envgen/episode_sandbox.hpp"
#include "envgen/junit_runner.hpp"
#include "envgen/mutate.hpp"
#include "sandbox/sandbox.hpp"

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

// An attribute of a start tag, quoted with " or ' (quoteattr picks ' when the value holds ").
std::string attr(std::string_view tag, std::string_view name) {
    for (size_t at = tag.find(name); at != std::string_view::npos; at = tag.find(name, at + 1)) {
        if (at == 0 || tag[at - 1] != ' ' || tag.size() < at + name.size() + 2 || tag[at + name.size()] != '=') continue;
        const char quote = tag[at + name.size() + 1];
        if (quote != '"' && quote != '\'') continue;
        const size_t b = at + name.size() + 2, e = tag.find(quote, b);
        if (e == std::string_view::npos) return "";
        return unescape_xml(tag.substr(b, e - b));
    }
    return "";
}

constexpr const char* kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    for (size_t i = 0; i < in.size(); i += 3) {
        uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
        if (i + 1 < in.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
        if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
        out.push_back(kBase64[(v >> 18) & 63]);
        out.push_back(kBase64[(v >> 12) & 63]);
        out.push_back(i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=');
        out.push_back(i + 2 < in.size() ? kBase64[v & 63] : '=');
    }
    return out;
}

std::string base64_decode(std::string_view in) {
    // Each episode and verification decodes the task's binary files: a table, not a search of
    // the alphabet per character. -1 marks what is skipped (padding, line breaks).
    static const std::array<int8_t, 256> value = [] {
        std::array<int8_t, 256> t;
        t.fill(-1);
        for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kBase64[i])] = static_cast<int8_t>(i);
        return t;
    }();
    std::string out;
    out.reserve(in.size() / 4 * 3);
    uint32_t v = 0;
    int bits = 0;
    for (char c : in) {
        const int8_t d = value[static_cast<unsigned char>(c)];
        if (d < 0) continue;
        v = (v << 6) | static_cast<uint32_t>(d);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((v >> bits) & 0xff));
        }
    }
    return out;
}

std::vector<std::string> json_strings(const Json* j) {
    std::vector<std::string> out;
    if (j && j->is_array())
        for (const Json& e : j->as_array()) out.push_back(e.as_string());
    return out;
}

Json json_array(const std::vector<std::string>& v) {
    JsonArray a;
    for (const auto& s : v) a.emplace_back(s);
    return Json(std::move(a));
}

}  // namespace

// The runner's JUnit XML: <testcase id status time> with an optional failure/error/skipped child
// (reports without `status` or `id`, as other runners write them, are read from the children
// and from classname + name).
std::vector<TestOutcome> parse_junit(std::string_view xml) {
    std::vector<TestOutcome> out;
    for (size_t i = xml.find("<testcase"); i != std::string_view::npos; i = xml.find("<testcase", i + 1)) {
        const size_t close = xml.find("</testcase>", i);
        const std::string_view block = xml.substr(i, close == std::string_view::npos ? std::string_view::npos : close - i);
        const std::string_view open = block.substr(0, block.find('>'));
        TestOutcome t;
        t.id = attr(open, "id");
        if (t.id.empty()) {
            const std::string cls = attr(open, "classname"), name = attr(open, "name");
            t.id = cls.empty() ? name : cls + "." + name;
        }
        t.seconds = std::atof(attr(open, "time").c_str());
        t.status = "passed";
        for (const char* kind : {"failure", "error", "skipped"})
            if (const size_t k = block.find(std::string("<") + kind); k != std::string_view::npos) {
                t.status = std::string(kind) == "failure" ? "failed" : kind;
                t.message = attr(block.substr(k, block.find('>', k) - k), "message");
            }
        if (const std::string status = attr(open, "status"); !status.empty()) t.status = status;
        out.push_back(std::move(t));
    }
    return out;
}

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

Json files_to_json(const Files& files) {
    Json out = Json::object();
    for (const auto& [path, content] : files)
        out.set(path, is_valid_utf8(content) ? Json(content) : Json::object({{"base64", base64_encode(content)}}));
    return out;
}

Files files_from_json(const Json& files) {
    Files out;
    for (const auto& f : files.as_object())
        out[f.key] = f.value.is_string() ? f.value.as_string() : base64_decode(f.value.get_string("base64"));
    return out;
}

bool in_test_dir(const std::string& path, const std::string& test_dir) {
    return !test_dir.empty() && test_dir != "." && (path == test_dir || path.rfind(test_dir + "/", 0) == 0);
}

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

RunnerConfig RunnerConfig::from_task(const Json& env) {
    RunnerConfig c;
    c.runner = env.get_string("runner", "unittest");
    c.test_dir = env.get_string("test_dir", "tests");
    if (const Json* r = env.find("roots")) c.roots = json_strings(r);
    c.own = json_strings(env.find("own"));
    c.per_test_seconds = kTaskPerTestSeconds;
    if (const Json* lim = env.find("test_limits"); lim && lim->is_object())
        for (const auto& m : lim->as_object()) c.limits[m.key] = m.value.as_number();
    if (const Json* d = env.find("dist"); d && d->is_array() && d->as_array().size() == 2) {
        c.dist_name = d->as_array()[0].as_string();
        c.dist_version = d->as_array()[1].as_string();
    }
    return c;
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
        std::set<int>& lines = run.coverage[attr(tag, "file")];
        std::stringstream ss(attr(tag, "lines"));
        for (std::string n; std::getline(ss, n, ',');)
            if (!n.empty()) lines.insert(std::atoi(n.c_str()));
    }
    const size_t suite = report.find("<testsuite");
    if (suite != std::string_view::npos) run.runner = attr(report.substr(suite, report.find('>', suite) - suite), "runner");
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

namespace {

std::vector<Mutant> make_mutants(const Project& p) {
    // The source files, never the tests (a package may hold its own test directory), and only
    // UTF-8 text: the interpreter parses nothing else as Python.
    Json files = Json::object();
    for (const auto& [path, content] : p.files)
        for (const auto& d : p.source_dirs)
            if ((path.rfind(d + "/", 0) == 0 || path == d) && path.ends_with(".py") && !in_test_dir(path, p.test_dir) &&
                is_valid_utf8(content))
                files.set(path, content);
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
    if (res.reason != sandbox::Reason::Exit || res.exit_code != 0)
        throw InvalidInput("project '" + p.name + "': making mutants failed (" + sandbox::reason_name(res.reason) +
                           "): " + res.err.text().substr(0, 300));
    const Json j = Json::parse(res.out.text(), "mutants of " + p.name);
    for (const Json& skipped : j.at("skipped").as_array())
        std::fprintf(stderr, "code: %s: not mutated (does not parse): %s\n", p.name.c_str(), skipped.as_string().c_str());
    std::vector<Mutant> out;
    for (const Json& m : j.at("mutants").as_array())
        out.push_back({m.get_string("file"), m.get_string("op"), m.get_string("description"), m.get_string("old"), m.get_string("new"),
                       static_cast<int>(m.get_int("line")), static_cast<size_t>(m.get_int("start")),
                       static_cast<size_t>(m.get_int("end"))});
    return out;
}

}  // namespace

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// `key = "value"` in the given [section] of a TOML or INI file ("" when absent or not a literal).
std::string config_value(const std::string& text, const std::string& section, const std::string& key) {
    std::istringstream in(text);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        const size_t b = line.find_first_not_of(" \t");
        if (b == std::string::npos) continue;
        line = line.substr(b);
        if (line[0] == '[') {
            inside = line.rfind("[" + section + "]", 0) == 0;
            continue;
        }
        if (!inside || line.rfind(key, 0) != 0) continue;
        std::string rest = line.substr(key.size());
        const size_t eq = rest.find_first_not_of(" \t");
        if (eq == std::string::npos || (rest[eq] != '=' && rest[eq] != ':')) continue;
        rest = rest.substr(eq + 1);
        const size_t v = rest.find_first_not_of(" \t");
        if (v == std::string::npos) return "";
        rest = rest.substr(v);
        if (rest[0] == '"' || rest[0] == '\'') {
            const size_t e = rest.find(rest[0], 1);
            return e == std::string::npos ? "" : rest.substr(1, e - 1);
        }
        if (section == "metadata" && rest.find_first_of(" :") == std::string::npos) return rest;  // setup.cfg: bare values
        return "";
    }
    return "";
}

// Where the project imports from and what it defines: "src/pkg" (a package) -> root "src",
// package "pkg"; "pkg.py" -> root ".", module "pkg"; a directory without __init__.py that holds
// packages, or is called src or lib -> a root of its packages and modules (src layout); any
// other directory without __init__.py -> a namespace package.
void import_layout(Project& p) {
    std::set<std::string> roots, own;
    for (const auto& d : p.source_dirs) {
        const fs::path rel(d), full = fs::path(p.dir) / d;
        const std::string parent = rel.parent_path().empty() ? "." : rel.parent_path().string();
        if (d.ends_with(".py")) {
            roots.insert(parent);
            own.insert(rel.stem().string());
            continue;
        }
        if (fs::exists(full / "__init__.py")) {
            roots.insert(parent);
            own.insert(rel.filename().string());
            continue;
        }
        std::set<std::string> children;
        bool packages = false;
        for (const auto& e : fs::directory_iterator(full)) {
            const std::string name = e.path().filename().string();
            if (e.is_directory() && fs::exists(e.path() / "__init__.py")) children.insert(name), packages = true;
            else if (e.is_regular_file() && name.ends_with(".py") && name != "setup.py" && name != "conftest.py")
                children.insert(e.path().stem().string());
        }
        const std::string base = rel.filename().string();
        if (packages || base == "src" || base == "lib") {
            roots.insert(d);
            own.insert(children.begin(), children.end());
        } else {
            roots.insert(parent);
            own.insert(base);
        }
    }
    p.roots.assign(roots.begin(), roots.end());
    if (p.roots.empty()) p.roots = {"."};
    p.own.assign(own.begin(), own.end());
}

// The distribution name and version, as `pip install -e .` would register them.
void distribution(Project& p) {
    const fs::path pyproject = fs::path(p.dir) / "pyproject.toml", setup_cfg = fs::path(p.dir) / "setup.cfg";
    if (fs::exists(pyproject)) {
        const std::string text = read_text(pyproject);
        p.dist_name = config_value(text, "project", "name");
        p.dist_version = config_value(text, "project", "version");
    }
    if (p.dist_name.empty() && fs::exists(setup_cfg)) {
        const std::string text = read_text(setup_cfg);
        p.dist_name = config_value(text, "metadata", "name");
        p.dist_version = config_value(text, "metadata", "version");
    }
    // A dynamic version (from git tags, a __version__ attribute) is unknowable without building.
    if (!p.dist_name.empty() && p.dist_version.empty()) p.dist_version = "0+envforge";
}

// What a suite that cannot import needs, named: a module of the project that is not in the
// repository (built from C or Cython sources, which envforge does not compile) or a third-party
// module the sandbox's interpreter lacks.
std::string missing_module_cause(const Project& p, const std::vector<const TestOutcome*>& failing) {
    for (const TestOutcome* t : failing) {
        const size_t at = t->message.find("No module named '");
        if (at == std::string::npos) continue;
        const size_t b = at + 17, e = t->message.find('\'', b);
        const std::string mod = t->message.substr(b, e - b);
        const std::string top = mod.substr(0, mod.find('.'));
        if (std::find(p.own.begin(), p.own.end(), top) != p.own.end())
            return "the suite imports '" + mod +
                   "', which is part of the project but not in the repository: it is probably built "
                   "from C or Cython sources, and envforge does not build extensions";
        return "the suite imports '" + mod +
               "', which the sandbox's python3 does not have; install it for the system interpreter "
               "(for example the Debian package python3-" +
               top + ") or choose a repository without that dependency";
    }
    return "";
}

}  // namespace

Project describe_project(const std::string& dir, const Json& overrides) {
    Project p;
    p.dir = dir;
    if (!fs::is_directory(dir)) throw InvalidInput("repository '" + dir + "' is not a directory");
    Json seed = Json::object();
    if (fs::exists(dir + "/seed.json")) seed = Json::parse(read_text(dir + "/seed.json"), dir + "/seed.json");
    for (const auto& m : overrides.as_object()) seed.set(m.key, m.value);
    p.name = seed.get_string("name", fs::path(dir).filename().string());
    p.description = seed.get_string("description");
    p.test_dir = seed.get_string("test_dir", "tests");
    p.runner = seed.get_string("runner", "unittest");
    p.test_timeout = seed.get_number("test_timeout", 60);
    p.ignore_failing = seed.get_bool("ignore_failing", false);
    if (p.runner != "unittest" && p.runner != "pytest" && p.runner != "auto")
        throw InvalidInput("project '" + dir + "': runner must be unittest, pytest or auto, not '" + p.runner + "'");
    if (const Json* sd = seed.find("source_dirs"); sd && sd->is_array())
        for (const Json& d : sd->as_array()) {
            std::string s = d.as_string();
            while (s.size() > 1 && s.back() == '/') s.pop_back();
            p.source_dirs.push_back(s);
        }
    if (p.source_dirs.empty()) throw InvalidInput("project '" + dir + "': no source directories (seed.json 'source_dirs', or --src)");
    for (const auto& d : p.source_dirs) {
        const fs::path full = fs::path(dir) / d;
        if (d.empty() || d[0] == '/' || d.find("..") != std::string::npos)
            throw InvalidInput("--src '" + d + "': expected a directory inside the repository, relative to it");
        if (!fs::exists(full)) throw InvalidInput("--src '" + d + "': no such directory in '" + dir + "'");
        bool any_py = d.ends_with(".py");
        if (fs::is_directory(full))
            for (auto it = fs::recursive_directory_iterator(full); it != fs::recursive_directory_iterator() && !any_py; ++it)
                any_py = it->path().extension() == ".py";
        if (!any_py) throw InvalidInput("--src '" + d + "': holds no Python files");
    }
    if (!fs::exists(fs::path(dir) / p.test_dir))
        throw InvalidInput("--test-dir '" + p.test_dir + "': no such directory (or test file) in '" + dir + "'");
    import_layout(p);
    distribution(p);
    p.files = read_tree(dir);
    p.files.erase("seed.json");
    return p;
}

Project load_project(const std::string& dir, int gold_runs, const Json& overrides) {
    Project p = describe_project(dir, overrides);
    // The gold state, N times: a test counts when it passed every time; one that passed only
    // sometimes is flaky and is left out of every verdict, as are skipped and expected failures.
    std::map<std::string, int> passes, neutral;
    std::set<std::string> seen;
    std::vector<TestOutcome> last;
    PrivateDir gold("gold");
    const std::string run_dir = gold.path();
    write_files(run_dir, p.files);
    for (int i = 0; i < gold_runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        TestRun r = run_tests_blocking(run_dir, runner_config(p), std::max(600.0, 3 * p.test_timeout));
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        p.gold_seconds = std::max(p.gold_seconds, secs);
        if (!r.ok()) throw InvalidInput("project '" + p.name + "': " + r.error);
        // "auto" becomes what this sandbox actually ran, so tasks name tests one way for good.
        if (p.runner == "auto" && !r.runner.empty()) p.runner = r.runner;
        for (const auto& t : r.tests) {
            seen.insert(t.id);
            if (t.status == "passed") ++passes[t.id];
            else if (t.neutral()) ++neutral[t.id];
            p.gold_test_seconds[t.id] = std::max(p.gold_test_seconds[t.id], t.seconds);
        }
        std::fprintf(stderr, "code: %s: gold run %d/%d: %zu tests in %.1f s\n", p.name.c_str(), i + 1, gold_runs, r.tests.size(), secs);
        last = std::move(r.tests);
    }
    gold.remove();
    std::vector<std::string> failing;
    for (const auto& id : seen) {
        const int n = passes.count(id) ? passes[id] : 0;
        if (n == gold_runs) p.passing.push_back(id);
        else if (neutral.count(id) && n + neutral[id] == gold_runs) p.neutral.push_back(id);
        else if (n > 0) p.flaky.push_back(id);
        else failing.push_back(id);
    }
    if (!failing.empty() && p.ignore_failing) {
        // Tests that fail in this sandbox whatever the source (they need the network, a missing
        // file, another platform): out of every verdict, as SWE-bench leaves them out of PASS_TO_PASS.
        p.broken = failing;
        failing.clear();
    }
    if (!failing.empty()) {
        const std::set<std::string> failing_ids(failing.begin(), failing.end());
        std::vector<const TestOutcome*> failed;
        for (const auto& t : last)
            if (failing_ids.count(t.id)) failed.push_back(&t);
        if (std::string cause = missing_module_cause(p, failed); !cause.empty()) throw InvalidInput("project '" + p.name + "': " + cause);
        std::string names;
        for (size_t i = 0; i < failing.size() && i < 10; ++i) names += (i ? ", " : "") + failing[i];
        std::string first = failed.empty() ? "" : failed[0]->message.substr(0, 200);
        for (auto& c : first)
            if (c == '\n') c = ' ';
        throw InvalidInput("project '" + p.name + "' does not pass its own suite: " + std::to_string(failing.size()) + " failing (" +
                           names + ")" + (first.empty() ? "" : "; first: " + first) +
                           "; --ignore-failing sets tests that always fail aside");
    }
    if (p.passing.empty()) throw InvalidInput("project '" + p.name + "': the suite ran no test (is --test-dir right?)");
    p.gold_runs = gold_runs;
    p.mutants = make_mutants(p);
    // Only lines some test runs can make a task: one traced run of the suite finds them, and the
    // rest of the candidates are dropped before any is tried.
    {
        RunnerConfig traced = runner_config(p);
        traced.coverage = p.source_dirs;
        PrivateDir cov_dir("coverage");
        write_files(cov_dir.path(), p.files);
        const auto t0 = std::chrono::steady_clock::now();
        const TestRun cov = run_tests_blocking(cov_dir.path(), traced, std::max(600.0, 10 * p.gold_seconds));
        if (cov.ok() && !cov.coverage.empty()) {
            const size_t before = p.mutants.size();
            std::erase_if(p.mutants, [&](const Mutant& m) {
                auto it = cov.coverage.find(m.file);
                return it == cov.coverage.end() || !it->second.count(m.line);
            });
            p.uncovered_mutants = before - p.mutants.size();
        }
        std::fprintf(stderr, "code: %s: coverage run in %.1f s: %zu of %zu candidate mutants are on lines no test runs\n", p.name.c_str(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), p.uncovered_mutants,
                     p.mutants.size() + p.uncovered_mutants);
    }
    std::fprintf(stderr,
                 "code: %s: %zu passing tests (%zu flaky, %zu skipped or expected failures, %zu always failing and set aside), %zu "
                 "candidate mutants\n",
                 p.name.c_str(), p.passing.size(), p.flaky.size(), p.neutral.size(), p.broken.size(), p.mutants.size());
    return p;
}

std::vector<std::string> bundled_seed_dirs() {
    std::string root;
    if (const char* env = std::getenv("ENVFORGE_SEEDS_DIR"); env && *env) root = env;
    else if (std::string installed = installed_data_path("seeds/code"); !installed.empty()) root = installed;
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
