// Task: one synthesized environment instance (`"schema": "envforge.task/1"`). Its id is the
// SHA-256 of the canonical JSON of everything else, so equal tasks have equal ids.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.hpp"

namespace envforge {

inline constexpr const char* kTaskSchema = "envforge.task/1";

struct ToolSpec {
    std::string name;
    std::string description;
    Json parameters = Json::object();  // JSON schema of the arguments object
    Json impl;                         // kind-specific implementation; never shown to the model

    Json to_openai() const;  // {"type":"function","function":{name,description,parameters}}
    Json to_json() const;    // to_openai() plus "impl"
    static ToolSpec from_json(const Json& j);
    friend bool operator==(const ToolSpec&, const ToolSpec&) = default;
};

struct Limits {
    int max_turns = 40;
    int max_tool_calls = 120;
    double wall_seconds = 600;
    double call_timeout_seconds = 120;

    Json to_json() const;
    static Limits from_json(const Json& j);
    friend bool operator==(const Limits&, const Limits&) = default;
};

// One step of a scripted solution: the tool calls of one assistant turn.
struct ScriptTurn {
    std::string reasoning;
    struct Call {
        std::string name;
        Json arguments = Json::object();
    };
    std::vector<Call> calls;
};

struct Task {
    std::string id;  // filled by finalize() / checked by from_json()
    std::string kind;
    uint64_t seed = 0;
    int difficulty = 1;
    std::string generator_name;
    std::string generator_version;
    std::string system;
    std::string prompt;
    std::vector<ToolSpec> tools;
    Json env = Json::object();
    Json verifier = Json::object();
    Json reference = Json::object();  // {"turns":[{"reasoning","calls":[{name,arguments}]}],"answer"}
    Limits limits;

    // Computes and stores the content-hash id.
    void finalize();
    std::string compute_id() const;

    Json to_json() const;
    std::string dump() const;
    // Appends the task's JSON; canonical: sorted keys, no id (what the id hashes).
    void write_json(std::string& out, bool canonical) const;
    // Throws InvalidInput naming the field on malformed input, an unknown schema, or an id that
    // does not match the content.
    static Task from_json(const Json& j);
    static Task parse(std::string_view text);

    const ToolSpec* find_tool(std::string_view name) const;
    std::vector<ScriptTurn> reference_turns() const;
};

Json script_to_json(const std::vector<ScriptTurn>& turns);
std::vector<ScriptTurn> script_from_json(const Json& j);

}  // namespace envforge
