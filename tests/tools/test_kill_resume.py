#!/usr/bin/env python3
"""Kills `envforge run` with SIGKILL at random moments (at least 20 times), then resumes to the
end. After every kill: PRAGMA integrity_check is ok, no (run, task, rollout) is duplicated, every
recorded episode has its messages, and no finished episode is ever lost."""
import os, random, shutil, signal, sqlite3, subprocess, sys, tempfile, time

envforge = sys.argv[1]
kills = int(sys.argv[2]) if len(sys.argv) > 2 else 24
work = tempfile.mkdtemp(prefix="envforge-kill-")
db = os.path.join(work, "k.db")
rollouts = 16
subprocess.run([envforge, "synth", "--kind", "general", "--count", "200", "--db", db],
               check=True, capture_output=True)
cmd = [envforge, "run", "--db", db, "--rollouts", str(rollouts), "--jobs", "16", "--run", "kill"]
rng = random.Random(20261128)


def check(conn):
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    dup = conn.execute("SELECT count(*) FROM (SELECT run_id, task_id, rollout FROM episodes "
                       "GROUP BY 1,2,3 HAVING count(*) > 1)").fetchone()[0]
    assert dup == 0, f"{dup} duplicated episodes"
    orphan = conn.execute("SELECT count(*) FROM episodes e WHERE NOT EXISTS "
                          "(SELECT 1 FROM messages m WHERE m.episode_id = e.id)").fetchone()[0]
    assert orphan == 0, f"{orphan} episodes without messages"
    return {row for row in conn.execute("SELECT task_id, rollout FROM episodes")}


seen = set()
killed_mid_run = 0
for i in range(kills):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.05, 0.3))
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        killed_mid_run += 1
    p.wait()
    with sqlite3.connect(db) as conn:
        now = check(conn)
    lost = seen - now
    assert not lost, f"kill {i}: {len(lost)} finished episodes lost"
    seen = now

done = subprocess.run(cmd + ["--json"], check=True, capture_output=True, text=True)
with sqlite3.connect(db) as conn:
    final = check(conn)
    passed = conn.execute("SELECT count(*) FROM episodes WHERE passed = 1").fetchone()[0]
total = 200 * rollouts
assert len(final) == total, f"{len(final)} episodes, expected {total}"
assert passed == total, f"{passed} of {total} passed"
assert killed_mid_run >= 20, f"only {killed_mid_run} kills landed mid-run"
shutil.rmtree(work, ignore_errors=True)
print(f"test_kill_resume: {killed_mid_run} SIGKILLs mid-run, {total} episodes, none lost or duplicated")
