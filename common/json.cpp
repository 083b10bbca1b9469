// JSON value: parsing with RapidJSON's SAX reader (full-precision doubles, UTF-8 validated) and a
// hand-written writer so output is byte-stable across machines and library versions.
#include "common/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_set>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include "common/errors.hpp"

namespace envforge {

const char* json_type_name(JsonType t) {
    switch (t) {
        case JsonType::Null: return "null";
        case JsonType::Bool: return "boolean";
        case JsonType::Int: return "integer";
        case JsonType::Double: return "number";
        case JsonType::String: return "string";
        case JsonType::Array: return "array";
        case JsonType::Object: return "object";
        case JsonType::BigInt: return "integer";
    }
    return "?";
}

Json Json::object(std::initializer_list<std::pair<const char*, Json>> members) {
    JsonObject o;
    o.reserve(members.size());
    for (const auto& [k, v] : members) o.push_back({k, v});
    return Json(std::move(o));
}

// A value of the wrong type is bad input (a file, a request, a model's arguments), never a reason
// to end the process: one line that says what was expected and what was found.
[[noreturn]] static void wrong_type(const char* expected, JsonType found) {
    throw InvalidInput(std::string("expected ") + expected + ", found " + (found == JsonType::Null ? "null" : json_type_name(found)));
}

bool Json::as_bool() const {
    if (!is_bool()) wrong_type("a boolean", type());
    return std::get<bool>(v_);
}
int64_t Json::as_int() const {
    if (!is_int()) wrong_type(is_big_int() ? "an integer within 64 bits" : "an integer", type());
    return std::get<int64_t>(v_);
}
double Json::as_number() const {
    if (!is_number()) wrong_type("a number", type());
    if (is_int()) return static_cast<double>(std::get<int64_t>(v_));
    if (is_big_int()) return std::strtod(std::get<JsonBigInt>(v_).digits.c_str(), nullptr);
    return std::get<double>(v_);
}
const std::string& Json::big_int_digits() const {
    if (!is_big_int()) wrong_type("a big integer", type());
    return std::get<JsonBigInt>(v_).digits;
}
const std::string& Json::as_string() const {
    if (!is_string()) wrong_type("a string", type());
    return std::get<std::string>(v_);
}
const JsonArray& Json::as_array() const {
    if (!is_array()) wrong_type("an array", type());
    return std::get<JsonArray>(v_);
}
JsonArray& Json::as_array() {
    if (!is_array()) wrong_type("an array", type());
    return std::get<JsonArray>(v_);
}
const JsonObject& Json::as_object() const {
    if (!is_object()) wrong_type("an object", type());
    return std::get<JsonObject>(v_);
}
JsonObject& Json::as_object() {
    if (!is_object()) wrong_type("an object", type());
    return std::get<JsonObject>(v_);
}

const Json* Json::find(std::string_view key) const {
    if (!is_object()) return nullptr;
    for (const auto& m : std::get<JsonObject>(v_))
        if (m.key == key) return &m.value;
    return nullptr;
}
Json* Json::find(std::string_view key) { return const_cast<Json*>(static_cast<const Json*>(this)->find(key)); }
const Json* Json::find_present(std::string_view key) const {
    const Json* v = find(key);
    return v && !v->is_null() ? v : nullptr;
}
Json& Json::operator[](std::string_view key) {
    if (is_null()) v_ = JsonObject{};
    if (Json* v = find(key)) return *v;
    auto& o = as_object();
    o.push_back({std::string(key), Json()});
    return o.back().value;
}
const Json& Json::at(std::string_view key) const {
    const Json* v = find(key);
    if (!v) {
        if (!is_object()) wrong_type("an object", type());
        throw InvalidInput("missing member '" + std::string(key) + "'");
    }
    return *v;
}
Json& Json::set(std::string_view key, Json value) {
    Json& slot = (*this)[key];
    slot = std::move(value);
    return slot;
}
bool Json::erase(std::string_view key) {
    if (!is_object()) return false;
    auto& o = as_object();
    auto it = std::find_if(o.begin(), o.end(), [&](const JsonMember& m) { return m.key == key; });
    if (it == o.end()) return false;
    o.erase(it);
    return true;
}
void Json::push_back(Json v) {
    if (is_null()) v_ = JsonArray{};
    as_array().push_back(std::move(v));
}
size_t Json::size() const {
    if (is_array()) return std::get<JsonArray>(v_).size();
    if (is_object()) return std::get<JsonObject>(v_).size();
    return 0;
}

std::string Json::get_string(std::string_view key, std::string fallback) const {
    const Json* v = find(key);
    return v && v->is_string() ? v->as_string() : fallback;
}
int64_t Json::get_int(std::string_view key, int64_t fallback) const {
    const Json* v = find(key);
    return v && v->is_int() ? v->as_int() : fallback;
}
double Json::get_number(std::string_view key, double fallback) const {
    const Json* v = find(key);
    return v && v->is_number() ? v->as_number() : fallback;
}
bool Json::get_bool(std::string_view key, bool fallback) const {
    const Json* v = find(key);
    return v && v->is_bool() ? v->as_bool() : fallback;
}

bool operator==(const Json& a, const Json& b) { return a.v_ == b.v_; }

// ---- writer ----

namespace {

// True when any of the 8 bytes in `w` is a control character, '"' or '\\' (SWAR bit tricks:
// a byte is < n iff (b - n) borrows into its top bit while b's own top bit is clear).
inline bool needs_escape(uint64_t w) {
    constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    auto has_zero = [&](uint64_t v) { return (v - ones) & ~v & highs; };
    return ((w - ones * 0x20) & ~w & highs) || has_zero(w ^ (ones * '"')) || has_zero(w ^ (ones * '\\'));
}

}  // namespace

void json_append_string(std::string& out, std::string_view s) {
    static const char* hex = "0123456789abcdef";
    out.push_back('"');
    size_t run = 0;  // start of the current run of bytes that need no escape
    size_t i = 0;
    while (i < s.size()) {
        if (i + 8 <= s.size()) {
            uint64_t w;
            std::memcpy(&w, s.data() + i, 8);
            if (!needs_escape(w)) {
                i += 8;
                continue;
            }
        }
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            ++i;
            continue;
        }
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 15]);
        }
        ++i;
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

