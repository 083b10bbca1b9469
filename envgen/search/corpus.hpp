// Renders a World into an encyclopedic corpus: several documents per entity in varied
// phrasings, facts spread across them, cross-references, and list documents. Records which
// document states each fact, for reference solutions and the answer-document statistics.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "envgen/search/world.hpp"

namespace envforge::search {

struct Doc {
    std::string id;  // "d000123"
    std::string title;
    std::string text;
};

struct Corpus {
    std::vector<Doc> docs;
    std::vector<int> main_doc;                        // per entity
    std::vector<std::array<int, kRelCount>> rel_doc;  // per entity and relation: doc stating it
    std::vector<int> year_doc;                        // per entity: doc stating its year
};

Corpus render_corpus(const World& world);

// How `open` pages a document: pages of about kPageChars, cut at whitespace.
inline constexpr size_t kPageChars = 1200;
std::vector<std::pair<size_t, size_t>> paginate(std::string_view text);  // (offset, length)
// 1-based page holding the first occurrence of `needle` (0 when absent).
int page_of(std::string_view text, std::string_view needle);

// Turns " a " before a vowel into " an " (generated text only).
std::string fix_articles(std::string text);

// The name by which other documents refer to an entity (with its disambiguation if any).
std::string display_name(const Entity& e);

}  // namespace envforge::search
