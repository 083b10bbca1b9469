// The search backend: a content-addressed SQLite file per corpus (documents plus an FTS5 index
// with BM25 ranking), built once into the cache directory and shared read-only by every
// episode of every task over that corpus.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/sqlite.hpp"
#include "envgen/search/corpus.hpp"
#include "common/json.hpp"

namespace envforge::search {

// $ENVFORGE_CACHE_DIR, else $XDG_CACHE_HOME/envforge, else ~/.cache/envforge (created).
std::string cache_dir();

// Path of the index file for a key (content hash).
std::string index_path(const std::string& key);

// Writes `docs` into the index file for `key` unless it exists; atomic (temp file + rename),
// so concurrent builders never see a half-written index. Returns the path.
std::string build_index(const std::string& key, const std::vector<Doc>& docs);

// A read-only connection to an index, shared by the calling thread's users (one per thread).
std::shared_ptr<SqliteDb> open_index(const std::string& key);

struct Hit {
    std::string doc_id, title, snippet;
};

// BM25 top-k for free text: every word of the query is a term, OR-combined (title weighted 4x);
// ties by document order.
std::vector<Hit> search_index(SqliteDb& db, const std::string& query, int k);
// Words in `text` as the index tokenizes them.
size_t token_count(std::string_view text);

// FTS5 query for free text ("" when the text has no words).
std::string fts_query(const std::string& text);

}  // namespace envforge::search
