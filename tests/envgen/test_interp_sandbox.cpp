// Code-interpreter tasks in the real sandbox: the Python reference agrees with the C++ answer and
// every probe gives its expected verdict. Linked with test_main_sandbox.cpp: a host without the
// sandbox skips (exit 77) instead of passing.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "envgen/interp/interp_kind.hpp"
#include "tasks/scripted_policy.hpp"
#include "tests/play_script.hpp"

using namespace envforge;
using envforge::testing::play;

TEST_CASE("interp: the Python reference agrees with the C++ answer in the sandbox; probes fail") {
    for (size_t index = 0; index < 3; ++index)
        for (int d = 1; d <= 5; ++d) {
            SynthRequest req;
            req.seed = 1000 + index * 10 + static_cast<uint64_t>(d);
            req.difficulty = d;
            req.index = index;
            Task t = require_kind("interp").synthesize(req);
            for (const auto& p : all_probes(t)) {
                Episode ep = play(t, p.script);
                INFO(t.generator_name << " d" << d << " " << p.name << " " << t.prompt << " " << ep.verdict.details.dump());
                CHECK(ep.verdict.passed == p.expect_pass);
            }
        }
}

TEST_CASE("interp: each io_context owns its sandbox; twenty in a row neither collide nor run out") {
    // Sandboxes were once kept in a process-wide map by io_context address: a later io_context at
    // a reused address met a Sandbox bound to the destroyed one, and after 16 io_contexts no
    // sandbox could be made at all. Validate-then-run does exactly this in one process.
    SynthRequest req;
    req.seed = 5;
    req.difficulty = 1;
    const Task t = require_kind("interp").synthesize(req);
    const auto probes = all_probes(t);
    std::unique_ptr<boost::asio::io_context> io;
    std::vector<std::unique_ptr<char[]>> spacers;
    for (int round = 0; round < 20; ++round) {
        // Each io_context at a new address (a spacer takes the freed block), as in a long-lived
        // process: sandboxes keyed by address accumulated until none could be made.
        io.reset();
        spacers.push_back(std::make_unique<char[]>(sizeof(boost::asio::io_context)));
        io = std::make_unique<boost::asio::io_context>();
        Episode ep = play(t, probes[0].script, io.get());
        INFO("round " << round << " " << ep.error);
        CHECK(ep.verdict.passed);
    }
}

TEST_CASE("interp: episodes of one worker share a warm sandbox, and none sees anything of the one before") {
    SynthRequest req;
    req.seed = 7;
    req.difficulty = 1;
    const Task t = require_kind("interp").synthesize(req);
    // Each episode reports what it finds of earlier ones, then plants its own: a variable, files
    // in /workspace, /tmp and /dev/shm, and a process that outlives it.
    const std::string code =
        "import os, subprocess\n"
        "print('workspace', os.stat('/workspace').st_ino)\n"
        "print('seen', 'planted' in globals(), sorted(f for f in os.listdir('/workspace') if f.startswith('left')),\n"
        "      os.listdir('/tmp'), os.listdir('/dev/shm'),\n"
        "      [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid(), os.getppid())])\n"
        "planted = 1\n"
        "for d in ('/workspace', '/tmp', '/dev/shm'):\n    open(d + '/left-behind', 'w').write('x')\n"
        "subprocess.Popen(['setsid', 'sleep', '1000'])\n";
    ScriptTurn turn;
    turn.calls.push_back({"python", Json::object({{"code", code}})});
    std::vector<std::string> outputs;
    ScriptedPolicy policy("plant", [&](const Task&, int) { return std::vector<ScriptTurn>{turn}; });
    std::vector<WorkItem> items;
    for (int r = 0; r < 4; ++r) items.push_back({&t, r});
    boost::asio::io_context io;
    run_episodes(
        io, items, 1, [](const Task& task) { return require_kind(task.kind).make_environment(task); }, policy, EpisodeOptions{},
        [&](Episode&& ep) {
            for (const auto& m : ep.transcript)
                if (m.role == Role::Tool && m.content) outputs.push_back(*m.content);
        });
    REQUIRE(outputs.size() == 4);
    const std::string workspace = outputs[0].substr(0, outputs[0].find('\n'));
    for (const auto& out : outputs) {
        INFO(out);
        CHECK(out.substr(0, out.find('\n')) == workspace);  // the same warm sandbox each time
        CHECK(out.find("seen False [] [] [] []") != std::string::npos);
    }
}
