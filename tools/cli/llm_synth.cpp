#include "tools/cli/llm_synth.hpp"

#include <chrono>
#include <map>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "common/errors.hpp"
#include "envgen/kind.hpp"
#include "envgen/search/rewrite.hpp"
#include "tasks/episode_runner.hpp"
#include "tools/cli/pipeline.hpp"
#include "tools/cli/policy_options.hpp"
#include "tools/cli/model_calls.hpp"
#include "tools/cli/progress.hpp"

namespace envforge::cli {

namespace asio = boost::asio;

namespace {

std::string transcript_record(const Episode& ep) {
    JsonArray messages;
    for (const auto& m : ep.transcript) messages.push_back(m.to_json(true));
    return Json::object({{"status", episode_status_name(ep.status)},
                         {"verdict", ep.verdict.to_json()},
                         {"final_answer", ep.final_answer},
                         {"error", ep.error},
                         {"transcript", Json(std::move(messages))}})
        .dump();
}

}  // namespace

Json LlmSynthSummary::to_json() const {
    return Json::object({{"templates", static_cast<int64_t>(templates)},
                         {"rewritten", static_cast<int64_t>(rewritten)},
                         {"kept", static_cast<int64_t>(kept)},
                         {"new", static_cast<int64_t>(added)},
                         {"dropped", counts_json(dropped)},
                         {"infra_failures", static_cast<int64_t>(infra_failures)},
                         {"seconds", seconds}});
}

namespace {

// The rewrites that kept what the question asks, as tasks; source[i] is the index of candidate
// i's rewrite call.
struct Rewrites {
    std::vector<Task> candidates;
    std::vector<size_t> source;
};

// 1. The model rewrites every question; a rewrite that drops or gives away what the question
// asks is dropped. Appends one call per template to `calls`.
Rewrites rewrite_questions(Policy& policy, const std::vector<Task>& templates, int jobs, bool quiet, LlmSynthSummary& s,
                           std::vector<SynthesisCall>& calls) {
    std::vector<PolicyRequest> requests;
    for (const auto& t : templates) {
        PolicyRequest r;
        r.prompt = search::rewrite_messages(search::split_question(t.prompt).first);
        r.seed = t.seed;
        requests.push_back(std::move(r));
    }
    Progress rewriting("llm rewrite", static_cast<int64_t>(templates.size()), quiet);
    const auto replies = ask_all(policy, requests, jobs, &rewriting);
    rewriting.finish();
    Rewrites out;
    for (size_t i = 0; i < templates.size(); ++i) {
        const Task& t = templates[i];
        const auto [question, suffix] = search::split_question(t.prompt);
        SynthesisCall call{t.id, "rewrite", "", false, "", raw_record(requests[i], replies[i])};
        std::string why;
        if (replies[i].infra) {
            ++s.infra_failures;
            why = "server: " + replies[i].error;
        } else if (!replies[i].message) {
            why = "malformed reply";
        } else {
            const std::string rewrite = search::clean_rewrite(replies[i].message->content.value_or(""));
            why = search::rewrite_problem(question, rewrite, t.verifier.get_string("answer"), search::must_keep(t, question));
            if (why.empty()) {
                Task c = t;
                c.prompt = rewrite + suffix;
                c.generator_name = t.generator_name + "+llm";
                c.verifier.set("rewritten_from", question);
                c.finalize();
                call.task_id = c.id;
                out.candidates.push_back(std::move(c));
                out.source.push_back(calls.size());
                ++s.rewritten;
            }
        }
        // Counted by kind of problem: "drops 'Ada Quill'" counts as "drops".
        if (!why.empty() && !replies[i].infra) ++s.dropped["rewrite: " + why.substr(0, why.find(" '"))];
        call.accepted = why.empty();
        call.reason = why;
        calls.push_back(std::move(call));
    }
    return out;
}

// 2. A model answers each rewrite with the environment's own tools; only the gold answer keeps
// it. Returns the kept tasks in the templates' order, whatever order the episodes finished in,
// and appends the verify calls.
std::vector<Task> verify_rewrites(Policy& policy, const Rewrites& r, int jobs, bool quiet, LlmSynthSummary& s,
                                  std::vector<SynthesisCall>& calls) {
    const std::vector<Task>& candidates = r.candidates;
    std::vector<WorkItem> items;
    for (const auto& c : candidates) items.push_back({&c, 0});
    Progress verifying("llm verify", static_cast<int64_t>(items.size()), quiet);
    std::map<std::string, size_t> index_of;
    for (size_t i = 0; i < candidates.size(); ++i) index_of[candidates[i].id] = i;
    std::vector<char> passed(candidates.size(), 0);
    std::vector<std::optional<SynthesisCall>> verify_calls(candidates.size());
    asio::io_context io;
    EpisodeOptions options;
    options.closing_turn = false;
    run_episodes(io, items, jobs, env_factory(), policy, options, [&](Episode&& ep) {
        const size_t i = index_of.at(ep.task_id);
        SynthesisCall call{calls[r.source[i]].source_task, "verify", ep.verdict.passed ? ep.task_id : "", ep.verdict.passed, "",
                           transcript_record(ep)};
        if (is_infra_failure(ep.status)) {
            ++s.infra_failures;
            call.reason = std::string(episode_status_name(ep.status)) + ": " + ep.error;
        } else if (!ep.verdict.passed) {
            call.reason = "the model's answer with the tools was not the gold answer (" + std::string(episode_status_name(ep.status)) + ")";
            ++s.dropped["verify: not the gold answer"];
        } else {
            passed[i] = 1;
        }
        if (!call.accepted) calls[r.source[i]].task_id.clear();
        verify_calls[i] = std::move(call);
        verifying.tick(1, !ep.verdict.passed);
    });
    verifying.finish();
    std::vector<Task> kept;
    for (size_t i = 0; i < candidates.size(); ++i) {
        if (passed[i]) kept.push_back(candidates[i]);
        if (verify_calls[i]) calls.push_back(std::move(*verify_calls[i]));
    }
    return kept;
}

}  // namespace

LlmSynthSummary llm_rewrite_into(Store& store, const std::vector<Task>& templates, const std::string& policy_name,
                                 const Json& policy_options, int jobs, bool quiet) {
    const auto start = std::chrono::steady_clock::now();
    LlmSynthSummary s;
    s.templates = templates.size();
    auto policy = make_policy(policy_name, policy_options);
    std::vector<SynthesisCall> calls;
    const Rewrites rewrites = rewrite_questions(*policy, templates, jobs, quiet, s, calls);
    const std::vector<Task> kept = verify_rewrites(*policy, rewrites, jobs, quiet, s, calls);
    s.kept = kept.size();
    s.added = store.add_tasks(kept);
    store.add_synthesis_calls(calls);
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
}

}  // namespace envforge::cli
