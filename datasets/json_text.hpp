// Writes JSON objects as text, member by member, into a string: for exports that produce
// gigabytes, where building a Json tree per record would cost more than reading the store.
// The output matches Json::dump (same escapes, same number formatting).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"

namespace envforge {

class JsonText {
public:
    // Opens an object ('{') at the end of `out`; close() writes the '}'.
    explicit JsonText(std::string& out) : out_(out) { out_.push_back('{'); }
    JsonText& str(const char* key, std::string_view v) {
        json_append_string(member(key), v);
        return *this;
    }
    JsonText& num(const char* key, double v) {
        Json(v).dump_to(member(key));
        return *this;
    }
    JsonText& integer(const char* key, int64_t v) {
        member(key) += std::to_string(v);
        return *this;
    }
    JsonText& boolean(const char* key, bool v) {
        member(key) += v ? "true" : "false";
        return *this;
    }
    JsonText& null(const char* key) {
        member(key) += "null";
        return *this;
    }
    // A value that is already JSON text.
    JsonText& raw(const char* key, std::string_view json) {
        member(key) += json;
        return *this;
    }
    JsonText& ids(const char* key, const std::vector<int32_t>& v) {
        std::string& o = member(key);
        o.push_back('[');
        for (size_t i = 0; i < v.size(); ++i) {
            if (i) o.push_back(',');
            o += std::to_string(v[i]);
        }
        o.push_back(']');
        return *this;
    }
    // Writes `"key":` and returns the string, for a value the caller writes itself.
    std::string& member(const char* key) {
        if (!first_) out_.push_back(',');
        first_ = false;
        out_.push_back('"');
        out_ += key;
        out_ += "\":";
        return out_;
    }
    void close() { out_.push_back('}'); }

private:
    std::string& out_;
    bool first_ = true;
};

}  // namespace envforge
