#include "envgen/search/world_cache.hpp"

#include <map>
#include <mutex>

#include "envgen/search/search_index.hpp"
#include "common/sha256.hpp"

namespace envforge::search {

std::string corpus_key(const std::vector<Doc>& docs) {
    // The index layout is part of the key: a new layout never reuses an old file.
    std::string all = "search-index/2\x1e";
    for (const auto& d : docs) {
        all += d.id;
        all.push_back('\x1f');
        all += d.title;
        all.push_back('\x1f');
        all += d.text;
        all.push_back('\x1e');
    }
    return sha256_hex(all).substr(0, 24);
}

std::shared_ptr<const WorldBundle> get_world(uint64_t seed, int size) {
    static std::mutex mu;
    static std::map<std::pair<uint64_t, int>, std::shared_ptr<const WorldBundle>> cache;
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = cache[{seed, size}];
    if (slot) return slot;
    auto b = std::make_shared<WorldBundle>();
    b->world = generate_world(seed, size);
    b->corpus = render_corpus(b->world);
    b->key = corpus_key(b->corpus.docs);
    build_index(b->key, b->corpus.docs);
    std::vector<std::map<int, int>> obj_count(5), year_count(5);
    for (const auto& e : b->world.entities) {
        ++year_count[static_cast<size_t>(e.type)][e.year];
        for (size_t r = 0; r < kRelCount; ++r)
            if (e.rel[r] >= 0) ++obj_count[static_cast<size_t>(b->world.at(e.rel[r]).type)][e.rel[r]];
    }
    auto mode = [](const std::map<int, int>& m) {
        int best = -1, n = -1;
        for (const auto& [k, v] : m)
            if (v > n) best = k, n = v;
        return best;
    };
    for (size_t t = 0; t < 5; ++t) {
        b->frequent_entity[t] = mode(obj_count[t]);
        b->frequent_year[t] = mode(year_count[t]);
    }
    slot = b;
    return slot;
}

}  // namespace envforge::search
