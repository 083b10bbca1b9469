// Users' own corpora: documents (JSONL of id, title, text) indexed the same way as synthetic
// worlds, the fact triples questions are made from (subject, relation, object, doc_id, with
// optional subject_type and object_type), and an optional relations file that says how each
// relation reads and which entity types it joins:
//
//   {"relations": {"section": {"phrase": "the archive section of {subject}",
//                              "subject_type": "package", "object_type": "section",
//                              "answer": true}}}
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "envgen/search/corpus.hpp"
#include "envgen/search/fact_graph.hpp"

namespace envforge::search {

struct UserCorpus {
    std::string docs_path;  // absolute
    std::vector<Doc> docs;
    std::vector<Fact> facts;
    std::unordered_map<std::string, RelationSpec> relations;
    std::unique_ptr<FactGraph> graph;  // built once when there are facts
    std::string key;

    // Per fact: the search (query, k) whose results list its document, once found; shared by
    // every question made from this corpus in this process (a popular fact is asked about often).
    struct Shown {
        std::mutex mu;
        std::unordered_map<int, std::optional<std::pair<std::string, int>>> by_fact;
    };
    std::unique_ptr<Shown> shown = std::make_unique<Shown>();
};

// Loads and indexes `docs_path`, and reads `facts_path` and `relations_path` when not empty;
// cached per process. Throws InvalidInput naming the file and line for malformed input.
std::shared_ptr<const UserCorpus> load_user_corpus(const std::string& docs_path, const std::string& facts_path,
                                                   const std::string& relations_path = "");

// The documents of docs.jsonl, with each id's index in `by_id`. Throws InvalidInput naming the
// file and line (a missing field, a duplicate id, no documents).
std::vector<Doc> read_docs(const std::string& path, std::unordered_map<std::string, int>& by_id);

// The facts of facts.jsonl, their documents looked up in `doc_index` and their types checked
// against `relations`. Throws InvalidInput naming the file and line.
std::vector<Fact> read_facts(const std::string& path, const std::unordered_map<std::string, int>& doc_index,
                             const std::unordered_map<std::string, RelationSpec>& relations);

// Reads a relations file (the format above). Throws InvalidInput naming the file and relation.
std::unordered_map<std::string, RelationSpec> read_relations(const std::string& path);

}  // namespace envforge::search
