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
    Json to_json() const;
};

// A general task's environment (Task::env), typed: a built-in domain and its tables (loaded into
// the episode's database), or an environment package's files. Synthesis writes it with
// to_json; the episode, the verifiers and `import` read it with from_json.
struct GeneralEnv {
    std::string domain;         // trip | retail | meeting | package
    std::vector<Table> tables;  // the built-in domains'
    std::string package_name;   // package
    Json package_files;         // package: {"schema.sql", "tools.py", "verify.py", ...: content}

    Json to_json() const;
    // Throws InvalidInput naming the member ("env.tables[2].columns[0]: ..."). Table and column
    // names are SQL identifiers, column types SQLite's, rows as wide as the columns, values
    // scalars: the database is built from them as they are.
    static GeneralEnv from_json(const Json& env);
};

// A general task's env: `domain` and its tables (moved out).
Json domain_env(const char* domain, std::initializer_list<Table*> tables);

// A general task's header: kind, seed, difficulty and generator "general.<domain>" version 1.
Task general_task(const char* domain, uint64_t seed, int difficulty);

// Rows of `table` in a task's env as objects keyed by column name.
std::vector<Json> table_objects(const GeneralEnv& env, std::string_view table);

// Tool declarations. `sql` binds named parameters (:name) from the arguments; `result` is
// "rows" (array of objects) or "row" (one object, or an error naming `missing` when none).
ToolSpec sql_tool(std::string name, std::string description, Json parameters, std::string sql, std::string result = "rows",
                  std::string missing = "");
ToolSpec op_tool(std::string name, std::string description, Json parameters, std::string op);
ToolSpec submit_tool(std::string description, Json parameters);

}  // namespace envforge::general
