// Environment packages: a general environment written without C++ (by a person or a model).
//
//   DIR/env.json     {"name", "version", "description", "system"?, "tools": [{name, description,
//                     parameters}], "answer"?: JSON schema of submit's arguments,
//                     "call_timeout_seconds"?: per tool call, default 30}
//   DIR/schema.sql   the database: CREATE TABLE and INSERT statements (run once per episode)
//   DIR/tools.py     def TOOL(db, **arguments) for every tool; db is a sqlite3 connection whose
//                    rows are dicts; a raised exception is the tool's error message
//   DIR/verify.py    def verify(db, answer, **expected) -> bool | {"passed", "reward", "details"}
//   DIR/tasks.jsonl  {"prompt", "difficulty"?, "expected"?: {...}, "solution": [[{"name",
//                    "arguments"}], ...] (turns of calls), "answer": {...}, "wrong_answers"?: [...]}
//
// Each task carries the package's files (so a task runs anywhere, as the other kinds' do), and the
// tools and the verifier run inside the episode's sandboxed Python session. Validation plays the
// solution (must pass), no answer (must fail) and every wrong answer (must fail).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tasks/task.hpp"

namespace envforge::general {

inline constexpr size_t kMaxPackageBytes = 4u << 20;  // the files every task embeds

struct Package {
    std::string dir, name, version;
    Json files = Json::object();  // schema.sql, tools.py, verify.py
    std::string system;
    double call_timeout = 30;
    std::vector<ToolSpec> tools;  // the package's, then submit
    std::vector<Json> tasks;      // tasks.jsonl lines, checked
};

// A package's name, a tool's name, the Python function a tool calls: a letter, then letters,
// digits and _. The name becomes a folder and the function goes into the session's code, so
// nothing else may.
bool package_identifier(std::string_view s);

// Reads and checks DIR; throws InvalidInput naming the file (and line) for anything malformed:
// a missing file, a tool without a valid name or schema, a solution that calls an unknown tool.
Package load_package(const std::string& dir);

// Writes a package as a model gives it, one JSON object {"env.json": {...}, "schema.sql",
// "tools.py", "verify.py": text, "tasks": [...]}, into DIR (made if missing); `version` goes into
// env.json. Throws InvalidInput naming the missing or mistyped part.
void write_package(const std::string& dir, const Json& spec, const std::string& version);

// Task `index` of the package (0-based, < tasks.size()).
Task package_task(const Package& p, size_t index, uint64_t seed);

}  // namespace envforge::general
