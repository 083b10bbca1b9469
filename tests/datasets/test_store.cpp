// The store on real SQLite files: schema version and migrations, idempotent task inserts,
// episode round trips with token ids, resume bookkeeping, and clear errors for bad files.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <sqlite3.h>

#include "envgen/kind.hpp"
#include "datasets/store.hpp"
#include "common/errors.hpp"
#include "tests/datasets/general_task.hpp"
#include "tests/temp_dir.hpp"

using namespace envforge;
namespace fs = std::filesystem;
using envforge::testing::general_task;
using envforge::testing::TempDir;

namespace {

EpisodeFilter run_filter(const std::string& run, bool include_infra = true) {
    EpisodeFilter f;
    f.run = run;
    f.include_infra = include_infra;
    return f;
}

Episode episode(const Task& t, int rollout) {
    Episode ep;
    ep.task_id = t.id;
    ep.rollout = rollout;
    ep.status = EpisodeStatus::Submitted;
    ep.verdict = Verdict{1.0, true, Json::object({{"checks", Json::array()}})};
    ep.final_answer = Json::object({{"x", 1}});
    ep.transcript = {Message::system("s"), Message::user("u")};
    Message a;
    a.role = Role::Assistant;
    a.reasoning = "r";
    a.tool_calls.push_back({"c1", "tool", R"({"a":1})"});
    a.prompt_ids = {0, 128803, 1};
    a.completion_ids = {42, -5};
    ep.transcript.push_back(a);
    Message r;
    r.role = Role::Tool;
    r.tool_call_id = "c1";
    r.name = "tool";
    r.content = "out";
    r.is_error = true;
    ep.transcript.push_back(r);
    ep.turns = 1;
    ep.tool_calls = 1;
    return ep;
}

}  // namespace

TEST_CASE("store: new file gets the schema, WAL and user_version") {
    TempDir dir;
    Store s(dir.file("a.db"));
    SqliteStmt v(s.db(), "PRAGMA user_version");
    v.step();
    CHECK(v.int64(0) == kStoreSchemaVersion);
    SqliteStmt j(s.db(), "PRAGMA journal_mode");
    j.step();
    CHECK(j.text(0) == "wal");
}

TEST_CASE("store: tasks insert once by content id and load back identically") {
    TempDir dir;
    Store s(dir.file("a.db"));
    std::vector<Task> ts = {general_task(1), general_task(2), general_task(1)};
    CHECK(s.add_tasks(ts) == 2);
    CHECK(s.add_tasks(ts) == 0);
    auto back = s.load_tasks();
    REQUIRE(back.size() == 2);
    CHECK(back[0].dump() == ts[0].dump());
    CHECK(s.load_task(ts[1].id)->dump() == ts[1].dump());
    CHECK(s.count_tasks("general") == 2);
    CHECK(s.count_tasks("search") == 0);
}

TEST_CASE("store: episodes round trip, never duplicate, and feed resume") {
    TempDir dir;
    const std::string path = dir.file("a.db");
    Task t = general_task(3);
    {
        Store s(path);
        s.add_tasks({t});
        int64_t run = s.ensure_run("r", "reference", "v32", Json::object());
        CHECK(s.ensure_run("r", "reference", "v32", Json::object()) == run);
        s.add_episode(run, episode(t, 0));
        s.add_episode(run, episode(t, 1));
        s.add_episode(run, episode(t, 0));  // a duplicate (run, task, rollout) is ignored
        s.flush();
        CHECK(s.recorded(run).size() == 2);
    }
    Store s(path);  // reopen: everything is on disk
    auto rows = s.episodes(run_filter("r"));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].status == "submitted");
    CHECK(rows[0].passed);
    CHECK(rows[0].final_answer == Json::object({{"x", 1}}));
    auto msgs = s.messages(rows[0].id);
    CHECK(msgs == episode(t, 0).transcript);
    SqliteStmt n(s.db(), "SELECT count(*) FROM messages");
    n.step();
    CHECK(n.int64(0) == 8);
}

