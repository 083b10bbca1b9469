// Merging stores written by the shards of one job (`envforge merge OUT IN...`) exactly once.
//
// Keys are the store's own: a task by id, a run by name, an episode by (run name, task,
// rollout), a validation by (task, probe). A key already in OUT with the same content is
// counted and skipped, so merging a store twice (a requeued merge step) adds nothing; the same
// key with different content is a conflict, reported with the key and both files, and nothing
// is written. The one allowed difference is the one resume already makes: an episode that ended
// in an infrastructure failure gives way to an outcome for the same key.
//
// Everything happens in one write transaction on OUT, so a merge killed at any point leaves
// OUT as it was before (a new OUT stays an empty store).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "datasets/store.hpp"

namespace envforge {

struct MergeCounts {
    int64_t tasks_new = 0, tasks_same = 0;
    int64_t runs_new = 0, runs_same = 0;
    int64_t episodes_new = 0, episodes_same = 0;
    int64_t episodes_replaced = 0;  // an infrastructure failure in OUT replaced by the input's outcome
    int64_t episodes_kept = 0;      // the input's infrastructure failure, where OUT already has this key
    int64_t messages = 0;           // messages copied
    int64_t validations_new = 0, validations_same = 0;
    int64_t synthesis_calls = 0;  // model calls of `synth --llm` copied
    void add(const MergeCounts& o);
    Json to_json() const;
};

struct MergeSummary {
    std::vector<std::pair<std::string, MergeCounts>> inputs;  // per input path
    MergeCounts total;
    double seconds = 0;
    Json to_json() const;
};

// Merges every store in `inputs` into `out`. Throws InvalidInput for a conflict or an input that
// is OUT itself, IoError for an input that cannot be read as a store; OUT is then unchanged.
// `on_episode` is called once per input episode (progress).
MergeSummary merge_stores(Store& out, const std::vector<std::string>& inputs, const std::function<void()>& on_episode = {});

// Episodes in the stores (for progress totals); IoError as above.
int64_t count_episodes(const std::vector<std::string>& inputs);

}  // namespace envforge
