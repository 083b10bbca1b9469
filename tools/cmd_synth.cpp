// envforge synth: synthesize tasks of one kind into the store.
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <map>

#include "envgen/code/code_kind.hpp"
#include "envgen/general/package.hpp"
#include "envgen/search/search_kind.hpp"
#include "common/errors.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/code_history.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/interp_data.hpp"
#include "tools/cli/llm_env.hpp"
#include "tools/cli/llm_synth.hpp"
#include "tools/cli/pipeline.hpp"
#include "tools/cli/policy_options.hpp"

namespace envforge::cli {

namespace {

std::vector<std::string> comma_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// `synth code --history`: the options already checked for --repo (source dirs, test dir,
// runner) become the miner's rules.
int synth_history(const Args& a, const Json& options, Store& store, const std::string& llm, const Json& llm_options) {
    if (a.has("since") && a.has("range")) throw InvalidInput("--since and --range: give one of them");
    HistoryConfig cfg;
    code::HistoryOptions& o = cfg.options;
    o.repo = options.get_string("repo");
    if (!std::filesystem::exists(std::filesystem::path(o.repo) / ".git") &&
        !std::filesystem::exists(std::filesystem::path(o.repo) / "HEAD"))
        throw InvalidInput("--repo '" + o.repo + "': not a git repository (--history reads its commits)");
    o.name = std::filesystem::path(o.repo).filename().string();
    for (const Json& d : options.at("source_dirs").as_array()) o.rules.source_dirs.push_back(d.as_string());
    o.test_dir = options.get_string("test_dir", "tests");
    o.rules.test_dirs = {o.test_dir};
    o.rules.test_patterns = comma_list(a.get("test-pattern"));
    o.rules.max_source_files = static_cast<int>(a.get_int("max-files", 1, 1000));
    o.rules.max_source_lines = static_cast<int>(a.get_int("max-lines", 1, 100000));
    o.runner = options.get_string("runner", "auto");
    o.test_timeout = options.get_number("test_timeout", 120);
    cfg.range = a.has("range") ? a.get("range") : a.has("since") ? a.get("since") + ".." : "";
    if (a.has("max-commits")) cfg.max_commits = static_cast<size_t>(a.get_int("max-commits", 1, 10'000'000));
    if (a.has("count")) cfg.max_tasks = static_cast<size_t>(a.get_int("count", 1, 10'000'000));
    cfg.jobs = a.has("jobs") ? static_cast<int>(a.get_int("jobs", 1, 64)) : 2;  // sandboxed suites, not model calls
    cfg.llm = llm;
    cfg.llm_options = llm_options;
    cfg.quiet = a.flag("json");
    cfg.scan_only = a.flag("scan-only");
    const HistorySummary s = synthesize_from_history(store, cfg);
    if (a.flag("json")) std::printf("%s\n", s.to_json().dump().c_str());
    else s.print();
    return s.llm_infra ? 3 : 0;
}

// What `synth --llm` prints after rewriting questions; exit 3 when the server failed calls.
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

// `synth interp --data DIR`: analysis tasks over the user's tables.
int synth_interp_data(const Args& a, Store& store, size_t count, uint64_t seed, std::pair<int, int> diff, const std::string& llm,
                      const Json& llm_options) {
    InterpDataConfig cfg;
    cfg.dir = a.get("data");
    cfg.count = count;
    cfg.seed = seed;
    cfg.min_difficulty = diff.first;
    cfg.max_difficulty = diff.second;
    cfg.quiet = a.flag("json");
    // Fault injection for the test of the disagreement path: a generator whose mean is off.
    if (const char* bug = std::getenv("ENVFORGE_TEST_PLANT_BUG"); bug && std::string(bug) == "mean")
        cfg.bug = interp::PlantedBug::MeanOffByOne;
    if (!llm.empty()) {
        // The agreed questions are the templates a model rewrites (as for search).
        std::vector<Task> templates;
        cfg.templates = &templates;
        const InterpDataSummary d = synthesize_from_data(store, cfg);
        if (!a.flag("json")) d.print();
        return report_llm_rewrite(
            llm_rewrite_into(store, templates, llm, llm_options, static_cast<int>(a.get_int("jobs", 1, 4096)), a.flag("json")),
            a.flag("json"));
    }
    const InterpDataSummary s = synthesize_from_data(store, cfg);
    if (a.flag("json")) std::printf("%s\n", s.to_json().dump().c_str());
    else s.print();
    return 0;
}

}  // namespace

namespace {

// The command line of `synth`: every kind's flags (each is refused with another kind).
Args synth_args(int argc, char** argv) {
    return Args(
        "synth", "Synthesize tasks (deterministic in kind, seed, difficulty and generator version).",
        {{"kind", "K", "environment kind: general | search | interp | code (or give it as the first argument)", nullptr},
         {"count", "N", "number of tasks", "10"},
         {"seed", "S", "base seed", "1"},
         {"difficulty", "D|A-B", "difficulty or range; tasks cycle through it", "1-5"},
         {"domain", "NAME", "general only: trip, retail or meeting (default: all, round-robin)", nullptr},
         {"package", "DIR",
          "general only: an environment package (env.json, schema.sql, tools.py, verify.py, tasks.jsonl; see README): its tasks, "
          "at most --count",
          nullptr},
         {"data", "DIR",
          "interp only: analysis tasks over your tables (every .csv, .tsv, .json and .jsonl file in DIR; schema.json overrides column "
          "types; see README \"Your own data\")",
          nullptr},
         {"world-seed", "S", "search only: seed of the synthetic world", "1"},
         {"world-size", "N", "search only: people in the synthetic world (about 10 documents each)", "400"},
         {"corpus", "FILE", "search only: your documents, JSONL of {id, title, text}", nullptr},
         {"facts", "FILE", "search only: JSONL of {subject, relation, object, doc_id[, subject_type, object_type]} to ask about", nullptr},
         {"relations", "FILE",
          "search only: JSON {\"relations\": {NAME: {phrase, subject_type, object_type, answer}}}: how each relation reads in a "
          "question (\"the capital of {subject}\") and which entity types it joins",
          nullptr},
         {"repo", "DIR", "code only: your Python repository (default: the bundled seeds)", nullptr},
         {"src", "DIRS", "code only, with --repo: comma-separated source directories to mutate", nullptr},
         {"test-dir", "DIR", "code only, with --repo: the test directory", "tests"},
         {"test-cmd", "CMD", "code only, with --repo: 'pytest' or 'unittest' (default: pytest when installed, else unittest)", nullptr},
         {"test-timeout", "S", "code only, with --repo: seconds an agent's whole-suite run may take", "120"},
         {"ignore-failing", nullptr,
          "code only, with --repo: set aside tests that fail in every gold run instead of refusing the repository", nullptr},
         {"history", nullptr,
          "code only, with --repo: tasks from the repository's own commits that fix source and change tests (see README, "
          "\"Real fixes from history\"), instead of mutants",
          nullptr},
         {"since", "REV", "code --history: only commits after REV", nullptr},
         {"scan-only", nullptr, "code --history: scan, choose candidates and split their patches, then report; run no test", nullptr},
         {"range", "A..B", "code --history: only the commits of this range", nullptr},
         {"max-commits", "N", "code --history: scan at most the N newest commits", nullptr},
         {"max-files", "N", "code --history: source files a fix may change", "5"},
         {"max-lines", "N", "code --history: source lines (added + removed) a fix may change", "200"},
         {"test-pattern", "GLOBS", "code --history: comma-separated file names that are tests wherever they are",
          "test_*.py,*_test.py,conftest.py"},
         {"llm", "POLICY",
          "a model (openai or embedded, with their options below) writes tasks. search: it rewrites each question in natural words, "
          "then answers the rewrite with the search tools; only rewrites it answers with the gold answer are kept (interp --data: the "
          "same, answered with the python tool). general: it "
          "writes --count environment packages, each validated in the sandbox and raised in difficulty",
          nullptr},
         {"packages-out", "DIR", "general --llm: where the accepted packages are written", "packages"},
         {"attempts", "N", "general --llm: model replies per version before giving up on it", "3"},
         {"raise", "N", "general --llm: harder versions asked for after the first is accepted", "1"},
         {"jobs", "J", "with --llm: model calls in flight", "8"},
         {"shard", "I/N", "make only shard I of N: the requests with index mod N = I (merge the shards' stores with `envforge merge`)",
          nullptr},
         {"db", "FILE", "store", "envforge.db"},
         {"json", nullptr, "print a JSON summary", nullptr}},
        argc, argv, true, policy_option_specs());
}

// A flag of another kind is refused, never silently ignored.
void refuse_foreign_flags(const Args& a, const std::string& kind) {
    for (const auto& [flag, owner] : std::vector<std::pair<const char*, const char*>>{{"domain", "general"},
                                                                                      {"package", "general"},
                                                                                      {"world-seed", "search"},
                                                                                      {"world-size", "search"},
                                                                                      {"corpus", "search"},
                                                                                      {"facts", "search"},
                                                                                      {"relations", "search"},
                                                                                      {"data", "interp"},

                                                                                      {"repo", "code"}})
        if (a.has(flag) && kind != owner)
            throw InvalidInput(std::string("--") + flag + " applies to `synth " + owner + "` only, not to " + kind);
    for (const char* flag : {"src", "test-dir", "test-cmd", "test-timeout", "ignore-failing", "history"})
        if (a.has(flag) && !(kind == "code" && a.has("repo")))
            throw InvalidInput(std::string("--") + flag + " applies to `synth code --repo DIR` only");
    for (const char* flag : {"since", "range", "max-commits", "max-files", "max-lines", "test-pattern", "scan-only"})
        if (a.has(flag) && !a.flag("history")) throw InvalidInput(std::string("--") + flag + " applies to `synth code --history` only");
    for (const char* flag : {"packages-out", "attempts", "raise"})
        if (a.has(flag) && !(kind == "general" && a.has("llm")))
            throw InvalidInput(std::string("--") + flag + " applies to `synth general --llm` only");
}

// The options of the kind's generator (Json the kind reads); `task_count` becomes the number of
// tasks to make (a package has as many as it lists).
Json kind_options(const Args& a, const std::string& kind, size_t count, size_t& task_count) {
    Json options = Json::object();
    if (a.has("domain")) options.set("domain", a.get("domain"));
    task_count = count;
    if (a.has("package")) {
        if (a.has("domain")) throw InvalidInput("--domain and --package: a package is its own domain; give one of them");
        const general::Package p = general::load_package(a.get("package"));
        options.set("package", p.dir);
        task_count = a.has("count") ? std::min(count, p.tasks.size()) : p.tasks.size();
    }
    if (kind == "search") {
        options.set("world_seed", a.get_int("world-seed", 0, (int64_t{1} << 53) - 1));
        options.set("world_size", a.get_int("world-size", 40, 2'000'000));
        if (a.has("corpus")) options.set("corpus", a.get("corpus"));
        if (a.has("facts")) options.set("facts", a.get("facts"));
        if (a.has("relations")) options.set("relations", a.get("relations"));
    }
    if (kind == "code" && a.has("repo")) {
        const std::string repo = a.get("repo");
        if (!std::filesystem::is_directory(repo)) throw InvalidInput("--repo '" + repo + "': no such directory");
        options.set("repo", std::filesystem::absolute(repo).lexically_normal().string());
        JsonArray src;
        std::stringstream ss(a.get("src"));
        for (std::string d; std::getline(ss, d, ',');)
            if (!d.empty()) src.emplace_back(d);
        if (src.empty()) throw InvalidInput("envforge synth code --repo: give --src with the source directories to mutate");
        options.set("source_dirs", Json(std::move(src)));
        options.set("test_dir", a.get("test-dir"));
        options.set("test_timeout", static_cast<double>(a.get_int("test-timeout", 1, 86400)));
        if (a.flag("ignore-failing")) options.set("ignore_failing", true);
        const std::string cmd = a.get("test-cmd");
        if (cmd.empty()) options.set("runner", "auto");
        else if (cmd.find("pytest") != std::string::npos) options.set("runner", "pytest");
        else if (cmd.find("unittest") != std::string::npos) options.set("runner", "unittest");
        else
            throw InvalidInput("--test-cmd '" + cmd +
                               "': envforge runs Python suites with pytest or unittest (and reads JUnit from its own runner)");
    }
    return options;
}

// The model options with --llm; without it, every model option is refused.
Json llm_options_of(const Args& a, const std::string& kind, bool history) {
    Json llm_options;
    const std::string llm = a.get("llm");
    if (a.has("llm")) {
        if (kind != "search" && kind != "general" && !history && !(kind == "interp" && a.has("data")))
            throw InvalidInput(
                "--llm applies to `synth search`, `synth general`, `synth code --history` and `synth interp --data` only, "
                "not to " +
                kind);
        if (llm != "openai" && llm != "embedded") throw InvalidInput("--llm '" + llm + "': expected openai or embedded");
        llm_options = policy_options(a, llm);
    } else {
        for (const auto& spec : policy_option_specs())
            if (a.has(spec.name)) throw InvalidInput(std::string("--") + spec.name + " applies with --llm only");
        if (a.has("jobs") && !history) throw InvalidInput("--jobs applies with --llm or --history only");
    }
    return llm_options;
}

// `synth general --llm`: the model writes environment packages.
int synth_general_llm(const Args& a, Store& store, size_t count, uint64_t seed, const std::string& llm, const Json& llm_options) {
    if (a.has("package") || a.has("domain")) throw InvalidInput("--llm writes its own packages: leave out --package and --domain");
    LlmEnvConfig cfg;
    cfg.policy = llm;
    cfg.policy_options = llm_options;
    cfg.out_dir = a.get("packages-out");
    cfg.environments = count;
    cfg.attempts = static_cast<int>(a.get_int("attempts", 1, 100));
    cfg.raises = static_cast<int>(a.get_int("raise", 0, 10));
    cfg.seed = seed;
    cfg.quiet = a.flag("json");
    const LlmEnvSummary s = llm_synthesize_environments(store, cfg);
    if (a.flag("json")) {
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

// search: how often the question itself, as a query, finds the answer document first.
void report_search(const std::vector<Task>& tasks, bool json, Json& summary) {
    std::map<int, std::pair<int, int>> per_difficulty;  // hits, tasks
    for (const auto& t : tasks) {
        auto& [hits, n] = per_difficulty[t.difficulty];
        hits += search::verbatim_top_hit(t);
        ++n;
    }
    Json shares = Json::object();
    for (const auto& [d, hn] : per_difficulty) {
        const double share = static_cast<double>(hn.first) / hn.second;
        shares.set(std::to_string(d), share);
        if (!json)
            std::printf("difficulty %d: answer document is the top hit for the verbatim question in %.1f%% of %d tasks\n", d, 100.0 * share,
                        hn.second);
    }
    summary.set("verbatim_top_hit_share", shares);
}

// code: per project, how many mutants were tried to make these tasks, and why the rest were not.
void report_code(bool json, Json& summary) {
    JsonArray projects;
    for (const auto& st : code::synthesis_stats()) {
        projects.push_back(Json::object({{"project", st.project},
                                         {"tried", st.tried()},
                                         {"accepted", st.accepted},
                                         {"equivalent", st.equivalent},
                                         {"no_report", st.no_report},
                                         {"invalid", st.invalid},
                                         {"seconds_per_accepted", st.accepted ? st.seconds / st.accepted : 0.0}}));
        if (!json)
            std::printf(
                "project %s: %d mutants tried, %d accepted, %d caught by no test, %d not compiling, %d without a report (crash or time "
                "limit); %.1f s of suite runs per accepted task\n",
                st.project.c_str(), st.tried(), st.accepted, st.equivalent, st.invalid, st.no_report,
                st.accepted ? st.seconds / st.accepted : 0.0);
    }
    summary.set("projects", Json(std::move(projects)));
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
    const auto count = static_cast<size_t>(a.get_int("count", 1, 10'000'000));
    const auto seed = static_cast<uint64_t>(a.get_int("seed", 0, INT64_MAX));
    const auto diff = parse_difficulty(a.get("difficulty"));
    refuse_foreign_flags(a, kind);
    size_t task_count = count;
    const Json options = kind_options(a, kind, count, task_count);
    const bool history = kind == "code" && a.flag("history");
    const std::string llm = a.get("llm");
    const Json llm_options = llm_options_of(a, kind, history);
    const Shard shard = shard_option(a);
    Store store(a.get("db"));
    if (history) return synth_history(a, options, store, llm, llm_options);
    if (kind == "interp" && a.has("data")) {
        if (!shard.whole()) throw InvalidInput("--shard applies to generated tasks, not to --data");
        return synth_interp_data(a, store, count, seed, diff, llm, llm_options);
    }
    if (a.has("llm") && kind == "general") return synth_general_llm(a, store, count, seed, llm, llm_options);
    if (a.has("llm")) {
        std::vector<Task> templates;
        synth_into(nullptr, kind, task_count, seed, diff, options, a.flag("json"), &templates, shard);
        return report_llm_rewrite(
            llm_rewrite_into(store, templates, llm, llm_options, static_cast<int>(a.get_int("jobs", 1, 4096)), a.flag("json")),
            a.flag("json"));
    }
    std::vector<Task> tasks;
    SynthSummary s = synth_into(&store, kind, task_count, seed, diff, options, a.flag("json"), &tasks, shard);
    Json summary = s.to_json();
    if (!shard.whole()) summary.set("shard", shard.name());
    if (kind == "search") report_search(tasks, a.flag("json"), summary);
    if (kind == "code") report_code(a.flag("json"), summary);
    if (a.flag("json")) std::printf("%s\n", summary.dump().c_str());
    else
        std::printf("synthesized %zu %s tasks (%zu new%s) in %.2fs (%.0f tasks/s) into %s\n", s.made, kind.c_str(), s.added,
                    s.duplicates ? (", " + std::to_string(s.duplicates) + " duplicates replaced").c_str() : "", s.seconds,
                    s.seconds > 0 ? static_cast<double>(s.made) / s.seconds : 0.0, a.get("db").c_str());
    return 0;
}

}  // namespace envforge::cli
