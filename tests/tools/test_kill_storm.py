#!/usr/bin/env python3
"""Kills `envforge run` with SIGKILL at least 20 times while interp and code episodes run in
sandboxes (warm sessions, test runs, verification copies), then resumes to the end. After every
kill: no sandboxed process survives, the store is intact, no finished episode is lost or
duplicated. At the end: every episode is there once and passed, and nothing the killed processes
made is left — no cgroup directories of dead owners, no workspaces in /tmp, no mounts."""
import glob, os, random, re, shutil, sqlite3, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kill_helpers import check_store, run_and_kill  # noqa: E402

envforge = sys.argv[1]
kills = int(sys.argv[2]) if len(sys.argv) > 2 else 22
work = tempfile.mkdtemp(prefix="envforge-storm-")
db = os.path.join(work, "s.db")
subprocess.run([envforge, "synth", "--kind", "interp", "--count", "40", "--db", db], check=True, capture_output=True)
subprocess.run([envforge, "synth", "--kind", "code", "--count", "12", "--db", db], check=True, capture_output=True)
rollouts = 8
cmd = [envforge, "run", "--db", db, "--rollouts", str(rollouts), "--jobs", "4", "--run", "storm"]
rng = random.Random(20261201)


def slot_processes():
    """Live processes running as a sandbox slot uid (2,000,000 and up)."""
    n = 0
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            text = open(status).read()
        except OSError:
            continue
        state = re.search(r"^State:\s+(\S)", text, re.M)
        uid = re.search(r"^Uid:\s+(\d+)", text, re.M)
        if uid and 2_000_000 <= int(uid.group(1)) < 3_100_000 and state and state.group(1) != "Z":
            n += 1
    return n


def owner_dead(tag):
    pid, _, start = tag.partition(".")
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return True
    return start != "" and stat[stat.rindex(")") + 2:].split()[19] != start


def dead_leftovers():
    """What dead envforge processes left: workspaces in /tmp and cgroup directories."""
    left = [p for p in glob.glob("/tmp/envforge@*") if owner_dead(os.path.basename(p)[len("envforge@"):].split("-")[0])]
    for tree in glob.glob("/sys/fs/cgroup/*/envforge") + glob.glob("/sys/fs/cgroup/envforge"):
        for d in os.listdir(tree):
            tag = d.split("-")[0]
            if re.fullmatch(r"\d+\.\d+", tag) and os.path.isdir(os.path.join(tree, d)) and owner_dead(tag):
                left.append(os.path.join(tree, d))
    return left


seen, killed_mid_run, left_behind = set(), 0, 0
for i in range(kills):
    killed_mid_run += run_and_kill(cmd, rng.uniform(0.3, 1.3))
    for _ in range(100):  # parent-death signals reach every sandbox within moments
        if slot_processes() == 0:
            break
        time.sleep(0.02)
    assert slot_processes() == 0, f"kill {i}: sandboxed processes survived"
    left_behind = max(left_behind, len(dead_leftovers()))
    now = check_store(db)
    lost = seen - now
    assert not lost, f"kill {i}: {len(lost)} finished episodes lost"
    seen = now

assert left_behind > 0, "no kill left anything behind: the sweep was not exercised"
subprocess.run(cmd + ["--json"], check=True, capture_output=True, text=True)
final = check_store(db)
with sqlite3.connect(db) as conn:
    passed = conn.execute("SELECT count(*) FROM episodes WHERE passed = 1").fetchone()[0]
total = 52 * rollouts
assert len(final) == total, f"{len(final)} episodes, expected {total}"
assert passed == total, f"{passed} of {total} passed"
assert killed_mid_run >= 20, f"only {killed_mid_run} kills landed mid-run"
left = dead_leftovers()
assert not left, f"left behind by killed processes: {left[:5]}"
mounts = [l for l in open("/proc/self/mountinfo") if "envforge@" in l or " /workspace " in l]
assert not mounts, f"mounts left: {mounts[:3]}"
assert slot_processes() == 0
shutil.rmtree(work, ignore_errors=True)
print(f"test_kill_storm: {killed_mid_run} SIGKILLs mid-run (up to {left_behind} leftovers at once, all swept), "
      f"{total} interp and code episodes, none lost or duplicated")
