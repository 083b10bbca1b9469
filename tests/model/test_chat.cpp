// DeepSeek-V3.2 chat encoding and completion parsing: the golden strings of
// reference/deepseek-v32.md §5.3, every rendering rule, and a parser that never crashes.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "model/chat_encoding.hpp"
#include "model/chat_server.hpp"
#include "model/openai_chat.hpp"
#include "model/openai_policy.hpp"
#include "common/errors.hpp"

using namespace envforge;
using namespace envforge::model;
using envforge::InvalidInput;

namespace {

Message assistant(std::string reasoning, std::string content, std::vector<ToolCall> calls = {}) {
    Message m;
    m.role = Role::Assistant;
    if (!reasoning.empty()) m.reasoning = std::move(reasoning);
    m.content = std::move(content);
    m.tool_calls = std::move(calls);
    return m;
}

Message tool(std::string content, std::string id = "c0") {
    Message m;
    m.role = Role::Tool;
    m.content = std::move(content);
    m.tool_call_id = std::move(id);
    return m;
}

const std::string kCall =
    "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"get_weather\">\n<｜DSML｜parameter name=\"city\" "
    "string=\"true\">Tokyo</｜DSML｜parameter>\n"
    "</｜DSML｜invoke>\n</｜DSML｜function_calls>";

std::vector<Message> weather_history() {
    return {Message::user("Weather in Tokyo?"), assistant("R1: need tool", "", {{"c0", "get_weather", R"({"city": "Tokyo"})"}}),
            tool("Sunny 22C"), assistant("R2: done", "It is sunny, 22C.")};
}

}  // namespace

TEST_CASE("chat: the reference example after a new user turn drops reasoning, keeps calls and results") {
    auto msgs = weather_history();
    msgs.push_back(Message::user("And Osaka?"));
    const std::string expected = "<｜begin▁of▁sentence｜><｜User｜>Weather in Tokyo?<｜Assistant｜></think>" + kCall +
                                 "<｜end▁of▁sentence｜>\n\n<function_results>\n<result>Sunny 22C</result>\n</function_results>\n\n</think>"
                                 "It is sunny, 22C.<｜end▁of▁sentence｜><｜User｜>And Osaka?<｜Assistant｜><think>";
    CHECK(encode_chat(msgs, {}) == expected);
}

TEST_CASE("chat: mid-turn, reasoning is kept and a new <think> opens after the results") {
    auto msgs = weather_history();
    msgs.resize(3);
    const std::string expected = "<｜begin▁of▁sentence｜><｜User｜>Weather in Tokyo?<｜Assistant｜><think>R1: need tool</think>" + kCall +
                                 "<｜end▁of▁sentence｜>\n\n<function_results>\n<result>Sunny 22C</result>\n</function_results>\n\n<think>";
    CHECK(encode_chat(msgs, {}) == expected);
    // Chat (non-thinking) mode closes the think block instead, and renders no reasoning.
    const std::string chat = encode_chat(msgs, {}, {.mode = ThinkingMode::Chat});
    CHECK(chat.find("R1: need tool") == std::string::npos);
    CHECK(chat.substr(chat.size() - 10) == "\n\n</think>");
    CHECK(chat.find("<｜User｜>Weather in Tokyo?<｜Assistant｜></think>\n\n<｜DSML｜") != std::string::npos);
}

