#include "envgen/kind.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "envgen/general/general_kind.hpp"
#include "envgen/code/code_kind.hpp"
#include "envgen/interp/interp_kind.hpp"
#include "envgen/search/search_kind.hpp"
#include "common/errors.hpp"
#include "tasks/json_schema.hpp"
#include "tasks/scripted_policy.hpp"

namespace envforge {

std::vector<Probe> EnvKind::probes(const Task& task) const {
    // Kinds that precompute probes at synthesis keep them in reference.probes.
    std::vector<Probe> out;
    const Json* probes = task.reference.find("probes");
    if (!probes || !probes->is_array()) return out;
    for (const auto& p : probes->as_array()) {
        Probe probe;
        probe.name = p.get_string("name");
        probe.expect_pass = p.get_bool("expect_pass");
        if (const Json* turns = p.find("turns")) probe.script = script_from_json(*turns);
        out.push_back(std::move(probe));
    }
    return out;
}

SynthReport EnvKind::report(const std::vector<Task>&, const SynthTally&) const { return {}; }

void SynthTally::add(const std::string& group, const std::string& counter, double amount) {
    std::lock_guard lock(mu_);
    totals_[group][counter] += amount;
}

std::map<std::string, std::map<std::string, double>> SynthTally::totals() const {
    std::lock_guard lock(mu_);
    return totals_;
}

namespace {

const std::vector<const EnvKind*>& registry() {
    static const std::vector<const EnvKind*> kinds = {&general_kind(), &search_kind(), &interp_kind(), &code_kind()};
    return kinds;
}

}  // namespace

const EnvKind* find_kind(std::string_view name) {
    for (const EnvKind* k : registry())
        if (k->name() == name) return k;
    return nullptr;
}

const EnvKind& require_kind(std::string_view name) {
    if (const EnvKind* k = find_kind(name)) return *k;
    std::string known;
    for (const auto& n : kind_names()) known += (known.empty() ? "" : ", ") + n;
    throw InvalidInput("kind '" + std::string(name) + "': unknown, expected one of: " + known);
}

std::vector<std::string> kind_names() {
    std::vector<std::string> out;
    for (const EnvKind* k : registry()) out.push_back(k->name());
    return out;
}

std::vector<Task> synthesize_many(const EnvKind& kind, const std::vector<SynthRequest>& requests, unsigned threads,
                                  const std::function<void()>& on_task) {
    std::mutex on_task_mu;
    std::vector<Task> out(requests.size());
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = std::min<unsigned>(threads, static_cast<unsigned>(requests.size() / 16 + 1));
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    auto work = [&] {
        for (size_t i; !failed && (i = next++) < requests.size();) {
            try {
                out[i] = kind.synthesize(requests[i]);
                if (on_task) {
                    std::lock_guard lock(on_task_mu);
                    on_task();
                }
            } catch (...) {
                if (!failed.exchange(true)) error = std::current_exception();
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    return out;
}

std::vector<Probe> all_probes(const Task& task) {
    std::vector<Probe> out;
    out.push_back({"reference", true, task.reference_turns()});
    std::vector<ScriptTurn> null_script;
    if (const ToolSpec* submit = find_submit_tool(task))
        null_script.push_back({"", {{submit->name, minimal_value_for_schema(submit->parameters)}}});
    out.push_back({"null", false, std::move(null_script)});
    for (auto& p : require_kind(task.kind).probes(task)) out.push_back(std::move(p));
    return out;
}

}  // namespace envforge