static void append_double(std::string& out, double d) {
    if (!std::isfinite(d)) {  // JSON has no NaN or infinity
        out += "null";
        return;
    }
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, d);  // shortest representation that round-trips
    std::string_view sv(buf, static_cast<size_t>(res.ptr - buf));
    out += sv;
    if (sv.find_first_of(".eEn") == std::string_view::npos) out += ".0";  // stays a double on parse
}

void Json::dump_to(std::string& out, bool canonical) const {
    switch (type()) {
        case JsonType::Null: out += "null"; break;
        case JsonType::Bool: out += std::get<bool>(v_) ? "true" : "false"; break;
        case JsonType::Int: {
            char buf[24];
            auto res = std::to_chars(buf, buf + sizeof buf, std::get<int64_t>(v_));
            out.append(buf, res.ptr);
            break;
        }
        case JsonType::Double: append_double(out, std::get<double>(v_)); break;
        case JsonType::BigInt: out += std::get<JsonBigInt>(v_).digits; break;
        case JsonType::String: json_append_string(out, std::get<std::string>(v_)); break;
        case JsonType::Array: {
            out.push_back('[');
            bool first = true;
            for (const auto& e : std::get<JsonArray>(v_)) {
                if (!first) out.push_back(',');
                first = false;
                e.dump_to(out, canonical);
            }
            out.push_back(']');
            break;
        }
        case JsonType::Object: {
            const auto& o = std::get<JsonObject>(v_);
            out.push_back('{');
            auto emit = [&](const JsonMember& m, bool first) {
                if (!first) out.push_back(',');
                json_append_string(out, m.key);
                out.push_back(':');
                m.value.dump_to(out, canonical);
            };
            if (canonical && o.size() > 1) {
                std::vector<const JsonMember*> sorted;
                sorted.reserve(o.size());
                for (const auto& m : o) sorted.push_back(&m);
                std::sort(sorted.begin(), sorted.end(), [](const JsonMember* a, const JsonMember* b) { return a->key < b->key; });
                for (size_t i = 0; i < sorted.size(); ++i) emit(*sorted[i], i == 0);
            } else {
                for (size_t i = 0; i < o.size(); ++i) emit(o[i], i == 0);
            }
            out.push_back('}');
            break;
        }
    }
}

std::string Json::dump() const {
    std::string out;
    dump_to(out, false);
    return out;
}
std::string Json::dump_canonical() const {
    std::string out;
    dump_to(out, true);
    return out;
}

// ---- parser ----

namespace {

// Builds a Json tree from RapidJSON SAX events with an explicit stack (no recursion limits hit by
// deep but valid input beyond the depth guard below).
struct TreeBuilder : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TreeBuilder> {
    static constexpr size_t kMaxDepth = 512;
    std::vector<Json> stack;
    std::vector<std::string> keys;
    // Keys of each open object once it is large enough that a linear scan per member would make
    // parsing quadratic; null for arrays and small objects.
    std::vector<std::unique_ptr<std::unordered_set<std::string>>> key_sets;
    Json root;
    bool too_deep = false;
    bool too_large = false;  // a number beyond the range of a double

    static constexpr size_t kScanLimit = 16;

