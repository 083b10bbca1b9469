// `synth code`: mutants of the bundled seeds or the user's repository, or real fixes mined from
// its history (--history).
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "common/errors.hpp"
#include "tools/cli/code_history.hpp"
#include "tools/cli/synth_front_end.hpp"

namespace envforge::cli {

namespace {

std::vector<std::string> comma_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

class CodeSynth final : public SynthFrontEnd {
public:
    const char* kind() const override { return "code"; }
    std::vector<OptSpec> options() const override;
    void check(const Args& a) const override {
        for (const char* flag : {"src", "test-dir", "test-cmd", "test-timeout", "ignore-failing", "history"})
            if (a.has(flag) && !a.has("repo")) throw InvalidInput(std::string("--") + flag + " applies to `synth code --repo DIR` only");
        for (const char* flag : {"since", "range", "max-commits", "max-files", "max-lines", "test-pattern", "scan-only"})
            if (a.has(flag) && !a.flag("history")) throw InvalidInput(std::string("--") + flag + " applies to `synth code --history` only");
        if (a.has("since") && a.has("range")) throw InvalidInput("--since and --range: give one of them");
    }
    std::string llm_form() const override { return "`synth code --history`"; }
    bool takes_llm(const Args& a) const override { return a.flag("history"); }
    bool takes_jobs(const Args& a) const override { return a.flag("history"); }
    int run(const SynthRun& r, Store& store) const override {
        if (!r.args.flag("history")) return SynthFrontEnd::run(r, store);
        size_t unused = r.count;
        return from_history(r, generator_options(r.args, unused), store);
    }

protected:
    Json generator_options(const Args& a, size_t& task_count) const override;

private:
    static int from_history(const SynthRun& r, const Json& options, Store& store);
};

std::vector<OptSpec> CodeSynth::options() const {
    return {{"repo", "DIR", "code only: your Python repository (default: the bundled seeds)", nullptr},
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
             "test_*.py,*_test.py,conftest.py"}};
}

// The user's repository and how to run its suite; nothing for the bundled seeds.
Json CodeSynth::generator_options(const Args& a, size_t&) const {
    Json options = Json::object();
    if (!a.has("repo")) return options;
    const std::string repo = a.get("repo");
    if (!std::filesystem::is_directory(repo)) throw InvalidInput("--repo '" + repo + "': no such directory");
    options.set("repo", std::filesystem::absolute(repo).lexically_normal().string());
    JsonArray src;
    for (const std::string& d : comma_list(a.get("src"))) src.emplace_back(d);
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
    return options;
}

// `synth code --history`: the options already checked for --repo (source dirs, test dir,
// runner) become the miner's rules.
int CodeSynth::from_history(const SynthRun& r, const Json& options, Store& store) {
    const Args& a = r.args;
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
    cfg.llm = r.llm;
    cfg.llm_options = r.llm_options;
    cfg.quiet = r.json;
    cfg.scan_only = a.flag("scan-only");
    const HistorySummary s = synthesize_from_history(store, cfg);
    if (r.json) std::printf("%s\n", s.to_json().dump().c_str());
    else s.print();
    return s.llm_infra ? 3 : 0;
}

}  // namespace

const SynthFrontEnd& code_synth() {
    static const CodeSynth front_end;
    return front_end;
}

}  // namespace envforge::cli
