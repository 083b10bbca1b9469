// merge_stores on real SQLite files, in process (so the sanitizer build runs it too): each row
// once, messages and token ids carried over intact, a second merge adds nothing, a conflict
// names its key and leaves OUT unchanged, infrastructure failures give way to outcomes.
#include <doctest/doctest.h>

#include <string>

#include "common/errors.hpp"
#include "datasets/merge.hpp"
#include "datasets/store.hpp"
#include "envgen/kind.hpp"
#include "tests/datasets/general_task.hpp"
#include "tests/temp_dir.hpp"

using namespace envforge;
using envforge::testing::general_task;
using envforge::testing::TempDir;

namespace {

Episode make_episode(const Task& t, int rollout, bool passed, EpisodeStatus status = EpisodeStatus::Submitted) {
    Episode ep;
    ep.task_id = t.id;
    ep.rollout = rollout;
    ep.status = status;
    ep.verdict = Verdict{passed ? 1.0 : 0.0, passed, Json::object({{"checks", Json::array()}})};
    ep.transcript = {Message::system("s"), Message::user("u " + t.id)};
    Message a;
    a.role = Role::Assistant;
    a.content = "done";
    a.prompt_ids = {0, 128803, 7};
    a.completion_ids = {42, -5};
    ep.transcript.push_back(a);
    ep.turns = 1;
    return ep;
}

// A store holding tasks `seeds`, one run "ref", and one episode per task (rollout 0).
void fill(const std::string& path, std::initializer_list<uint64_t> seeds, bool passed = true,
          EpisodeStatus status = EpisodeStatus::Submitted) {
    Store s(path);
    std::vector<Task> tasks;
    for (uint64_t seed : seeds) tasks.push_back(general_task(seed));
    s.add_tasks(tasks);
    const int64_t run = s.ensure_run("ref", "reference", "v32", Json::object({{"rollouts", 1}}));
    for (const auto& t : tasks) s.add_episode(run, make_episode(t, 0, passed, status));
    s.flush();
}

int64_t count(Store& s, const char* table) {
    SqliteStmt q(s.db(), std::string("SELECT count(*) FROM ") + table);
    q.step();
    return q.int64(0);
}

}  // namespace

TEST_CASE("merge: shards combine once; a second merge adds nothing; transcripts and ids intact") {
    TempDir dir;
    const std::string a = dir.file("a.db"), b = dir.file("b.db"), out = dir.file("out.db");
    fill(a, {1, 2});
    fill(b, {3, 4, 5});
    Store o(out);
    MergeSummary first = merge_stores(o, {a, b});
    CHECK(first.total.tasks_new == 5);
    CHECK(first.total.runs_new == 1);
    CHECK(first.total.runs_same == 1);
    CHECK(first.total.episodes_new == 5);
    CHECK(first.total.messages == 15);
    MergeSummary again = merge_stores(o, {b, a});
    CHECK(again.total.tasks_new == 0);
    CHECK(again.total.episodes_new == 0);
    CHECK(again.total.episodes_same == 5);
    CHECK(count(o, "episodes") == 5);
    const auto eps = o.episodes();
    REQUIRE(eps.size() == 5);
    const auto msgs = o.messages(eps[3].id);
    REQUIRE(msgs.size() == 3);
    CHECK(msgs[1].content == "u " + eps[3].task_id);
    CHECK(msgs[2].prompt_ids == std::vector<int32_t>{0, 128803, 7});
    CHECK(msgs[2].completion_ids == std::vector<int32_t>{42, -5});
}

TEST_CASE("merge: a conflicting outcome is refused with its key, and OUT is unchanged") {
    TempDir dir;
    const std::string a = dir.file("a.db"), bad = dir.file("bad.db"), out = dir.file("out.db");
    fill(a, {1, 2});
    fill(bad, {2, 6}, /*passed=*/false);  // task 2 rollout 0: passed in a, failed here
    Store o(out);
    merge_stores(o, {a});
    try {
        merge_stores(o, {bad});
        FAIL("no conflict");
    } catch (const InvalidInput& e) {
        const std::string msg = e.what();
        CHECK(msg.find("merge conflict: episode (run 'ref', task " + general_task(2).id + ", rollout 0)") != std::string::npos);
        CHECK(msg.find("reward 1.0 vs 0.0") != std::string::npos);
    }
    CHECK(count(o, "tasks") == 2);  // task 6 of the refused input was not kept
    CHECK(count(o, "episodes") == 2);
    CHECK_THROWS_AS(merge_stores(o, {out}), InvalidInput);                // OUT as its own input
    CHECK_THROWS_AS(merge_stores(o, {dir.file("missing.db")}), IoError);  // no such file
}

TEST_CASE("merge: an infrastructure failure gives way to an outcome, never the reverse") {
    TempDir dir;
    const std::string ok = dir.file("ok.db"), infra = dir.file("infra.db"), out = dir.file("out.db");
    fill(ok, {1});
    fill(infra, {1}, false, EpisodeStatus::EnvError);
    Store o(out);
    merge_stores(o, {infra});
    MergeSummary s = merge_stores(o, {ok});
    CHECK(s.total.episodes_replaced == 1);
    MergeSummary back = merge_stores(o, {infra});
    CHECK(back.total.episodes_kept == 1);
    const auto eps = o.episodes();
    REQUIRE(eps.size() == 1);
    CHECK(eps[0].passed);
    CHECK(o.messages(eps[0].id).size() == 3);  // the replaced failure's messages went with it
}
