// envforge synth: synthesize tasks of one kind into the store. The flags every kind shares are
// read here; each kind's own flags and modes are its front end's (tools/cli/synth_front_end.hpp).
#include <cstdio>

#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"
#include "tools/cli/policy_options.hpp"
#include "tools/cli/synth_front_end.hpp"

namespace envforge::cli {

namespace {

// The kinds' own flags, then the model's and the store's.
Args synth_args(int argc, char** argv) {
    std::vector<OptSpec> specs = {
        {"kind", "K", "environment kind: general | search | interp | code (or give it as the first argument)", nullptr},
        {"count", "N", "number of tasks", "10"},
        {"seed", "S", "base seed", "1"},
        {"difficulty", "D|A-B", "difficulty or range; tasks cycle through it", "1-5"}};
    for (const SynthFrontEnd* f : synth_front_ends())
        for (const OptSpec& o : f->options()) specs.push_back(o);
    const std::vector<OptSpec> tail = {
        {"llm", "POLICY",
         "a model (openai or embedded, with their options below) writes tasks. search: it rewrites each question in natural words, "
         "then answers the rewrite with the search tools; only rewrites it answers with the gold answer are kept (interp --data: the "
         "same, answered with the python tool). general: it writes --count environment packages, each validated in the sandbox and "
         "raised in difficulty",
         nullptr},
        {"jobs", "J", "with --llm: model calls in flight", "8"},
        {"shard", "I/N", "make only shard I of N: the requests with index mod N = I (merge the shards' stores with `envforge merge`)",
         nullptr},
        {"db", "FILE", "store", "envforge.db"},
        {"json", nullptr, "print a JSON summary", nullptr}};
    specs.insert(specs.end(), tail.begin(), tail.end());
    return Args("synth", "Synthesize tasks (deterministic in kind, seed, difficulty and generator version).", std::move(specs), argc, argv,
                true, policy_option_specs());
}

// A flag of another kind is refused, never silently ignored.
void refuse_foreign_flags(const Args& a, const SynthFrontEnd& mine) {
    for (const SynthFrontEnd* f : synth_front_ends()) {
        if (f == &mine) continue;
        for (const OptSpec& o : f->options())
            if (a.has(o.name))
                throw InvalidInput(std::string("--") + o.name + " applies to `synth " + f->kind() + "` only, not to " + mine.kind());
    }
    mine.check(a);
}

// The model options with --llm; without it, every model option is refused.
Json llm_options_of(const Args& a, const SynthFrontEnd& f) {
    if (!a.has("llm")) {
        for (const auto& spec : policy_option_specs())
            if (a.has(spec.name)) throw InvalidInput(std::string("--") + spec.name + " applies with --llm only");
        if (a.has("jobs") && !f.takes_jobs(a)) throw InvalidInput("--jobs applies with --llm or --history only");
        return Json();
    }
    if (!f.takes_llm(a)) {
        std::vector<std::string> forms;
        for (const SynthFrontEnd* g : synth_front_ends())
            if (!g->llm_form().empty()) forms.push_back(g->llm_form());
        std::string where;
        for (size_t i = 0; i < forms.size(); ++i) where += (i == 0 ? "" : i + 1 == forms.size() ? " and " : ", ") + forms[i];
        throw InvalidInput("--llm applies to " + where + " only, not to " + f.kind());
    }
    const std::string llm = a.get("llm");
    if (llm != "openai" && llm != "embedded") throw InvalidInput("--llm '" + llm + "': expected openai or embedded");
    return policy_options(a, llm);
}

}  // namespace

int cmd_synth(int argc, char** argv) {
    const Args a = synth_args(argc, argv);
    if (a.print_help_if_asked()) return 0;
    // `envforge synth search ...` is the same as `envforge synth --kind search ...`.
    std::string kind = a.get("kind");
    if (kind.empty() && a.positional().size() == 1) kind = a.positional()[0];
    else if (!a.positional().empty())
        throw InvalidInput("envforge synth: unexpected argument '" + a.positional().back() + "' (see --help)");
    if (kind.empty()) throw InvalidInput("envforge synth: --kind is required (see --help)");
    const SynthFrontEnd& front_end = synth_front_end(kind);
    SynthRun run(a, kind);
    run.count = static_cast<size_t>(a.get_int("count", 1, 10'000'000));
    run.seed = static_cast<uint64_t>(a.get_int("seed", 0, INT64_MAX));
    run.difficulty = parse_difficulty(a.get("difficulty"));
    refuse_foreign_flags(a, front_end);
    run.llm_options = llm_options_of(a, front_end);
    run.llm = a.has("llm") ? a.get("llm") : "";
    run.shard = shard_option(a);
    run.json = a.flag("json");
    Store store(a.get("db"));
    return front_end.run(run, store);
}

}  // namespace envforge::cli
