#include "tools/cli/synth_front_end.hpp"

#include <cstdio>

#include "common/errors.hpp"
#include "envgen/kind.hpp"
#include "tools/cli/llm_synth.hpp"
#include "tools/cli/pipeline.hpp"

namespace envforge::cli {

const std::vector<const SynthFrontEnd*>& synth_front_ends() {
    static const std::vector<const SynthFrontEnd*> all = {&general_synth(), &search_synth(), &interp_synth(), &code_synth()};
    return all;
}

const SynthFrontEnd& synth_front_end(const std::string& kind) {
    for (const SynthFrontEnd* f : synth_front_ends())
        if (kind == f->kind()) return *f;
    require_kind(kind);  // throws, listing the kinds
    throw InvalidInput("kind '" + kind + "': envforge synth does not make it");
}

int report_llm_rewrite(const LlmSynthSummary& s, bool json) {
    if (json) {
        std::printf("%s\n", s.to_json().dump().c_str());
    } else {
        std::printf("llm: %zu questions, %zu rewritten, %zu kept after the model answered them with the tools (%zu new) in %.1fs\n",
                    s.templates, s.rewritten, s.kept, s.added, s.seconds);
        for (const auto& [why, n] : s.dropped) std::printf("  dropped %zu: %s\n", n, why.c_str());
        if (s.infra_failures)
            std::printf("  %zu calls failed on the server's side (see synthesis_calls); rerun to try those questions again\n",
                        s.infra_failures);
    }
    return s.infra_failures ? 3 : 0;
}

int rewrite_with_llm(const SynthRun& r, Store& store, const std::vector<Task>& templates) {
    const int jobs = static_cast<int>(r.args.get_int("jobs", 1, 4096));
    return report_llm_rewrite(llm_rewrite_into(store, templates, r.llm, r.llm_options, jobs, r.json), r.json);
}

int SynthFrontEnd::run(const SynthRun& r, Store& store) const {
    size_t task_count = r.count;
    const Json options = generator_options(r.args, task_count);
    if (!r.llm.empty()) {
        // The generated questions are the templates the model rewrites.
        std::vector<Task> templates;
        synth_into(nullptr, r.kind, task_count, r.seed, r.difficulty, options, r.json, &templates, r.shard);
        return rewrite_with_llm(r, store, templates);
    }
    std::vector<Task> tasks;
    SynthTally tally;
    const SynthSummary s = synth_into(&store, r.kind, task_count, r.seed, r.difficulty, options, r.json, &tasks, r.shard, &tally);
    const SynthReport report = require_kind(r.kind).report(tasks, tally);
    if (r.json) {
        Json summary = s.to_json();
        if (!r.shard.whole()) summary.set("shard", r.shard.name());
        for (const auto& [key, value] : report.fields.as_object()) summary.set(key, value);
        std::printf("%s\n", summary.dump().c_str());
        return 0;
    }
    for (const std::string& line : report.lines) std::printf("%s\n", line.c_str());
    std::printf("synthesized %zu %s tasks (%zu new%s) in %.2fs (%.0f tasks/s) into %s\n", s.made, r.kind.c_str(), s.added,
                s.duplicates ? (", " + std::to_string(s.duplicates) + " duplicates replaced").c_str() : "", s.seconds,
                s.seconds > 0 ? static_cast<double>(s.made) / s.seconds : 0.0, r.args.get("db").c_str());
    return 0;
}

}  // namespace envforge::cli
