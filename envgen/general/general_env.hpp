// The general-agent environment runtime: a private in-memory SQLite database per episode built
// from the task's tables, tools executed as parameterised SQL or named operations of the task's
// domain, and the domain's verifier over the submitted answer and the final database state.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/sqlite.hpp"
#include "envgen/general/world.hpp"
#include "tasks/environment.hpp"
#include "envgen/synth_util.hpp"

namespace envforge::general {

// A sub-domain of general tasks (trip planning, retail orders, meeting scheduling).
struct Domain {
    const char* name;
    Task (*synthesize)(uint64_t seed, int difficulty);
    // State-changing or composite tools, by impl.op name; nullptr when the domain has none.
    ToolResult (*run_op)(SqliteDb& db, const std::string& op, const Json& args);
    // Checks the answer and the final state; `env` is the task's, as the episode started from it,
    // and `db` the episode's database after the agent.
    Verdict (*verify)(const Task& task, const GeneralEnv& env, SqliteDb& db, const Json& answer);
};

const std::vector<const Domain*>& domains();
const Domain* find_domain(std::string_view name);

// Builds the database of a task's tables.
std::unique_ptr<SqliteDb> build_database(const GeneralEnv& env);

// Runs a declarative SQL tool (impl {"sql","result","missing"}) with named parameters bound
// from `args`. Returns the rows as compact JSON text.
ToolResult run_sql_tool(SqliteDb& db, const Json& impl, const Json& args);

// Rows of an SQL query as JSON objects (used by verifiers).
std::vector<Json> query_objects(SqliteDb& db, std::string_view sql);

class GeneralEnvironment : public Environment {
public:
    boost::asio::awaitable<void> start(const Task& task) override;
    boost::asio::awaitable<ToolResult> call(const std::string& name, const Json& args) override;
    boost::asio::awaitable<Verdict> verify(const Json& final_answer) override;
    void close() override { db_.reset(); }

private:
    const Task* task_ = nullptr;
    const Domain* domain_ = nullptr;
    GeneralEnv env_;  // parsed once at start: the database and the verifier read it
    std::unique_ptr<SqliteDb> db_;
};

}  // namespace envforge::general
