// A search task's environment (Task::env), typed: the key of its BM25 index and the corpus that
// rebuilds the index where the cache was cleared — the synthetic world (seed, size) or the
// user's JSONL corpus (path).
#pragma once

#include <cstdint>
#include <string>

#include "common/json.hpp"

namespace envforge::search {

struct SearchEnv {
    std::string index;        // the index's key in the cache (a content hash)
    std::string corpus_type;  // "synthetic" | "jsonl"
    int64_t world_seed = 0;   // synthetic
    int64_t world_size = 0;   // synthetic
    std::string corpus_path;  // jsonl

    Json to_json() const;
    // Throws InvalidInput naming the member ("env.corpus.type: ...").
    static SearchEnv from_json(const Json& env);
};

}  // namespace envforge::search
