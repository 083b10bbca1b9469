// Code-kind benchmark: per bundled seed, how fast mutants are tried (apply + run the suite in a
// fresh sandbox), what share of them a test catches (each such mutant is an acceptable task), and
// what an episode's setup costs (workspace, warm sandbox session, one-commit git repository).
// Baseline in the same run: the seed's gold suite run alone.
// Usage: bench_code [--mutants N] [--episodes N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "envgen/code/code_kind.hpp"
#include "envgen/code/code_project.hpp"
#include "envgen/episode_workspace.hpp"
#include "tasks/environment.hpp"

using namespace envforge;
using Clock = std::chrono::steady_clock;
static double secs(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int main(int argc, char** argv) {
    int n_mutants = 30, n_episodes = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--mutants")) n_mutants = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--episodes")) n_episodes = std::atoi(argv[i + 1]);
    }
    std::printf("%-12s %8s %9s %12s %14s %12s %16s\n", "seed", "mutants", "gold run", "mutants/s", "caught/tried", "est. tasks",
                "load (3 gold+ast)");
    int total_tasks = 0;
    for (const auto& dir : code::bundled_seed_dirs()) {
        auto t0 = Clock::now();
        const code::Project p = code::load_project(dir, 3);
        const double load = secs(t0);
        const PrivateDir tmp("bench-code");
        const std::string& work = tmp.path();
        code::write_files(work, p.files);
        t0 = Clock::now();
        code::run_tests_blocking(work, code::runner_config(p));
        const double gold = secs(t0);
        int tried = 0, caught = 0;
        t0 = Clock::now();
        const size_t stride = std::max<size_t>(1, p.mutants.size() / static_cast<size_t>(n_mutants));
        for (size_t i = 0; i < p.mutants.size() && tried < n_mutants; i += stride, ++tried) {
            const auto& m = p.mutants[i];
            const std::string& orig = p.files.at(m.file);
            code::write_files(work, {{m.file, orig.substr(0, m.start) + m.new_text + orig.substr(m.end)}});
            const code::TestRun r = code::run_tests_blocking(work, code::runner_config(p), std::max(5.0, 10 * p.gold_seconds));
            code::write_files(work, {{m.file, orig}});
            bool failed = !r.ok();
            for (const auto& t : r.tests) failed = failed || t.status != "passed";
            caught += failed;
        }
        const double rate = tried / secs(t0);
        const int est = static_cast<int>(static_cast<double>(p.mutants.size()) * caught / std::max(1, tried));
        total_tasks += est;
        std::printf("%-12s %8zu %8.0fms %12.1f %9d/%-4d %12d %15.2fs\n", p.name.c_str(), p.mutants.size(), gold * 1000, rate, caught, tried,
                    est, load);
    }
    std::printf("acceptable tasks over all seeds (mutants a test catches, before de-duplication): about %d\n", total_tasks);
    // Episode setup: the first task of a fresh synthesis, started and closed n times.
    SynthRequest req;
    req.seed = 1;
    const Task task = code_kind().synthesize(req);
    boost::asio::io_context io;
    double total = 0;
    for (int i = 0; i < n_episodes; ++i) {
        auto env = code_kind().make_environment(task);
        auto t0 = Clock::now();
        auto f = boost::asio::co_spawn(io, env->start(task), boost::asio::use_future);
        // The warm session keeps work pending on the context: run it until start() is done.
        io.restart();
        while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
        f.get();
        total += secs(t0);
        env->close();
        io.poll();
    }
    std::printf("episode setup (files, warm sandbox session, git init + commit): %.1f ms mean over %d\n", 1000 * total / n_episodes,
                n_episodes);
    return 0;
}
