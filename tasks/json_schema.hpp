// Validates tool-call arguments against the tool's JSON schema: type (or a list of types),
// properties, required, additionalProperties, enum, const, items, min/max, minLength/maxLength,
// minItems/maxItems, nested objects and arrays. The subset that OpenAI function schemas use.
#pragma once

#include <optional>
#include <string>

#include "common/json.hpp"

namespace envforge {

// Returns std::nullopt when `value` conforms, else one line naming the path, the value's problem
// and what the schema expected, e.g. "plan[1].city: expected string, got integer".
std::optional<std::string> validate_json_schema(const Json& value, const Json& schema, std::string_view root = "arguments");

// A minimal value that conforms to `schema` (empty strings, zeros, empty arrays, required members
// only). The null policy uses it to submit schema-valid but useless answers.
Json minimal_value_for_schema(const Json& schema);

}  // namespace envforge
