#include "tools/cli/view_export.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "common/errors.hpp"
#include "common/json.hpp"
#include "common/sqlite.hpp"
#include "datasets/store.hpp"
#include "tools/view_css.hpp"
#include "tools/view_index.hpp"
#include "tools/view_js.hpp"

namespace envforge::cli {

namespace fs = std::filesystem;

namespace {

constexpr size_t kRowsPerFile = 5000, kDetailsPerFile = 100, kTasksPerFile = 100;

// What the page shows of a task: the files of a code task's repository are left out.
Json task_view(const Json& t) {
    JsonArray tools;
    if (const Json* ts = t.find("tools"); ts && ts->is_array())
        for (const Json& x : ts->as_array())
            tools.push_back(Json::object({{"name", x.get_string("name")},
                                          {"description", x.get_string("description")},
                                          {"parameters", x.find("parameters") ? *x.find("parameters") : Json()}}));
    Json v = Json::object({{"system", t.get_string("system")}, {"prompt", t.get_string("prompt")}, {"tools", Json(std::move(tools))}});
    if (const Json* ref = t.find("reference"); ref && ref->is_object() && ref->find("patch") && ref->find("patch")->is_string())
        v.set("patch", ref->find("patch")->as_string());
    return v;
}

class Writer {
public:
    explicit Writer(std::string dir) : dir_(std::move(dir)) {}
    void put(const std::string& name, const Json& value) {
        file("data/" + name + ".js", "EF.put(\"" + name + "\", " + value.dump() + ");\n");
    }
    void file(const std::string& rel, const std::string& content) {
        const fs::path p = fs::path(dir_) / rel;
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        if (!(out << content) || !out.flush()) throw IoError("cannot write " + p.string());
        ++files;
        bytes += content.size();
    }
    size_t files = 0, bytes = 0;

private:
    std::string dir_;
};

void prepare_output(const std::string& out) {
    std::error_code ec;
    if (fs::exists(out, ec)) {
        if (!fs::is_directory(out)) throw InvalidInput("-o '" + out + "': exists and is not a directory");
        // A previous viewer is replaced; a directory with anything else in it is refused.
        static const std::set<std::string> ours = {"index.html", "viewer.js", "viewer.css", "data"};
        for (const auto& e : fs::directory_iterator(out))
            if (!ours.count(e.path().filename().string()))
                throw InvalidInput("-o '" + out + "': holds other files (" + e.path().filename().string() +
                                   "); give a new or empty directory");
        fs::remove_all(fs::path(out) / "data", ec);
    }
    fs::create_directories(fs::path(out) / "data", ec);
    if (ec) throw IoError("-o '" + out + "': " + ec.message());
}

}  // namespace

ViewSummary write_viewer(const ViewConfig& cfg) {
    { Store check(cfg.db, true); }  // a one-line error for a file that is not a store
    SqliteDb db(cfg.db, true, false);
    // Runs.
    std::vector<std::pair<int64_t, Json>> runs;
    {
        SqliteStmt q(db, "SELECT id, name, policy FROM runs ORDER BY id");
        while (q.step())
            if (cfg.runs.empty() || std::count(cfg.runs.begin(), cfg.runs.end(), q.text(1)))
                runs.emplace_back(q.int64(0), Json::object({{"name", q.text(1)}, {"policy", q.text(2)}}));
    }
    for (const std::string& r : cfg.runs)
        if (std::none_of(runs.begin(), runs.end(), [&](const auto& x) { return x.second.get_string("name") == r; }))
            throw InvalidInput("--run '" + r + "': not in '" + cfg.db + "'");
    std::map<int64_t, size_t> run_index;
    for (size_t i = 0; i < runs.size(); ++i) run_index[runs[i].first] = i;
    prepare_output(cfg.out);
    Writer w(cfg.out);
    w.file("index.html", view::kIndexHtml);
    w.file("viewer.js", view::kViewerJs);
    w.file("viewer.css", view::kViewerCss);
    // Tasks: those the chosen runs played.
    std::map<std::string, size_t> task_index;
    JsonArray tasks;
    std::map<size_t, Json> task_files;
    {
        SqliteStmt q(db,
                     "SELECT t.id, t.kind, t.difficulty, t.generator, t.json FROM tasks t WHERE t.id IN (SELECT task_id FROM episodes) "
                     "ORDER BY t.rowid");
        while (q.step()) {
            const size_t i = tasks.size(), chunk = i / kTasksPerFile;
            Json t = Json::parse(q.view(4), "task " + q.text(0));
            const std::string prompt = t.get_string("prompt");
            tasks.push_back(Json(JsonArray{Json(q.text(0)), Json(q.text(1)), Json(q.int64(2)), Json(q.text(3)), Json(prompt.substr(0, 300)),
                                           Json(static_cast<int64_t>(chunk))}));
            task_index[q.text(0)] = i;
            if (!task_files.count(chunk)) task_files[chunk] = Json::object();
            task_files[chunk].set(q.text(0), task_view(t));
        }
    }
    w.put("tasks", Json(std::move(tasks)));
    for (auto& [chunk, value] : task_files) w.put("task-" + std::to_string(chunk), value);
    // Episodes, their transcripts, and the per-run statistics.
    struct Cell {
        int64_t episodes = 0, passed = 0;
        std::map<std::string, bool> solved;  // task -> any rollout passed
    };
    std::vector<std::map<std::pair<std::string, int64_t>, Cell>> cells(runs.size());
    std::vector<int64_t> episodes_of(runs.size()), passed_of(runs.size()), infra_of(runs.size()), rollouts_of(runs.size());
    std::vector<std::set<std::string>> tasks_of(runs.size());
    JsonArray rows, detail_chunk;
    Json details = Json::object();
    size_t n_episodes = 0, row_files = 0;
    SqliteStmt q(db,
                 "SELECT e.id, e.run_id, e.task_id, e.rollout, e.status, e.reward, e.passed, e.turns, e.tool_calls, e.prompt_tokens, "
                 "e.completion_tokens, e.seconds, e.error, e.final_answer, e.verdict, t.kind, t.difficulty FROM episodes e "
                 "JOIN tasks t ON t.id = e.task_id ORDER BY e.id");
    SqliteStmt m(db, "SELECT role, content, reasoning, tool_calls, name, is_error FROM messages WHERE episode_id = ? ORDER BY idx");
    auto flush_details = [&] {
        if (details.as_object().empty()) return;
        w.put("detail-" + std::to_string((n_episodes - 1) / kDetailsPerFile), details);
        details = Json::object();
    };
    while (q.step()) {
        const auto run = run_index.find(q.int64(1));
        if (run == run_index.end()) continue;
        const size_t r = run->second;
        const int64_t id = q.int64(0);
        const std::string status = q.text(4), task = q.text(2);
        const bool passed = q.int64(6) != 0;
        const Json answer = q.is_null(13) ? Json() : Json::parse(q.view(13), "episode final answer");
        const Json verdict = q.is_null(14) ? Json() : Json::parse(q.view(14), "episode verdict");
        rows.push_back(Json(JsonArray{Json(id), Json(static_cast<int64_t>(r)), Json(static_cast<int64_t>(task_index.at(task))),
                                      Json(q.int64(3)), Json(status), Json(q.real(5)), Json(static_cast<int64_t>(passed)), Json(q.int64(7)),
                                      Json(q.int64(8)), Json(q.int64(9)), Json(q.int64(10)), Json(q.real(11)), Json(q.text(12)),
                                      Json(answer.is_string() ? answer.as_string()
                                           : answer.is_null() ? ""
                                                              : answer.dump()),
                                      Json(static_cast<int64_t>(n_episodes / kDetailsPerFile))}));
        JsonArray msgs;
        m.reset();
        m.bind(1, id);
        while (m.step()) {
            Json msg = Json::object({{"role", m.text(0)}, {"name", m.text(4)}, {"is_error", m.int64(5) != 0}});
            if (!m.is_null(1)) msg.set("content", m.text(1));
            if (!m.is_null(2)) msg.set("reasoning", m.text(2));
            if (!m.is_null(3)) msg.set("tool_calls", Json::parse(m.view(3), "message tool calls"));
            msgs.push_back(std::move(msg));
        }
        Json d = Json::object({{"messages", Json(std::move(msgs))}, {"verdict", verdict}, {"final_answer", answer}});
        if (const Json* det = verdict.is_object() ? verdict.find("details") : nullptr; det && det->is_object())
            if (const Json* diff = det->find("diff"); diff && diff->is_string()) d.set("diff", diff->as_string());
        details.set(std::to_string(id), std::move(d));
        ++n_episodes;
        if (n_episodes % kDetailsPerFile == 0) flush_details();
        if (rows.size() == kRowsPerFile) w.put("episodes-" + std::to_string(row_files++), Json(std::move(rows))), rows = {};
        const bool infra = status == "policy_error" || status == "env_error";
        ++episodes_of[r];
        passed_of[r] += passed;
        infra_of[r] += infra;
        rollouts_of[r] = std::max(rollouts_of[r], q.int64(3) + 1);
        tasks_of[r].insert(task);
        Cell& c = cells[r][{q.text(15), q.int64(16)}];
        ++c.episodes;
        c.passed += passed;
        c.solved[task] = c.solved[task] || passed;
    }
    flush_details();
    if (!rows.empty() || row_files == 0) w.put("episodes-" + std::to_string(row_files++), Json(std::move(rows)));
    JsonArray run_json;
    for (size_t r = 0; r < runs.size(); ++r) {
        JsonArray cs;
        for (const auto& [key, c] : cells[r]) {
            int64_t solved = 0;
            for (const auto& [t, s] : c.solved) solved += s;
            cs.push_back(Json::object({{"kind", key.first},
                                       {"difficulty", key.second},
                                       {"episodes", c.episodes},
                                       {"passed", c.passed},
                                       {"tasks", static_cast<int64_t>(c.solved.size())},
                                       {"tasks_solved", solved}}));
        }
        Json j = runs[r].second;
        j.set("episodes", episodes_of[r]);
        j.set("passed", passed_of[r]);
        j.set("infra", infra_of[r]);
        j.set("rollouts", rollouts_of[r]);
        j.set("tasks", static_cast<int64_t>(tasks_of[r].size()));
        j.set("cells", Json(std::move(cs)));
        run_json.push_back(std::move(j));
    }
    Json validations = Json::object();
    {
        SqliteStmt v(db, "SELECT probe, count(*), sum(ok) FROM validations GROUP BY probe ORDER BY probe");
        while (v.step()) validations.set(v.text(0), Json::object({{"total", v.int64(1)}, {"ok", v.int64(2)}}));
    }
    w.put("summary", Json::object({{"store", fs::path(cfg.db).filename().string()},
                                   {"runs", Json(std::move(run_json))},
                                   {"validations", std::move(validations)},
                                   {"episode_chunks", static_cast<int64_t>(row_files)}}));
    ViewSummary s;
    s.runs = runs.size();
    s.episodes = n_episodes;
    s.tasks = task_index.size();
    s.files = w.files;
    s.bytes = w.bytes;
    return s;
}

}  // namespace envforge::cli
