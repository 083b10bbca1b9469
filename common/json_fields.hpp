// Strict reads of a JSON object's members, for the typed structs' from_json: a member that is
// missing or of the wrong type is an InvalidInput that names it ("env.test_dir: expected a
// string, got number"), where Json::get_* would quietly fall back.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"

namespace envforge {

class JsonFields {
public:
    // `where` names the object in errors ("env", "env.corpus"); throws when j is not an object.
    JsonFields(const Json& j, std::string where);

    const Json* optional(std::string_view key) const { return j_.find(key); }
    const Json& required(std::string_view key) const;
    std::string string(std::string_view key) const;
    std::string string_or(std::string_view key, std::string fallback) const;
    double number(std::string_view key) const;
    double number_or(std::string_view key, double fallback) const;
    int64_t integer(std::string_view key) const;
    std::vector<std::string> strings(std::string_view key) const;
    std::optional<std::vector<std::string>> strings_if_present(std::string_view key) const;
    // An object of numbers: {name: number}.
    std::map<std::string, double> numbers_by_name(std::string_view key) const;
    // The name of a member in errors: where.key.
    std::string path(std::string_view key) const;

private:
    const Json& typed(std::string_view key, JsonType type, const char* expected) const;
    const Json& j_;
    std::string where_;
};

}  // namespace envforge
