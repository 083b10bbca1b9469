#include <doctest/doctest.h>

#include "common/errors.hpp"
#include "tasks/message.hpp"
#include "tasks/task.hpp"

using namespace envforge;

namespace {

Task sample_task() {
    Task t;
    t.kind = "general";
    t.seed = 42;
    t.difficulty = 3;
    t.generator_name = "test";
    t.generator_version = "1";
    t.system = "sys";
    t.prompt = "do it";
    t.tools.push_back(
        {"lookup", "find", Json::parse(R"({"type":"object","properties":{"q":{"type":"string"}}})"), Json::parse(R"({"sql":"SELECT 1"})")});
    t.env = Json::parse(R"({"domain":"x","n":[1,2.5]})");
    t.verifier = Json::parse(R"({"type":"x"})");
    t.reference = Json::parse(R"({"turns":[{"calls":[{"name":"lookup","arguments":{"q":"a"}}]}]})");
    t.finalize();
    return t;
}

}  // namespace

TEST_CASE("task: exact JSON round trip and content-hash id") {
    Task t = sample_task();
    std::string text = t.dump();
    Task back = Task::parse(text);
    CHECK(back.dump() == text);
    CHECK(back.id == t.id);
    CHECK(t.id.size() == 25);
    Task other = sample_task();
    other.seed = 43;
    other.finalize();
    CHECK(other.id != t.id);
    // Member order does not change the id: it hashes canonical JSON.
    Json reordered = Json::parse(text);
    Json env = reordered.at("env");
    reordered.set("env", Json::parse(R"({"n":[1,2.5],"domain":"x"})"));
    CHECK(Task::from_json(reordered).id == t.id);
}

TEST_CASE("task: malformed input names the field") {
    Json j = sample_task().to_json();
    SUBCASE("unknown schema") {
        j.set("schema", "envforge.task/9");
        CHECK_THROWS_WITH_AS(Task::from_json(j), doctest::Contains("unknown schema 'envforge.task/9'"), InvalidInput);
    }
    SUBCASE("missing field") {
        j.erase("prompt");
        CHECK_THROWS_WITH_AS(Task::from_json(j), doctest::Contains("missing field 'prompt'"), InvalidInput);
    }
    SUBCASE("wrong type") {
        j.set("difficulty", "hard");
        CHECK_THROWS_WITH_AS(Task::from_json(j), doctest::Contains("'difficulty' is string, expected integer"), InvalidInput);
    }
    SUBCASE("tampered content") {
        j.set("prompt", "something else");
        CHECK_THROWS_WITH_AS(Task::from_json(j), doctest::Contains("does not match its content"), InvalidInput);
    }
    SUBCASE("difficulty out of range") {
        j.set("difficulty", 9);
        CHECK_THROWS_AS(Task::from_json(j), InvalidInput);
    }
}

TEST_CASE("message: OpenAI JSON round trip with reasoning, tool calls and token ids") {
    Message m;
    m.role = Role::Assistant;
    m.content = "";
    m.reasoning = "think";
    m.tool_calls.push_back({"call_1", "lookup", R"({"q":"a"})"});
    m.prompt_ids = {1, 2, 3};
    m.completion_ids = {128799, -1};
    Json j = m.to_json();
    CHECK(j.get_string("reasoning_content") == "think");
    CHECK(j.at("tool_calls").as_array()[0].at("function").get_string("arguments") == R"({"q":"a"})");
    CHECK(Message::from_json(Json::parse(j.dump())) == m);
    Message tool;
    tool.role = Role::Tool;
    tool.content = "[]";
    tool.tool_call_id = "call_1";
    tool.name = "lookup";
    tool.is_error = true;
    CHECK(Message::from_json(tool.to_json()) == tool);
    CHECK_THROWS_AS(Message::from_json(Json::parse(R"({"role":"robot"})")), InvalidInput);
}

TEST_CASE("verdict: round trip") {
    Verdict v{0.5, false, Json::parse(R"({"checks":[1]})")};
    CHECK(Verdict::from_json(Json::parse(v.to_json().dump())) == v);
}
