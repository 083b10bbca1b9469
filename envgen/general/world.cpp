#include "envgen/general/world.hpp"

#include <cstdio>

namespace envforge::general {

Json Table::take_json() {
    JsonArray cols;
    for (const auto& [n, t] : columns) cols.push_back(Json(JsonArray{Json(n), Json(t)}));
    Json j = Json::object({{"name", name}, {"columns", Json(std::move(cols))}});
    j.set("rows", Json(std::move(rows)));
    return j;
}

Json domain_env(const char* domain, std::initializer_list<Table*> tables) {
    JsonArray out;
    for (Table* t : tables) out.push_back(t->take_json());
    Json env = Json::object({{"domain", domain}});
    env.set("tables", Json(std::move(out)));
    return env;
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

std::vector<Json> table_objects(const Task& task, std::string_view table) {
    std::vector<Json> out;
    const Json* tables = task.env.find("tables");
    if (!tables || !tables->is_array()) return out;
    for (const auto& t : tables->as_array()) {
        if (t.get_string("name") != table) continue;
        const auto& cols = t.at("columns").as_array();
        for (const auto& row : t.at("rows").as_array()) {
            Json o = Json::object();
            for (size_t i = 0; i < cols.size() && i < row.size(); ++i) o.set(cols[i].as_array()[0].as_string(), row.as_array()[i]);
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
