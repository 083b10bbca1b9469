// Benchmarks of the spine on general-agent tasks, each against a baseline in the same run:
//   synthesis       tasks/s (synthesize + canonical hash + JSON text)
//   episodes        reference episodes/s at --jobs 1 and --jobs 64 (environment + verifier)
//   store           messages/s through Store (batched episodes) vs a raw sqlite3 bulk insert
//                   of the same rows into the same schema
// Usage: bench_general [--tasks N] [--dir DIR]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <sqlite3.h>

#include "tasks/episode_runner.hpp"
#include "datasets/store.hpp"
#include "envgen/kind.hpp"
#include "common/rng.hpp"
#include "tasks/scripted_policy.hpp"

using namespace envforge;
using Clock = std::chrono::steady_clock;

namespace {

double secs(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::vector<Task> synth(size_t n, unsigned threads) {
    std::vector<SynthRequest> reqs;
    for (size_t i = 0; i < n; ++i) {
        SynthRequest req;
        req.seed = mix_seed(1, i) & ((uint64_t{1} << 53) - 1);
        req.difficulty = 1 + static_cast<int>((i / 3) % 5);
        req.index = i;
        reqs.push_back(req);
    }
    return synthesize_many(require_kind("general"), reqs, threads);
}

std::vector<Episode> run(const std::vector<Task>& tasks, int jobs, double* seconds) {
    std::vector<WorkItem> items;
    for (const auto& t : tasks) items.push_back({&t, 0});
    auto policy = make_reference_policy();
    std::vector<Episode> out;
    boost::asio::io_context io;
    auto t0 = Clock::now();
    run_episodes(
        io, items, jobs, [](const Task& t) { return require_kind(t.kind).make_environment(t); }, *policy, EpisodeOptions{},
        [&](Episode&& ep) { out.push_back(std::move(ep)); });
    *seconds = secs(t0);
    return out;
}

// The baseline: the same message rows, one prepared INSERT, one transaction, same pragmas.
double raw_insert(const std::string& path, const std::vector<Episode>& eps) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                 "CREATE TABLE messages(episode_id INTEGER NOT NULL, idx INTEGER NOT NULL, role TEXT NOT NULL,"
                 " content TEXT, reasoning TEXT, tool_calls TEXT, tool_call_id TEXT, name TEXT,"
                 " is_error INTEGER NOT NULL DEFAULT 0, prompt_ids BLOB, completion_ids BLOB,"
                 " PRIMARY KEY(episode_id, idx)) WITHOUT ROWID;",
                 nullptr, nullptr, nullptr);
    auto t0 = Clock::now();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO messages VALUES(?,?,?,?,?,?,?,?,?,?,?)", -1, &st, nullptr);
    int64_t ep_id = 0;
    std::string calls;
    for (const auto& ep : eps) {
        ++ep_id;
        for (size_t i = 0; i < ep.transcript.size(); ++i) {
            const Message& m = ep.transcript[i];
            sqlite3_bind_int64(st, 1, ep_id);
            sqlite3_bind_int64(st, 2, static_cast<int64_t>(i));
            sqlite3_bind_text(st, 3, role_name(m.role), -1, SQLITE_STATIC);
            if (m.content) sqlite3_bind_text(st, 4, m.content->data(), static_cast<int>(m.content->size()), SQLITE_STATIC);
            if (m.reasoning) sqlite3_bind_text(st, 5, m.reasoning->data(), static_cast<int>(m.reasoning->size()), SQLITE_STATIC);
            if (!m.tool_calls.empty()) {
                calls.clear();
                JsonArray a;
                for (const auto& c : m.tool_calls) a.push_back(c.to_json());
                Json(std::move(a)).dump_to(calls);
                sqlite3_bind_text(st, 6, calls.data(), static_cast<int>(calls.size()), SQLITE_STATIC);
            }
            if (m.role == Role::Tool) {
                sqlite3_bind_text(st, 7, m.tool_call_id.data(), static_cast<int>(m.tool_call_id.size()), SQLITE_STATIC);
                sqlite3_bind_text(st, 8, m.name.data(), static_cast<int>(m.name.size()), SQLITE_STATIC);
            }
            sqlite3_bind_int(st, 9, m.is_error ? 1 : 0);
            sqlite3_step(st);
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
        }
    }
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    double s = secs(t0);
    sqlite3_close(db);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    size_t n = 3000;
    std::string dir = "/tmp";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--tasks")) n = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    }
    namespace fs = std::filesystem;
    const fs::path work = fs::path(dir) / ("envforge-bench-" + std::to_string(::getpid()));
    fs::create_directories(work);

    auto t0 = Clock::now();
    std::vector<Task> tasks = synth(n, 1);
    const double synth_s = secs(t0);
    t0 = Clock::now();
    const bool same = synth(n, 0).back().id == tasks.back().id;
    const double synth_all_s = secs(t0);
    size_t bytes = 0;
    t0 = Clock::now();
    for (const auto& t : tasks) bytes += t.dump().size();
    const double dump_s = secs(t0);
    std::printf(
        "synthesis: %zu general tasks: 1 thread %.0f tasks/s, all %u cores %.0f tasks/s%s "
        "(JSON text %.1f MB; writing it costs %.0f tasks/s on 1 core)\n",
        n, static_cast<double>(n) / synth_s, std::thread::hardware_concurrency(), static_cast<double>(n) / synth_all_s,
        same ? "" : " MISMATCH", static_cast<double>(bytes) / 1e6, static_cast<double>(n) / dump_s);

    double s1 = 0, s64 = 0;
    run(tasks, 1, &s1);
    std::vector<Episode> eps = run(tasks, 64, &s64);
    size_t passed = 0, messages = 0;
    for (const auto& e : eps) {
        passed += e.verdict.passed;
        messages += e.transcript.size();
    }
    std::printf("episodes: reference, %zu tasks: --jobs 1 %.0f episodes/s, --jobs 64 %.0f episodes/s (%zu/%zu passed)\n", n,
                static_cast<double>(n) / s1, static_cast<double>(n) / s64, passed, eps.size());

    const double raw_s = raw_insert((work / "raw.db").string(), eps);
    double store_s = 0;
    {
        Store store((work / "store.db").string());
        store.add_tasks(tasks);
        int64_t run_id = store.ensure_run("bench", "reference", "v32", Json::object());
        t0 = Clock::now();
        for (const auto& e : eps) store.add_episode(run_id, e);
        store.flush();
        store_s = secs(t0);
    }
    std::printf("store: %zu messages (+%zu episode rows): Store %.0f messages/s, raw sqlite3 insert %.0f messages/s, ratio %.2f\n",
                messages, eps.size(), static_cast<double>(messages) / store_s, static_cast<double>(messages) / raw_s, raw_s / store_s);
    fs::remove_all(work);
    return passed == eps.size() ? 0 : 1;
}
