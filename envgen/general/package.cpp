#include "envgen/general/package.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/errors.hpp"
#include "envgen/general/world.hpp"
#include "envgen/synth_util.hpp"

namespace envforge::general {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in)
        throw InvalidInput("package: '" + p.string() +
                           "': cannot read it (a package has env.json, schema.sql, tools.py, verify.py "
                           "and tasks.jsonl)");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A turn of the solution: one call object, or a list of them.
ScriptTurn solution_turn(const Json& turn, const Package& p, const std::string& where) {
    ScriptTurn t;
    const JsonArray calls = turn.is_array() ? turn.as_array() : JsonArray{turn};
    for (const auto& c : calls) {
        const std::string name = c.get_string("name");
        const Json* args = c.find("arguments");
        bool known = false;
        for (const auto& tool : p.tools) known = known || tool.name == name;
        if (!known || name == "submit") throw InvalidInput(where + ": the solution calls '" + name + "', which env.json does not define");
        if (args && !args->is_object()) throw InvalidInput(where + ": the arguments of '" + name + "' are not an object");
        t.calls.push_back({name, args ? *args : Json::object()});
    }
    return t;
}

}  // namespace

bool package_identifier(std::string_view s) {
    if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
}

Package load_package(const std::string& dir_arg) {
    const fs::path dir = fs::absolute(dir_arg).lexically_normal();
    if (!fs::is_directory(dir)) throw InvalidInput("--package '" + dir_arg + "': no such directory");
    Package p;
    p.dir = dir.string();
    const std::string env_path = (dir / "env.json").string();
    const Json env = Json::parse(read_file(dir / "env.json"), env_path);
    if (!env.is_object()) throw InvalidInput(env_path + ": expected an object");
    p.name = env.get_string("name");
    if (!package_identifier(p.name)) throw InvalidInput(env_path + ": 'name' must be a word of letters, digits and _ ('" + p.name + "')");
    p.version = env.get_string("version", "1");
    p.system = env.get_string("system",
                              "You are an agent with tools over a private database. Use the tools to find what the task needs; "
                              "when you are done, call submit with the answer.");
    p.call_timeout = env.get_number("call_timeout_seconds", 30);
    if (!(p.call_timeout >= 0.1 && p.call_timeout <= 600)) throw InvalidInput(env_path + ": 'call_timeout_seconds' must be 0.1..600");
    size_t bytes = 0;
    for (const char* f : {"schema.sql", "tools.py", "verify.py"}) {
        std::string text = read_file(dir / f);
        bytes += text.size();
        p.files.set(f, std::move(text));
    }
    if (bytes > kMaxPackageBytes)
        throw InvalidInput("package '" + p.name + "': its files are " + std::to_string(bytes >> 10) + " KiB; every task carries them, so " +
                           "at most " + std::to_string(kMaxPackageBytes >> 20) + " MiB");
    const Json* tools = env.find("tools");
    if (!tools || !tools->is_array() || tools->size() == 0) throw InvalidInput(env_path + ": 'tools' must be a non-empty array");
    for (const auto& t : tools->as_array()) {
        const std::string name = t.get_string("name");
        if (!package_identifier(name) || name == "submit")
            throw InvalidInput(env_path + ": tool name '" + name + "' must be a Python identifier (not starting with _) other than submit");
        for (const auto& have : p.tools)
            if (have.name == name) throw InvalidInput(env_path + ": tool '" + name + "' is defined twice");
        const Json* params = t.find("parameters");
        if (params && (!params->is_object() || params->get_string("type") != "object"))
            throw InvalidInput(env_path + ": tool '" + name + "': 'parameters' must be a JSON schema of type object");
        p.tools.push_back({name, t.get_string("description"), params ? *params : object_schema({}, {}), Json::object({{"py", name}})});
    }
    const Json* answer = env.find("answer");
    if (answer && (!answer->is_object() || answer->get_string("type") != "object"))
        throw InvalidInput(env_path + ": 'answer' must be a JSON schema of type object (submit's arguments)");
    p.tools.push_back({"submit", "Submit the final answer.",
                       answer ? *answer : object_schema({{"answer", str_prop("the answer")}}, {"answer"}),
                       Json::object({{"submit", true}})});
    const std::string tasks_path = (dir / "tasks.jsonl").string();
    std::istringstream lines(read_file(dir / "tasks.jsonl"));
    std::string line;
    for (size_t n = 1; std::getline(lines, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = tasks_path + ":" + std::to_string(n);
        Json t = Json::parse(line, where);
        if (!t.is_object() || t.get_string("prompt").empty()) throw InvalidInput(where + ": expected an object with a non-empty 'prompt'");
        const Json* sol = t.find("solution");
        if (!sol || !sol->is_array()) throw InvalidInput(where + ": 'solution' must be an array of turns (calls)");
        for (const auto& turn : sol->as_array()) solution_turn(turn, p, where);
        const Json* ans = t.find("answer");
        if (!ans || !ans->is_object()) throw InvalidInput(where + ": 'answer' must be the object the solution submits");
        if (const Json* e = t.find("expected"); e && !e->is_object()) throw InvalidInput(where + ": 'expected' must be an object");
        if (const Json* w = t.find("wrong_answers"); w && !w->is_array()) throw InvalidInput(where + ": 'wrong_answers' must be an array");
        const int64_t d = t.get_int("difficulty", 1);
        if (d < 1 || d > 5) throw InvalidInput(where + ": 'difficulty' must be 1..5");
        t.set("where", where);
        p.tasks.push_back(std::move(t));
    }
    if (p.tasks.empty()) throw InvalidInput(tasks_path + ": no tasks");
    return p;
}

void write_package(const std::string& dir, const Json& spec, const std::string& version) {
    if (!spec.is_object()) throw InvalidInput("the package must be one JSON object");
    const Json* env = spec.find("env.json");
    if (!env || !env->is_object()) throw InvalidInput("the package has no \"env.json\" object");
    const Json* tasks = spec.find("tasks");
    if (!tasks || !tasks->is_array()) throw InvalidInput("the package has no \"tasks\" array");
    for (const char* f : {"schema.sql", "tools.py", "verify.py"}) {
        const Json* text = spec.find(f);
        if (!text || !text->is_string()) throw InvalidInput(std::string("the package has no \"") + f + "\" text");
    }
    fs::create_directories(dir);
    Json e = *env;
    e.set("version", version);
    std::ofstream(fs::path(dir) / "env.json") << e.dump() << "\n";
    for (const char* f : {"schema.sql", "tools.py", "verify.py"})
        std::ofstream(fs::path(dir) / f, std::ios::binary) << spec.at(f).as_string();
    std::ofstream out(fs::path(dir) / "tasks.jsonl");
    for (const auto& t : tasks->as_array()) out << t.dump() << "\n";
}

Task package_task(const Package& p, size_t index, uint64_t seed) {
    const Json& spec = p.tasks.at(index);
    Task t;
    t.kind = "general";
    t.seed = seed;
    t.difficulty = static_cast<int>(spec.get_int("difficulty", 1));
    t.generator_name = "general.package." + p.name;
    t.generator_version = p.version;
    t.system = p.system;
    t.prompt = spec.get_string("prompt");
    t.tools = p.tools;
    GeneralEnv env;
    env.domain = "package";
    env.package_name = p.name;
    env.package_files = p.files;
    t.env = env.to_json();
    const Json* expected = spec.find("expected");
    t.verifier = Json::object({{"type", "package"}, {"expected", expected ? *expected : Json::object()}});
    std::vector<ScriptTurn> script;
    for (const auto& turn : spec.at("solution").as_array()) script.push_back(solution_turn(turn, p, spec.get_string("where")));
    const Json& answer = spec.at("answer");
    script.push_back({"", {{"submit", answer}}});
    JsonArray probes;
    if (const Json* wrong = spec.find("wrong_answers"))
        for (size_t i = 0; i < wrong->size(); ++i)
            probes.push_back(Json::object({{"name", "wrong_answer_" + std::to_string(i + 1)},
                                           {"expect_pass", false},
                                           {"turns", script_to_json({ScriptTurn{"", {{"submit", wrong->as_array()[i]}}}})}}));
    t.reference = reference_json(script_to_json(script), answer, std::move(probes));
    t.limits.max_turns = 20 + 5 * t.difficulty;
    t.limits.max_tool_calls = 40 + 10 * t.difficulty;
    t.limits.call_timeout_seconds = p.call_timeout;
    t.finalize();
    return t;
}

}  // namespace envforge::general
