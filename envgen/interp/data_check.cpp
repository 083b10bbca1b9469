#include "envgen/interp/data_check.hpp"

#include <fstream>
#include <map>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "common/json.hpp"
#include "envgen/episode_sandbox.hpp"
#include "envgen/episode_workspace.hpp"
#include "sandbox/sandbox.hpp"

namespace envforge::interp {

namespace asio = boost::asio;

namespace {

// Runs each program of programs.json with its stdout swallowed and prints, between the nonce
// lines, one JSON line per program: {"result": ...} or {"error": "..."}. numpy scalars and
// arrays become Python numbers and lists; a value JSON cannot hold is an error.
constexpr const char* kHarness = R"PY(
import contextlib, io, json, math, sys
nonce = sys.stdin.readline().strip()
programs = json.load(open("programs.json"))
def plain(v):
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, bool) or v is None:
        raise TypeError("result is %r" % (v,))
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("result is %r" % (v,))
    if isinstance(v, (int, float, str)):
        return v
    raise TypeError("result has type %s" % type(v).__name__)
lines = []
for code in programs:
    ns = {}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, "<reference>", "exec"), ns)
        lines.append(json.dumps({"result": plain(ns["result"])}))
    except BaseException as e:
        lines.append(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
print(nonce + "-BEGIN")
print("\n".join(lines))
print(nonce + "-END")
)PY";

asio::awaitable<sandbox::Result> run_batch(sandbox::Sandbox& box, const std::string& dir, const std::string& nonce, double timeout) {
    sandbox::Request r;
    r.argv = {"python3", "-s", "-P", "-c", kHarness};
    r.env = {"PATH=/usr/local/bin:/usr/bin:/bin",
             "HOME=/tmp",
             "PYTHONDONTWRITEBYTECODE=1",
             "LANG=C.UTF-8",
             "OMP_NUM_THREADS=1",
             "OPENBLAS_NUM_THREADS=1"};
    r.workdir = dir;
    r.cwd = "/workspace";
    r.stdin_data = nonce + "\n";
    r.limits.wall_seconds = timeout;
    r.limits.cpu_seconds = timeout;
    r.limits.memory_bytes = 2ll << 30;
    r.limits.processes = 64;
    r.limits.output_bytes = 16 << 20;
    co_return co_await box.run(std::move(r));
}

}  // namespace

std::vector<ProgramResult> run_reference_programs(const std::vector<const DataQuestion*>& questions, double timeout_seconds) {
    std::vector<ProgramResult> out(questions.size());
    if (questions.empty()) return out;
    const PrivateDir dir("interp-data");
    JsonArray programs;
    std::map<std::string, const Table*> files;
    for (const DataQuestion* q : questions) {
        programs.emplace_back(q->check_code);
        files[q->table->file] = q->table;
    }
    for (const auto& [name, t] : files) std::ofstream(dir.path() + "/" + name, std::ios::binary) << t->content;
    std::ofstream(dir.path() + "/programs.json") << Json(std::move(programs)).dump();
    asio::io_context io;
    sandbox::Sandbox box(io, sandbox_backend(), 1);
    const std::string nonce = "envforge-" + std::to_string(std::random_device{}());
    auto f = asio::co_spawn(io, run_batch(box, dir.path(), nonce, timeout_seconds), asio::use_future);
    io.run();
    const sandbox::Result res = f.get();
    const std::string text = res.out.text();
    const size_t b = text.find(nonce + "-BEGIN\n"), e = text.find(nonce + "-END");
    if (b == std::string::npos || e == std::string::npos || e < b) {
        const std::string why = "the reference programs produced no report (" + std::string(sandbox::reason_name(res.reason)) +
                                "): " + res.err.text().substr(0, 300);
        for (auto& r : out) r.error = why;
        return out;
    }
    std::istringstream lines(text.substr(b + nonce.size() + 7, e - b - nonce.size() - 7));
    size_t i = 0;
    for (std::string line; std::getline(lines, line) && i < out.size(); ++i) {
        try {
            const Json j = Json::parse(line, "a reference program's report");
            if (const Json* r = j.find("result")) out[i].result = r->dump();
            else out[i].error = j.get_string("error", "no result");
        } catch (const std::exception& ex) {
            out[i].error = ex.what();
        }
    }
    for (; i < out.size(); ++i) out[i].error = "no report line";
    return out;
}

}  // namespace envforge::interp
