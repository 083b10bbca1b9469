// A small owned JSON value (null, bool, int64, double, string, array, ordered object, and integers
// beyond int64 kept as digits) with exact round trips: parse(dump(v)) == v, integers stay
// integers of any size (as in Python's json), doubles print shortest-exact.
// dump() keeps member order; dump_canonical() sorts keys, for content hashes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace envforge {

class Json;
struct JsonMember;

using JsonArray = std::vector<Json>;
using JsonObject = std::vector<JsonMember>;

// An integer outside int64, kept as its decimal text ("-" and digits): a model may write one in
// tool arguments, and Python's json, which DeepSeek's encoding runs on, keeps it exact.
struct JsonBigInt {
    std::string digits;
    friend bool operator==(const JsonBigInt&, const JsonBigInt&) = default;
};

enum class JsonType : uint8_t { Null, Bool, Int, Double, String, Array, Object, BigInt };

const char* json_type_name(JsonType t);

class Json {
public:
    // Every constructor is defined below JsonMember: the variant holds a vector of JsonMember,
    // which must be complete wherever the variant is made (clang checks it with C++20's
    // constexpr vector, and caches the first answer).
    Json();
    Json(std::nullptr_t);
    Json(bool b);
    Json(int i);
    Json(int64_t i);
    Json(uint32_t i);
    Json(double d);
    Json(const char* s);
    Json(std::string s);
    Json(std::string_view s);
    Json(JsonArray a);
    Json(JsonObject o);
    Json(JsonBigInt b);
    Json(const Json&);
    Json(Json&&) noexcept;
    Json& operator=(const Json&);
    Json& operator=(Json&&) noexcept;
    ~Json();

    static Json array();
    static Json object();
    static Json object(std::initializer_list<std::pair<const char*, Json>> members);

    // Parses UTF-8 JSON text; throws InvalidInput("<what>: <error> at offset N") on bad input.
    static Json parse(std::string_view text, std::string_view what = "JSON");

    JsonType type() const { return static_cast<JsonType>(v_.index()); }
    bool is_null() const { return type() == JsonType::Null; }
    bool is_bool() const { return type() == JsonType::Bool; }
    bool is_int() const { return type() == JsonType::Int; }
    bool is_big_int() const { return type() == JsonType::BigInt; }
    bool is_number() const { return is_int() || type() == JsonType::Double || is_big_int(); }
    bool is_string() const { return type() == JsonType::String; }
    bool is_array() const { return type() == JsonType::Array; }
    bool is_object() const { return type() == JsonType::Object; }

    // Typed access; a wrong type throws InvalidInput ("expected a string, found an integer"), so a
    // reader of outside data that trusts a shape reports one line instead of ending the process.
    // Readers of files add the file's name to the message.
    bool as_bool() const;
    int64_t as_int() const;
    double as_number() const;  // int, double, or a big integer rounded to the nearest double
    const std::string& big_int_digits() const;
    const std::string& as_string() const;
    const JsonArray& as_array() const;
    JsonArray& as_array();
    const JsonObject& as_object() const;
    JsonObject& as_object();

    // Object access. find() returns nullptr when absent; operator[] on a missing key inserts null.
    const Json* find(std::string_view key) const;
    Json* find(std::string_view key);
    // find(), with a null member read as absent (OpenAI request fields mean the same by both).
    const Json* find_present(std::string_view key) const;
    Json& operator[](std::string_view key);
    const Json& at(std::string_view key) const;   // throws InvalidInput("missing member 'key'")
    Json& set(std::string_view key, Json value);  // insert or replace, keeps position
    bool erase(std::string_view key);

    // Array helpers.
    void push_back(Json v);
    size_t size() const;  // elements of an array or members of an object, else 0

    // Convenience getters for optional typed members (return fallback when absent or mistyped).
    std::string get_string(std::string_view key, std::string fallback = {}) const;
    int64_t get_int(std::string_view key, int64_t fallback = 0) const;
    double get_number(std::string_view key, double fallback = 0) const;
    bool get_bool(std::string_view key, bool fallback = false) const;

    std::string dump() const;
    std::string dump_canonical() const;
    void dump_to(std::string& out, bool canonical = false) const;

    friend bool operator==(const Json& a, const Json& b);

private:
    std::variant<std::nullptr_t, bool, int64_t, double, std::string, JsonArray, JsonObject, JsonBigInt> v_;
};

struct JsonMember {
    std::string key;
    Json value;
    friend bool operator==(const JsonMember&, const JsonMember&) = default;
};

inline Json::Json() = default;
inline Json::Json(std::nullptr_t) {}
inline Json::Json(bool b) : v_(b) {}
inline Json::Json(int i) : v_(int64_t{i}) {}
inline Json::Json(int64_t i) : v_(i) {}
inline Json::Json(uint32_t i) : v_(int64_t{i}) {}
inline Json::Json(double d) : v_(d) {}
inline Json::Json(const char* s) : v_(std::string(s)) {}
inline Json::Json(std::string s) : v_(std::move(s)) {}
inline Json::Json(std::string_view s) : v_(std::string(s)) {}
inline Json::Json(JsonBigInt b) : v_(std::move(b)) {}
inline Json::Json(JsonArray a) : v_(std::move(a)) {}
inline Json::Json(JsonObject o) : v_(std::move(o)) {}
inline Json::Json(const Json&) = default;
inline Json::Json(Json&&) noexcept = default;
inline Json& Json::operator=(const Json&) = default;
inline Json& Json::operator=(Json&&) noexcept = default;
inline Json::~Json() = default;
inline Json Json::array() { return Json(JsonArray{}); }
inline Json Json::object() { return Json(JsonObject{}); }

// Appends `s` to `out` as a JSON string literal (quotes included).
void json_append_string(std::string& out, std::string_view s);

}  // namespace envforge
