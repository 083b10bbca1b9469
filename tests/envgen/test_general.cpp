// General-agent tasks across domains and difficulties: deterministic synthesis, probes behave,
// and answers other than the reference that satisfy the request also pass.
#include <doctest/doctest.h>

#include "envgen/general/general_env.hpp"
#include "envgen/general/world.hpp"
#include "envgen/kind.hpp"
#include "tasks/episode_runner.hpp"
#include "tasks/scripted_policy.hpp"
#include "tests/play_script.hpp"

using namespace envforge;

namespace {

Task synth(const char* domain, int d, uint64_t seed) {
    SynthRequest req;
    req.seed = seed;
    req.difficulty = d;
    req.options = Json::object({{"domain", domain}});
    return require_kind("general").synthesize(req);
}

using envforge::testing::play;

}  // namespace

TEST_CASE("general: synthesis is a pure function of (domain, seed, difficulty)") {
    for (const char* domain : {"trip", "retail", "meeting"})
        for (int d = 1; d <= 5; ++d) {
            CAPTURE(domain);
            CAPTURE(d);
            Task a = synth(domain, d, 1000 + static_cast<uint64_t>(d));
            Task b = synth(domain, d, 1000 + static_cast<uint64_t>(d));
            CHECK(a.dump() == b.dump());
            CHECK(Task::parse(a.dump()).id == a.id);
            CHECK(synth(domain, d, 2000).id != a.id);
            CHECK(a.generator_name == std::string("general.") + domain);
        }
}

TEST_CASE("general: every probe gives its expected verdict across seeds and difficulties") {
    int episodes = 0;
    for (const char* domain : {"trip", "retail", "meeting"})
        for (int d = 1; d <= 5; ++d)
            for (uint64_t seed = 1; seed <= 8; ++seed) {
                Task t = synth(domain, d, seed * 7919 + static_cast<uint64_t>(d));
                auto probes = all_probes(t);
                REQUIRE(probes.size() >= 4);
                for (const auto& p : probes) {
                    Episode ep = play(t, p.script);
                    ++episodes;
                    if (ep.verdict.passed != p.expect_pass) {
                        INFO(domain << " d" << d << " seed " << seed << " probe " << p.name << " " << ep.verdict.details.dump());
                        CHECK(ep.verdict.passed == p.expect_pass);
                    }
                }
            }
    CHECK(episodes >= 3 * 5 * 8 * 4);
}

TEST_CASE("general: difficulty scales the world, the tools and the request") {
    Task easy = synth("trip", 1, 5), hard = synth("trip", 5, 5);
    CHECK(hard.tools.size() > easy.tools.size());
    CHECK(hard.env.dump().size() > easy.env.dump().size());
    CHECK(hard.verifier.get_int("days") > easy.verifier.get_int("days"));
    CHECK(hard.prompt.size() > easy.prompt.size());
    Task r1 = synth("retail", 1, 5), r5 = synth("retail", 5, 5);
    CHECK(r5.reference_turns()[3].calls.size() > r1.reference_turns()[3].calls.size());
}

TEST_CASE("general: retail accepts the same changes in another order") {
    for (uint64_t seed = 1; seed <= 10; ++seed) {
        Task t = synth("retail", 5, seed);
        auto script = t.reference_turns();
        // Make the changes one per turn and in reverse order: a different, equally valid trajectory.
        auto act = script[3].calls;
        std::vector<ScriptTurn> alt(script.begin(), script.begin() + 3);
        for (auto it = act.rbegin(); it != act.rend(); ++it) alt.push_back({"", {*it}});
        alt.push_back(script[4]);
        Episode ep = play(t, alt);
        CHECK(ep.verdict.passed);
    }
}

TEST_CASE("general: meeting accepts a repaired mistake and rejects collateral damage") {
    Task t = synth("meeting", 3, 11);
    auto script = t.reference_turns();
    const Json book = script[2].calls[0].arguments;
    SUBCASE("book wrong, cancel it, book right") {
        Json wrong = book;
        wrong.set("title", "typo");
        std::vector<ScriptTurn> alt(script.begin(), script.begin() + 2);
        alt.push_back({"", {{"book_meeting", wrong}}});
        const int64_t first = t.reference.at("answer").get_int("booking_id");
        alt.push_back({"", {{"cancel_booking", Json::object({{"booking_id", first}})}}});
        alt.push_back({"", {{"book_meeting", book}}});
        alt.push_back({"", {{"submit_result", Json::object({{"booking_id", first + 1}})}}});
        Episode ep = play(t, alt);
        CHECK(ep.verdict.passed);
    }
    SUBCASE("cancelling someone else's booking fails") {
        std::vector<ScriptTurn> alt = script;
        alt.insert(alt.begin() + 2, ScriptTurn{"", {{"cancel_booking", Json::object({{"booking_id", 501}})}}});
        Episode ep = play(t, alt);
        CHECK_FALSE(ep.verdict.passed);
    }
}

TEST_CASE("general: trip verifier checks every rule and explains failures") {
    Task t = synth("trip", 5, 3);
    Json answer = t.reference.at("answer");
    auto base = t.reference_turns();
    base.pop_back();
    auto submit = [&](const Json& a) {
        auto s = base;
        s.push_back({"", {{"submit_result", a}}});
        return play(t, s);
    };
    CHECK(submit(answer).verdict.passed);
    Json repeated = answer;
    auto& plan = repeated.at("plan");
    (void)plan;
    Json p = answer.at("plan");
    JsonArray days = p.as_array();
    days[1].set("evening_restaurant", days[1].get_string("afternoon_restaurant"));
    Episode ep = submit(Json::object({{"plan", Json(days)}}));
    CHECK_FALSE(ep.verdict.passed);
    CHECK(ep.verdict.details.dump().find("restaurants not repeated") != std::string::npos);
    CHECK(ep.verdict.details.get_number("score") > 0.5);  // partial credit is reported
}

TEST_CASE("general: world helpers") {
    CHECK(envforge::date_string(envforge::day_number(2026, 2, 28) + 1) == "2026-03-01");
    CHECK(envforge::date_string(envforge::day_number(2024, 2, 28) + 1) == "2024-02-29");
    CHECK(envforge::date_string(0) == "1970-01-01");
}
