// `synth search`: questions over the synthetic world or the user's corpus and facts.
#include "tools/cli/synth_front_end.hpp"

namespace envforge::cli {

namespace {

class SearchSynth final : public SynthFrontEnd {
public:
    const char* kind() const override { return "search"; }
    std::vector<OptSpec> options() const override {
        return {{"world-seed", "S", "search only: seed of the synthetic world", "1"},
                {"world-size", "N", "search only: people in the synthetic world (about 10 documents each)", "400"},
                {"corpus", "FILE", "search only: your documents, JSONL of {id, title, text}", nullptr},
                {"facts", "FILE", "search only: JSONL of {subject, relation, object, doc_id[, subject_type, object_type]} to ask about",
                 nullptr},
                {"relations", "FILE",
                 "search only: JSON {\"relations\": {NAME: {phrase, subject_type, object_type, answer}}}: how each relation reads in a "
                 "question (\"the capital of {subject}\") and which entity types it joins",
                 nullptr}};
    }
    std::string llm_form() const override { return "`synth search`"; }
    bool takes_llm(const Args&) const override { return true; }

protected:
    Json generator_options(const Args& a, size_t&) const override {
        Json options = Json::object();
        options.set("world_seed", a.get_int("world-seed", 0, (int64_t{1} << 53) - 1));
        options.set("world_size", a.get_int("world-size", 40, 2'000'000));
        for (const char* file : {"corpus", "facts", "relations"})
            if (a.has(file)) options.set(file, a.get(file));
        return options;
    }
};

}  // namespace

const SynthFrontEnd& search_synth() {
    static const SearchSynth front_end;
    return front_end;
}

}  // namespace envforge::cli
