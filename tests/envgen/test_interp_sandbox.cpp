// Code-interpreter tasks in the real sandbox: the Python reference agrees with the C++ answer and
// every probe gives its expected verdict. Linked with test_main_sandbox.cpp: a host without the
// sandbox skips (exit 77) instead of passing.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "envgen/interp/interp_kind.hpp"
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
