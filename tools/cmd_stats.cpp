// envforge stats: tasks by kind and difficulty, runs with pass rates, pass@k per kind and
// difficulty, difficulty calibration, validation results.
#include <cstdio>

#include "datasets/run_stats.hpp"
#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"

namespace envforge::cli {

namespace {

Json task_counts(SqliteDb& db) {
    Json tasks = Json::array();
    SqliteStmt q(db, "SELECT kind, generator, difficulty, count(*) FROM tasks GROUP BY 1,2,3 ORDER BY 1,2,3");
    while (q.step())
        tasks.push_back(Json::object({{"kind", q.text(0)}, {"generator", q.text(1)}, {"difficulty", q.int64(2)}, {"tasks", q.int64(3)}}));
    return tasks;
}

// Per run (only `run` when not empty): episodes, passes, means, infrastructure failures.
Json run_summaries(SqliteDb& db, const std::string& run) {
    Json runs = Json::array();
    SqliteStmt q(db,
                 "SELECT r.name, r.policy, count(e.id), coalesce(sum(e.passed),0), coalesce(avg(e.reward),0),"
                 " coalesce(avg(e.turns),0), coalesce(avg(e.tool_calls),0), coalesce(sum(e.status IN "
                 "('env_error','policy_error')),0) FROM runs r LEFT JOIN episodes e ON e.run_id = r.id "
                 "WHERE (?1 = '' OR r.name = ?1) GROUP BY r.id ORDER BY r.id");
    q.bind(1, run);
    while (q.step())
        runs.push_back(Json::object({{"run", q.text(0)},
                                     {"policy", q.text(1)},
                                     {"episodes", q.int64(2)},
                                     {"passed", q.int64(3)},
                                     {"mean_reward", q.real(4)},
                                     {"mean_turns", q.real(5)},
                                     {"mean_tool_calls", q.real(6)},
                                     {"infra_failures", q.int64(7)}}));
    return runs;
}

Json pass_rates_json(const std::vector<PassRow>& rows) {
    Json pass = Json::array();
    for (const PassRow& r : rows) {
        Json at = Json::object();
        for (const auto& [k, v] : r.pass_at) at.set(std::to_string(k), v);
        pass.push_back(Json::object({{"run", r.run},
                                     {"kind", r.kind},
                                     {"difficulty", r.difficulty},
                                     {"tasks", r.tasks},
                                     {"episodes", r.episodes},
                                     {"passed", r.passed},
                                     {"pass_rate", r.pass_rate()},
                                     {"pass_at_k", at},
                                     {"mixed_groups", r.mixed_groups}}));
    }
    return pass;
}

Json calibration_json(const std::vector<PassRow>& rows) {
    Json calibration = Json::array();
    for (const Calibration& c : calibrate(rows)) {
        Json levels = Json::object();
        for (const auto& [d, rate] : c.levels) levels.set(std::to_string(d), rate);
        calibration.push_back(Json::object({{"run", c.run},
                                            {"kind", c.kind},
                                            {"pass_rate_by_difficulty", levels},
                                            {"solved_up_to", c.solved_up_to},
                                            {"mixed_group_share", c.mixed_group_share}}));
    }
    return calibration;
}

Json validation_counts(SqliteDb& db) {
    Json validations = Json::array();
    SqliteStmt q(db, "SELECT probe, count(*), sum(ok) FROM validations GROUP BY probe ORDER BY probe");
    while (q.step()) validations.push_back(Json::object({{"probe", q.text(0)}, {"runs", q.int64(1)}, {"ok", q.int64(2)}}));
    return validations;
}

void print_tasks_and_runs(const Json& tasks, const Json& runs) {
    std::printf("tasks\n  %-10s %-18s %-10s %s\n", "kind", "generator", "difficulty", "count");
    for (const auto& t : tasks.as_array())
        std::printf("  %-10s %-18s %-10lld %lld\n", t.get_string("kind").c_str(), t.get_string("generator").c_str(),
                    static_cast<long long>(t.get_int("difficulty")), static_cast<long long>(t.get_int("tasks")));
    std::printf("runs\n  %-20s %-10s %9s %8s %8s %7s %7s %6s\n", "run", "policy", "episodes", "passed", "reward", "turns", "calls",
                "infra");
    for (const auto& r : runs.as_array())
        std::printf("  %-20s %-10s %9lld %8lld %8.3f %7.1f %7.1f %6lld\n", r.get_string("run").c_str(), r.get_string("policy").c_str(),
                    static_cast<long long>(r.get_int("episodes")), static_cast<long long>(r.get_int("passed")), r.get_number("mean_reward"),
                    r.get_number("mean_turns"), r.get_number("mean_tool_calls"), static_cast<long long>(r.get_int("infra_failures")));
}

void print_rates(const std::vector<PassRow>& rows, const Json& validations) {
    std::printf("pass rates (infrastructure failures left out)\n  %-20s %-9s %4s %6s %9s %6s  %s\n", "run", "kind", "diff", "tasks",
                "episodes", "pass", "pass@k");
    for (const PassRow& r : rows) {
        std::string at;
        for (const auto& [k, v] : r.pass_at)
            at += (at.empty() ? "" : "  ") + ("@" + std::to_string(k)) + " " + std::to_string(v).substr(0, 5);
        std::printf("  %-20s %-9s %4d %6lld %9lld %6.3f  %s\n", r.run.c_str(), r.kind.c_str(), r.difficulty,
                    static_cast<long long>(r.tasks), static_cast<long long>(r.episodes), r.pass_rate(), at.c_str());
    }
    std::printf("calibration\n");
    for (const Calibration& c : calibrate(rows))
        std::printf("  %-20s %-9s solves difficulty <= %d (>= 50%% at each level); %.0f%% of tasks have mixed outcomes\n", c.run.c_str(),
                    c.kind.c_str(), c.solved_up_to, 100 * c.mixed_group_share);
    std::printf("validations\n");
    for (const auto& v : validations.as_array())
        std::printf("  %-32s %lld/%lld ok\n", v.get_string("probe").c_str(), static_cast<long long>(v.get_int("ok")),
                    static_cast<long long>(v.get_int("runs")));
}

}  // namespace

int cmd_stats(int argc, char** argv) {
    Args a("stats", "Summarise the store.",
           {{"db", "FILE", "store", "envforge.db"},
            {"run", "NAME", "pass rates of this run only", nullptr},
            {"json", nullptr, "print JSON", nullptr}},
           argc, argv);
    if (a.print_help_if_asked()) return 0;
    Store store(a.get("db"), true);
    const Json tasks = task_counts(store.db()), runs = run_summaries(store.db(), a.get("run"));
    if (a.has("run") && runs.as_array().empty()) throw InvalidInput("--run '" + a.get("run") + "': no such run in '" + a.get("db") + "'");
    const std::vector<PassRow> rows = pass_rates(store, a.get("run"));
    const Json validations = validation_counts(store.db());
    if (a.flag("json")) {
        const Json all = Json::object({{"tasks", tasks},
                                       {"runs", runs},
                                       {"pass_rates", pass_rates_json(rows)},
                                       {"calibration", calibration_json(rows)},
                                       {"validations", validations}});
        std::printf("%s\n", all.dump().c_str());
        return 0;
    }
    print_tasks_and_runs(tasks, runs);
    print_rates(rows, validations);
    return 0;
}

}  // namespace envforge::cli
