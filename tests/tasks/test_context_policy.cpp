#include <doctest/doctest.h>

#include "tasks/context_policy.hpp"
#include "common/errors.hpp"

using namespace envforge;

namespace {

Message assistant(const char* reasoning, const char* call_id = nullptr, const char* content = nullptr) {
    Message m;
    m.role = Role::Assistant;
    m.reasoning = reasoning;
    if (content) m.content = content;
    if (call_id) m.tool_calls.push_back({call_id, "get_weather", R"({"city":"Tokyo"})"});
    m.completion_ids = {5, 6};
    return m;
}
Message tool(const char* call_id, const char* out) {
    Message m;
    m.role = Role::Tool;
    m.tool_call_id = call_id;
    m.content = out;
    return m;
}

// system, user 1, a tool-call chain (R1 call, result, R2 answer), user 2, a new chain (R3 call, result).
std::vector<Message> transcript() {
    return {Message::system("sys"),
            Message::user("Weather in Tokyo?"),
            assistant("R1: need tool", "c1"),
            tool("c1", "Sunny 22C"),
            assistant("R2: answer", nullptr, "It is sunny."),
            Message::user("And Osaka?"),
            assistant("R3: need tool", "c2"),
            tool("c2", "Rain 18C")};
}

std::vector<std::string> reasonings(const std::vector<Message>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms)
        if (m.role == Role::Assistant) out.push_back(m.reasoning.value_or("-"));
    return out;
}

}  // namespace

TEST_CASE("context_policy: v32 drops reasoning before the last user message only") {
    auto out = render_context(transcript(), ContextPolicy::V32);
    REQUIRE(out.size() == 8);
    CHECK(reasonings(out) == std::vector<std::string>{"-", "-", "R3: need tool"});
    // Tool calls and results before the last user message stay.
    CHECK(out[2].tool_calls.size() == 1);
    CHECK(out[3].content == "Sunny 22C");
    CHECK(out[4].content == "It is sunny.");
    // Token ids never go into a prompt.
    for (const auto& m : out) CHECK(m.completion_ids.empty());
}

TEST_CASE("context_policy: v32 keeps reasoning across the current tool-call chain") {
    auto t = transcript();
    t.resize(4);  // system, user, R1 call, result: mid-chain
    auto out = render_context(t, ContextPolicy::V32);
    CHECK(reasonings(out) == std::vector<std::string>{"R1: need tool"});
}

TEST_CASE("context_policy: keep-all and drop-all") {
    CHECK(reasonings(render_context(transcript(), ContextPolicy::KeepAll)) ==
          std::vector<std::string>{"R1: need tool", "R2: answer", "R3: need tool"});
    auto dropped = render_context(transcript(), ContextPolicy::DropAll);
    CHECK(reasonings(dropped) == std::vector<std::string>{"-", "-", "-"});
    CHECK(dropped[6].tool_calls.size() == 1);
    CHECK(dropped[7].content == "Rain 18C");
}

TEST_CASE("context_policy: names") {
    CHECK(parse_context_policy("v32") == ContextPolicy::V32);
    CHECK(parse_context_policy("keep-all") == ContextPolicy::KeepAll);
    CHECK(parse_context_policy("drop-all") == ContextPolicy::DropAll);
    CHECK_THROWS_AS(parse_context_policy("r1"), InvalidInput);
}
