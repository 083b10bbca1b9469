#include "tools/cli/view_export.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
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
    // What the verifier compares against, without the large fields (a code task's tests).
    if (const Json* vf = t.find("verifier"); vf && vf->is_object()) {
        Json gold = Json::object();
        for (const char* k : {"type", "answer", "answer_type", "tolerance", "answer_doc", "aliases"})
            if (const Json* x = vf->find(k)) gold.set(k, *x);
        v.set("gold", std::move(gold));
    }
    return v;
}

// A data file: a script that hands its value to the page.
std::string put(const std::string& name, const Json& value) { return "EF.put(\"" + name + "\", " + value.dump() + ");\n"; }

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

struct ViewSource::Impl {
    SqliteDb db;
    std::vector<std::pair<int64_t, Json>> runs;  // id, {name, policy}
    std::vector<std::string> task_ids;           // in the tasks list's order
    std::vector<int64_t> episode_ids;            // in the rows' order
    std::vector<std::string> row_files;          // episodes-K.js
    std::string summary, tasks;
    mutable std::mutex mu;

    Impl(const std::string& path, const std::vector<std::string>& only) : db(path, true, false) {
        load_runs(only);
        load_tasks();
        load_episodes();
    }
    void load_runs(const std::vector<std::string>& only);
    void load_tasks();
    void load_episodes();
    std::string detail(size_t chunk) const;
    std::string task_chunk(size_t chunk) const;
};

void ViewSource::Impl::load_runs(const std::vector<std::string>& only) {
    SqliteStmt q(db, "SELECT id, name, policy FROM runs ORDER BY id");
    while (q.step())
        if (only.empty() || std::count(only.begin(), only.end(), q.text(1)))
            runs.emplace_back(q.int64(0), Json::object({{"name", q.text(1)}, {"policy", q.text(2)}}));
    for (const std::string& r : only)
        if (std::none_of(runs.begin(), runs.end(), [&](const auto& x) { return x.second.get_string("name") == r; }))
            throw InvalidInput("--run '" + r + "': not in '" + db.path() + "'");
}

void ViewSource::Impl::load_tasks() {
    JsonArray list;
    SqliteStmt q(db,
                 "SELECT id, kind, difficulty, generator, json_extract(json, '$.prompt') FROM tasks WHERE id IN (SELECT task_id FROM "
                 "episodes) ORDER BY rowid");
    while (q.step()) {
        const std::string prompt = q.is_null(4) ? "" : q.text(4);
        list.push_back(Json(JsonArray{Json(q.text(0)), Json(q.text(1)), Json(q.int64(2)), Json(q.text(3)), Json(prompt.substr(0, 300)),
                                      Json(static_cast<int64_t>(task_ids.size() / kTasksPerFile))}));
        task_ids.push_back(q.text(0));
    }
    tasks = put("tasks", Json(std::move(list)));
}

