#include "datasets/run_stats.hpp"

#include <algorithm>

namespace envforge {

// The unbiased estimator of Chen et al. (2021, "Evaluating Large Language Models Trained on
// Code"): with n rollouts of which c passed, the chance that k drawn without replacement hold at
// least one pass is 1 - C(n-c, k) / C(n, k). Averaging it over tasks estimates pass@k with far
// less variance than drawing k rollouts once.
double pass_at_k(int64_t n, int64_t c, int64_t k) {
    if (k <= 0 || n <= 0 || k > n) return 0.0;
    if (n - c < k) return 1.0;
    // 1 - prod_{i = n-c+1}^{n} (1 - k / i): no factorials, stable for large n.
    double fail = 1.0;
    for (int64_t i = n - c + 1; i <= n; ++i) fail *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
    return 1.0 - fail;
}

std::vector<PassRow> pass_rates(const Store& store, const std::string& run) {
    // One row per (run, task): its rollouts n and passes c. Infrastructure failures are left out,
    // as everywhere in training data: a dead model server says nothing about the task. Rows come
    // ordered by run, kind and difficulty, so each (run, kind, difficulty) is one contiguous span.
    SqliteStmt q(const_cast<Store&>(store).db(),
                 std::string("SELECT r.name, t.kind, t.difficulty, e.task_id, count(*), sum(e.passed) FROM episodes e "
                             "JOIN runs r ON r.id = e.run_id JOIN tasks t ON t.id = e.task_id "
                             "WHERE (?1 = '' OR r.name = ?1) AND e.status NOT IN ") +
                     kInfraStatusesSql + " GROUP BY e.run_id, t.kind, t.difficulty, e.task_id ORDER BY e.run_id, t.kind, t.difficulty");
    q.bind(1, run);
    struct Task {
        int64_t n, c;
    };
    std::vector<PassRow> out;
    std::vector<std::vector<Task>> per_row;
    while (q.step()) {
        const std::string r = q.text(0), kind = q.text(1);
        const int difficulty = static_cast<int>(q.int64(2));
        if (out.empty() || out.back().run != r || out.back().kind != kind || out.back().difficulty != difficulty) {
            PassRow row;
            row.run = r;
            row.kind = kind;
            row.difficulty = difficulty;
            out.push_back(std::move(row));
            per_row.emplace_back();
        }
        const Task t{q.int64(4), q.int64(5)};
        PassRow& row = out.back();
        ++row.tasks;
        row.episodes += t.n;
        row.passed += t.c;
        // A GRPO group learns only when its rollouts disagree (all-pass or all-fail groups have
        // zero advantage everywhere): the share of mixed groups is the useful share of a run.
        row.mixed_groups += t.c > 0 && t.c < t.n;
        per_row.back().push_back(t);
    }
    // pass@k for k = 1, 2, 4, ... up to the fewest rollouts any task of the row has, so every
    // task contributes to every k reported.
    for (size_t i = 0; i < out.size(); ++i) {
        int64_t min_n = INT64_MAX;
        for (const Task& t : per_row[i]) min_n = std::min(min_n, t.n);
        for (int64_t k = 1; k <= min_n; k *= 2) {
            double sum = 0;
            for (const Task& t : per_row[i]) sum += pass_at_k(t.n, t.c, k);
            out[i].pass_at[k] = sum / static_cast<double>(per_row[i].size());
        }
    }
    return out;
}

std::vector<Calibration> calibrate(const std::vector<PassRow>& rows) {
    std::vector<Calibration> out;
    std::vector<int64_t> tasks, mixed;
    for (const PassRow& r : rows) {
        if (out.empty() || out.back().run != r.run || out.back().kind != r.kind) {
            Calibration c;
            c.run = r.run;
            c.kind = r.kind;
            out.push_back(std::move(c));
            tasks.push_back(0);
            mixed.push_back(0);
        }
        out.back().levels.emplace_back(r.difficulty, r.pass_rate());
        tasks.back() += r.tasks;
        mixed.back() += r.mixed_groups;
    }
    for (size_t i = 0; i < out.size(); ++i) {
        Calibration& c = out[i];
        // The policy "solves" difficulties from the lowest up while it passes at least half of
        // them; the first level below one half ends the run of solved levels, even if a higher
        // level happens to pass more often.
        std::sort(c.levels.begin(), c.levels.end());
        for (const auto& [level, rate] : c.levels) {
            if (rate < 0.5) break;
            c.solved_up_to = level;
        }
        c.mixed_group_share = tasks[i] ? static_cast<double>(mixed[i]) / static_cast<double>(tasks[i]) : 0.0;
    }
    return out;
}

}  // namespace envforge
