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


def sh(*args):
    t0 = time.monotonic()
    r = subprocess.run([a.envforge, *args], capture_output=True, text=True, check=True)
    return time.monotonic() - t0, r.stdout


work = tempfile.mkdtemp(prefix="envforge-bench-interp-data-")
try:
    data = os.path.join(work, "data")
    os.makedirs(data)
    shutil.copy(a.table, data)
    db = {k: os.path.join(work, k + ".db") for k in ("data", "interp", "retail")}
    synth_s, out = sh("synth", "interp", "--data", data, "--count", str(a.tasks), "--db", db["data"], "--json")
    kept = json.loads(out)["tasks"]
    sh("synth", "interp", "--count", str(kept), "--db", db["interp"])
    sh("synth", "general", "--domain", "retail", "--count", str(kept), "--db", db["retail"])
    rate = {}
    for k, path in db.items():
        secs, _ = sh("run", "--db", path, "--policy", "reference", "--jobs", str(a.jobs), "--json")
        n = sqlite3.connect(path).execute("SELECT count(*) FROM episodes WHERE passed = 1").fetchone()[0]
        rate[k] = n / secs
    print(f"synth interp --data ({os.path.basename(a.table)}): {kept} questions kept in {synth_s:.2f} s = {kept / synth_s:.0f} questions/s "
          f"(each checked by its pandas program in the sandbox)")
    print(f"reference episodes/s with --jobs {a.jobs}: interp --data {rate['data']:.1f}, procedural interp {rate['interp']:.1f}, "
          f"general retail {rate['retail']:.1f}; interp --data / retail = {rate['data'] / rate['retail']:.3f}x, "
          f"/ procedural interp = {rate['data'] / rate['interp']:.2f}x")
finally:
    shutil.rmtree(work, ignore_errors=True)
