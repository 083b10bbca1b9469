// The steps the commands share: synthesize into the store, validate with probes, run a policy
// over stored tasks with resume. Each returns a summary that commands print as text or JSON.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/shard.hpp"
#include "datasets/store.hpp"
#include "envgen/kind.hpp"
#include "tasks/environment.hpp"
#include "tasks/episode_runner.hpp"
#include "tools/cli/args.hpp"

namespace envforge::cli {

// Set by SIGINT/SIGTERM: stop starting episodes, finish and store those in flight.
bool stop_requested();
void install_stop_handlers();

// --sandbox native|bwrap|none for environments that run programs; throws InvalidInput.
void apply_sandbox_option(const std::string& name);

// --shard I/N, or the whole job when absent; throws InvalidInput.
Shard shard_option(const Args& a);

// Stored tasks of `kind` (all when empty), at most `limit` (-1: all); an empty result is an
// InvalidInput that says to synthesize first (`verb` names what the caller wanted to do). With a
// shard, only the tasks it owns (possibly none) of the otherwise selected ones.
std::vector<Task> load_tasks_or_fail(const Store& store, const std::string& db_path, const std::string& kind, int64_t limit,
                                     const char* verb, const Shard& shard = {});

struct SynthSummary {
    size_t made = 0, added = 0;
    size_t duplicates = 0;  // tasks another seed had already made, replaced by new ones
    double seconds = 0;
    Json to_json() const;
};
// With no store, the tasks are only made (into `keep`): `synth --llm` stores what it keeps. The
// kind counts what it did into `tally` when given.
SynthSummary synth_into(Store* store, const std::string& kind, size_t count, uint64_t seed, std::pair<int, int> difficulty,
                        const Json& options, bool quiet, std::vector<Task>* keep = nullptr, const Shard& shard = {},
                        SynthTally* tally = nullptr);
// The request for task `index` of a batch: seed mixed from the base seed, difficulty spread
// evenly over the range (each run of `span` tasks holds every level once).
SynthRequest synth_request(uint64_t base_seed, size_t index, std::pair<int, int> difficulty, const Json& options);

// {name: count} as a JSON object, for the summaries' tallies (statuses, failed probes, reasons).
Json counts_json(const std::map<std::string, size_t>& counts);

// Each task's environment, made by its kind.
EnvironmentFactory env_factory();

struct ValidateSummary {
    size_t tasks = 0, probes = 0, failed_probes = 0;
    std::vector<ValidationRow> rows;
    std::map<std::string, size_t> failed_by_probe;
    double seconds = 0;
    Json to_json() const;
};
ValidateSummary validate_tasks(Store& store, const std::vector<Task>& tasks, int repeat, int jobs, bool quiet);
void write_junit(const std::string& path, const ValidateSummary& s, const std::vector<Task>& tasks);

struct RunSummary {
    std::string run;
    size_t planned = 0, skipped = 0, episodes = 0, passed = 0;
    size_t invalid_tasks = 0;    // not run: they failed validation
    int64_t infra_failures = 0;  // the run's episodes still ending in policy_error / env_error
    // 0, or the exit code that says what is unfinished: 130 interrupted, 3 infrastructure
    // failures remain (rerun to retry them).
    int exit_code() const { return interrupted ? 130 : infra_failures > 0 ? 3 : 0; }
    std::map<std::string, size_t> statuses;
    double seconds = 0;
    bool interrupted = false;
    Json to_json() const;
};
struct RunConfig {
    std::string run_name, policy = "reference", context = "v32";
    Json policy_options = Json::object();  // see policy_options.hpp
    int rollouts = 1, jobs = 8;
    uint64_t seed = 0;
    bool quiet = false;
    bool include_invalid = false;  // run tasks that failed validation too
};
RunSummary run_tasks(Store& store, const std::vector<Task>& tasks, const RunConfig& cfg);
// The summary as lines for a person: counts, then what is unfinished and how to finish it.
void print_run_summary(const RunSummary& s);

// Writes text to a file ("-" for stdout), throwing IoError for an unwritable path.
class Output {
public:
    explicit Output(const std::string& path);
    ~Output();
    void write(const std::string& s);
    void close();

private:
    std::FILE* f_ = nullptr;
    std::string path_;
    bool owned_ = false;
};

}  // namespace envforge::cli
