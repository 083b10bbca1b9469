#include "envgen/general/world.hpp"

#include <cctype>
#include <cstdio>

#include "common/errors.hpp"
#include "common/json_fields.hpp"
#include "envgen/general/general_env.hpp"

namespace envforge::general {

Json Table::to_json() const {
    JsonArray cols;
    for (const auto& [n, t] : columns) cols.push_back(Json(JsonArray{Json(n), Json(t)}));
    Json j = Json::object({{"name", name}, {"columns", Json(std::move(cols))}});
    j.set("rows", Json(rows));
    return j;
}

Json GeneralEnv::to_json() const {
    Json env = Json::object({{"domain", domain}});
    if (domain == "package") {
        env.set("package", Json::object({{"name", package_name}, {"files", package_files}}));
        return env;
    }
    JsonArray out;
    for (const Table& t : tables) out.push_back(t.to_json());
    env.set("tables", Json(std::move(out)));
    return env;
}

namespace {

// Names a task may give its tables and columns: they are spliced into SQL.
bool sql_identifier(const std::string& s) {
    if (s.empty() || s.size() > 64 || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
}

bool column_type(const std::string& t) {
    for (const char* ok : {"INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC"})
        if (t == ok) return true;
    return false;
}

Table table_from_json(const Json& j, const std::string& where) {
    const JsonFields f(j, where);
    Table t;
    t.name = f.string("name");
    if (!sql_identifier(t.name)) throw InvalidInput(f.path("name") + ": '" + t.name + "' is not an SQL identifier");
    const Json& cols = f.required("columns");
    if (!cols.is_array()) throw InvalidInput(f.path("columns") + ": expected an array of [name, type]");
    for (size_t i = 0; i < cols.size(); ++i) {
        const Json& c = cols.as_array()[i];
        const bool ok = c.is_array() && c.size() == 2 && c.as_array()[0].is_string() && c.as_array()[1].is_string() &&
                        sql_identifier(c.as_array()[0].as_string()) && column_type(c.as_array()[1].as_string());
        if (!ok) throw InvalidInput(f.path("columns") + "[" + std::to_string(i) + "]: expected [name, INTEGER|REAL|TEXT|BLOB|NUMERIC]");
        t.columns.emplace_back(c.as_array()[0].as_string(), c.as_array()[1].as_string());
    }
    const Json& rows = f.required("rows");
    if (!rows.is_array()) throw InvalidInput(f.path("rows") + ": expected an array of rows");
    for (size_t r = 0; r < rows.size(); ++r) {
        const Json& row = rows.as_array()[r];
        if (!row.is_array() || row.size() != t.columns.size())
            throw InvalidInput(f.path("rows") + "[" + std::to_string(r) + "]: expected an array of " + std::to_string(t.columns.size()) +
                               " values, one per column");
        for (const Json& v : row.as_array())
            if (v.is_array() || v.is_object())
                throw InvalidInput(f.path("rows") + "[" + std::to_string(r) + "]: values must be numbers, strings, booleans or null");
    }
    t.rows = rows.as_array();
    return t;
}

}  // namespace

GeneralEnv GeneralEnv::from_json(const Json& env) {
    const JsonFields f(env, "env");
    GeneralEnv e;
    e.domain = f.string("domain");
    if (e.domain == "package") {
        const JsonFields p(f.required("package"), "env.package");
        e.package_name = p.string("name");
        e.package_files = p.required("files");
        for (const char* name : {"schema.sql", "tools.py", "verify.py"}) {
            const Json* file = e.package_files.is_object() ? e.package_files.find(name) : nullptr;
            if (!file || !file->is_string()) throw InvalidInput(std::string("env.package.files: no ") + name + " (as a string)");
        }
        return e;
    }
    if (!find_domain(e.domain)) throw InvalidInput("env.domain: '" + e.domain + "', expected trip, retail, meeting or package");
    const Json& tables = f.required("tables");
    if (!tables.is_array()) throw InvalidInput("env.tables: expected an array of tables");
    for (size_t i = 0; i < tables.size(); ++i)
        e.tables.push_back(table_from_json(tables.as_array()[i], "env.tables[" + std::to_string(i) + "]"));
    return e;
}

Json domain_env(const char* domain, std::initializer_list<Table*> tables) {
    GeneralEnv env;
    env.domain = domain;
    for (Table* t : tables) env.tables.push_back(std::move(*t));
    return env.to_json();
}

Task general_task(const char* domain, uint64_t seed, int difficulty) {
    Task t;
    t.kind = "general";
    t.seed = seed;
    t.difficulty = difficulty;
    t.generator_name = std::string("general.") + domain;
    t.generator_version = "1";
    return t;
}

std::vector<Json> table_objects(const GeneralEnv& env, std::string_view table) {
    std::vector<Json> out;
    for (const Table& t : env.tables) {
        if (t.name != table) continue;
        for (const auto& row : t.rows) {
            Json o = Json::object();
            for (size_t i = 0; i < t.columns.size(); ++i) o.set(t.columns[i].first, row.as_array()[i]);
            out.push_back(std::move(o));
        }
    }
    return out;
}

ToolSpec sql_tool(std::string name, std::string description, Json parameters, std::string sql, std::string result, std::string missing) {
    Json impl = Json::object({{"sql", std::move(sql)}, {"result", std::move(result)}});
    if (!missing.empty()) impl.set("missing", std::move(missing));
    return {std::move(name), std::move(description), std::move(parameters), std::move(impl)};
}
ToolSpec op_tool(std::string name, std::string description, Json parameters, std::string op) {
    return {std::move(name), std::move(description), std::move(parameters), Json::object({{"op", std::move(op)}})};
}
ToolSpec submit_tool(std::string description, Json parameters) {
    return {"submit_result", std::move(description), std::move(parameters), Json::object({{"submit", true}})};
}

}  // namespace envforge::general
