// Search benchmarks over a synthetic world of about 100,000 documents, each with a baseline in
// the same run:
//   indexing   documents indexed per second (FTS5 build) vs plain row inserts of the same docs
//   queries    BM25 top-10 queries per second vs a full scan with LIKE for one word (the
//              no-index baseline, measured on a sample)
//   synthesis  search tasks synthesized per second on the shared world
// Usage: bench_search [--size PEOPLE] [--queries N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "envgen/kind.hpp"
#include "envgen/search/search_index.hpp"
#include "envgen/search/world_cache.hpp"
#include "common/rng.hpp"

using namespace envforge;
using namespace envforge::search;
using Clock = std::chrono::steady_clock;

static double secs(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Seconds to insert the corpus into a plain table at `path` (no full-text index).
static double plain_inserts(const std::string& path, const Corpus& corpus) {
    const auto t0 = Clock::now();
    SqliteDb db(path);
    db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; CREATE TABLE docs(n INTEGER PRIMARY KEY, id TEXT, title TEXT, text TEXT)");
    SqliteTransaction tx(db);
    SqliteStmt ins(db, "INSERT INTO docs VALUES(?,?,?,?)");
    for (size_t i = 0; i < corpus.docs.size(); ++i) {
        ins.bind(1, static_cast<int64_t>(i))
            .bind_ref(2, corpus.docs[i].id)
            .bind_ref(3, corpus.docs[i].title)
            .bind_ref(4, corpus.docs[i].text);
        ins.run();
    }
    tx.commit();
    return secs(t0);
}

int main(int argc, char** argv) {
    int size = 13000, queries = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--size")) size = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--queries")) queries = std::atoi(argv[i + 1]);
    }
    namespace fs = std::filesystem;
    const fs::path cache = fs::temp_directory_path() / ("envforge-bench-search-" + std::to_string(::getpid()));
    fs::create_directories(cache);
    setenv("ENVFORGE_CACHE_DIR", cache.c_str(), 1);

    auto t0 = Clock::now();
    World world = generate_world(7, size);
    Corpus corpus = render_corpus(world);
    const double gen_s = secs(t0);
    size_t bytes = 0;
    for (const auto& d : corpus.docs) bytes += d.text.size();
    std::printf("world: %d people, %zu entities, %zu documents (%.1f MB) generated in %.2fs\n", size, world.entities.size(),
                corpus.docs.size(), static_cast<double>(bytes) / 1e6, gen_s);

    // Baseline: the same rows into a plain table, no full-text index.
    const double plain_s = plain_inserts((cache / "plain.db").string(), corpus);
    t0 = Clock::now();
    const std::string key = corpus_key(corpus.docs);
    build_index(key, corpus.docs);
    const double index_s = secs(t0);
    const double n_docs = static_cast<double>(corpus.docs.size());
    std::printf("indexing: %.0f documents/s with FTS5 (%.2fs, incl. content hash) vs %.0f documents/s plain inserts; ratio %.2f\n",
                n_docs / index_s, index_s, n_docs / plain_s, plain_s / index_s);

    // Queries: entity names plus a relation word, as agents issue them.
    auto db = open_index(key);
    Rng rng(11);
    std::vector<std::string> qs;
    const char* words[] = {"born", "founded", "published", "based", "winner"};
    for (int i = 0; i < queries; ++i)
        qs.push_back(world.at(static_cast<int>(rng.below(world.entities.size()))).name + " " + rng.pick(words));
    size_t hits = 0;
    t0 = Clock::now();
    for (const auto& q : qs) hits += search_index(*db, q, 10).size();
    const double q_s = secs(t0);
    SqliteDb plain((cache / "plain.db").string(), true, false);
    const int scans = 20;
    t0 = Clock::now();
    for (int i = 0; i < scans; ++i) {
        SqliteStmt st(plain, "SELECT id FROM docs WHERE text LIKE ? LIMIT 10");
        st.bind(1, "%" + world.at(static_cast<int>(rng.below(world.entities.size()))).name + "%");
        while (st.step()) ++hits;
    }
    const double scan_s = secs(t0);
    std::printf("queries: BM25 top-10 %.0f queries/s (%.3f ms each) vs LIKE full scan %.1f queries/s; speed-up %.0fx\n", queries / q_s,
                1000 * q_s / queries, scans / scan_s, (queries / q_s) / (scans / scan_s));

    const EnvKind& kind = require_kind("search");
    std::vector<SynthRequest> reqs;
    for (size_t i = 0; i < 2000; ++i) {
        SynthRequest r;
        r.seed = mix_seed(3, i) & ((uint64_t{1} << 53) - 1);
        r.difficulty = 1 + static_cast<int>(i % 5);
        r.options = Json::object({{"world_seed", 7}, {"world_size", size}});
        reqs.push_back(r);
    }
    synthesize_many(kind, {reqs[0]}, 1);  // the world and its index are built once, outside the timing
    t0 = Clock::now();
    auto tasks = synthesize_many(kind, reqs, 1);
    const double synth_s = secs(t0);
    std::printf("synthesis: %.0f search tasks/s on one thread over the %zu-document world (%zu tasks)\n",
                static_cast<double>(tasks.size()) / synth_s, corpus.docs.size(), tasks.size());
    fs::remove_all(cache);
    return hits > 0 ? 0 : 1;
}
