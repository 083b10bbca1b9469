// The export's arithmetic: token trajectories merged only when every turn extends the last one
// token for token, group advantages as TRL computes them, the unbiased pass@k estimator.
#include <doctest/doctest.h>

#include <cmath>

#include "datasets/export.hpp"
#include "datasets/run_stats.hpp"
#include "envgen/kind.hpp"
#include "tests/temp_dir.hpp"

using namespace envforge;

namespace {

Message turn(std::vector<int32_t> prompt, std::vector<int32_t> completion) {
    Message m;
    m.role = Role::Assistant;
    m.prompt_ids = std::move(prompt);
    m.completion_ids = std::move(completion);
    return m;
}

Message tool(const char* text) {
    Message m;
    m.role = Role::Tool;
    m.content = text;
    return m;
}

}  // namespace

TEST_CASE("export: a multi-turn episode whose prompts extend each other is one sequence with a loss mask") {
    std::vector<Message> t = {Message::system("s"),
                              Message::user("u"),
                              turn({1, 2, 3}, {10, 11}),
                              tool("r"),
                              turn({1, 2, 3, 10, 11, 50, 51}, {12}),
                              tool("r2"),
                              turn({1, 2, 3, 10, 11, 50, 51, 12, 60}, {13, 14, 2})};
    TokenTrajectory tr = token_trajectory(t);
    REQUIRE(tr.has_ids);
    REQUIRE(tr.merged);
    CHECK(tr.prompt_ids == std::vector<int32_t>{1, 2, 3});
    CHECK(tr.completion_ids == std::vector<int32_t>{10, 11, 50, 51, 12, 60, 13, 14, 2});
    CHECK(tr.loss_mask == std::vector<uint8_t>{1, 1, 0, 0, 1, 0, 1, 1, 1});
    CHECK(tr.turns.empty());
}

TEST_CASE("export: prompts that were re-tokenised are kept per turn, never stitched") {
    std::vector<Message> t = {turn({1, 2, 3}, {10, 11}), tool("r"), turn({1, 2, 3, 99, 50}, {12})};
    TokenTrajectory tr = token_trajectory(t);
    REQUIRE(tr.has_ids);
    CHECK_FALSE(tr.merged);
    REQUIRE(tr.turns.size() == 2);
    CHECK(tr.turns[1].prompt_ids == std::vector<int32_t>{1, 2, 3, 99, 50});
    CHECK(tr.completion_ids.empty());
    CHECK_FALSE(token_trajectory({Message::user("no ids")}).has_ids);
}

TEST_CASE("export: group advantages, mean-centred and z-scored with the sample std") {
    const std::vector<double> r = {1, 0, 0, 1, 1};
    auto a = group_advantages(r, Advantage::Mean);
    CHECK(a[0] == doctest::Approx(0.4));
    CHECK(a[1] == doctest::Approx(-0.6));
    double sum = 0;
    for (double x : a) sum += x;
    CHECK(std::abs(sum) < 1e-12);
    auto z = group_advantages(r, Advantage::ZScore);
    const double std = std::sqrt((3 * 0.16 + 2 * 0.36) / 4.0);  // torch.std (unbiased), as TRL uses
    CHECK(z[0] == doctest::Approx(0.4 / (std + 1e-4)));
    auto same = group_advantages({1, 1, 1}, Advantage::ZScore);
    CHECK(same == std::vector<double>{0, 0, 0});  // no signal, no division by zero
    CHECK(group_advantages({0.5}, Advantage::ZScore) == std::vector<double>{0});
}

TEST_CASE("stats: the unbiased pass@k estimator") {
    CHECK(pass_at_k(5, 2, 1) == doctest::Approx(0.4));
    CHECK(pass_at_k(5, 2, 2) == doctest::Approx(0.7));  // 1 - C(3,2)/C(5,2)
    CHECK(pass_at_k(5, 0, 3) == 0.0);
    CHECK(pass_at_k(5, 3, 3) == 1.0);  // fewer than 3 failures: any 3 samples hold a pass
    CHECK(pass_at_k(200, 10, 100) ==
          doctest::Approx(1.0 - std::exp(std::lgamma(191) + std::lgamma(101) - std::lgamma(91) - std::lgamma(201))));
    CHECK(pass_at_k(3, 1, 4) == 0.0);  // k > n is undefined: reported as 0, never asked for by stats
}

TEST_CASE("export: the JSON written from stored columns is exactly Message::to_json's, in every format") {
    envforge::testing::TempDir dir;
    const std::string path = dir.file("x.db");
    SynthRequest req;
    req.seed = 3;
    req.difficulty = 1;
    const Task task = require_kind("general").synthesize(req);
    Episode ep;
    ep.task_id = task.id;
    ep.status = EpisodeStatus::Submitted;
    ep.verdict = Verdict{0.5, false, Json::object()};
    ep.transcript = {Message::system(task.system), Message::user(task.prompt)};
    Message a;
    a.role = Role::Assistant;
    a.reasoning = "think \"hard\"\n\ttabs \x01 and \xe2\x82\xac";
    a.tool_calls = {{"c1", "lookup", R"({"q": "x\ny"})", ""}, {"c2", "broken", "{not json", "expected a value"}};
    a.prompt_ids = {0, 5, 128803};
    a.completion_ids = {7, -1};
    a.raw = R"({"request":{},"response":{}})";
    Message t1;
    t1.role = Role::Tool;
    t1.tool_call_id = "c1";
    t1.name = "lookup";
    t1.content = "line1\nline2 </script> \\ end";
    Message t2;
    t2.role = Role::Tool;
    t2.tool_call_id = "c2";
    t2.content = "bad call";
    t2.is_error = true;
    Message closing;
    closing.role = Role::Assistant;  // no content at all
    ep.transcript.insert(ep.transcript.end(), {a, t1, t2, closing});
    {
        Store store(path);
        store.add_tasks({task});
        const int64_t run = store.ensure_run("r", "openai", "v32", Json::object());
        store.add_episode(run, ep);
        ep.rollout = 1;
        ep.verdict = Verdict{1.0, true, Json::object()};
        store.add_episode(run, ep);
        store.flush();
    }
    Store store(path, true);
    std::vector<std::string> lines;
    export_sft(store, {}, [&](const std::string& l) { lines.push_back(l); });
    REQUIRE(lines.size() == 2);
    JsonArray with_extras, plain;
    for (const auto& m : ep.transcript) with_extras.push_back(m.to_json(true));
    for (size_t i = 2; i < ep.transcript.size(); ++i) plain.push_back(ep.transcript[i].to_json(false));
    const Json sft = Json::parse(lines[0]);
    CHECK(sft.at("messages").dump() == Json(with_extras).dump());
    CHECK(lines[0].find(Json(with_extras).dump()) != std::string::npos);  // byte for byte, not only after parsing
    CHECK(sft.at("tools").dump().find("\"type\":\"function\"") != std::string::npos);
    lines.clear();
    export_grpo(store, {}, [&](const std::string& l) { lines.push_back(l); });
    REQUIRE(lines.size() == 1);
    const Json group = Json::parse(lines[0]);
    REQUIRE(group.at("rollouts").as_array().size() == 2);
    CHECK(group.at("rollouts").as_array()[0].at("completion").dump() == Json(plain).dump());
    CHECK(group.at("rollouts").as_array()[0].get_number("advantage") == doctest::Approx(-0.25));
    CHECK(group.at("rollouts").as_array()[0].at("prompt_ids").dump() == "[0,5,128803]");
    CHECK(group.at("rollouts").as_array()[0].at("loss_mask").dump() == "[1,1]");
}
