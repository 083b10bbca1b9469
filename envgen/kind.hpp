// The registry of environment kinds: each kind synthesizes tasks, makes one Environment per
// episode, and knows its validation probes. `envforge` dispatches on Task::kind through it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/environment.hpp"

namespace envforge {

// A scripted answer that validation runs through the real tools; it must pass iff expect_pass.
struct Probe {
    std::string name;
    bool expect_pass = false;
    std::vector<ScriptTurn> script;
};

// What synthesis did along the way, counted for the run that asked (a code project's mutants:
// tried, accepted, and why the rest were passed over). Thread-safe; kinds add, their `report`
// reads. Counts belong to one run, never to the process.
class SynthTally {
public:
    void add(const std::string& group, const std::string& counter, double amount = 1);
    // group -> counter -> total
    std::map<std::string, std::map<std::string, double>> totals() const;

private:
    mutable std::mutex mu_;
    std::map<std::string, std::map<std::string, double>> totals_;
};

struct SynthRequest {
    uint64_t seed = 0;
    int difficulty = 1;
    size_t index = 0;             // position in the batch (round-robin over sub-domains)
    Json options;                 // kind-specific (e.g. {"domain": "trip"})
    SynthTally* tally = nullptr;  // where the kind counts what it did, when the caller asks
};

// A kind's account of a synthesis run, for `envforge synth`: lines for people, fields for --json.
struct SynthReport {
    std::vector<std::string> lines;
    Json fields = Json::object();
};

class EnvKind {
public:
    virtual ~EnvKind() = default;
    virtual std::string name() const = 0;
    virtual std::string describe() const = 0;
    // Pure function of the request and generator version: byte-identical on every machine.
    virtual Task synthesize(const SynthRequest& request) const = 0;
    virtual std::unique_ptr<Environment> make_environment(const Task& task) const = 0;
    // Checks Task::env against the kind's typed environment (its from_json); throws InvalidInput
    // naming the member. `import` runs it on every task before anything is stored.
    virtual void check_env(const Task& task) const = 0;
    // Tasks with the same non-empty key are the same task made from different seeds (a code
    // task's mutant): synthesis keeps the first. Default: none are.
    virtual std::string dedupe_key(const Task&) const { return ""; }
    // Probes beyond `reference` (expect pass) and `null` (expect fail), which apply to every kind.
    virtual std::vector<Probe> probes(const Task& task) const;
    // What `synth` reports after making `tasks` (with `tally` counted along the way). Default: nothing.
    virtual SynthReport report(const std::vector<Task>& tasks, const SynthTally& tally) const;
};

const EnvKind* find_kind(std::string_view name);     // nullptr when unknown
const EnvKind& require_kind(std::string_view name);  // throws InvalidInput listing known kinds
std::vector<std::string> kind_names();

// Synthesizes many requests on `threads` threads (0: all cores). Output order follows the
// requests, so the result is identical for any thread count.
// `on_task`, when given, is called after each task (from the worker threads, one at a time).
std::vector<Task> synthesize_many(const EnvKind& kind, const std::vector<SynthRequest>& requests, unsigned threads = 0,
                                  const std::function<void()>& on_task = {});

// Reference, null, then the kind's own probes.
std::vector<Probe> all_probes(const Task& task);

}  // namespace envforge