// The rows, and per run the counts the overview shows.
void ViewSource::Impl::load_episodes() {
    std::map<int64_t, size_t> run_index;
    for (size_t i = 0; i < runs.size(); ++i) run_index[runs[i].first] = i;
    std::map<std::string, size_t> task_index;
    for (size_t i = 0; i < task_ids.size(); ++i) task_index[task_ids[i]] = i;
    struct Cell {
        int64_t episodes = 0, passed = 0;
        std::map<std::string, bool> solved;  // task -> any rollout passed
    };
    std::vector<std::map<std::pair<std::string, int64_t>, Cell>> cells(runs.size());
    std::vector<int64_t> episodes_of(runs.size()), passed_of(runs.size()), infra_of(runs.size()), rollouts_of(runs.size());
    std::vector<std::set<std::string>> tasks_of(runs.size());
    JsonArray rows;
    SqliteStmt q(db,
                 "SELECT e.id, e.run_id, e.task_id, e.rollout, e.status, e.reward, e.passed, e.turns, e.tool_calls, e.prompt_tokens, "
                 "e.completion_tokens, e.seconds, e.error, e.final_answer, t.kind, t.difficulty FROM episodes e "
                 "JOIN tasks t ON t.id = e.task_id ORDER BY e.id");
    while (q.step()) {
        const auto run = run_index.find(q.int64(1));
        if (run == run_index.end()) continue;
        const size_t r = run->second;
        const std::string status = q.text(4), task = q.text(2);
        const bool passed = q.int64(6) != 0;
        const Json answer = q.is_null(13) ? Json() : Json::parse(q.view(13), "episode final answer");
        rows.push_back(Json(JsonArray{Json(q.int64(0)), Json(static_cast<int64_t>(r)), Json(static_cast<int64_t>(task_index.at(task))),
                                      Json(q.int64(3)), Json(status), Json(q.real(5)), Json(static_cast<int64_t>(passed)), Json(q.int64(7)),
                                      Json(q.int64(8)), Json(q.int64(9)), Json(q.int64(10)), Json(q.real(11)), Json(q.text(12)),
                                      Json(answer.is_string() ? answer.as_string()
                                           : answer.is_null() ? ""
                                                              : answer.dump()),
                                      Json(static_cast<int64_t>(episode_ids.size() / kDetailsPerFile))}));
        episode_ids.push_back(q.int64(0));
        if (rows.size() == kRowsPerFile)
            row_files.push_back(put("episodes-" + std::to_string(row_files.size()), Json(std::move(rows)))), rows = {};
        ++episodes_of[r];
        passed_of[r] += passed;
        infra_of[r] += status == "policy_error" || status == "env_error";
        rollouts_of[r] = std::max(rollouts_of[r], q.int64(3) + 1);
        tasks_of[r].insert(task);
        Cell& c = cells[r][{q.text(14), q.int64(15)}];
        ++c.episodes;
        c.passed += passed;
        c.solved[task] = c.solved[task] || passed;
    }
    if (!rows.empty() || row_files.empty()) row_files.push_back(put("episodes-" + std::to_string(row_files.size()), Json(std::move(rows))));
    JsonArray run_json;
    for (size_t r = 0; r < runs.size(); ++r) {
        JsonArray cs;
        for (const auto& [key, c] : cells[r]) {
            int64_t solved = 0;
            for (const auto& [t, ok] : c.solved) solved += ok;
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
    SqliteStmt v(db, "SELECT probe, count(*), sum(ok) FROM validations GROUP BY probe ORDER BY probe");
    while (v.step()) validations.set(v.text(0), Json::object({{"total", v.int64(1)}, {"ok", v.int64(2)}}));
    summary = put("summary", Json::object({{"store", fs::path(db.path()).filename().string()},
                                           {"runs", Json(std::move(run_json))},
                                           {"validations", std::move(validations)},
                                           {"episode_chunks", static_cast<int64_t>(row_files.size())}}));
}

// The transcripts, verdicts and answers of the episodes of rows chunk*100 .. chunk*100+99.
std::string ViewSource::Impl::detail(size_t chunk) const {
    Json details = Json::object();
    SqliteStmt e(db, "SELECT verdict, final_answer FROM episodes WHERE id = ?");
    SqliteStmt m(db, "SELECT role, content, reasoning, tool_calls, name, is_error FROM messages WHERE episode_id = ? ORDER BY idx");
    for (size_t i = chunk * kDetailsPerFile; i < episode_ids.size() && i < (chunk + 1) * kDetailsPerFile; ++i) {
        const int64_t id = episode_ids[i];
        e.reset();
        e.bind(1, id);
        if (!e.step()) continue;
        const Json verdict = Json::parse(e.view(0), "episode verdict");
        const Json answer = e.is_null(1) ? Json() : Json::parse(e.view(1), "episode final answer");
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
    }
    return put("detail-" + std::to_string(chunk), details);
}

std::string ViewSource::Impl::task_chunk(size_t chunk) const {
    Json tasks_json = Json::object();
    SqliteStmt q(db, "SELECT json FROM tasks WHERE id = ?");
    for (size_t i = chunk * kTasksPerFile; i < task_ids.size() && i < (chunk + 1) * kTasksPerFile; ++i) {
        q.reset();
        q.bind(1, task_ids[i]);
        if (q.step()) tasks_json.set(task_ids[i], task_view(Json::parse(q.view(0), "task " + task_ids[i])));
    }
    return put("task-" + std::to_string(chunk), tasks_json);
}

ViewSource::ViewSource(const std::string& db, const std::vector<std::string>& runs) {
    { Store check(db, true); }  // a one-line error for a file that is not a store
    impl_ = std::make_unique<Impl>(db, runs);
}
ViewSource::~ViewSource() = default;
size_t ViewSource::runs() const { return impl_->runs.size(); }
size_t ViewSource::episodes() const { return impl_->episode_ids.size(); }
size_t ViewSource::tasks() const { return impl_->task_ids.size(); }

std::vector<std::string> ViewSource::files() const {
    std::vector<std::string> out = {"index.html", "viewer.js", "viewer.css", "data/summary.js", "data/tasks.js"};
    for (size_t i = 0; i < impl_->row_files.size(); ++i) out.push_back("data/episodes-" + std::to_string(i) + ".js");
    for (size_t i = 0; i * kDetailsPerFile < impl_->episode_ids.size(); ++i) out.push_back("data/detail-" + std::to_string(i) + ".js");
    for (size_t i = 0; i * kTasksPerFile < impl_->task_ids.size(); ++i) out.push_back("data/task-" + std::to_string(i) + ".js");
    return out;
}

bool ViewSource::get(const std::string& name, std::string& body, std::string& type) const {
    type = "text/javascript; charset=utf-8";
    if (name == "index.html") return body = view::kIndexHtml, type = "text/html; charset=utf-8", true;
    if (name == "viewer.js") return body = view::kViewerJs, true;
    if (name == "viewer.css") return body = view::kViewerCss, type = "text/css; charset=utf-8", true;
    if (name == "data/summary.js") return body = impl_->summary, true;
    if (name == "data/tasks.js") return body = impl_->tasks, true;
    // data/episodes-K.js, data/detail-K.js, data/task-K.js: K in range, digits only.
    for (const char* prefix : {"data/episodes-", "data/detail-", "data/task-"}) {
        const std::string p = prefix;
        if (name.compare(0, p.size(), p) != 0 || name.size() < p.size() + 4 || name.compare(name.size() - 3, 3, ".js") != 0) continue;
        const std::string k = name.substr(p.size(), name.size() - p.size() - 3);
        if (k.empty() || k.size() > 9 || k.find_first_not_of("0123456789") != std::string::npos) return false;
        const size_t chunk = std::stoul(k);
        std::lock_guard lock(impl_->mu);
        if (p == "data/episodes-") {
            if (chunk >= impl_->row_files.size()) return false;
            body = impl_->row_files[chunk];
        } else if (p == "data/detail-") {
            if (chunk * kDetailsPerFile >= impl_->episode_ids.size()) return false;
            body = impl_->detail(chunk);
        } else {
            if (chunk * kTasksPerFile >= impl_->task_ids.size()) return false;
            body = impl_->task_chunk(chunk);
        }
        return true;
    }
    return false;
}

ViewSummary write_viewer(const ViewConfig& cfg) {
    const ViewSource source(cfg.db, cfg.runs);
    prepare_output(cfg.out);
    ViewSummary s;
    for (const std::string& name : source.files()) {
        std::string body, type;
        if (!source.get(name, body, type)) continue;
        const fs::path p = fs::path(cfg.out) / name;
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        if (!(out << body) || !out.flush()) throw IoError("cannot write " + p.string());
        ++s.files;
        s.bytes += body.size();
    }
    s.runs = source.runs();
    s.episodes = source.episodes();
    s.tasks = source.tasks();
    return s;
}

}  // namespace envforge::cli
