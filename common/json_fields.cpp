#include "common/json_fields.hpp"

#include "common/errors.hpp"

namespace envforge {

JsonFields::JsonFields(const Json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j.is_object()) throw InvalidInput(where_ + ": expected an object, got " + json_type_name(j.type()));
}

std::string JsonFields::path(std::string_view key) const { return where_ + "." + std::string(key); }

const Json& JsonFields::required(std::string_view key) const {
    const Json* v = j_.find(key);
    if (!v) throw InvalidInput(path(key) + ": missing");
    return *v;
}

const Json& JsonFields::typed(std::string_view key, JsonType type, const char* expected) const {
    const Json& v = required(key);
    const bool ok = v.type() == type || (type == JsonType::Double && v.type() == JsonType::Int);
    if (!ok) throw InvalidInput(path(key) + ": expected " + expected + ", got " + json_type_name(v.type()));
    return v;
}

std::string JsonFields::string(std::string_view key) const { return typed(key, JsonType::String, "a string").as_string(); }

std::string JsonFields::string_or(std::string_view key, std::string fallback) const {
    return j_.find(key) ? string(key) : std::move(fallback);
}

double JsonFields::number(std::string_view key) const { return typed(key, JsonType::Double, "a number").as_number(); }

double JsonFields::number_or(std::string_view key, double fallback) const { return j_.find(key) ? number(key) : fallback; }

int64_t JsonFields::integer(std::string_view key) const { return typed(key, JsonType::Int, "an integer").as_int(); }

std::vector<std::string> JsonFields::strings(std::string_view key) const {
    std::vector<std::string> out;
    for (const Json& e : typed(key, JsonType::Array, "an array of strings").as_array()) {
        if (!e.is_string()) throw InvalidInput(path(key) + ": expected an array of strings, found " + json_type_name(e.type()));
        out.push_back(e.as_string());
    }
    return out;
}

std::optional<std::vector<std::string>> JsonFields::strings_if_present(std::string_view key) const {
    if (!j_.find(key)) return std::nullopt;
    return strings(key);
}

std::map<std::string, double> JsonFields::numbers_by_name(std::string_view key) const {
    std::map<std::string, double> out;
    for (const auto& m : typed(key, JsonType::Object, "an object").as_object()) {
        if (!m.value.is_number())
            throw InvalidInput(path(key) + "." + m.key + ": expected a number, got " + json_type_name(m.value.type()));
        out[m.key] = m.value.as_number();
    }
    return out;
}

}  // namespace envforge
