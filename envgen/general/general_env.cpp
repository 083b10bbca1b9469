#include "envgen/general/general_env.hpp"

#include <sqlite3.h>

#include "common/errors.hpp"

namespace envforge::general {

Task synthesize_trip(uint64_t seed, int difficulty);
ToolResult trip_op(SqliteDb& db, const std::string& op, const Json& args);
Verdict verify_trip(const Task& task, const GeneralEnv& env, SqliteDb& db, const Json& answer);
Task synthesize_retail(uint64_t seed, int difficulty);
ToolResult retail_op(SqliteDb& db, const std::string& op, const Json& args);
Verdict verify_retail(const Task& task, const GeneralEnv& env, SqliteDb& db, const Json& answer);
Task synthesize_meeting(uint64_t seed, int difficulty);
ToolResult meeting_op(SqliteDb& db, const std::string& op, const Json& args);
Verdict verify_meeting(const Task& task, const GeneralEnv& env, SqliteDb& db, const Json& answer);

const std::vector<const Domain*>& domains() {
    static const Domain trip{"trip", synthesize_trip, trip_op, verify_trip};
    static const Domain retail{"retail", synthesize_retail, retail_op, verify_retail};
    static const Domain meeting{"meeting", synthesize_meeting, meeting_op, verify_meeting};
    static const std::vector<const Domain*> all = {&trip, &retail, &meeting};
    return all;
}

const Domain* find_domain(std::string_view name) {
    for (const Domain* d : domains())
        if (name == d->name) return d;
    return nullptr;
}

namespace {

// The episode's database runs SQL that a task file carries (tool queries, imported tasks): it may
// read and change its own tables, never reach a file on the host (ATTACH, VACUUM INTO).
int deny_files(void*, int action, const char*, const char*, const char*, const char*) {
    return action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY : SQLITE_OK;
}

}  // namespace

std::unique_ptr<SqliteDb> build_database(const GeneralEnv& env) {
    auto db = std::make_unique<SqliteDb>(":memory:");
    sqlite3_limit(db->raw(), SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_set_authorizer(db->raw(), deny_files, nullptr);
    db->exec("BEGIN");
    // The names were checked as SQL identifiers and every row's width by GeneralEnv::from_json.
    for (const Table& t : env.tables) {
        std::string create = "CREATE TABLE \"" + t.name + "\"(";
        std::string insert = "INSERT INTO \"" + t.name + "\" VALUES(";
        for (size_t i = 0; i < t.columns.size(); ++i) {
            create += (i ? "," : "") + std::string("\"") + t.columns[i].first + "\" " + t.columns[i].second;
            insert += i ? ",?" : "?";
        }
        db->exec(create + ")");
        SqliteStmt ins(*db, insert + ")");
        for (const auto& row : t.rows) {
            int i = 1;
            for (const auto& v : row.as_array()) {
                switch (v.type()) {
                    case JsonType::Int: ins.bind(i, v.as_int()); break;
                    case JsonType::Double:
                    case JsonType::BigInt: ins.bind(i, v.as_number()); break;
                    case JsonType::String: ins.bind(i, v.as_string()); break;
                    case JsonType::Bool: ins.bind(i, v.as_bool() ? 1 : 0); break;
                    default: ins.bind_null(i);
                }
                ++i;
            }
            ins.run();
        }
    }
    db->exec("COMMIT");
    return db;
}

static Json column_value(const SqliteStmt& q, int i) {
    switch (q.column_type(i)) {
        case SQLITE_INTEGER: return Json(q.int64(i));
        case SQLITE_FLOAT: return Json(q.real(i));
        case SQLITE_NULL: return Json();
        default: return Json(q.text(i));
    }
}

static Json row_object(const SqliteStmt& q) {
    Json o = Json::object();
    for (int i = 0; i < q.columns(); ++i) o.set(q.column_name(i), column_value(q, i));
    return o;
}

std::vector<Json> query_objects(SqliteDb& db, std::string_view sql) {
    SqliteStmt q(db, sql);
    std::vector<Json> out;
    while (q.step()) out.push_back(row_object(q));
    return out;
}

static std::string fill_template(std::string text, const Json& args) {
    for (const auto& m : args.as_object()) {
        std::string key = "{" + m.key + "}";
        std::string val = m.value.is_string() ? m.value.as_string() : m.value.dump();
        for (size_t p; (p = text.find(key)) != std::string::npos;) text.replace(p, key.size(), val);
    }
    return text;
}

ToolResult run_sql_tool(SqliteDb& db, const Json& impl, const Json& args) {
    // One query or change of the episode's tables; anything else a task file may carry (VACUUM
    // INTO a host path, PRAGMA, ATTACH) is refused before it is prepared.
    const std::string sql = impl.get_string("sql");
    const size_t b = sql.find_first_not_of(" \t\r\n(");
    std::string head = sql.substr(b == std::string::npos ? sql.size() : b, 7);
    for (char& c : head) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    bool allowed = false;
    for (const char* ok : {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE"}) allowed = allowed || head.rfind(ok, 0) == 0;
    if (!allowed) return ToolResult::error("the tool's query is not a SELECT, INSERT, UPDATE or DELETE");
    SqliteStmt q(db, sql);
    for (int i = 1; i <= q.param_count(); ++i) {
        const char* pname = q.param_name(i);
        const Json* v = pname ? args.find(pname + 1) : nullptr;  // skip the ':' prefix
        if (!v || v->is_null()) q.bind_null(i);
        else if (v->is_int()) q.bind(i, v->as_int());
        else if (v->is_number()) q.bind(i, v->as_number());
        else if (v->is_bool()) q.bind(i, v->as_bool() ? 1 : 0);
        else if (v->is_string()) q.bind(i, v->as_string());
        else q.bind(i, v->dump());
    }
    const std::string mode = impl.get_string("result", "rows");
    if (mode == "row") {
        if (!q.step()) {
            std::string missing = impl.get_string("missing", "no matching record");
            return ToolResult::error(fill_template(missing, args));
        }
        return {row_object(q).dump(), false, false, Json()};
    }
    JsonArray rows;
    while (q.step()) rows.push_back(row_object(q));
    return {Json(std::move(rows)).dump(), false, false, Json()};
}

boost::asio::awaitable<void> GeneralEnvironment::start(const Task& task) {
    task_ = &task;
    env_ = GeneralEnv::from_json(task.env);
    domain_ = find_domain(env_.domain);
    if (!domain_) throw InvalidInput("task " + task.id + ": env.domain '" + env_.domain + "': expected trip, retail or meeting");
    db_ = build_database(env_);
    co_return;
}

boost::asio::awaitable<ToolResult> GeneralEnvironment::call(const std::string& name, const Json& args) {
    const ToolSpec* spec = task_->find_tool(name);
    ENVFORGE_ASSERT(spec != nullptr);  // the runner rejects unknown tools first
    const Json& impl = spec->impl;
    if (impl.get_bool("submit")) co_return ToolResult{"submitted", false, true, args};
    if (impl.find("sql")) co_return run_sql_tool(*db_, impl, args);
    const std::string op = impl.get_string("op");
    if (!op.empty() && domain_->run_op) co_return domain_->run_op(*db_, op, args);
    co_return ToolResult::error("tool '" + name + "' has no implementation");
}

boost::asio::awaitable<Verdict> GeneralEnvironment::verify(const Json& final_answer) {
    co_return domain_->verify(*task_, env_, *db_, final_answer);
}

}  // namespace envforge::general
