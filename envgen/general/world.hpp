// Building blocks for general-agent tasks: tables of generated data (stored in the task's `env`
// and loaded into a private SQLite database per episode) and tool declarations as data.
#pragma once

#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/json.hpp"
#include "common/rng.hpp"
#include "envgen/synth_util.hpp"
#include "tasks/task.hpp"

namespace envforge::general {

struct Table {
    std::string name;
    std::vector<std::pair<std::string, std::string>> columns;  // (name, SQL type)
    JsonArray rows;                                            // each row: array in column order

    void add(JsonArray row) { rows.emplace_back(std::move(row)); }
    Json take_json();  // moves the rows out
};

// A general task's env: {"domain": domain, "tables": [...]}, the tables' rows moved out.
Json domain_env(const char* domain, std::initializer_list<Table*> tables);

// A general task's header: kind, seed, difficulty and generator "general.<domain>" version 1.
Task general_task(const char* domain, uint64_t seed, int difficulty);

// Rows of `table` in a task's env as objects keyed by column name.
std::vector<Json> table_objects(const Task& task, std::string_view table);

// Tool declarations. `sql` binds named parameters (:name) from the arguments; `result` is
// "rows" (array of objects) or "row" (one object, or an error naming `missing` when none).
ToolSpec sql_tool(std::string name, std::string description, Json parameters, std::string sql, std::string result = "rows",
                  std::string missing = "");
ToolSpec op_tool(std::string name, std::string description, Json parameters, std::string op);
ToolSpec submit_tool(std::string description, Json parameters);

}  // namespace envforge::general
