#include "envgen/search/search_env.hpp"

#include "common/errors.hpp"
#include "common/json_fields.hpp"

namespace envforge::search {

Json SearchEnv::to_json() const {
    Json corpus = corpus_type == "synthetic" ? Json::object({{"type", "synthetic"}, {"world_seed", world_seed}, {"world_size", world_size}})
                                             : Json::object({{"type", corpus_type}, {"path", corpus_path}});
    return Json::object({{"corpus", std::move(corpus)}, {"index", index}});
}

SearchEnv SearchEnv::from_json(const Json& env) {
    const JsonFields f(env, "env");
    SearchEnv e;
    e.index = f.string("index");
    if (e.index.empty() || e.index.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw InvalidInput("env.index: expected the index's hex key");
    const JsonFields corpus(f.required("corpus"), "env.corpus");
    e.corpus_type = corpus.string("type");
    if (e.corpus_type == "synthetic") {
        e.world_seed = corpus.integer("world_seed");
        e.world_size = corpus.integer("world_size");
        if (e.world_seed < 0) throw InvalidInput("env.corpus.world_seed: expected >= 0");
        if (e.world_size < 40 || e.world_size > 2'000'000) throw InvalidInput("env.corpus.world_size: expected 40..2000000");
    } else if (e.corpus_type == "jsonl") {
        e.corpus_path = corpus.string("path");
    } else {
        throw InvalidInput("env.corpus.type: '" + e.corpus_type + "', expected synthetic or jsonl");
    }
    return e;
}

}  // namespace envforge::search
