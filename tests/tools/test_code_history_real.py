#!/usr/bin/env python3
"""`synth code --history` on real repositories' own histories (issue 23): more-itertools (flat,
unittest), tomli (src layout, unittest), toolz (pytest, tests inside the package) and
cachetools (src layout, pytest). Each must give at least 10 tasks from its own commits; every
task validates (the real fix passes, doing nothing and each probe fail); the reference run
passes all and the null run none; the SWE export's patch and test_patch apply to the
repository at base_commit with `git apply`. Prints the yield per repository.

The repositories are whole clones in $ENVFORGE_TESTDATA/history (tools/test-repos fills it);
each one absent is skipped with a message, and with none present the test skips (exit 77).
All four take about 20 minutes on 2 cores, so the suite's default run checks cachetools alone
for 3 tasks (about a minute); --all (or ENVFORGE_REAL_REPOS=all) runs all four for 10 each.

    test_code_history_real.py ENVFORGE [--all] [NAME ...]"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

ENVFORGE = sys.argv[1]
EVERYTHING = "--all" in sys.argv[2:] or os.environ.get("ENVFORGE_REAL_REPOS") == "all"
ONLY = [a for a in sys.argv[2:] if a != "--all"] or ([] if EVERYTHING else ["cachetools"])
TESTDATA = os.environ.get("ENVFORGE_TESTDATA", os.path.expanduser("~/.cache/envforge/testdata"))
REPOS = [  # name, source dirs, test dir, shape
    ("more-itertools", "more_itertools", "tests", "flat, unittest"),
    ("tomli", "src/tomli,tomli", "tests", "src layout (flat before 2021), unittest"),
    ("toolz", "toolz", "toolz/tests", "pytest, tests inside the package"),
    ("cachetools", "src/cachetools", "tests", "src layout, pytest"),
]
WANT = 10 if EVERYTHING or len(ONLY) > 1 or ONLY != ["cachetools"] else 3
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def sh(*args, timeout=7200):
    return subprocess.run([ENVFORGE, *args], capture_output=True, text=True, timeout=timeout)


def one_repo(name, src, test_dir, shape, work):
    repo = os.path.join(TESTDATA, "history", name)
    db = os.path.join(work, name + ".db")
    t0 = time.monotonic()
    r = sh("synth", "code", "--history", "--repo", repo, "--src", src, "--test-dir", test_dir, "--count", str(WANT + 2), "--json",
           "--db", db)
    check(r.returncode == 0, f"{name}: synth exited {r.returncode}: {r.stderr[-500:]}")
    if r.returncode != 0:
        return None
    s = json.loads(r.stdout)
    synth_s = time.monotonic() - t0
    check(s["tasks"] >= WANT, f"{name}: {s['tasks']} tasks, want {WANT}")
    v = sh("validate", "--db", db, "--jobs", "2", "--json")
    vs = json.loads(v.stdout) if v.stdout.strip() else {}
    check(v.returncode == 0 and vs.get("failed_probes") == 0, f"{name}: validation: {vs or v.stderr[-300:]}")
    con = sqlite3.connect(db)
    for policy, want in (("reference", 1), ("null", 0)):
        rr = sh("run", "--db", db, "--policy", policy, "--jobs", "2", "--json")
        check(rr.returncode == 0, f"{name}: run {policy}: {rr.stderr[-300:]}")
        rows = con.execute("SELECT e.passed FROM episodes e JOIN runs r ON r.id = e.run_id WHERE r.name = ?", (policy,)).fetchall()
        check(len(rows) == s["tasks"] and all(p == want for (p,) in rows), f"{name}: {policy} passed {sum(p for (p,) in rows)}/{len(rows)}")
    out = os.path.join(work, name + ".swe.jsonl")
    check(sh("export", "--db", db, "--format", "swe", "-o", out).returncode == 0, f"{name}: export swe")
    applied = 0
    for line in open(out):
        inst = json.loads(line)
        wt = os.path.join(work, f"wt-{name}-{inst['commit'][:10]}")
        subprocess.run(["git", "-C", repo, "worktree", "add", "-q", "--detach", wt, inst["base_commit"]], check=True,
                       capture_output=True)
        ok = all(subprocess.run(["git", "-C", wt, "apply", "--index", "-"], input=inst[k], text=True, capture_output=True).returncode == 0
                 for k in ("test_patch", "patch"))
        check(ok, f"{name}: {inst['commit'][:10]}: patches do not apply at base_commit")
        applied += ok
        subprocess.run(["git", "-C", repo, "worktree", "remove", "--force", wt], capture_output=True)
    diff = {int(k): n for k, n in s["difficulty"].items()}
    print(f"{name} ({shape}): {s['scanned']} commits scanned, {s['candidates']} candidates, {s['checked']} checked, "
          f"{s['tasks']} tasks in {synth_s:.0f} s; rejected {s['rejected']}; difficulty {dict(sorted(diff.items()))}; "
          f"{vs.get('probes')} probes, {vs.get('failed_probes')} failed; SWE patches applied {applied}/{s['tasks']}; "
          f"check cost {s['cost_ratio']:.1f}x a suite run", flush=True)
    return s


def main():
    present = [r for r in REPOS if os.path.isdir(os.path.join(TESTDATA, "history", r[0], ".git")) and (not ONLY or r[0] in ONLY)]
    for r in REPOS:
        if ONLY and r[0] not in ONLY:
            print(f"{r[0]}: not in this run (--all runs every repository)")
        elif r not in present:
            print(f"{r[0]}: skipped (no clone in {TESTDATA}/history; tools/test-repos fetch makes one)")
    if not present:
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="envforge-history-real-")
    try:
        for name, src, test_dir, shape in present:
            one_repo(name, src, test_dir, shape, work)
    finally:
        for name, *_ in present:
            subprocess.run(["git", "-C", os.path.join(TESTDATA, "history", name), "worktree", "prune"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"test_code_history_real: {len(failures)} failures")
    print("test_code_history_real: ok")


main()
