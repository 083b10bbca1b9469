// The registry of environment kinds: each kind synthesizes tasks, makes one Environment per
// episode, and knows its validation probes. `envforge` dispatches on Task::kind through it.
#pragma once

#include <functional>
#include <memory>
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

struct SynthRequest {
    uint64_t seed = 0;
    int difficulty = 1;
    size_t index = 0;  // position in the batch (round-robin over sub-domains)
    Json options;      // kind-specific (e.g. {"domain": "trip"})
};

class EnvKind {
public:
    virtual ~EnvKind() = default;
    virtual std::string name() const = 0;
    virtual std::string describe() const = 0;
    // Pure function of the request and generator version: byte-identical on every machine.
    virtual Task synthesize(const SynthRequest& request) const = 0;
    virtual std::unique_ptr<Environment> make_environment(const Task& task) const = 0;
    // Tasks with the same non-empty key are the same task made from different seeds (a code
    // task's mutant): synthesis keeps the first. Default: none are.
    virtual std::string dedupe_key(const Task&) const { return ""; }
    // Probes beyond `reference` (expect pass) and `null` (expect fail), which apply to every kind.
    virtual std::vector<Probe> probes(const Task& task) const;
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
