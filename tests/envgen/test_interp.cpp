// Code-interpreter tasks: typed answer comparison and deterministic synthesis (the probes, which
// need the sandbox, are in test_interp_sandbox.cpp).
#include <doctest/doctest.h>

#include "envgen/interp/interp_kind.hpp"
#include "envgen/interp/problems.hpp"

using namespace envforge;

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
