#!/usr/bin/env python3
"""Kills `envforge run` with SIGKILL at random moments (at least 20 times), then resumes to the
end. After every kill: PRAGMA integrity_check is ok, no (run, task, rollout) is duplicated, every
recorded episode has its messages, and no finished episode is ever lost."""
import os, random, shutil, sqlite3, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_helpers import check_store, run_and_kill  # noqa: E402

envforge = sys.argv[1]
kills = int(sys.argv[2]) if len(sys.argv) > 2 else 24
work = tempfile.mkdtemp(prefix="envforge-kill-")
db = os.path.join(work, "k.db")
rollouts = 16
subprocess.run([envforge, "synth", "--kind", "general", "--count", "200", "--db", db],
               check=True, capture_output=True)
cmd = [envforge, "run", "--db", db, "--rollouts", str(rollouts), "--jobs", "16", "--run", "kill"]
rng = random.Random(20261128)


seen = set()
killed_mid_run = 0
for i in range(kills):
    killed_mid_run += run_and_kill(cmd, rng.uniform(0.05, 0.3))
    now = check_store(db)
    lost = seen - now
    assert not lost, f"kill {i}: {len(lost)} finished episodes lost"
    seen = now

done = subprocess.run(cmd + ["--json"], check=True, capture_output=True, text=True)
final = check_store(db)
with sqlite3.connect(db) as conn:
    passed = conn.execute("SELECT count(*) FROM episodes WHERE passed = 1").fetchone()[0]
total = 200 * rollouts
assert len(final) == total, f"{len(final)} episodes, expected {total}"
assert passed == total, f"{passed} of {total} passed"
assert killed_mid_run >= 20, f"only {killed_mid_run} kills landed mid-run"
shutil.rmtree(work, ignore_errors=True)
print(f"test_kill_resume: {killed_mid_run} SIGKILLs mid-run, {total} episodes, none lost or duplicated")
