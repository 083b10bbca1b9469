#!/usr/bin/env python3
"""Benchmark of `synth interp --data` (issue 26), in one run: questions kept per second (each
checked by its pandas program in the sandbox) on a real table, and reference episodes per second
for those tasks against the procedural interp tasks and the built-in general domain (retail),
run the same way in the same run (ratios, since these machines are noisy).

    tools/bench/bench_interp_data.py ENVFORGE [--table FILE] [--tasks 200] [--jobs 2]"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
p = argparse.ArgumentParser()
p.add_argument("envforge")
p.add_argument("--table", default=os.path.join(ROOT, "third_party/npm/node_modules/vega-datasets/data/seattle-weather.csv"))
p.add_argument("--tasks", type=int, default=200)
p.add_argument("--jobs", type=int, default=2)
a = p.parse_args()


def sh(*args, env=None):
    t0 = time.monotonic()
    r = subprocess.run([a.envforge, *args], capture_output=True, text=True, check=True, env=env)
    return time.monotonic() - t0, r.stdout


work = tempfile.mkdtemp(prefix="envforge-bench-interp-data-")
try:
    data = os.path.join(work, "data")
    os.makedirs(data)
    shutil.copy(a.table, data)
    db = {k: os.path.join(work, k + ".db") for k in ("data", "interp", "retail")}
    cold = dict(os.environ, ENVFORGE_WARM_SESSIONS="0")
    synth_s, out = sh("synth", "interp", "--data", data, "--count", str(a.tasks), "--db", db["data"], "--json")
    kept = json.loads(out)["tasks"]
    sh("synth", "interp", "--count", str(kept), "--db", db["interp"])
    sh("synth", "general", "--domain", "retail", "--count", str(kept), "--db", db["retail"])
    # Each kind twice on copies of the same tasks: a fresh sandbox per episode (before) and warm
    # sandboxes reused across episodes (after); retail runs in process either way.
    rate = {}
    for k, path in db.items():
        for mode, env in (("cold", cold), ("warm", None)):
            if k == "retail" and mode == "cold":
                continue
            copy = path + "." + mode
            shutil.copy(path, copy)
            secs, _ = sh("run", "--db", copy, "--policy", "reference", "--jobs", str(a.jobs), "--json", env=env)
            n = sqlite3.connect(copy).execute("SELECT count(*) FROM episodes WHERE passed = 1").fetchone()[0]
            assert n == kept, (k, mode, n, kept)
            rate[k, mode] = n / secs
    retail = rate["retail", "warm"]
    print(f"synth interp --data ({os.path.basename(a.table)}): {kept} questions kept in {synth_s:.2f} s = {kept / synth_s:.0f} questions/s "
          f"(each checked by its pandas program in the sandbox)")
    print(f"reference episodes/s with --jobs {a.jobs} (whole command, start-up included); general retail {retail:.1f}")
    for k, name in (("data", "interp --data"), ("interp", "procedural interp")):
        print(f"  {name}: fresh sandbox per episode {rate[k, 'cold']:.1f}, warm reuse {rate[k, 'warm']:.1f} "
              f"({rate[k, 'warm'] / rate[k, 'cold']:.1f}x); / retail {rate[k, 'cold'] / retail:.3f}x -> {rate[k, 'warm'] / retail:.3f}x")
finally:
    shutil.rmtree(work, ignore_errors=True)
