// `synth interp`: procedural problems, or analysis tasks over the user's tables (--data).
#include <cstdlib>

#include "common/errors.hpp"
#include "tools/cli/interp_data.hpp"
#include "tools/cli/synth_front_end.hpp"

namespace envforge::cli {

namespace {

class InterpSynth final : public SynthFrontEnd {
public:
    const char* kind() const override { return "interp"; }
    std::vector<OptSpec> options() const override {
        return {{"data", "DIR",
                 "interp only: analysis tasks over your tables (every .csv, .tsv, .json, .jsonl and SQLite file in DIR; schema.json "
                 "overrides column types; see README \"Your own data\")",
                 nullptr}};
    }
    std::string llm_form() const override { return "`synth interp --data`"; }
    bool takes_llm(const Args& a) const override { return a.has("data"); }
    int run(const SynthRun& r, Store& store) const override {
        if (!r.args.has("data")) return SynthFrontEnd::run(r, store);
        if (!r.shard.whole()) throw InvalidInput("--shard applies to generated tasks, not to --data");
        return from_data(r, store);
    }

private:
    // `synth interp --data DIR`: analysis tasks over the user's tables.
    static int from_data(const SynthRun& r, Store& store) {
        InterpDataConfig cfg;
        cfg.dir = r.args.get("data");
        cfg.count = r.count;
        cfg.seed = r.seed;
        cfg.min_difficulty = r.difficulty.first;
        cfg.max_difficulty = r.difficulty.second;
        cfg.quiet = r.json;
        // Fault injection for the test of the disagreement path: a generator whose mean is off.
        if (const char* bug = std::getenv("ENVFORGE_TEST_PLANT_BUG"); bug && std::string(bug) == "mean")
            cfg.bug = interp::PlantedBug::MeanOffByOne;
        if (!r.llm.empty()) {
            // The agreed questions are the templates a model rewrites (as for search).
            std::vector<Task> templates;
            cfg.templates = &templates;
            const InterpDataSummary d = synthesize_from_data(store, cfg);
            if (!r.json) d.print();
            return rewrite_with_llm(r, store, templates);
        }
        const InterpDataSummary s = synthesize_from_data(store, cfg);
        if (r.json) std::printf("%s\n", s.to_json().dump().c_str());
        else s.print();
        return 0;
    }
};

}  // namespace

const SynthFrontEnd& interp_synth() {
    static const InterpSynth front_end;
    return front_end;
}

}  // namespace envforge::cli
