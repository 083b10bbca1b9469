// Task JSON: fixed member order for stable output, strict field checks on input.
#include "tasks/task.hpp"

#include "common/errors.hpp"
#include "common/sha256.hpp"

namespace envforge {

namespace {

const Json& require(const Json& j, std::string_view key, JsonType type, std::string_view where) {
    const Json* v = j.find(key);
    if (!v) throw InvalidInput(std::string(where) + ": missing field '" + std::string(key) + "'");
    bool ok = v->type() == type || (type == JsonType::Double && v->is_number());
    if (!ok)
        throw InvalidInput(std::string(where) + ": field '" + std::string(key) + "' is " + json_type_name(v->type()) + ", expected " +
                           json_type_name(type));
    return *v;
}

}  // namespace

Json ToolSpec::to_openai() const {
    return Json::object(
        {{"type", "function"}, {"function", Json::object({{"name", name}, {"description", description}, {"parameters", parameters}})}});
}

Json ToolSpec::to_json() const {
    Json j = to_openai();
    if (!impl.is_null()) j.set("impl", impl);
    return j;
}

ToolSpec ToolSpec::from_json(const Json& j) {
    if (!j.is_object()) throw InvalidInput("task tool: expected an object");
    const Json& fn = require(j, "function", JsonType::Object, "task tool");
    ToolSpec t;
    t.name = require(fn, "name", JsonType::String, "task tool function").as_string();
    if (t.name.empty()) throw InvalidInput("task tool: empty name");
    t.description = fn.get_string("description");
    if (const Json* p = fn.find("parameters")) {
        if (!p->is_object()) throw InvalidInput("task tool '" + t.name + "': parameters must be a JSON schema object");
        t.parameters = *p;
    }
    if (const Json* impl = j.find("impl")) t.impl = *impl;
    return t;
}

Json Limits::to_json() const {
    return Json::object({{"max_turns", max_turns},
                         {"max_tool_calls", max_tool_calls},
                         {"wall_seconds", wall_seconds},
                         {"call_timeout_seconds", call_timeout_seconds}});
}

Limits Limits::from_json(const Json& j) {
    Limits l;
    l.max_turns = static_cast<int>(j.get_int("max_turns", l.max_turns));
    l.max_tool_calls = static_cast<int>(j.get_int("max_tool_calls", l.max_tool_calls));
    l.wall_seconds = j.get_number("wall_seconds", l.wall_seconds);
    l.call_timeout_seconds = j.get_number("call_timeout_seconds", l.call_timeout_seconds);
    if (l.max_turns <= 0 || l.max_tool_calls <= 0 || l.wall_seconds <= 0)
        throw InvalidInput("task limits: max_turns, max_tool_calls and wall_seconds must be > 0");
    return l;
}

// Writes the task's JSON straight from its members (no intermediate tree: tasks carry whole
// databases). Canonical form sorts keys at every level and leaves out the id, for hashing.
void Task::write_json(std::string& out, bool canonical) const {
    auto key = [&](const char* k, bool first = false) {
        if (!first) out.push_back(',');
        json_append_string(out, k);
        out.push_back(':');
    };
    auto write_tools = [&] {
        out.push_back('[');
        for (size_t i = 0; i < tools.size(); ++i) {
            if (i) out.push_back(',');
            tools[i].to_json().dump_to(out, canonical);
        }
        out.push_back(']');
    };
    const Json gen = Json::object({{"name", generator_name}, {"version", generator_version}});
    out.push_back('{');
    if (canonical) {  // keys in byte order
        key("difficulty", true);
        out += std::to_string(difficulty);
        key("env");
        env.dump_to(out, true);
        key("generator");
        gen.dump_to(out, true);
        key("kind");
        json_append_string(out, kind);
        key("limits");
        limits.to_json().dump_to(out, true);
        key("prompt");
        json_append_string(out, prompt);
        key("reference");
        reference.dump_to(out, true);
        key("schema");
        json_append_string(out, kTaskSchema);
        key("seed");
        out += std::to_string(seed);
        key("system");
        json_append_string(out, system);
        key("tools");
        write_tools();
        key("verifier");
        verifier.dump_to(out, true);
    } else {
        key("schema", true);
        json_append_string(out, kTaskSchema);
        key("id");
        json_append_string(out, id);
        key("kind");
        json_append_string(out, kind);
        key("seed");
        out += std::to_string(seed);
        key("difficulty");
        out += std::to_string(difficulty);
        key("generator");
        gen.dump_to(out);
        key("system");
        json_append_string(out, system);
        key("prompt");
        json_append_string(out, prompt);
        key("tools");
        write_tools();
        key("env");
        env.dump_to(out);
        key("verifier");
        verifier.dump_to(out);
        key("reference");
        reference.dump_to(out);
        key("limits");
        limits.to_json().dump_to(out);
    }
    out.push_back('}');
}

std::string Task::dump() const {
    std::string out;
    write_json(out, false);
    return out;
}

std::string Task::compute_id() const {
    std::string canonical;
    write_json(canonical, true);
    return "t" + sha256_hex(canonical).substr(0, 24);
}

void Task::finalize() { id = compute_id(); }

Json Task::to_json() const { return Json::parse(dump(), "task"); }

Task Task::from_json(const Json& j) {
    if (!j.is_object()) throw InvalidInput("task: expected a JSON object");
    const std::string schema = j.get_string("schema");
    if (schema != kTaskSchema) throw InvalidInput("task: unknown schema '" + schema + "', expected '" + kTaskSchema + "'");
    Task t;
    t.kind = require(j, "kind", JsonType::String, "task").as_string();
    const Json& seed = require(j, "seed", JsonType::Int, "task");
    if (seed.as_int() < 0) throw InvalidInput("task: seed must be >= 0");
    t.seed = static_cast<uint64_t>(seed.as_int());
    t.difficulty = static_cast<int>(require(j, "difficulty", JsonType::Int, "task").as_int());
    if (t.difficulty < 1 || t.difficulty > 5) throw InvalidInput("task: difficulty " + std::to_string(t.difficulty) + ", expected 1..5");
    const Json& gen = require(j, "generator", JsonType::Object, "task");
    t.generator_name = gen.get_string("name");
    t.generator_version = gen.get_string("version");
    t.system = require(j, "system", JsonType::String, "task").as_string();
    t.prompt = require(j, "prompt", JsonType::String, "task").as_string();
    for (const auto& tool : require(j, "tools", JsonType::Array, "task").as_array()) t.tools.push_back(ToolSpec::from_json(tool));
    t.env = require(j, "env", JsonType::Object, "task");
    t.verifier = require(j, "verifier", JsonType::Object, "task");
    t.reference = require(j, "reference", JsonType::Object, "task");
    t.limits = Limits::from_json(require(j, "limits", JsonType::Object, "task"));
    t.finalize();
    if (const Json* id = j.find("id"); id && id->is_string() && id->as_string() != t.id)
        throw InvalidInput("task: id '" + id->as_string() + "' does not match its content (hash " + t.id + ")");
    return t;
}

Task Task::parse(std::string_view text) { return from_json(Json::parse(text, "task")); }

const ToolSpec* Task::find_tool(std::string_view n) const {
    for (const auto& t : tools)
        if (t.name == n) return &t;
    return nullptr;
}

std::vector<ScriptTurn> Task::reference_turns() const {
    const Json* turns = reference.find("turns");
    return turns ? script_from_json(*turns) : std::vector<ScriptTurn>{};
}

Json script_to_json(const std::vector<ScriptTurn>& turns) {
    JsonArray out;
    for (const auto& t : turns) {
        JsonArray calls;
        for (const auto& c : t.calls) calls.push_back(Json::object({{"name", c.name}, {"arguments", c.arguments}}));
        Json turn = Json::object();
        if (!t.reasoning.empty()) turn.set("reasoning", t.reasoning);
        turn.set("calls", Json(std::move(calls)));
        out.push_back(std::move(turn));
    }
    return Json(std::move(out));
}

std::vector<ScriptTurn> script_from_json(const Json& j) {
    std::vector<ScriptTurn> turns;
    if (!j.is_array()) return turns;
    for (const auto& t : j.as_array()) {
        ScriptTurn turn;
        turn.reasoning = t.get_string("reasoning");
        if (const Json* calls = t.find("calls"); calls && calls->is_array())
            for (const auto& c : calls->as_array())
                turn.calls.push_back({c.get_string("name"), c.find("arguments") ? c.at("arguments") : Json::object()});
        turns.push_back(std::move(turn));
    }
    return turns;
}

}  // namespace envforge
