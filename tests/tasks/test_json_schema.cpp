#include <doctest/doctest.h>

#include "tasks/json_schema.hpp"

using namespace envforge;

namespace {
const Json kSchema = Json::parse(R"({
  "type":"object","additionalProperties":false,
  "required":["plan","mode"],
  "properties":{
    "mode":{"type":"string","enum":["fast","slow"]},
    "n":{"type":"integer","minimum":1,"maximum":5},
    "id":{"type":["integer","null"]},
    "name":{"type":"string","minLength":2,"maxLength":4},
    "plan":{"type":"array","minItems":1,"maxItems":2,"items":{
      "type":"object","required":["day","city"],
      "properties":{"day":{"type":"integer"},"city":{"type":"string"},
                    "stops":{"type":"object","properties":{"k":{"type":"boolean"}}}}}}}})");

std::string err(const char* args) {
    auto e = validate_json_schema(Json::parse(args), kSchema);
    return e ? *e : "";
}
}  // namespace

TEST_CASE("json_schema: valid arguments pass") {
    CHECK(err(R"({"mode":"fast","plan":[{"day":1,"city":"A"}]})").empty());
    CHECK(err(R"({"mode":"slow","n":5,"id":null,"name":"ab","plan":[{"day":1,"city":"A","stops":{"k":true}}]})").empty());
    CHECK(err(R"({"mode":"slow","id":3,"plan":[{"day":2.0,"city":"A"}]})").empty());  // 2.0 is an integer
}

TEST_CASE("json_schema: each rule reports its path") {
    CHECK(err(R"({"plan":[{"day":1,"city":"A"}]})") == "arguments: missing required property 'mode'");
    CHECK(err(R"({"mode":"medium","plan":[{"day":1,"city":"A"}]})") == R"(arguments.mode: "medium" is not one of ["fast","slow"])");
    CHECK(err(R"({"mode":"fast","plan":[{"day":1,"city":7}]})") == "arguments.plan[0].city: expected string, got integer");
    CHECK(err(R"({"mode":"fast","plan":[{"day":1.5,"city":"A"}]})") == "arguments.plan[0].day: expected integer, got number");
    CHECK(err(R"({"mode":"fast","plan":[]})") == "arguments.plan: 0 items, expected at least 1");
    CHECK(err(R"({"mode":"fast","n":9,"plan":[{"day":1,"city":"A"}]})") == "arguments.n: 9 is above the maximum 5");
    CHECK(err(R"({"mode":"fast","id":"x","plan":[{"day":1,"city":"A"}]})") == "arguments.id: expected integer or null, got string");
    CHECK(err(R"({"mode":"fast","extra":1,"plan":[{"day":1,"city":"A"}]})") == "arguments: unexpected property 'extra'");
    CHECK(err(R"({"mode":"fast","name":"abcde","plan":[{"day":1,"city":"A"}]})") == "arguments.name: string longer than 4 characters");
    CHECK(err(R"({"mode":"fast","plan":[{"day":1,"city":"A","stops":{"k":1}}]})") ==
          "arguments.plan[0].stops.k: expected boolean, got integer");
    CHECK(err(R"([1])") == "arguments: expected object, got array");
}

TEST_CASE("json_schema: minimal value conforms") {
    Json v = minimal_value_for_schema(kSchema);
    CHECK(validate_json_schema(v, kSchema) == std::nullopt);
    CHECK(v.at("mode").as_string() == "fast");
}
