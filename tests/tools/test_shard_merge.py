#!/usr/bin/env python3
"""Sharded jobs and `envforge merge`, on real stores written by real runs.

1. Four `generate --shard i/4` stores merged equal one machine's `generate`: the task export is
   byte-identical, and every (run, task, rollout) has the same outcome and transcript.
2. validate/run --shard over one shared task store split it exactly (every task in one shard).
3. Exactly once: merging again adds nothing; merging the single-machine store finds every row
   already there.
4. Conflicts (a task, a run's settings, an episode's outcome, a validation) are one-line errors
   naming the key, exit 2, and leave OUT byte-for-byte as it was.
5. An infrastructure failure in OUT gives way to the input's outcome; the input's failure never
   replaces an outcome.
6. SIGKILL during a merge of ~9,000 episodes, many times: OUT holds what it held before or the
   whole merge, never part (and passes integrity_check); run to the end, every episode once."""
import hashlib, os, random, shutil, sqlite3, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_helpers import check_store, run_and_kill  # noqa: E402

envforge = sys.argv[1]
work = tempfile.mkdtemp(prefix="envforge-merge-")
SHARDS = 4
KINDS = "general,search,interp"


def ef(*args, ok=True):
    p = subprocess.run([envforge, *args], capture_output=True, text=True)
    if ok and p.returncode != 0:
        sys.exit(f"envforge {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
    return p


def path(name):
    return os.path.join(work, name)


def digest(db):
    """The store's content as SQL text (what a reader sees, whatever the WAL holds)."""
    with sqlite3.connect(db) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


def outcomes(db):
    """(run, task, rollout) -> (status, reward, passed, verdict, transcript)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT r.name, e.task_id, e.rollout, e.status, e.reward, e.passed, e.verdict, e.id "
                            "FROM episodes e JOIN runs r ON r.id = e.run_id").fetchall()
        out = {}
        for run, task, rollout, status, reward, passed, verdict, eid in rows:
            msgs = conn.execute("SELECT role, content, reasoning, tool_calls, tool_call_id, name FROM messages "
                                "WHERE episode_id = ? ORDER BY idx", (eid,)).fetchall()
            out[(run, task, rollout)] = (status, reward, passed, verdict, tuple(msgs))
        return out


def sql(db, *statements):
    with sqlite3.connect(db) as conn:
        for s in statements:
            conn.execute(s)


# 1. Shards against one machine.
common = ["--kinds", KINDS, "--count", "12", "--rollouts", "2", "--seed", "7"]
ef("generate", "--db", path("one.db"), *common, "--json")
for i in range(SHARDS):
    ef("generate", "--db", path(f"s{i}.db"), *common, "--shard", f"{i}/{SHARDS}", "--json")
shards = [path(f"s{i}.db") for i in range(SHARDS)]
ef("merge", path("merged.db"), *shards)
ef("export", "--db", path("one.db"), "--format", "tasks", "-o", path("one.tasks"))
ef("export", "--db", path("merged.db"), "--format", "tasks", "-o", path("merged.tasks"))
one_tasks, merged_tasks = (open(path(f), "rb").read() for f in ("one.tasks", "merged.tasks"))
assert one_tasks == merged_tasks, "merged shards export other tasks than one machine"
assert one_tasks.count(b"\n") == 36, one_tasks.count(b"\n")
one, merged = outcomes(path("one.db")), outcomes(path("merged.db"))
assert len(one) == 72, len(one)
assert one == merged, f"{sum(one.get(k) != v for k, v in merged.items())} episodes differ"
with sqlite3.connect(path("one.db")) as a, sqlite3.connect(path("merged.db")) as b:
    q = "SELECT task_id, probe, passed, ok FROM validations ORDER BY 1, 2"
    assert a.execute(q).fetchall() == b.execute(q).fetchall()
per_shard = []
for s in shards:
    with sqlite3.connect(s) as conn:
        per_shard.append(conn.execute("SELECT count(*) FROM tasks").fetchone()[0])
assert sum(per_shard) == 36 and min(per_shard) > 0, per_shard
print(f"1. {SHARDS} shards ({per_shard} tasks) merged == one machine: 36 tasks byte-identical, 72 episodes")

# 2. validate and run sharded over one shared task store.
ef("synth", "general", "--count", "40", "--db", path("shared.db"))
owned = []
for i in range(SHARDS):
    db = path(f"r{i}.db")
    shutil.copy(path("shared.db"), db)
    ef("validate", "--db", db, "--shard", f"{i}/{SHARDS}")
    ef("run", "--db", db, "--shard", f"{i}/{SHARDS}", "--run", "ref")
    with sqlite3.connect(db) as conn:
        owned.append({r[0] for r in conn.execute("SELECT DISTINCT task_id FROM episodes")})
        vals = {r[0] for r in conn.execute("SELECT DISTINCT task_id FROM validations")}
    assert vals == owned[-1], f"shard {i}: validated other tasks than it ran"
assert sum(map(len, owned)) == 40 and len(set().union(*owned)) == 40, [len(o) for o in owned]
ef("merge", path("shared-merged.db"), *[path(f"r{i}.db") for i in range(SHARDS)])
with sqlite3.connect(path("shared-merged.db")) as conn:
    assert conn.execute("SELECT count(*), sum(passed) FROM episodes").fetchone() == (40, 40)
    assert conn.execute("SELECT count(DISTINCT task_id) FROM validations").fetchone()[0] == 40
print(f"2. validate/run --shard split 40 tasks {[len(o) for o in owned]}, merged 40 episodes once")

# A restarted generate probes again the tasks whose validation failed (a requeue's signal can
# cut probes short) and keeps those that passed.
restart = path("restart.db")
shutil.copy(shards[2], restart)
with sqlite3.connect(restart) as conn:
    cut = conn.execute("SELECT task_id FROM validations WHERE probe = 'reference' LIMIT 1").fetchone()[0]
    conn.execute(f"UPDATE validations SET passed = 0, ok = 0 WHERE task_id = '{cut}'")
    conn.execute(f"DELETE FROM episodes WHERE task_id = '{cut}'")
res = ef("generate", "--db", restart, *common, "--shard", f"2/{SHARDS}", "--json").stdout
assert '"tasks":1,' in res and '"failed_probes":0' in res, res
assert outcomes(restart) == outcomes(shards[2]), "the restarted shard lost episodes"
print("2b. a restarted generate probed again the one task whose validation had failed, and ran it")

# 3. Exactly once.
before = digest(path("merged.db"))
again = ef("merge", path("merged.db"), *shards, "--json").stdout
assert '"tasks_new":0' in again and '"episodes_new":0' in again and '"episodes_same":72' in again, again
assert digest(path("merged.db")) == before, "a repeated merge changed OUT"
same = ef("merge", path("merged.db"), path("one.db"), "--json").stdout
assert '"episodes_same":72' in same and '"tasks_same":36' in same, same
print("3. merging again adds nothing; one machine's store is found identical row by row")


# 4. Conflicts: a copy of one shard altered, merged into a copy of the merged store.
def expect_conflict(name, change, needle):
    bad = path(f"bad-{name}.db")
    shutil.copy(shards[1], bad)
    sql(bad, change)
    out = path(f"out-{name}.db")
    shutil.copy(path("merged.db"), out)
    before = digest(out)
    p = ef("merge", out, shards[0], bad, "--json", ok=False)
    assert p.returncode == 2, (name, p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "merge conflict" in lines[0] and needle in lines[0], (name, p.stderr)
    assert digest(out) == before, f"{name}: a refused merge changed OUT"
    return lines[0]


with sqlite3.connect(shards[1]) as conn:
    task = conn.execute("SELECT id FROM tasks LIMIT 1").fetchone()[0]
    run = conn.execute("SELECT name FROM runs LIMIT 1").fetchone()[0]
    ep = conn.execute("SELECT task_id, rollout FROM episodes WHERE passed = 1 LIMIT 1").fetchone()
    val = conn.execute("SELECT task_id, probe FROM validations WHERE probe = 'reference' LIMIT 1").fetchone()
print("4.", expect_conflict("task", f"UPDATE tasks SET difficulty = difficulty + 1 WHERE id = '{task}'", task))
print("  ", expect_conflict("run", f"UPDATE runs SET config = json_set(config, '$.seed', 99) WHERE name = '{run}'", run))
print("  ", expect_conflict("episode", f"UPDATE episodes SET passed = 0, reward = 0 WHERE task_id = '{ep[0]}' AND rollout = {ep[1]}",
                            f"task {ep[0]}, rollout {ep[1]}"))
expect_conflict("transcript", "UPDATE messages SET content = 'changed' WHERE idx = 1 AND episode_id = "
                f"(SELECT id FROM episodes WHERE task_id = '{ep[0]}' AND rollout = {ep[1]})", "transcript")
print("  ", expect_conflict("validation", f"UPDATE validations SET passed = 0, ok = 0 WHERE task_id = '{val[0]}' AND probe = 'reference'",
                            val[0]))
# A per-machine setting (the server a shard used) is not a conflict.
shard_url = path("url.db")
shutil.copy(shards[2], shard_url)
sql(shard_url, "UPDATE runs SET config = json_set(config, '$.policy_options', json('{\"base_url\": \"http://node7:8000/v1\"}'))")
sql(path("merged.db"), "UPDATE runs SET config = json_set(config, '$.policy_options', json('{\"base_url\": \"http://node1:8000/v1\"}'))")
ef("merge", path("merged.db"), shard_url)

# 5. Infrastructure failures: OUT's gives way, the input's is kept out.
infra_out = path("infra-out.db")
shutil.copy(path("merged.db"), infra_out)
sql(infra_out, f"UPDATE episodes SET status = 'env_error', passed = 0, reward = 0 WHERE task_id = '{ep[0]}' AND rollout = {ep[1]}")
res = ef("merge", infra_out, shards[1], "--json").stdout
assert '"episodes_replaced":1' in res, res
with sqlite3.connect(infra_out) as conn:
    assert conn.execute(f"SELECT status, passed FROM episodes WHERE task_id = '{ep[0]}' AND rollout = {ep[1]}").fetchone()[1] == 1
infra_in = path("infra-in.db")
shutil.copy(shards[1], infra_in)
sql(infra_in, f"UPDATE episodes SET status = 'policy_error', passed = 0, reward = 0 WHERE task_id = '{ep[0]}' AND rollout = {ep[1]}")
res = ef("merge", infra_out, infra_in, "--json").stdout
assert '"episodes_kept":1' in res, res
assert outcomes(infra_out) == outcomes(path("merged.db"))
print("5. an env_error in OUT replaced by the shard's outcome; a policy_error in a shard never replaces an outcome")

# 6. SIGKILL during a large merge. The input: a shard's episodes doubled nine times under new
# rollout numbers (~9k episodes, ~150k messages), made in SQL.
big = path("big.db")
shutil.copy(shards[0], big)
with sqlite3.connect(big) as conn:
    cols = "run_id, task_id, rollout, status, reward, passed, verdict, final_answer, turns, tool_calls, " \
           "prompt_tokens, completion_tokens, seconds, error, finished_at"
    for _ in range(9):
        offset = conn.execute("SELECT max(rollout) + 1 FROM episodes").fetchone()[0]
        conn.execute(f"INSERT INTO episodes({cols}) SELECT {cols.replace('rollout', f'rollout + {offset}')} FROM episodes")
        conn.execute("INSERT INTO messages SELECT n.id, m.idx, m.role, m.content, m.reasoning, m.tool_calls, m.tool_call_id, m.name, "
                     "m.is_error, m.prompt_ids, m.completion_ids, m.raw FROM episodes n JOIN episodes o ON o.run_id = n.run_id "
                     "AND o.task_id = n.task_id AND o.rollout = n.rollout - ?1 JOIN messages m ON m.episode_id = o.id "
                     "WHERE n.rollout >= ?1", (offset,))
    total = conn.execute("SELECT count(*) FROM episodes").fetchone()[0]


def signature(db):
    """Rows per table: one transaction makes a merge all or nothing, so OUT holds either what it
    held before or everything."""
    check_store(db)
    with sqlite3.connect(db) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("tasks", "runs", "episodes", "messages", "validations"))


target = path("target.db")
shutil.copy(shards[3], target)
before = signature(target)
# The whole merge once, timed, so the kills land anywhere inside it.
shutil.copy(shards[3], path("timing.db"))
t0 = time.monotonic()
ef("merge", path("timing.db"), big)
merge_seconds = time.monotonic() - t0
complete = signature(path("timing.db"))
os.remove(path("timing.db"))
def reset_target():
    """OUT back to the shard's store. A WAL left beside the file belongs to the old content:
    SQLite would replay it onto the new one, so it goes too."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix):
            os.remove(target + suffix)
    shutil.copy(shards[3], target)


rng = random.Random(20261201)
cmd = [envforge, "merge", target, big]
history = []
mid, after_commit = 0, 0
for i in range(20):
    delay = rng.uniform(0.02, merge_seconds)
    if not run_and_kill(cmd, delay):
        history.append(f"{delay:.2f}s finished")
        reset_target()  # start again from the shard
        continue
    try:
        now = signature(target)
    except AssertionError:
        sys.exit(f"kill {i} after {delay:.2f} s: integrity_check failed; files: " +
                 str({s: os.path.getsize(target + s) for s in ("", "-wal", "-shm") if os.path.exists(target + s)}) +
                 f"; before: {history}")
    assert now in (before, complete), f"kill {i}: OUT holds part of a merge: {now}, not {before} or {complete}"
    if now == before:
        mid += 1
        history.append(f"{delay:.2f}s mid")
    else:  # killed after its commit, while closing: the merge is whole
        after_commit += 1
        history.append(f"{delay:.2f}s after commit")
        reset_target()
assert mid >= 8, f"only {mid} kills landed mid-merge"
ef("merge", target, big)
assert signature(target) == complete
print(f"6. {mid} SIGKILLs mid-merge of {total} episodes ({merge_seconds:.1f} s a merge) left OUT as it was, "
      f"{after_commit} after the commit left it whole; the merge run to the end holds every episode once")

shutil.rmtree(work, ignore_errors=True)
print("test_shard_merge: passed")
