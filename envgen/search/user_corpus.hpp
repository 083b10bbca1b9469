// Users' own corpora: documents (JSONL of id, title, text) indexed the same way as synthetic
// worlds, and questions synthesized from fact triples (subject, relation, object, doc_id).
#pragma once

#include <memory>
#include <string>

#include "envgen/search/corpus.hpp"
#include "tasks/task.hpp"

namespace envforge::search {

struct Fact {
    std::string subject, relation, object;
    int doc = -1;  // index into docs
};

struct UserCorpus {
    std::string docs_path;  // absolute
    std::vector<Doc> docs;
    std::vector<Fact> facts;
    std::string key;
};

// Loads and indexes `docs_path` (and reads `facts_path` when not empty); cached per process.
// Throws InvalidInput naming the file and line for malformed input.
std::shared_ptr<const UserCorpus> load_user_corpus(const std::string& docs_path, const std::string& facts_path);

Task synthesize_from_facts(const UserCorpus& corpus, uint64_t seed, int difficulty);

}  // namespace envforge::search
