#include "envgen/search/search_index.hpp"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include <unistd.h>

#include "tasks/errors.hpp"

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
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());
    fs::remove(tmp);
    {
        SqliteDb db(tmp);
        db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
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
        SqliteStmt meta(db, "INSERT INTO meta VALUES('key', ?), ('docs', ?)");
        meta.bind(1, key).bind(2, static_cast<int64_t>(docs.size()));
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
    static std::mutex mu;
    static std::map<std::string, std::shared_ptr<SqliteDb>> open;
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = open[key];
    if (!slot) {
        const std::string path = index_path(key);
        if (!fs::exists(path)) throw IoError("search index '" + path + "' is missing");
        slot = std::make_shared<SqliteDb>(path, true, false);
    }
    return slot;
}

std::string fts_query(const std::string& text) {
    std::string q, word;
    int terms = 0;
    auto flush = [&] {
        if (!word.empty() && terms < 64) {
            q += (q.empty() ? "\"" : " OR \"") + word + "\"";
            ++terms;
        }
        word.clear();
    };
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c >= 0x80) word.push_back(static_cast<char>(c));
        else flush();
    }
    flush();
    return q;
}

std::vector<Hit> search_index(SqliteDb& db, const std::string& query, int k) {
    std::vector<Hit> hits;
    const std::string q = fts_query(query);
    if (q.empty()) return hits;
    SqliteStmt st(db,
        "SELECT d.id, d.title, snippet(docs_fts, 1, '', '', '...', 24) FROM docs_fts "
        "JOIN docs d ON d.n = docs_fts.rowid WHERE docs_fts MATCH ? ORDER BY bm25(docs_fts, 4.0, 1.0), d.n LIMIT ?");
    st.bind(1, q).bind(2, k);
    while (st.step()) hits.push_back({st.text(0), st.text(1), st.text(2)});
    return hits;
}

}  // namespace envforge::search