TEST_CASE("chat: tools go into the system prompt as Python-style JSON schemas") {
    ToolSpec t{"search", "Search the corpus for \"terms\".",
               Json::parse(R"({"type":"object","properties":{"q":{"type":"string"},"k":{"type":"integer"}},"required":["q"]})"), Json()};
    const std::string p = encode_chat({Message::system("You are helpful."), Message::user("hi")}, {t});
    CHECK(p.rfind("<｜begin▁of▁sentence｜>You are helpful.\n\n## Tools\n\nYou have access to a set of tools", 0) == 0);
    CHECK(p.find("<functions>\n{\"name\": \"search\", \"description\": \"Search the corpus for \\\"terms\\\".\", \"parameters\": "
                 "{\"type\": \"object\", "
                 "\"properties\": {\"q\": {\"type\": \"string\"}, \"k\": {\"type\": \"integer\"}}, \"required\": [\"q\"]}}\n</functions>\n"
                 "<｜User｜>hi<｜Assistant｜><think>") != std::string::npos);
    // Without a system message one is made to carry the tools.
    const std::string q = encode_chat({Message::user("hi")}, {t}, {.add_bos = false});
    CHECK(q.rfind("\n\n## Tools\n\n", 0) == 0);
    // Several results of one call group share one <function_results>.
    std::vector<Message> two{Message::user("go"),
                             assistant("r", "", {{"a", "f", "{}"}, {"b", "g", R"({"n": 3, "ok": true, "xs": [1, 2]})"}}), tool("one", "a"),
                             tool("two", "b")};
    const std::string r = encode_chat(two, {}, {.add_bos = false});
    CHECK(r.find("<｜DSML｜invoke name=\"f\">\n\n</｜DSML｜invoke>\n<｜DSML｜invoke name=\"g\">\n<｜DSML｜parameter name=\"n\" "
                 "string=\"false\">3</｜DSML｜parameter>\n"
                 "<｜DSML｜parameter name=\"ok\" string=\"false\">true</｜DSML｜parameter>\n<｜DSML｜parameter name=\"xs\" "
                 "string=\"false\">[1, 2]</｜DSML｜parameter>") != std::string::npos);
    CHECK(r.find("\n\n<function_results>\n<result>one</result>\n<result>two</result>\n</function_results>\n\n<think>") !=
          std::string::npos);
    // A conversation ending in an assistant turn gets the generation prompt appended.
    CHECK(encode_chat({Message::user("a"), assistant("x", "done")}, {}, {.add_bos = false}) ==
          "<｜User｜>a<｜Assistant｜><think>x</think>done<｜end▁of▁sentence｜><｜Assistant｜><think>");
    CHECK_THROWS(encode_chat({Message::user("a"), tool("orphan")}, {}));
}

TEST_CASE("chat: python_json matches json.dumps(ensure_ascii=False)") {
    CHECK(python_json(Json::parse(R"({"a":[1,2.5,true,null],"b":"x\"y\n\u0001é中"})")) ==
          "{\"a\": [1, 2.5, true, null], \"b\": \"x\\\"y\\n\\u0001é中\"}");
    CHECK(python_json(Json(3.0)) == "3.0");
    // Integers beyond 64 bits stay integers (json.dumps(json.loads(...)) prints them digit for digit).
    CHECK(python_json(Json::parse(R"({"n": 123456789012345678901234567890, "m": -99999999999999999999, "f": 1e5})")) ==
          R"({"n": 123456789012345678901234567890, "m": -99999999999999999999, "f": 100000.0})");
}

TEST_CASE("chat: a developer message is the user turn DeepSeek's encoding makes of it") {
    const std::string enc = encode_chat({Message::system("S"), developer_turn("do X")}, {});
    CHECK(enc.find("<｜User｜>\n\n# The user's message is: do X<｜Assistant｜><think>") != std::string::npos);
}

TEST_CASE("chat: a request's messages as the encoding takes them (DeepSeek's per-message fields, no envforge extras)") {
    const OpenAiChat c = openai_chat_from_request(Json::parse(R"({"messages": [
        {"role": "system", "content": "S", "response_format": {"type": "object", "properties": {"x": {"type": "number", "default": 1e5}}}},
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "prompt_token_ids": [7, 7, 7]}],
        "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "none"})"));
    REQUIRE(c.messages.size() == 2);
    CHECK(*c.messages[0].content ==
          "S\n\n## Response Format:\n\nYou MUST strictly adhere to the following schema to reply:\n"
          "{\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"number\", \"default\": 100000.0}}}");
    CHECK(*c.messages[1].content == "ab");
    CHECK(c.messages[1].prompt_ids.empty());  // token ids are envforge's own field, never a client's
    CHECK(c.tools.empty());                   // tool_choice "none"
    try {
        openai_chat_from_request(Json::parse(R"({"messages": [{"role": "system", "content": "S", "tools": 3}]})"));
        FAIL("a non-array tools field was accepted");
    } catch (const ChatRequestError& e) {
        CHECK(e.param == "messages");
    }
    CHECK_THROWS_AS(openai_chat_from_request(Json::parse(R"({"messages": [{"role": "robot", "content": "x"}]})")), ChatRequestError);
}