TEST_CASE("store: batches are written when full") {
    TempDir dir;
    Store s(dir.file("a.db"));
    Task t = general_task(4);
    s.add_tasks({t});
    int64_t run = s.ensure_run("r", "reference", "v32", Json::object());
    s.set_batch(3, std::chrono::hours(1));
    s.add_episode(run, episode(t, 0));
    s.add_episode(run, episode(t, 1));
    CHECK(s.pending() == 2);
    s.add_episode(run, episode(t, 2));
    CHECK(s.pending() == 0);
    CHECK(s.episodes(run_filter("r")).size() == 3);
}

TEST_CASE("store: bad files are clear errors and stay untouched") {
    TempDir dir;
    SUBCASE("not a database") {
        const std::string path = dir.file("junk.db");
        std::ofstream(path) << std::string(4096, 'j');
        CHECK_THROWS_WITH_AS(Store{path}, doctest::Contains("not a database"), IoError);
        std::ifstream in(path);
        std::string content((std::istreambuf_iterator<char>(in)), {});
        CHECK(content == std::string(4096, 'j'));
    }
    SUBCASE("newer schema version") {
        const std::string path = dir.file("new.db");
        {
            SqliteDb db(path);
            db.exec("PRAGMA user_version=99");
        }
        CHECK_THROWS_WITH_AS(Store{path}, doctest::Contains("schema version 99 is newer"), IoError);
    }
    SUBCASE("missing directory") { CHECK_THROWS_WITH_AS(Store{dir.file("no/such/dir.db")}, doctest::Contains("cannot open"), IoError); }
}

TEST_CASE("store: token ids pack little-endian") {
    std::vector<int32_t> ids = {0, 1, -1, 129279, INT32_MIN};
    std::string blob = pack_ids(ids);
    CHECK(blob.size() == 20);
    CHECK(static_cast<unsigned char>(blob[4]) == 1);
    CHECK(unpack_ids(blob) == ids);
}

TEST_CASE("store: infrastructure failures are retried on resume and replaced, finished episodes never") {
    TempDir dir;
    Store s(dir.file("infra.db"));
    Task t = general_task(5);
    s.add_tasks({t});
    int64_t run = s.ensure_run("r", "openai", "v32", Json::object());
    Episode down = episode(t, 0);
    down.status = EpisodeStatus::PolicyError;
    down.verdict = Verdict{};
    down.error = "policy: connection refused";
    down.transcript.resize(2);
    Episode missing = episode(t, 1);
    missing.status = EpisodeStatus::EnvError;
    missing.verdict = Verdict{};
    s.add_episode(run, down);
    s.add_episode(run, missing);
    s.add_episode(run, episode(t, 2));
    s.flush();
    CHECK(s.recorded(run) == std::set<std::pair<std::string, int>>{{t.id, 2}});  // only the finished one
    CHECK(s.count_infra_failures(run) == 2);
    CHECK(s.episodes(run_filter("r")).size() == 3);
    CHECK(s.episodes(run_filter("r", false)).size() == 1);
    // The retry of rollout 0 succeeds and replaces the failure; rollout 1 fails again.
    s.add_episode(run, episode(t, 0));
    s.add_episode(run, missing);
    Episode other = episode(t, 2);  // a finished episode is never replaced
    other.verdict.reward = 0.25;
    s.add_episode(run, other);
    s.flush();
    CHECK(s.count_infra_failures(run) == 1);
    auto rows = s.episodes(run_filter("r"));
    REQUIRE(rows.size() == 3);
    for (const auto& r : rows) {
        if (r.rollout == 0) {
            CHECK(r.status == "submitted");
            CHECK(s.messages(r.id).size() == 4);  // the new transcript, not the failed one's
        }
        if (r.rollout == 2) CHECK(r.reward == 1.0);
    }
    SqliteStmt orphans(s.db(), "SELECT count(*) FROM messages WHERE episode_id NOT IN (SELECT id FROM episodes)");
    orphans.step();
    CHECK(orphans.int64(0) == 0);
}
