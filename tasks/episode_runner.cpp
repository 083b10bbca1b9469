// Episodes are C++20 coroutines on one Asio io_context; `jobs` workers pull from a shared queue.
#include "tasks/episode_runner.hpp"

#include <chrono>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/errors.hpp"
#include "common/utf8.hpp"
#include "tasks/json_schema.hpp"

namespace envforge {

namespace asio = boost::asio;

const char* episode_status_name(EpisodeStatus s) {
    switch (s) {
        case EpisodeStatus::Submitted: return "submitted";
        case EpisodeStatus::Ended: return "ended";
        case EpisodeStatus::MaxTurns: return "max_turns";
        case EpisodeStatus::MaxToolCalls: return "max_tool_calls";
        case EpisodeStatus::WallTime: return "wall_time";
        case EpisodeStatus::PolicyError: return "policy_error";
        case EpisodeStatus::EnvError: return "env_error";
    }
    return "?";
}

namespace {

using Clock = std::chrono::steady_clock;

// Sanitises what a model produced so the transcript is valid UTF-8 of bounded size.
std::string clean_model_output(Message& m, size_t max_bytes) {
    std::string note;
    auto fix = [&](std::string& s, const char* field) {
        if (repair_utf8(s)) note += std::string(field) + " had invalid UTF-8 (replaced); ";
        if (s.size() > max_bytes) {
            s.resize(max_bytes);
            repair_utf8(s);  // the cut may split a character
            note += std::string(field) + " truncated to " + std::to_string(max_bytes) + " bytes; ";
        }
    };
    if (m.content) fix(*m.content, "content");
    if (m.reasoning) fix(*m.reasoning, "reasoning");
    for (auto& c : m.tool_calls) {
        fix(c.name, "tool name");
        fix(c.arguments, "tool arguments");
    }
    return note;
}

// Valid UTF-8 of at most kMaxToolResultBytes (plus the marker): head and tail kept.
void bound_tool_output(std::string& s) {
    repair_utf8(s);
    if (s.size() <= kMaxToolResultBytes) return;
    const size_t head = utf8_boundary(s, kMaxToolResultBytes / 2);
    const size_t tail = utf8_boundary(s, s.size() - kMaxToolResultBytes / 2);
    s = s.substr(0, head) + "\n[... " + std::to_string(tail - head) + " bytes of tool output dropped ...]\n" + s.substr(tail);
}

}  // namespace

asio::awaitable<ToolResult> execute_tool_call(const Task& task, Environment& env, const ToolCall& call) {
    if (!call.parse_error.empty())
        co_return ToolResult::error("your tool call could not be parsed: " + call.parse_error + "; nothing was executed");
    const ToolSpec* spec = task.find_tool(call.name);
    if (!spec) co_return ToolResult::error("unknown tool '" + call.name + "'");
    Json args;
    std::string bad;
    try {
        args = call.arguments.empty() ? Json::object() : Json::parse(call.arguments, "arguments");
    } catch (const InvalidInput& e) {
        bad = e.what();
    }
    if (bad.empty())
        if (auto err = validate_json_schema(args, spec->parameters)) bad = *err;
    if (!bad.empty()) co_return ToolResult::error("invalid arguments for '" + call.name + "': " + bad);
    std::string env_error;
    ToolResult r;
    try {
        r = co_await env.call(call.name, args);
    } catch (const std::exception& e) {
        env_error = e.what();
    }
    if (!env_error.empty()) co_return ToolResult::error("tool failed: " + env_error);
    bound_tool_output(r.content);
    co_return r;
}

namespace {

PolicyRequest policy_request(const Task& task, const Episode& ep, int rollout, const EpisodeOptions& options, const Policy& policy,
                             bool closing) {
    PolicyRequest req;
    req.task = &task;
    req.turn = ep.turns;
    req.rollout = rollout;
    req.seed = options.seed ^ (static_cast<uint64_t>(rollout) * 0x9e3779b97f4a7c15ULL);
    req.closing = closing;
    if (policy.needs_prompt()) req.prompt = render_context(ep.transcript, options.context);
    return req;
}

// Runs a reply's tool calls in order; true when the episode ended (a submit, or the tool-call
// limit). Calls after the end are answered as not executed.
asio::awaitable<bool> run_tool_calls(const Task& task, Environment& env, const std::vector<ToolCall>& calls, Episode& ep) {
    bool done = false;
    for (const ToolCall& call : calls) {
        Message result;
        result.role = Role::Tool;
        result.tool_call_id = call.id;
        result.name = call.name;
        ToolResult r;
        if (done) {
            r = ToolResult::error("not executed: the episode already ended");
        } else if (ep.tool_calls >= task.limits.max_tool_calls) {
            r = ToolResult::error("not executed: tool call limit reached");
            ep.status = EpisodeStatus::MaxToolCalls;
            done = true;
        } else {
            ++ep.tool_calls;
            r = co_await execute_tool_call(task, env, call);
            if (r.final) {
                ep.final_answer = r.answer;
                ep.status = EpisodeStatus::Submitted;
                done = true;
            }
        }
        result.content = std::move(r.content);
        result.is_error = r.is_error;
        ep.transcript.push_back(std::move(result));
    }
    co_return done;
}

// One turn: the limits, the policy's reply, then its tool calls. True when the episode is over.
asio::awaitable<bool> play_turn(const Task& task, Environment& env, Policy& policy, int rollout, const EpisodeOptions& options, Episode& ep,
                                double elapsed) {
    if (ep.turns >= task.limits.max_turns) {
        ep.status = EpisodeStatus::MaxTurns;
        co_return true;
    }
    if (elapsed >= task.limits.wall_seconds) {
        ep.status = EpisodeStatus::WallTime;
        co_return true;
    }
    const PolicyRequest req = policy_request(task, ep, rollout, options, policy, false);
    Message reply;
    std::string policy_error;
    try {
        reply = co_await policy.next(req);
    } catch (const std::exception& e) {
        policy_error = e.what();
    }
    if (!policy_error.empty()) {
        ep.status = EpisodeStatus::PolicyError;
        ep.error = "policy: " + policy_error;
        co_return true;
    }
    reply.role = Role::Assistant;
    ep.error += clean_model_output(reply, options.max_message_bytes);
    ep.prompt_tokens += static_cast<int64_t>(reply.prompt_ids.size());
    ep.completion_tokens += static_cast<int64_t>(reply.completion_ids.size());
    ++ep.turns;
    const std::vector<ToolCall> calls = reply.tool_calls;
    ep.transcript.push_back(std::move(reply));
    if (calls.empty()) {
        ep.status = EpisodeStatus::Ended;
        const auto& content = ep.transcript.back().content;
        if (content && !content->empty()) ep.final_answer = Json(*content);
        co_return true;
    }
    co_return co_await run_tool_calls(task, env, calls, ep);
}

// The closing message after a submit: a trajectory that ends on a tool result teaches a model
// to stop mid-conversation. Best effort: the episode is complete without it.
asio::awaitable<void> closing_turn(const Task& task, Policy& policy, int rollout, const EpisodeOptions& options, Episode& ep) {
    const PolicyRequest req = policy_request(task, ep, rollout, options, policy, true);
    std::optional<Message> reply;
    try {
        reply = co_await policy.next(req);
    } catch (const std::exception& e) {
        ep.error += "closing turn: " + std::string(e.what()) + "; ";
    }
    if (!reply) co_return;
    reply->role = Role::Assistant;
    if (!reply->tool_calls.empty()) {
        reply->tool_calls.clear();  // nothing would answer them
        ep.error += "closing turn: tool calls after the submit were dropped; ";
    }
    ep.error += clean_model_output(*reply, options.max_message_bytes);
    ep.prompt_tokens += static_cast<int64_t>(reply->prompt_ids.size());
    ep.completion_tokens += static_cast<int64_t>(reply->completion_ids.size());
    ++ep.turns;
    ep.transcript.push_back(std::move(*reply));
}

// The verifier's verdict; a verifier that throws makes the episode an environment error.
asio::awaitable<void> verify_episode(Environment& env, Episode& ep) {
    std::string verify_error;
    try {
        ep.verdict = co_await env.verify(ep.final_answer);
    } catch (const std::exception& e) {
        verify_error = e.what();
    }
    if (!verify_error.empty()) {
        ep.status = EpisodeStatus::EnvError;
        ep.error += "verifier: " + verify_error;
        ep.verdict = Verdict{};
        ep.verdict.details.set("error", verify_error);
    }
}

}  // namespace

asio::awaitable<Episode> run_episode(const Task& task, Environment& env, Policy& policy, int rollout, EpisodeOptions options) {
    Episode ep;
    ep.task_id = task.id;
    ep.rollout = rollout;
    ep.transcript.push_back(Message::system(task.system));
    ep.transcript.push_back(Message::user(task.prompt));
    const auto t0 = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };

