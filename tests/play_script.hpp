// Test helper: plays a fixed script through the real runner and environment of a task.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "envgen/kind.hpp"
#include "tasks/episode_runner.hpp"
#include "tasks/scripted_policy.hpp"

namespace envforge::testing {

// On `io` (a fresh one when none is given).
inline Episode play(const Task& task, const std::vector<ScriptTurn>& script, boost::asio::io_context* given = nullptr) {
    ScriptedPolicy p("script", [&](const Task&, int) { return script; });
    boost::asio::io_context own;
    boost::asio::io_context& io = given ? *given : own;
    auto env = require_kind(task.kind).make_environment(task);
    auto fut = boost::asio::co_spawn(io, run_episode(task, *env, p, 0, EpisodeOptions{}), boost::asio::use_future);
    io.restart();
    io.run();
    return fut.get();
}

}  // namespace envforge::testing
