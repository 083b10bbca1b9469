// `envforge synth`, kind by kind: each kind's front end declares the flags only it takes and how
// it runs (the kind's generator by default; its own modes such as `code --history`). cmd_synth
// reads the flags every kind shares and hands over, with no branch on the kind. A new kind adds
// a front end here beside its EnvKind (envgen/kind.hpp), whose `report` says what synth prints.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/json.hpp"
#include "common/shard.hpp"
#include "datasets/store.hpp"
#include "tools/cli/args.hpp"

namespace envforge::cli {

struct LlmSynthSummary;

// What every `synth` run has, whatever its kind.
struct SynthRun {
    SynthRun(const Args& a, std::string k) : args(a), kind(std::move(k)) {}
    const Args& args;
    std::string kind;
    size_t count = 0;
    uint64_t seed = 0;
    std::pair<int, int> difficulty{1, 5};
    Shard shard;
    bool json = false;
    std::string llm;  // "openai" or "embedded" with --llm, else empty
    Json llm_options;
};

class SynthFrontEnd {
public:
    virtual ~SynthFrontEnd() = default;
    virtual const char* kind() const = 0;
    // The flags only this kind takes: listed in --help, refused with any other kind.
    virtual std::vector<OptSpec> options() const = 0;
    // Refuses this kind's flags that need another of its flags (`--src` without `--repo`).
    virtual void check(const Args&) const {}
    // Where --llm applies ("`synth code --history`"; empty: nowhere), and whether it does here.
    virtual std::string llm_form() const { return ""; }
    virtual bool takes_llm(const Args&) const { return false; }
    // Whether --jobs applies without --llm (runs in parallel that are not model calls).
    virtual bool takes_jobs(const Args&) const { return false; }
    // Makes the tasks into the store and prints what it did; returns the exit code. By default,
    // the kind's generator over generator_options (with --llm, rewritten by the model), then the
    // kind's report.
    virtual int run(const SynthRun& r, Store& store) const;

protected:
    // SynthRequest::options from the flags; `task_count` starts as --count and may change (a
    // package has as many tasks as it lists).
    virtual Json generator_options(const Args&, size_t&) const { return Json::object(); }
};

const SynthFrontEnd& general_synth();
const SynthFrontEnd& search_synth();
const SynthFrontEnd& interp_synth();
const SynthFrontEnd& code_synth();

// Every kind's front end, in `kind_names()` order.
const std::vector<const SynthFrontEnd*>& synth_front_ends();
// Throws InvalidInput listing the kinds.
const SynthFrontEnd& synth_front_end(const std::string& kind);

// What `synth --llm` prints after rewriting questions; exit 3 when the server failed calls.
int report_llm_rewrite(const LlmSynthSummary& s, bool json);
// The model rewrites `templates` into the store (search, interp --data).
int rewrite_with_llm(const SynthRun& r, Store& store, const std::vector<Task>& templates);

}  // namespace envforge::cli