    std::string setup_error;
    try {
        co_await env.start(task);
    } catch (const std::exception& e) {
        setup_error = e.what();
    }
    if (!setup_error.empty()) {
        ep.status = EpisodeStatus::EnvError;
        ep.error = "environment setup: " + setup_error;
        ep.verdict.details.set("error", ep.error);
        ep.seconds = elapsed();
        co_return ep;
    }
    for (bool over = false; !over;) over = co_await play_turn(task, env, policy, rollout, options, ep, elapsed());
    if (ep.status == EpisodeStatus::Submitted && options.closing_turn && ep.turns < task.limits.max_turns &&
        elapsed() < task.limits.wall_seconds)
        co_await closing_turn(task, policy, rollout, options, ep);
    co_await verify_episode(env, ep);
    env.close();
    ep.seconds = elapsed();
    co_return ep;
}

void run_episodes(asio::io_context& io, const std::vector<WorkItem>& items, int jobs, const EnvironmentFactory& make_env, Policy& policy,
                  const EpisodeOptions& options, const std::function<void(Episode&&)>& on_done, const std::function<bool()>& stop) {
    size_t next = 0;
    auto worker = [&]() -> asio::awaitable<void> {
        while (next < items.size() && !(stop && stop())) {
            const WorkItem item = items[next++];
            Episode ep;
            std::unique_ptr<Environment> env;
            std::string make_error;
            try {
                env = make_env(*item.task);
            } catch (const std::exception& e) {
                make_error = e.what();
            }
            if (!env) {
                ep.task_id = item.task->id;
                ep.rollout = item.rollout;
                ep.status = EpisodeStatus::EnvError;
                ep.error = "no environment for kind '" + item.task->kind + "': " + make_error;
            } else {
                ep = co_await run_episode(*item.task, *env, policy, item.rollout, options);
            }
            on_done(std::move(ep));
        }
    };
    int n = std::max(1, jobs);
    // Rethrow from io.run(): a failure outside an episode (the store's writer) must stop the run.
    auto rethrow = [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    };
    for (int i = 0; i < n; ++i) asio::co_spawn(io, worker(), rethrow);
    io.restart();
    io.run();
}

}  // namespace envforge
