#include "envgen/search/search_index.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include <unistd.h>

#include "common/process_owner.hpp"
#include "common/errors.hpp"

namespace envforge::search {

namespace fs = std::filesystem;

std::string cache_dir() {
    std::string dir;
    if (const char* d = std::getenv("ENVFORGE_CACHE_DIR"); d && *d) dir = d;
    else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) dir = std::string(x) + "/envforge";
    else if (const char* h = std::getenv("HOME"); h && *h) dir = std::string(h) + "/.cache/envforge";
    else dir = "/tmp/envforge-cache";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw IoError("cache directory '" + dir + "': " + ec.message());
    return dir;
}

std::string index_path(const std::string& key) { return cache_dir() + "/search-" + key + ".db"; }

std::string build_index(const std::string& key, const std::vector<Doc>& docs) {
    const std::string path = index_path(key);
    if (fs::exists(path)) return path;
    // Half-built indexes of processes killed while building go first.
    sweep_dead_owners(cache_dir(), ".tmp@", '\0');
    const std::string tmp = path + ".tmp@" + owner_tag();
    fs::remove(tmp);
    {
        SqliteDb db(tmp);
        db.exec(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE docs(n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, text TEXT NOT NULL);"
            "CREATE VIRTUAL TABLE docs_fts USING fts5(title, text, content='docs', content_rowid='n', "
            "tokenize='unicode61 remove_diacritics 2');"
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);");
        SqliteTransaction tx(db);
        SqliteStmt ins(db, "INSERT INTO docs VALUES(?,?,?,?)");
        for (size_t i = 0; i < docs.size(); ++i) {
            ins.bind(1, static_cast<int64_t>(i)).bind_ref(2, docs[i].id).bind_ref(3, docs[i].title).bind_ref(4, docs[i].text);
            ins.run();
        }
        db.exec("INSERT INTO docs_fts(docs_fts) VALUES('rebuild')");
        // Document frequencies, so queries can be planned around their rare terms.
        db.exec(
            "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, docs_fts, 'row');"
            "CREATE TABLE df(term TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
            "INSERT INTO df SELECT term, doc FROM temp.vocab;"
            "DROP TABLE temp.vocab;");
        double tokens = 0;
        for (const auto& d : docs) tokens += static_cast<double>(token_count(d.title) + token_count(d.text));
        SqliteStmt meta(db, "INSERT INTO meta VALUES('key', ?), ('docs', ?), ('avgdl', ?)");
        meta.bind(1, key).bind(2, static_cast<int64_t>(docs.size()));
        meta.bind(3, std::to_string(docs.empty() ? 1.0 : tokens / static_cast<double>(docs.size())));
        meta.run();
        tx.commit();
        db.exec("INSERT INTO docs_fts(docs_fts) VALUES('optimize')");
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);  // atomic; a concurrent builder's identical file may win
    if (ec) {
        fs::remove(tmp);
        if (!fs::exists(path)) throw IoError("search index '" + path + "': " + ec.message());
    }
    return path;
}

std::shared_ptr<SqliteDb> open_index(const std::string& key) {
    // Connections are opened without SQLite's mutex (SqliteDb), so each thread has its own:
    // synthesis threads search while the episodes' thread does.
    thread_local std::map<std::string, std::shared_ptr<SqliteDb>> open;
    auto& slot = open[key];
    if (!slot) {
        const std::string path = index_path(key);
        if (!fs::exists(path)) throw IoError("search index '" + path + "' is missing");
        slot = std::make_shared<SqliteDb>(path, true, false);
        // Searches touch pages all over the file: map it rather than copy pages through read(2)
        // into each connection's cache (the mapping is shared by every thread's connection).
        slot->exec("PRAGMA mmap_size=4294967296");
    }
    return slot;
}

namespace {

bool word_char(unsigned char c) { return std::isalnum(c) || c >= 0x80; }

// Words as the unicode61 tokenizer sees them (ASCII folded to lower case), in order.
std::vector<std::string> tokens_of(std::string_view text) {
    std::vector<std::string> out;
    std::string word;
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (word_char(c)) word.push_back(c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c));
        else if (!word.empty()) out.push_back(std::move(word)), word.clear();
    }
    if (!word.empty()) out.push_back(std::move(word));
    return out;
}

std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> out;
    for (auto& w : tokens_of(text))
        if (out.size() < 64 && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(std::move(w));
    return out;
}

std::string or_of(const std::vector<std::string>& terms) {
    std::string q;
    for (const auto& t : terms) q += (q.empty() ? "\"" : " OR \"") + t + "\"";
    return q;
}