    // A repeated key keeps its first position and takes the last value, as Python's json and
    // JavaScript's JSON.parse do: what a model or client meant by {"a":1,"a":2} is 2 everywhere.
    void add_member(std::string key, Json v) {
        JsonObject& obj = stack.back().as_object();
        auto& seen = key_sets.back();
        bool repeated;
        if (obj.size() < kScanLimit) {
            repeated = std::any_of(obj.begin(), obj.end(), [&](const JsonMember& m) { return m.key == key; });
        } else {
            if (!seen) seen = std::make_unique<std::unordered_set<std::string>>();
            if (seen->empty())
                for (const JsonMember& m : obj) seen->insert(m.key);
            repeated = !seen->insert(key).second;
        }
        if (!repeated) {
            obj.push_back({std::move(key), std::move(v)});
            return;
        }
        for (JsonMember& m : obj)
            if (m.key == key) {
                m.value = std::move(v);
                return;
            }
    }

    bool add(Json v) {
        if (stack.empty()) {
            root = std::move(v);
        } else if (stack.back().is_array()) {
            stack.back().as_array().push_back(std::move(v));
        } else {
            std::string key = std::move(keys.back());
            keys.pop_back();
            add_member(std::move(key), std::move(v));
        }
        return true;
    }
    bool Null() { return add(Json()); }
    bool Bool(bool b) { return add(Json(b)); }
    // Numbers arrive as their text (kParseNumbersAsStringsFlag), already checked against JSON's
    // grammar: an integer is int64 when it fits and digits otherwise; the rest are doubles,
    // correctly rounded (std::from_chars, locale-free), as Python's float() reads them.
    bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
        const char* end = s + n;
        if (std::find_if(s, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end) {
            int64_t i = 0;
            const auto [p, ec] = std::from_chars(s, end, i);
            if (ec == std::errc() && p == end) return add(Json(i));
            return add(Json(JsonBigInt{std::string(s, n)}));
        }
        double d = 0;
        const auto [p, ec] = std::from_chars(s, end, d);
        if (ec == std::errc::result_out_of_range) {
            // Below the smallest subnormal reads as a signed zero; above the largest double fails.
            const std::string_view t(s, n);
            if (t.find("e-") == std::string_view::npos && t.find("E-") == std::string_view::npos) {
                too_large = true;
                return false;
            }
            return add(Json(s[0] == '-' ? -0.0 : 0.0));
        }
        if (ec != std::errc() || p != end) return false;
        return add(Json(d));
    }
    // RapidJSON checks the raw bytes but decodes a lone low surrogate escape ("\\udc80") into the
    // three bytes ED B2 80, which are not UTF-8: they would be dumped as they are and refused by
    // the next parse. Such a character becomes U+FFFD, as every other invalid sequence does
    // (common/utf8.hpp). Only surrogates encode to a lead byte ED followed by A0..BF.
    static std::string text(const char* s, rapidjson::SizeType n) {
        if (!std::memchr(s, 0xED, n)) return std::string(s, n);
        std::string out;
        out.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            const auto b1 = static_cast<unsigned char>(s[i]);
            const auto b2 = i + 1 < n ? static_cast<unsigned char>(s[i + 1]) : 0;
            if (b1 == 0xED && b2 >= 0xA0 && b2 <= 0xBF && i + 2 < n) {
                out += "\xEF\xBF\xBD";  // one surrogate, one replacement character
                i += 2;
            } else {
                out.push_back(static_cast<char>(b1));
            }
        }
        return out;
    }
    bool String(const char* s, rapidjson::SizeType n, bool) { return add(Json(text(s, n))); }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        keys.push_back(text(s, n));
        return true;
    }
    bool open(Json v) {
        if (stack.size() >= kMaxDepth) {
            too_deep = true;
            return false;
        }
        stack.push_back(std::move(v));
        key_sets.emplace_back();
        return true;
    }
    bool StartObject() { return open(Json::object()); }
    bool StartArray() { return open(Json::array()); }
    bool close() {
        Json v = std::move(stack.back());
        stack.pop_back();
        key_sets.pop_back();
        return add(std::move(v));
    }
    bool EndObject(rapidjson::SizeType) { return close(); }
    bool EndArray(rapidjson::SizeType) { return close(); }
};

}  // namespace

Json Json::parse(std::string_view text, std::string_view what) {
    TreeBuilder builder;
    rapidjson::Reader reader;
    rapidjson::MemoryStream ms(text.data(), text.size());
    constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag |
                                rapidjson::kParseStopWhenDoneFlag;
    auto res = reader.Parse<kFlags>(ms, builder);
    if (res.IsError()) {
        std::string why = builder.too_deep    ? "nesting deeper than 512 levels"
                          : builder.too_large ? "number too large for a double"
                                              : rapidjson::GetParseError_En(res.Code());
        throw InvalidInput(std::string(what) + ": invalid JSON: " + why + " at offset " + std::to_string(res.Offset()));
    }
    // Only whitespace may follow the value.
    for (size_t i = ms.Tell(); i < text.size(); ++i) {
        char c = text[i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            throw InvalidInput(std::string(what) +
                               ": invalid JSON: unexpected data after the "
                               "value at offset " +
                               std::to_string(i));
    }
    return std::move(builder.root);
}

}  // namespace envforge
