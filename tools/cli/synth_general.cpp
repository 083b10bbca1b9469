// `synth general`: the built-in domains, an environment package, or packages a model writes.
#include <algorithm>
#include <cstdio>

#include "common/errors.hpp"
#include "envgen/general/package.hpp"
#include "tools/cli/llm_env.hpp"
#include "tools/cli/synth_front_end.hpp"

namespace envforge::cli {

namespace {

class GeneralSynth final : public SynthFrontEnd {
public:
    const char* kind() const override { return "general"; }
    std::vector<OptSpec> options() const override {
        return {{"domain", "NAME", "general only: trip, retail or meeting (default: all, round-robin)", nullptr},
                {"package", "DIR",
                 "general only: an environment package (env.json, schema.sql, tools.py, verify.py, tasks.jsonl; see README): its "
                 "tasks, at most --count",
                 nullptr},
                {"packages-out", "DIR", "general --llm: where the accepted packages are written", "packages"},
                {"attempts", "N", "general --llm: model replies per version before giving up on it", "3"},
                {"raise", "N", "general --llm: harder versions asked for after the first is accepted", "1"}};
    }
    void check(const Args& a) const override {
        for (const char* flag : {"packages-out", "attempts", "raise"})
            if (a.has(flag) && !a.has("llm")) throw InvalidInput(std::string("--") + flag + " applies to `synth general --llm` only");
        if (a.has("domain") && a.has("package"))
            throw InvalidInput("--domain and --package: a package is its own domain; give one of them");
    }
    std::string llm_form() const override { return "`synth general`"; }
    bool takes_llm(const Args&) const override { return true; }
    int run(const SynthRun& r, Store& store) const override {
        return r.llm.empty() ? SynthFrontEnd::run(r, store) : write_packages(r, store);
    }

protected:
    Json generator_options(const Args& a, size_t& task_count) const override {
        Json options = Json::object();
        if (a.has("domain")) options.set("domain", a.get("domain"));
        if (a.has("package")) {
            const general::Package p = general::load_package(a.get("package"));
            options.set("package", p.dir);
            task_count = a.has("count") ? std::min(task_count, p.tasks.size()) : p.tasks.size();
        }
        return options;
    }

private:
    // `synth general --llm`: the model writes environment packages.
    static int write_packages(const SynthRun& r, Store& store) {
        const Args& a = r.args;
        if (a.has("package") || a.has("domain")) throw InvalidInput("--llm writes its own packages: leave out --package and --domain");
        LlmEnvConfig cfg;
        cfg.policy = r.llm;
        cfg.policy_options = r.llm_options;
        cfg.out_dir = a.get("packages-out");
        cfg.environments = r.count;
        cfg.attempts = static_cast<int>(a.get_int("attempts", 1, 100));
        cfg.raises = static_cast<int>(a.get_int("raise", 0, 10));
        cfg.seed = r.seed;
        cfg.quiet = r.json;
        const LlmEnvSummary s = llm_synthesize_environments(store, cfg);
        if (r.json) {
            std::printf("%s\n", s.to_json().dump().c_str());
        } else {
            std::printf("llm: %zu of %zu environments accepted (%zu versions, %zu tasks) after %zu model calls in %.1fs\n", s.accepted,
                        s.environments, s.versions, s.tasks, s.calls, s.seconds);
            for (const auto& d : s.packages) std::printf("  package %s\n", d.c_str());
            for (const auto& [why, n] : s.rejected) std::printf("  rejected %zu replies: %s\n", n, why.c_str());
            if (s.infra_failures) std::printf("  the model server failed (see synthesis_calls); rerun to try again\n");
        }
        return s.infra_failures ? 3 : 0;
    }
};

}  // namespace

const SynthFrontEnd& general_synth() {
    static const GeneralSynth front_end;
    return front_end;
}

}  // namespace envforge::cli
