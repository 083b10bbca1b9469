#!/usr/bin/env python3
"""`envforge merge` against SQLite copying the same rows itself, in the same run.

Four shard stores are made by `generate --shard i/4`, then grown in SQL (episodes copied under new
rollout numbers) to about EPISODES episodes in all. The baseline is the least any merge must do:
ATTACH each shard and INSERT ... SELECT every table into an empty store in one transaction (no key
checks, no id remapping by lookups). The ratio is envforge's time over the baseline's; both write
the same rows (checked).

usage: bench_merge.py ENVFORGE [--episodes N]"""
import os, shutil, sqlite3, subprocess, sys, tempfile, time

args = sys.argv[1:]
envforge = os.path.abspath(args[0])
target = int(args[args.index("--episodes") + 1]) if "--episodes" in args else 40000
work = tempfile.mkdtemp(prefix="envforge-bench-merge-")
shards = [os.path.join(work, f"s{i}.db") for i in range(4)]
COLS = ("run_id, task_id, rollout, status, reward, passed, verdict, final_answer, turns, tool_calls, prompt_tokens, "
        "completion_tokens, seconds, error, finished_at")

for i, db in enumerate(shards):
    subprocess.run([envforge, "generate", "--db", db, "--kinds", "general,search,interp", "--count", "40", "--rollouts", "2",
                    "--shard", f"{i}/4", "--json"], check=True, capture_output=True)
    with sqlite3.connect(db) as conn:
        while conn.execute("SELECT count(*) FROM episodes").fetchone()[0] * 4 < target:
            offset = conn.execute("SELECT max(rollout) + 1 FROM episodes").fetchone()[0]
            conn.execute(f"INSERT INTO episodes({COLS}) SELECT {COLS.replace('rollout', f'rollout + {offset}')} FROM episodes")
            conn.execute("INSERT INTO messages SELECT n.id, m.idx, m.role, m.content, m.reasoning, m.tool_calls, m.tool_call_id, "
                         "m.name, m.is_error, m.prompt_ids, m.completion_ids, m.raw FROM episodes n JOIN episodes o "
                         "ON o.run_id = n.run_id AND o.task_id = n.task_id AND o.rollout = n.rollout - ?1 "
                         "JOIN messages m ON m.episode_id = o.id WHERE n.rollout >= ?1", (offset,))


def counts(db):
    with sqlite3.connect(db) as conn:
        return [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("tasks", "episodes", "messages", "validations")]


# envforge merge into a new store.
out = os.path.join(work, "merged.db")
t0 = time.monotonic()
subprocess.run([envforge, "merge", out, *shards, "--json"], check=True, capture_output=True)
t_merge = time.monotonic() - t0

# Baseline: an empty store of the same schema, filled by INSERT ... SELECT from each shard.
base = os.path.join(work, "baseline.db")
subprocess.run([envforge, "synth", "general", "--count", "1", "--db", base], check=True, capture_output=True)
with sqlite3.connect(base) as conn:
    conn.execute("DELETE FROM tasks")
t0 = time.monotonic()
conn = sqlite3.connect(base, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA synchronous=NORMAL")
conn.execute("BEGIN IMMEDIATE")
for i, db in enumerate(shards):
    conn.execute("ATTACH ? AS s", (db,))
    conn.execute("INSERT OR IGNORE INTO runs(name, policy, context_policy, config, created_at) "
                 "SELECT name, policy, context_policy, config, created_at FROM s.runs")
    conn.execute("INSERT OR IGNORE INTO tasks SELECT * FROM s.tasks")
    # Fresh episode ids: shift by the largest id so far (messages follow with the same shift).
    shift = conn.execute("SELECT coalesce(max(id), 0) FROM main.episodes").fetchone()[0]
    conn.execute(f"INSERT INTO main.episodes(id, {COLS}) SELECT id + ?, {COLS} FROM s.episodes", (shift,))
    conn.execute("INSERT INTO main.messages SELECT episode_id + ?, idx, role, content, reasoning, tool_calls, tool_call_id, name, "
                 "is_error, prompt_ids, completion_ids, raw FROM s.messages", (shift,))
    conn.execute("INSERT OR IGNORE INTO validations SELECT * FROM s.validations")
    conn.execute("COMMIT")
    conn.execute("DETACH s")
    conn.execute("BEGIN IMMEDIATE")
conn.execute("COMMIT")
conn.close()
t_base = time.monotonic() - t0

merged, baseline = counts(out), counts(base)
assert merged == baseline, (merged, baseline)
episodes, messages = merged[1], merged[2]
print(f"{episodes} episodes, {messages} messages from 4 shards")
print(f"envforge merge     {t_merge:6.2f} s  {episodes / t_merge:8.0f} episodes/s  {messages / t_merge:9.0f} messages/s")
print(f"INSERT...SELECT    {t_base:6.2f} s  {episodes / t_base:8.0f} episodes/s  (baseline: plain copy, no key checks)")
print(f"ratio {t_merge / t_base:.2f}x the plain copy")
shutil.rmtree(work, ignore_errors=True)
