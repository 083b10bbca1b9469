// envforge synth: synthesize tasks of one kind into the store.
#include <cstdio>

#include "tasks/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/pipeline.hpp"

namespace envforge::cli {

int cmd_synth(int argc, char** argv) {
    Args a("synth", "Synthesize tasks (deterministic in kind, seed, difficulty and generator version).",
           {{"kind", "K", "environment kind (general)", nullptr},
            {"count", "N", "number of tasks", "10"},
            {"seed", "S", "base seed", "1"},
            {"difficulty", "D|A-B", "difficulty or range; tasks cycle through it", "1-5"},
            {"domain", "NAME", "general only: trip, retail or meeting (default: all, round-robin)", nullptr},
            {"db", "FILE", "store", "envforge.db"},
            {"json", nullptr, "print a JSON summary", nullptr}},
           argc, argv);
    if (a.print_help_if_asked()) return 0;
    if (!a.has("kind")) throw InvalidInput("envforge synth: --kind is required (see --help)");
    const auto count = static_cast<size_t>(a.get_int("count", 1, 10'000'000));
    const auto seed = static_cast<uint64_t>(a.get_int("seed", 0, INT64_MAX));
    const auto diff = parse_difficulty(a.get("difficulty"));
    Json options = Json::object();
    if (a.has("domain")) options.set("domain", a.get("domain"));
    Store store(a.get("db"));
    SynthSummary s = synth_into(store, a.get("kind"), count, seed, diff, options, a.flag("json"));
    if (a.flag("json")) std::printf("%s\n", s.to_json().dump().c_str());
    else
        std::printf("synthesized %zu %s tasks (%zu new) in %.2fs (%.0f tasks/s) into %s\n", s.made,
                    a.get("kind").c_str(), s.added, s.seconds,
                    s.seconds > 0 ? static_cast<double>(s.made) / s.seconds : 0.0, a.get("db").c_str());
    return 0;
}

}  // namespace envforge::cli