TEST_CASE("chat: floats print as Python's repr, checked against python3") {
    // Fixed cases (each is what repr and json.dumps print), then 2,000 random doubles of every
    // magnitude compared with the real interpreter.
    const std::pair<double, const char*> fixed[] = {{100000.0, "100000.0"},
                                                    {1e16, "1e+16"},
                                                    {1.5e16, "1.5e+16"},
                                                    {1e-05, "1e-05"},
                                                    {0.0001, "0.0001"},
                                                    {-0.0, "-0.0"},
                                                    {123456789012345678.0, "1.2345678901234568e+17"},
                                                    {0.1, "0.1"},
                                                    {1e22, "1e+22"},
                                                    {5e-324, "5e-324"},
                                                    {1.7976931348623157e308, "1.7976931348623157e+308"},
                                                    {9999999999999998.0, "9999999999999998.0"}};
    for (const auto& [d, want] : fixed) CHECK(python_float_repr(d) == want);
    CHECK(python_json(Json::parse(R"({"limit": 1e5})")) == "{\"limit\": 100000.0}");

    std::string input, mine;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 2000; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double d;
        std::memcpy(&d, &x, sizeof d);
        if (!std::isfinite(d)) continue;
        char hex[32];
        std::snprintf(hex, sizeof hex, "%016llx\n", static_cast<unsigned long long>(x));
        input += hex;
        mine += python_float_repr(d) + "\n";
    }
    const std::string path = std::filesystem::temp_directory_path() / ("envforge-floats-" + std::to_string(getpid()));
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f);
    std::fputs(input.c_str(), f);
    std::fclose(f);
    const std::string cmd =
        "python3 -c \"import struct,sys\nfor l in open(sys.argv[1]): print(repr(struct.unpack('<d', "
        "bytes.fromhex(l.strip())[::-1])[0]))\" " +
        path;
    std::FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string python;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) python.append(buf, n);
    CHECK(pclose(p) == 0);
    std::remove(path.c_str());
    CHECK(python == mine);
}

