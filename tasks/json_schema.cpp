// JSON-schema subset validation for tool arguments; errors are values, never exceptions.
#include "tasks/json_schema.hpp"

#include "common/utf8.hpp"

#include <cmath>

namespace envforge {

namespace {

bool matches_type(const Json& v, std::string_view t) {
    if (t == "string") return v.is_string();
    if (t == "integer") return v.is_int() || (v.is_number() && std::floor(v.as_number()) == v.as_number());
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_bool();
    if (t == "array") return v.is_array();
    if (t == "object") return v.is_object();
    if (t == "null") return v.is_null();
    return true;  // unknown type names do not reject
}

std::string describe(const Json& v) {
    std::string s = v.dump();
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
}

std::optional<std::string> check(const Json& v, const Json& schema, const std::string& path) {
    if (!schema.is_object()) return std::nullopt;
    if (const Json* type = schema.find("type")) {
        bool ok = false;
        std::string expected;
        if (type->is_string()) {
            ok = matches_type(v, type->as_string());
            expected = type->as_string();
        } else if (type->is_array()) {
            for (const auto& t : type->as_array()) {
                if (!t.is_string()) continue;
                ok = ok || matches_type(v, t.as_string());
                expected += (expected.empty() ? "" : " or ") + t.as_string();
            }
        } else {
            ok = true;
        }
        if (!ok) return path + ": expected " + expected + ", got " + json_type_name(v.type());
    }
    if (const Json* e = schema.find("enum"); e && e->is_array()) {
        bool found = false;
        for (const auto& opt : e->as_array()) found = found || opt == v;
        if (!found) return path + ": " + describe(v) + " is not one of " + e->dump();
    }
    if (const Json* c = schema.find("const"); c && !(*c == v)) return path + ": expected " + c->dump() + ", got " + describe(v);
    if (v.is_number()) {
        double x = v.as_number();
        if (const Json* m = schema.find("minimum"); m && m->is_number() && x < m->as_number())
            return path + ": " + describe(v) + " is below the minimum " + m->dump();
        if (const Json* m = schema.find("maximum"); m && m->is_number() && x > m->as_number())
            return path + ": " + describe(v) + " is above the maximum " + m->dump();
    }
    if (v.is_string()) {
        // Length in code points, as JSON schema defines it.
        const size_t n = utf8_length(v.as_string());
        if (const Json* m = schema.find("minLength"); m && m->is_int() && n < size_t(m->as_int()))
            return path + ": string shorter than " + m->dump() + " characters";
        if (const Json* m = schema.find("maxLength"); m && m->is_int() && n > size_t(m->as_int()))
            return path + ": string longer than " + m->dump() + " characters";
    }
    if (v.is_array()) {
        const auto& a = v.as_array();
        if (const Json* m = schema.find("minItems"); m && m->is_int() && a.size() < size_t(m->as_int()))
            return path + ": " + std::to_string(a.size()) + " items, expected at least " + m->dump();
        if (const Json* m = schema.find("maxItems"); m && m->is_int() && a.size() > size_t(m->as_int()))
            return path + ": " + std::to_string(a.size()) + " items, expected at most " + m->dump();
        if (const Json* items = schema.find("items"); items && items->is_object())
            for (size_t i = 0; i < a.size(); ++i)
                if (auto err = check(a[i], *items, path + "[" + std::to_string(i) + "]")) return err;
    }
    if (v.is_object()) {
        const Json* props = schema.find("properties");
        if (const Json* req = schema.find("required"); req && req->is_array())
            for (const auto& r : req->as_array())
                if (r.is_string() && !v.find(r.as_string())) return path + ": missing required property '" + r.as_string() + "'";
        const Json* extra = schema.find("additionalProperties");
        for (const auto& m : v.as_object()) {
            const Json* ps = props ? props->find(m.key) : nullptr;
            std::string sub = path + "." + m.key;
            if (ps) {
                if (auto err = check(m.value, *ps, sub)) return err;
            } else if (extra && extra->is_bool() && !extra->as_bool()) {
                return path + ": unexpected property '" + m.key + "'";
            } else if (extra && extra->is_object()) {
                if (auto err = check(m.value, *extra, sub)) return err;
            }
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> validate_json_schema(const Json& value, const Json& schema, std::string_view root) {
    return check(value, schema, std::string(root));
}

Json minimal_value_for_schema(const Json& schema) {
    if (const Json* e = schema.find("enum"); e && e->is_array() && e->size() > 0) return e->as_array()[0];
    std::string type;
    if (const Json* t = schema.find("type")) {
        if (t->is_string()) type = t->as_string();
        else if (t->is_array() && t->size() > 0 && t->as_array()[0].is_string()) type = t->as_array()[0].as_string();
    }
    if (type == "string") {
        int64_t n = schema.get_int("minLength", 0);
        return Json(std::string(static_cast<size_t>(n), 'x'));
    }
    if (type == "integer") return Json(schema.get_int("minimum", 0));
    if (type == "number") return Json(schema.get_number("minimum", 0));
    if (type == "boolean") return Json(false);
    if (type == "null") return Json();
    if (type == "array") {
        Json a = Json::array();
        int64_t n = schema.get_int("minItems", 0);
        const Json* items = schema.find("items");
        for (int64_t i = 0; i < n; ++i) a.push_back(items ? minimal_value_for_schema(*items) : Json());
        return a;
    }
    Json o = Json::object();
    const Json* props = schema.find("properties");
    if (const Json* req = schema.find("required"); req && req->is_array() && props)
        for (const auto& r : req->as_array())
            if (r.is_string())
                if (const Json* ps = props->find(r.as_string())) o.set(r.as_string(), minimal_value_for_schema(*ps));
    return o;
}

}  // namespace envforge
