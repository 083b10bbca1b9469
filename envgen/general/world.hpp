// Building blocks for general-agent tasks: tables of generated data (stored in the task's `env`
// and loaded into a private SQLite database per episode), tool declarations as data, JSON-schema
// helpers and fictional names that collide with nothing famous.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tasks/json.hpp"
#include "tasks/rng.hpp"
#include "tasks/task.hpp"

namespace envforge::general {

struct Table {
    std::string name;
    std::vector<std::pair<std::string, std::string>> columns;  // (name, SQL type)
    JsonArray rows;                                             // each row: array in column order

    void add(JsonArray row) { rows.emplace_back(std::move(row)); }
    Json take_json();  // moves the rows out
};

// A general task's header: kind, seed, difficulty and generator "general.<domain>" version 1.
Task general_task(const char* domain, uint64_t seed, int difficulty);

// The task's `reference`: gold turns, the expected answer and the validation probes (moved in).
Json reference_json(Json turns, Json answer, JsonArray probes);

// Rows of `table` in a task's env as objects keyed by column name.
std::vector<Json> table_objects(const Task& task, std::string_view table);

// JSON-schema helpers.
Json str_prop(std::string description);
Json int_prop(std::string description);
Json num_prop(std::string description);
Json enum_prop(std::string description, std::vector<std::string> values);
Json object_schema(std::vector<std::pair<std::string, Json>> props,
                   std::vector<std::string> required);

// Tool declarations. `sql` binds named parameters (:name) from the arguments; `result` is
// "rows" (array of objects) or "row" (one object, or an error naming `missing` when none).
ToolSpec sql_tool(std::string name, std::string description, Json parameters, std::string sql,
                  std::string result = "rows", std::string missing = "");
ToolSpec op_tool(std::string name, std::string description, Json parameters, std::string op);
ToolSpec submit_tool(std::string description, Json parameters);

// Name generation; `taken` keeps names unique within a task.
std::string unique_name(Rng& rng, std::set<std::string>& taken, std::string (*make)(Rng&));
std::string place_name(Rng& rng);
std::string person_name(Rng& rng);
std::string brand_name(Rng& rng);

// Dates as "YYYY-MM-DD" from a day number (days since 1970-01-01), and back.
std::string date_string(int64_t day);
int64_t day_number(int year, int month, int day);

}  // namespace envforge::general
