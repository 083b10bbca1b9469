// Worlds are shared by all tasks synthesized over them: generated once per process, their index
// built once per machine (content-addressed by the corpus' SHA-256).
#pragma once

#include <array>
#include <memory>
#include <string>

#include "envgen/search/corpus.hpp"

namespace envforge::search {

struct WorldBundle {
    World world;
    Corpus corpus;
    std::string key;  // SHA-256 (hex, 24 chars) of the index layout version and the documents
    // The most frequent answer per entity type (most often the object of a relation) and the
    // most frequent year per type: guessable answers that tasks must not have.
    std::array<int, 5> frequent_entity{};
    std::array<int, 5> frequent_year{};
};

// Thread-safe; builds the index file if missing.
std::shared_ptr<const WorldBundle> get_world(uint64_t seed, int size);

std::string corpus_key(const std::vector<Doc>& docs);

}  // namespace envforge::search