// About 24 words of `text` around the first query word, as the hit's snippet.
std::string snippet_of(const std::string& text, const std::vector<std::string>& words) {
    std::vector<std::pair<size_t, size_t>> spans;  // word start, end
    for (size_t i = 0; i < text.size();) {
        while (i < text.size() && !word_char(static_cast<unsigned char>(text[i]))) ++i;
        size_t j = i;
        while (j < text.size() && word_char(static_cast<unsigned char>(text[j]))) ++j;
        if (j > i) spans.emplace_back(i, j);
        i = j;
    }
    size_t first = 0;
    for (size_t k = 0; k < spans.size(); ++k) {
        std::string w = text.substr(spans[k].first, spans[k].second - spans[k].first);
        for (auto& ch : w) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (std::find(words.begin(), words.end(), w) != words.end()) {
            first = k;
            break;
        }
    }
    if (spans.empty()) return "";
    const size_t from = first > 6 ? first - 6 : 0, to = std::min(spans.size(), from + 24);
    size_t end = to < spans.size() ? spans[to - 1].second : text.size();
    std::string out = (from > 0 ? "..." : "") + text.substr(spans[from].first, end - spans[from].first);
    if (to < spans.size()) out += "...";
    return out;
}

}  // namespace

size_t token_count(std::string_view text) { return tokens_of(text).size(); }

std::string fts_query(const std::string& text) { return or_of(words_of(text)); }

std::vector<Hit> search_index(SqliteDb& db, const std::string& query, int k) {
    std::vector<Hit> hits;
    const std::vector<std::string> words = words_of(query);
    if (words.empty()) return hits;
    // Letting FTS5 rank every document that holds a common word ("born", a frequent given name)
    // makes OR queries slow. So FTS5 ranks only documents holding a rare word (in under 2% of
    // documents, or the query's rarest word), and the common words' BM25 terms are added for the
    // best candidates here, from the document frequencies stored with the index.
    SqliteStmt meta(db, "SELECT (SELECT value FROM meta WHERE key = 'docs'), (SELECT value FROM meta WHERE key = 'avgdl')");
    meta.step();
    const double n_docs = std::stod(meta.text(0)), avgdl = std::stod(meta.text(1));
    SqliteStmt df(db, "SELECT n FROM df WHERE term = ?");
    std::vector<std::string> rare;
    std::vector<std::pair<std::string, double>> common;  // word, idf
    std::string rarest;
    double rarest_n = 0;
    for (const auto& w : words) {
        df.bind(1, w);
        const double n = df.step() ? static_cast<double>(df.int64(0)) : 0;
        df.reset();
        if (n == 0) continue;  // matches nothing
        if (rarest.empty() || n < rarest_n) rarest_n = n, rarest = w;
        if (n * 50 <= n_docs) rare.push_back(w);
        else common.emplace_back(w, std::log(1 + (n_docs - n + 0.5) / (n + 0.5)));
    }
    if (rarest.empty()) return hits;
    if (rare.empty()) {
        rare.push_back(rarest);
        common.erase(std::remove_if(common.begin(), common.end(), [&](const auto& c) { return c.first == rarest; }), common.end());
    }
    const int candidates = common.empty() ? k : std::max(k * 5, 50);
    SqliteStmt st(db,
                  "SELECT d.n, d.id, d.title, d.text, bm25(docs_fts, 4.0, 1.0) FROM docs_fts "
                  "JOIN docs d ON d.n = docs_fts.rowid WHERE docs_fts MATCH ? ORDER BY bm25(docs_fts, 4.0, 1.0), d.n LIMIT ?");
    st.bind(1, or_of(rare)).bind(2, candidates);
    struct Cand {
        double score;
        int64_t n;
        std::string id, title, text;
    };
    std::vector<Cand> cands;
    constexpr double k1 = 1.2, b = 0.75, title_weight = 4.0;
    while (st.step()) {
        Cand c{-st.real(4), st.int64(0), st.text(1), st.text(2), st.text(3)};
        if (!common.empty()) {
            auto title = tokens_of(c.title), body = tokens_of(c.text);
            const double dl = static_cast<double>(title.size() + body.size());
            for (const auto& [w, idf] : common) {
                const double tf = title_weight * static_cast<double>(std::count(title.begin(), title.end(), w)) +
                                  static_cast<double>(std::count(body.begin(), body.end(), w));
                if (tf > 0) c.score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl));
            }
        }
        cands.push_back(std::move(c));
    }
    std::stable_sort(cands.begin(), cands.end(),
                     [](const Cand& a, const Cand& c) { return a.score != c.score ? a.score > c.score : a.n < c.n; });
    for (size_t i = 0; i < cands.size() && static_cast<int>(i) < k; ++i)
        hits.push_back({cands[i].id, cands[i].title, snippet_of(cands[i].text, words)});
    return hits;
}

}  // namespace envforge::search
