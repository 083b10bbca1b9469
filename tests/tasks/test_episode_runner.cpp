// The runner against the real general environment with scripted policies: limits, bad calls,
// broken model output and policy failures all end as recorded outcomes, never crashes.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "common/utf8.hpp"
#include "envgen/kind.hpp"
#include "tasks/episode_runner.hpp"
#include "tasks/scripted_policy.hpp"

using namespace envforge;

namespace {

Task make_task(const char* domain, int difficulty, uint64_t seed = 7) {
    SynthRequest req;
    req.seed = seed;
    req.difficulty = difficulty;
    req.options = Json::object({{"domain", domain}});
    return require_kind("general").synthesize(req);
}

// A policy that answers each turn with a fixed message.
class FixedPolicy : public Policy {
public:
    explicit FixedPolicy(std::vector<Message> replies) : replies_(std::move(replies)) {}
    std::string name() const override { return "fixed"; }
    boost::asio::awaitable<Message> next(const PolicyRequest& req) override {
        seen_prompts.push_back(req.prompt.size());
        if (req.turn >= static_cast<int>(replies_.size())) throw std::runtime_error("model server unreachable");
        co_return replies_[static_cast<size_t>(req.turn)];
    }
    std::vector<size_t> seen_prompts;

private:
    std::vector<Message> replies_;
};

Message call(std::string name, std::string args, std::string id = "c") {
    Message m;
    m.role = Role::Assistant;
    m.tool_calls.push_back({std::move(id), std::move(name), std::move(args)});
    return m;
}

Episode run(const Task& task, Policy& policy) {
    boost::asio::io_context io;
    auto env = require_kind(task.kind).make_environment(task);
    auto fut = boost::asio::co_spawn(io, run_episode(task, *env, policy, 0, EpisodeOptions{}), boost::asio::use_future);
    io.run();
    return fut.get();
}

}  // namespace

TEST_CASE("episode_runner: reference submits and verifies; null fails") {
    for (const char* domain : {"trip", "retail", "meeting"}) {
        CAPTURE(domain);
        Task t = make_task(domain, 3);
        auto ref = make_reference_policy();
        Episode ep = run(t, *ref);
        CHECK(ep.status == EpisodeStatus::Submitted);
        CHECK(ep.verdict.passed);
        CHECK(ep.verdict.reward == 1.0);
        CHECK(ep.transcript.front().role == Role::System);
        CHECK(ep.transcript[1].content == t.prompt);
        // Every tool call has exactly one result message right after its assistant turn.
        size_t calls = 0, results = 0;
        for (const auto& m : ep.transcript) {
            calls += m.tool_calls.size();
            results += m.role == Role::Tool;
        }
        CHECK(calls == results);
        CHECK(ep.tool_calls == static_cast<int>(calls));
        auto null = make_null_policy();
        Episode bad = run(t, *null);
        CHECK(bad.status == EpisodeStatus::Submitted);
        CHECK_FALSE(bad.verdict.passed);
    }
}

TEST_CASE("episode_runner: bad tool calls become tool errors and the episode goes on") {
    Task t = make_task("retail", 2);
    Message multi;
    multi.role = Role::Assistant;
    multi.tool_calls = {{"a", "no_such_tool", "{}"},
                        {"b", "find_customer", "{not json"},
                        {"c", "find_customer", R"({"email": 5})"},
                        {"d", "get_order", R"({"order_id": 999999})"},
                        {"e", "find_customer", R"({"email":"nobody@example.com"})"}};
    FixedPolicy p({multi, call("submit_result", "{}")});
    Episode ep = run(t, p);
    REQUIRE(ep.transcript.size() == 2 + 1 + 5 + 1 + 1);
    CHECK(ep.transcript[3].content->find("unknown tool 'no_such_tool'") != std::string::npos);
    CHECK(ep.transcript[4].content->find("invalid arguments for 'find_customer': arguments: invalid JSON") == 0);
    CHECK(ep.transcript[5].content == "invalid arguments for 'find_customer': arguments.email: expected string, got integer");
    CHECK(ep.transcript[6].content == "no order 999999");
    CHECK(ep.transcript[7].content == "no customer with email 'nobody@example.com'");
    for (int i = 3; i <= 7; ++i) CHECK(ep.transcript[static_cast<size_t>(i)].is_error);
    CHECK(ep.status == EpisodeStatus::Submitted);
    CHECK_FALSE(ep.verdict.passed);
}

