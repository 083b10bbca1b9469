// Code-interpreter tasks: typed answer comparison, deterministic synthesis, and every probe
// (the reference runs its Python in the real sandbox) giving its expected verdict.
#include <doctest/doctest.h>

#include "envgen/interp/interp_kind.hpp"
#include "envgen/interp/problems.hpp"
#include "sandbox/sandbox.hpp"
#include "tests/play_script.hpp"

using namespace envforge;
using envforge::testing::play;

TEST_CASE("interp: answers compare by type") {
    using interp::answers_match;
    CHECK(answers_match(" 1,234 ", "1234", "int", 0));
    CHECK_FALSE(answers_match("1235", "1234", "int", 0));
    CHECK_FALSE(answers_match("1234.5", "1234", "int", 0));
    CHECK(answers_match("12.344", "12.34", "float", 0.011));
    CHECK_FALSE(answers_match("13.34", "12.34", "float", 0.011));
    CHECK_FALSE(answers_match("nan", "12.34", "float", 0.011));
    CHECK(answers_match("'Falcon'", "Falcon", "string", 0));
    CHECK(answers_match("falcon", "Falcon", "string", 0));
    CHECK(answers_match("[3, 1, 2]", "1,2,3", "list", 0));
    CHECK_FALSE(answers_match("", "0", "int", 0));
}

TEST_CASE("interp: problems are deterministic and their wrong answers differ from the right one") {
    for (int family = 0; family < 3; ++family)
        for (int d = 1; d <= 5; ++d)
            for (uint64_t seed = 70; seed < 90; ++seed) {
            auto a = interp::make_problem(family, seed, d), b = interp::make_problem(family, seed, d);
            CHECK(a.question == b.question);
            CHECK(a.answer == b.answer);
            CHECK(a.files == b.files);
            CHECK_FALSE(interp::answers_match(a.off_by_one, a.answer, a.answer_type, a.tolerance));
            CHECK_FALSE(interp::answers_match(a.dropped_filter, a.answer, a.answer_type, a.tolerance));
        }
}

TEST_CASE("interp: the Python reference agrees with the C++ answer in the sandbox; probes fail") {
    if (!sandbox::probe_host().missing_for(sandbox::Backend::Native).empty()) return;
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
