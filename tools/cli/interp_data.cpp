#include "tools/cli/interp_data.hpp"

#include <chrono>
#include <cstdio>
#include <deque>

#include "common/errors.hpp"
#include "envgen/interp/data_check.hpp"
#include "envgen/interp/interp_kind.hpp"
#include "tools/cli/pipeline.hpp"
#include "tools/cli/progress.hpp"

namespace envforge::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::string describe(const interp::Table& t) {
    std::string s = t.label() + ": " + std::to_string(t.rows) + " rows, " + std::to_string(t.columns.size()) + " columns (";
    std::map<std::string, int> types;
    for (const auto& c : t.columns) ++types[interp::column_type_name(c.type)];
    bool first = true;
    for (const auto& [type, n] : types) s += (first ? "" : ", ") + std::to_string(n) + " " + type, first = false;
    return s + ")";
}

// Candidates in the order they are tried: difficulties in turn, and within one difficulty the
// tables and families in turn, so that no table or family crowds out the others.
std::vector<const interp::DataQuestion*> schedule(const std::vector<interp::DataQuestion>& qs, int lo, int hi) {
    std::map<int, std::map<std::string, std::deque<const interp::DataQuestion*>>> by;  // difficulty -> table|family -> queue
    for (const auto& q : qs)
        if (q.difficulty >= lo && q.difficulty <= hi) by[q.difficulty][q.table->label() + "|" + q.family].push_back(&q);
    std::map<int, std::vector<const interp::DataQuestion*>> lanes;
    for (auto& [d, groups] : by)
        for (bool any = true; any;) {
            any = false;
            for (auto& [name, queue] : groups)
                if (!queue.empty()) lanes[d].push_back(queue.front()), queue.pop_front(), any = true;
        }
    std::vector<const interp::DataQuestion*> out;
    for (size_t i = 0, taken = 1; taken; ++i) {
        taken = 0;
        for (auto& [d, lane] : lanes)
            if (i < lane.size()) out.push_back(lane[i]), ++taken;
    }
    return out;
}

Task to_task(const interp::DataQuestion& q, uint64_t seed) {
    interp::TaskSpec s;
    s.generator = "interp.data." + q.family;
    s.seed = seed;
    s.difficulty = q.difficulty;
    s.question = q.question;
    s.files = {{q.table->file, q.table->content}};
    s.answer = q.answer;
    s.answer_type = q.answer_type;
    s.tolerance = q.tolerance;
    s.reference_code = q.check_code + q.print_code + "\n";
    s.probes = q.probes;
    s.must_keep = q.keep;
    return interp::make_task(s);
}

}  // namespace

Json InterpDataSummary::to_json() const {
    JsonArray ts, sk;
    for (const auto& t : tables) ts.emplace_back(t);
    for (const auto& t : skipped) sk.emplace_back(t);
    Json diff = Json::object();
    for (const auto& [d, n] : difficulty) diff.set(std::to_string(d), static_cast<int64_t>(n));
    return Json::object({{"tables", Json(std::move(ts))},
                         {"skipped", Json(std::move(sk))},
                         {"questions", static_cast<int64_t>(questions)},
                         {"checked", static_cast<int64_t>(checked)},
                         {"tasks", static_cast<int64_t>(kept)},
                         {"new", static_cast<int64_t>(added)},
                         {"dropped", counts_json(dropped)},
                         {"difficulty", std::move(diff)},
                         {"families", counts_json(families)},
                         {"seconds", seconds},
                         {"check_seconds", check_seconds}});
}

void InterpDataSummary::print() const {
    for (const auto& t : tables) std::printf("table %s\n", t.c_str());
    for (const auto& t : skipped) std::printf("skipped %s\n", t.c_str());
    std::printf(
        "interp --data: %zu questions possible, %zu checked by their pandas program in the sandbox, %zu tasks kept (%zu new) in %.1fs\n",
        questions, checked, kept, added, seconds);
    for (const auto& [why, n] : dropped) std::printf("  dropped %zu: %s\n", n, why.c_str());
    std::string d;
    for (const auto& [k, n] : difficulty) d += " " + std::to_string(k) + ":" + std::to_string(n);
    std::printf("  tasks per difficulty:%s\n", d.c_str());
}

InterpDataSummary synthesize_from_data(Store& store, const InterpDataConfig& cfg) {
    const auto t0 = Clock::now();
    InterpDataSummary s;
    const std::vector<interp::Table> tables = interp::load_tables(cfg.dir, &s.skipped);
    if (tables.empty()) throw InvalidInput("--data '" + cfg.dir + "': no table files (.csv, .tsv, .json, .jsonl, SQLite .db/.sqlite)");
    for (const auto& t : tables) s.tables.push_back(describe(t));
    const std::vector<interp::DataQuestion> questions = interp::data_questions(tables, cfg.seed, 40, cfg.bug);
    s.questions = questions.size();
    const std::vector<const interp::DataQuestion*> order = schedule(questions, cfg.min_difficulty, cfg.max_difficulty);
    std::vector<Task> tasks;
    Progress progress("interp data", static_cast<int64_t>(cfg.count), cfg.quiet);
    for (size_t next = 0; tasks.size() < cfg.count && next < order.size();) {
        // A batch a little larger than what is missing: some questions are dropped.
        const size_t want = cfg.count - tasks.size();
        const size_t n = std::min(order.size() - next, want + want / 4 + 8);
        std::vector<const interp::DataQuestion*> batch(order.begin() + static_cast<long>(next),
                                                       order.begin() + static_cast<long>(next + n));
        next += n;
        const auto c0 = Clock::now();
        const std::vector<interp::ProgramResult> results = interp::run_reference_programs(batch, 60 + 0.5 * static_cast<double>(n));
        s.check_seconds += std::chrono::duration<double>(Clock::now() - c0).count();
        s.checked += n;
        for (size_t i = 0; i < n && tasks.size() < cfg.count; ++i) {
            const interp::DataQuestion& q = *batch[i];
            if (!results[i].error.empty()) {
                ++s.dropped["the pandas program failed: " + results[i].error.substr(0, 80)];
                continue;
            }
            if (!interp::program_agrees(q, results[i].result)) {
                ++s.dropped["the pandas program disagrees with the generator (" + q.family + ")"];
                continue;
            }
            tasks.push_back(to_task(q, cfg.seed));
            ++s.difficulty[q.difficulty];
            ++s.families[q.family];
            progress.tick(1, false);
        }
    }
    progress.finish();
    s.kept = tasks.size();
    if (cfg.templates) *cfg.templates = std::move(tasks);
    else s.added = store.add_tasks(tasks);
    s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return s;
}

}  // namespace envforge::cli