TEST_CASE("episode_runner: limits end episodes with their own status") {
    Task t = make_task("trip", 1);
    SUBCASE("max turns") {
        t.limits.max_turns = 3;
        std::vector<Message> replies(10, call("get_all_cities", "{}"));
        FixedPolicy p(replies);
        Episode ep = run(t, p);
        CHECK(ep.status == EpisodeStatus::MaxTurns);
        CHECK(ep.turns == 3);
        CHECK_FALSE(ep.verdict.passed);
    }
    SUBCASE("max tool calls") {
        t.limits.max_tool_calls = 2;
        Message three;
        three.role = Role::Assistant;
        three.tool_calls = {{"a", "get_all_cities", "{}"}, {"b", "get_all_cities", "{}"}, {"c", "get_all_cities", "{}"}};
        FixedPolicy p({three});
        Episode ep = run(t, p);
        CHECK(ep.status == EpisodeStatus::MaxToolCalls);
        CHECK(ep.tool_calls == 2);
        CHECK(ep.transcript.back().content == "not executed: tool call limit reached");
    }
    SUBCASE("calls after submit are not executed") {
        Message both;
        both.role = Role::Assistant;
        both.tool_calls = {{"a", "submit_result", t.reference.at("answer").dump()}, {"b", "get_all_cities", "{}"}};
        FixedPolicy p({both});
        Episode ep = run(t, p);
        CHECK(ep.status == EpisodeStatus::Submitted);
        CHECK(ep.verdict.passed);
        CHECK(ep.transcript.back().content == "not executed: the episode already ended");
    }
}

TEST_CASE("episode_runner: broken model output is sanitised, failures are recorded") {
    Task t = make_task("meeting", 1);
    SUBCASE("invalid UTF-8 and over-long text") {
        Message m;
        m.role = Role::Assistant;
        m.content = std::string("bad \xff\xfe bytes ") + std::string(2 << 20, 'x');
        FixedPolicy p({m});
        Episode ep = run(t, p);
        CHECK(ep.status == EpisodeStatus::Ended);
        const std::string& c = *ep.transcript[2].content;
        CHECK(is_valid_utf8(c));
        CHECK(c.size() <= (1u << 20));
        CHECK(ep.error.find("invalid UTF-8") != std::string::npos);
        CHECK(ep.error.find("truncated") != std::string::npos);
        CHECK_FALSE(ep.verdict.passed);
    }
    SUBCASE("policy failure") {
        FixedPolicy p({call("get_busy", R"({"email":"x","date":"2026-01-01"})")});
        Episode ep = run(t, p);
        CHECK(ep.status == EpisodeStatus::PolicyError);
        CHECK(ep.error == "policy: model server unreachable");
        CHECK(p.seen_prompts == std::vector<size_t>{2, 4});  // prompts grow by call + result
    }
    SUBCASE("broken environment") {
        Task broken = t;
        broken.env.set("domain", "nowhere");
        auto ref = make_reference_policy();
        Episode ep = run(broken, *ref);
        CHECK(ep.status == EpisodeStatus::EnvError);
        CHECK(ep.error.find("env.domain: 'nowhere'") != std::string::npos);
    }
}

namespace {

// Wraps a real environment and answers one tool with `flood` instead (what a hostile program in
// a session could make an environment return).
class FloodingEnvironment : public Environment {
public:
    FloodingEnvironment(std::unique_ptr<Environment> inner, std::string flood) : inner_(std::move(inner)), flood_(std::move(flood)) {}
    boost::asio::awaitable<void> start(const Task& task) override { co_await inner_->start(task); }
    boost::asio::awaitable<ToolResult> call(const std::string& name, const Json& args) override {
        ToolResult r = co_await inner_->call(name, args);
        r.content = flood_;
        co_return r;
    }
    boost::asio::awaitable<Verdict> verify(const Json& final_answer) override { co_return co_await inner_->verify(final_answer); }

private:
    std::unique_ptr<Environment> inner_;
    std::string flood_;
};

}  // namespace

TEST_CASE("episode_runner: every tool output is bounded and valid UTF-8, whatever its source") {
    Task task = make_task("retail", 1);
    std::string flood(20 << 20, 'A');
    flood[1000] = '\xff';
    flood.replace(flood.size() / 2, 3, "\xe2\x82\xac");
    auto env = std::make_unique<FloodingEnvironment>(require_kind(task.kind).make_environment(task), flood);
    const auto first = task.reference_turns().at(0).calls.at(0);
    FixedPolicy policy({call(first.name, first.arguments.dump())});
    boost::asio::io_context io;
    auto fut = boost::asio::co_spawn(io, run_episode(task, *env, policy, 0, EpisodeOptions{}), boost::asio::use_future);
    io.run();
    Episode ep = fut.get();
    REQUIRE(ep.transcript.size() >= 4);
    const std::string& out = *ep.transcript[3].content;
    CHECK(out.size() <= kMaxToolResultBytes + 100);
    CHECK(out.find("bytes of tool output dropped") != std::string::npos);
    CHECK(is_valid_utf8(out));
    CHECK(out.rfind("AAAA", 0) == 0);
}