TEST_CASE("chat: parsing a completion gives back the message that was encoded") {
    const std::string text = "R1: need tool</think>Let me check." + kCall + "<｜end▁of▁sentence｜>";
    ParsedCompletion p = parse_completion(text, ThinkingMode::Thinking, "7");
    CHECK(p.error.empty());
    CHECK(p.finished);
    CHECK(p.message.reasoning == "R1: need tool");
    CHECK(p.message.content == "Let me check.");
    REQUIRE(p.message.tool_calls.size() == 1);
    CHECK(p.message.tool_calls[0].id == "call_7_0");
    CHECK(p.message.tool_calls[0].name == "get_weather");
    CHECK(p.message.tool_calls[0].arguments == R"({"city": "Tokyo"})");
    // Typed arguments survive a round trip through the encoder.
    Message m = assistant("think", "ok",
                          {{"call_1_0", "f", R"({"s": "a \"quoted\"\nline", "n": -2.5, "b": false, "o": {"k": [1, "x"]}})"}});
    const std::string rendered = encode_chat({Message::user("u"), m}, {}, {.add_bos = false});
    const std::string completion = rendered.substr(std::string("<｜User｜>u<｜Assistant｜><think>").size());
    ParsedCompletion back = parse_completion(completion.substr(0, completion.find("<｜Assistant｜>")), ThinkingMode::Thinking, "1");
    CHECK(back.error.empty());
    CHECK(back.message.reasoning == m.reasoning);
    CHECK(back.message.content == m.content);
    REQUIRE(back.message.tool_calls.size() == 1);
    CHECK(Json::parse(back.message.tool_calls[0].arguments) == Json::parse(m.tool_calls[0].arguments));
    // Chat mode: no reasoning part.
    ParsedCompletion c = parse_completion("Hello!<｜end▁of▁sentence｜>", ThinkingMode::Chat);
    CHECK(c.error.empty());
    CHECK(c.message.content == "Hello!");
    CHECK(!c.message.reasoning);
}

TEST_CASE("chat: malformed completions are errors and tool errors, never crashes") {
    auto err = [](std::string_view t) { return parse_completion(t, ThinkingMode::Thinking).error; };
    CHECK(err("still thinking") == "the reasoning was never closed with </think>");
    CHECK(err("r</think>x\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n") == "the function_calls block is not closed");
    CHECK(err("r</think>\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"n\" "
              "string=\"false\">[1,</｜DSML｜parameter>\n"
              "</｜DSML｜invoke>\n</｜DSML｜function_calls>")
              .find("is not JSON") != std::string::npos);
    CHECK(err("r</think>\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"a\" "
              "string=\"true\">1</｜DSML｜parameter>\n"
              "<｜DSML｜parameter name=\"a\" string=\"true\">2</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜function_calls>")
              .find("given twice") != std::string::npos);
    ParsedCompletion bad = parse_completion("r</think>\n\n<｜DSML｜function_calls>\n<｜DSML｜invok", ThinkingMode::Thinking, "3");
    REQUIRE(bad.message.tool_calls.size() == 1);
    CHECK(bad.message.tool_calls[0].name == "invalid_tool_call");
    CHECK(!bad.message.tool_calls[0].parse_error.empty());  // answered with a tool error by the runner
    // Every prefix of a valid completion, and random byte soup, parse without throwing.
    const std::string text = "R1</think>Let me check." + kCall + "<｜end▁of▁sentence｜>";
    for (size_t n = 0; n <= text.size(); ++n) CHECK_NOTHROW(parse_completion(text.substr(0, n), ThinkingMode::Thinking));
    std::mt19937 g(5);
    const std::string alphabet = "<｜DSML｜>/\"= \nabc</think>function_callsinvokeparameterstring=\"true\"";
    for (int i = 0; i < 2000; ++i) {
        std::string s;
        for (int k = 0; k < 60; ++k) s += alphabet[g() % alphabet.size()];
        CHECK_NOTHROW(parse_completion(s, ThinkingMode::Thinking));
        CHECK_NOTHROW(parse_completion(s, ThinkingMode::Chat));
    }
}

TEST_CASE("chat: a DSML completion becomes OpenAI tool_calls and the openai policy reads them back") {
    const std::string text = "plan</think>Checking." + kCall + "<｜end▁of▁sentence｜>";
    const ParsedCompletion p = parse_completion(text, ThinkingMode::Thinking, "5");
    const Json msg = openai_message_json(p, ThinkingMode::Thinking);
    CHECK(msg.get_string("content") == "Checking.");
    CHECK(msg.get_string("reasoning_content") == "plan");
    const Json response = Json::object(
        {{"choices", Json(JsonArray{Json::object({{"index", 0}, {"message", msg}, {"finish_reason", "tool_calls"}})})}});
    const Message back = openai_parse_response(response.dump());
    REQUIRE(back.tool_calls.size() == 1);
    CHECK(back.tool_calls[0].id == "call_5_0");
    CHECK(back.tool_calls[0].name == "get_weather");
    CHECK(Json::parse(back.tool_calls[0].arguments) == Json::parse(R"({"city":"Tokyo"})"));
    CHECK(back.reasoning == "plan");
    // Unparsable DSML is not turned into a call: the text reaches the client as content.
    const ParsedCompletion bad = parse_completion("r</think>x\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke", ThinkingMode::Thinking);
    const Json bad_msg = openai_message_json(bad, ThinkingMode::Thinking);
    CHECK(!bad_msg.find("tool_calls"));
    CHECK(bad_msg.get_string("content").find("<｜DSML｜invoke") != std::string::npos);
    CHECK_THROWS_AS(openai_parse_response(R"({"error": {"message": "x"}})"), InvalidInput);
}
