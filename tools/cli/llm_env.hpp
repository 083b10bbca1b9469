// `synth general --llm POLICY`: an environment-synthesis loop, as DeepSeek-V3.2 made its general
// environments. A model writes an environment package (database, tools in Python, tasks with a
// solution and a verifier, see envgen/general/package.hpp) on a theme; envforge writes it out,
// checks it and validates every task in the sandbox (the solution passes; no answer and each
// wrong answer fail), and tells the model what failed until it is accepted or the attempts run
// out. An accepted package is then raised: the model adds a harder task (a longer solution), and
// each raised version is kept only when it validates too. Accepted versions go to
// OUT/<name>-v<k>/ and their tasks (with their validations) into the store; every model call into
// synthesis_calls.
#pragma once

#include <map>
#include <string>

#include "datasets/store.hpp"

namespace envforge::cli {

struct LlmEnvConfig {
    std::string policy;
    Json policy_options = Json::object();
    std::string out_dir = "packages";
    size_t environments = 1;
    int attempts = 3;  // model replies per stage (first version, each raise)
    int raises = 1;    // harder versions asked for after the first is accepted
    uint64_t seed = 1;
    bool quiet = false;
};

struct LlmEnvSummary {
    size_t environments = 0, accepted = 0, versions = 0, tasks = 0, calls = 0;
    std::map<std::string, size_t> rejected;  // why a reply was not accepted, e.g. "validation"
    size_t infra_failures = 0;
    std::vector<std::string> packages;  // the directories written
    double seconds = 0;
    Json to_json() const;
};

LlmEnvSummary llm_synthesize_environments(Store& store, const LlmEnvConfig& cfg);

}  // namespace envforge::cli
