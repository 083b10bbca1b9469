// Benchmark of the training exports against reading the same rows raw, in the same run:
//   sft, rl (GRPO)  episodes/s written as JSONL (to memory) from a store of reference episodes
//   baseline        every message row read with one raw sqlite3 query (text concatenated)
// Usage: bench_export [--tasks N] [--rollouts G] [--dir DIR]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include <boost/asio/io_context.hpp>
#include <sqlite3.h>

#include "tasks/episode_runner.hpp"
#include "datasets/export.hpp"
#include "envgen/kind.hpp"
#include "common/rng.hpp"
#include "tasks/scripted_policy.hpp"

using namespace envforge;
using Clock = std::chrono::steady_clock;

namespace {

double secs(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The baseline: the rows an export reads, with no JSON and no per-episode lookups.
size_t raw_read(const std::string& path) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT m.role, m.content, m.reasoning, m.tool_calls, m.tool_call_id, m.name, e.reward "
                       "FROM messages m JOIN episodes e ON e.id = m.episode_id ORDER BY m.episode_id, m.idx",
                       -1, &q, nullptr);
    std::string sink;
    size_t bytes = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        for (int c = 0; c < 6; ++c)
            if (const auto* t = sqlite3_column_text(q, c))
                sink.append(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(q, c)));
        bytes += sink.size();
        sink.clear();
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return bytes;
}

}  // namespace

int main(int argc, char** argv) {
    size_t n_tasks = 2000;
    int rollouts = 4;
    std::string dir = "/tmp";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--tasks")) n_tasks = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--rollouts")) rollouts = std::stoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    }
    const std::string path = dir + "/envforge-bench-export.db";
    const bool reuse = std::getenv("ENVFORGE_BENCH_REUSE") && std::filesystem::exists(path);  // profiling the export alone
    if (!reuse) {
        std::filesystem::remove(path);
        std::filesystem::remove(path + "-wal");
        std::filesystem::remove(path + "-shm");
    }
    if (!reuse) {
        std::vector<SynthRequest> reqs;
        for (size_t i = 0; i < n_tasks; ++i) {
            SynthRequest req;
            req.seed = mix_seed(3, i) & ((uint64_t{1} << 53) - 1);
            req.difficulty = 1 + static_cast<int>(i % 5);
            req.index = i;
            reqs.push_back(req);
        }
        std::vector<Task> tasks = synthesize_many(require_kind("general"), reqs);
        Store store(path);
        store.add_tasks(tasks);
        const int64_t run = store.ensure_run("bench", "reference", "v32", Json::object());
        std::vector<WorkItem> items;
        for (const auto& t : tasks)
            for (int r = 0; r < rollouts; ++r) items.push_back({&t, r});
        auto policy = make_reference_policy();
        boost::asio::io_context io;
        run_episodes(
            io, items, 64, [](const Task& t) { return require_kind(t.kind).make_environment(t); }, *policy, EpisodeOptions{},
            [&](Episode&& ep) { store.add_episode(run, ep); });
        store.flush();
    }
    Store store(path, true);
    int64_t episodes = 0, messages = 0;
    {
        SqliteStmt q(store.db(), "SELECT (SELECT count(*) FROM episodes), (SELECT count(*) FROM messages)");
        q.step();
        episodes = q.int64(0);
        messages = q.int64(1);
    }
    std::printf("store: %lld episodes, %lld messages (%zu general tasks x %d rollouts)\n", static_cast<long long>(episodes),
                static_cast<long long>(messages), n_tasks, rollouts);
    auto t0 = Clock::now();
    const size_t raw_bytes = raw_read(path);
    const double raw_s = secs(t0);
    std::printf("baseline raw read of every message row: %.3f s (%.0f episodes/s, %.1f MB of text)\n", raw_s,
                static_cast<double>(episodes) / raw_s, static_cast<double>(raw_bytes) / 1e6);
    for (const char* format : {"sft", "rl"}) {
        size_t bytes = 0;
        auto write = [&](const std::string& line) { bytes += line.size(); };
        t0 = Clock::now();
        ExportCounts c = std::string(format) == "sft" ? export_sft(store, {}, write) : export_grpo(store, {}, write);
        const double s = secs(t0);
        std::printf("export %-3s: %lld records, %.1f MB in %.3f s: %.0f episodes/s (%.2fx the raw read's time)\n", format,
                    static_cast<long long>(c.records), static_cast<double>(bytes) / 1e6, s, static_cast<double>(c.episodes) / s, s / raw_s);
    }
    return 0;
}
