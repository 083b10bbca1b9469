// `synth search --llm POLICY`: a model rewrites each procedural question into natural words; the
// rewrite must keep the question's names and numbers and not give the answer away; then a model
// answers the rewrite with the environment's own search tools, and only a rewrite whose answer
// is the task's unique gold answer is kept. Every call, kept or not, is stored with its raw
// request and response (store table synthesis_calls).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "datasets/store.hpp"
#include "tasks/task.hpp"

namespace envforge::cli {

struct LlmSynthSummary {
    size_t templates = 0, rewritten = 0, kept = 0, added = 0;
    std::map<std::string, size_t> dropped;  // why, e.g. "rewrite: gives the answer away"
    size_t infra_failures = 0;              // calls the server failed: rerun to retry them
    double seconds = 0;
    Json to_json() const;
};

LlmSynthSummary llm_rewrite_into(Store& store, const std::vector<Task>& templates, const std::string& policy, const Json& policy_options,
                                 int jobs, bool quiet);

}  // namespace envforge::cli
