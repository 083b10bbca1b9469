// Outcome statistics of stored runs: pass rate and unbiased pass@k per run × kind × difficulty,
// and difficulty calibration (which levels a policy solves, and where its groups still carry a
// learning signal). Infrastructure failures are not outcomes and are left out.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "datasets/store.hpp"

namespace envforge {

// The unbiased estimator of Chen et al. (2021): 1 - C(n-c, k) / C(n, k), the chance that at least
// one of k samples drawn without replacement from n (c of them correct) is correct. k <= n.
double pass_at_k(int64_t n, int64_t c, int64_t k);

struct PassRow {
    std::string run, kind;
    int difficulty = 0;
    int64_t tasks = 0, episodes = 0, passed = 0;
    int64_t mixed_groups = 0;           // tasks with some but not all rollouts passing
    std::map<int64_t, double> pass_at;  // k -> mean pass@k over the tasks (k = 1, 2, 4, ... <= min rollouts)
    double pass_rate() const { return episodes ? static_cast<double>(passed) / static_cast<double>(episodes) : 0.0; }
};
std::vector<PassRow> pass_rates(const Store& store, const std::string& run = "");

struct Calibration {
    std::string run, kind;
    std::vector<std::pair<int, double>> levels;  // difficulty -> pass rate
    int solved_up_to = 0;                        // highest level such that it and every level below pass >= 50%; 0 = none
    double mixed_group_share = 0;                // tasks whose rollouts disagree: where GRPO has a signal
};
std::vector<Calibration> calibrate(const std::vector<PassRow>& rows);

}  // namespace envforge
