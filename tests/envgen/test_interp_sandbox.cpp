// Code-interpreter tasks in the real sandbox: the Python reference agrees with the C++ answer and
// every probe gives its expected verdict. Linked with test_main_sandbox.cpp: a host without the
// sandbox skips (exit 77) instead of passing.
#include <doctest/doctest.h>

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
