#!/usr/bin/env python3
"""Benchmarks of `synth code --history` (issue 23), both in one run:

1. Scanning and splitting: a repository of N first-parent commits (made here with git
   fast-import: every commit changes a source file, a third also a test file, some only docs)
   is scanned, its candidates chosen and their patch and test_patch split, with --scan-only.
   Target: 5,000 commits in under 10 s.
2. Cost per accepted task: on a real repository (a git clone; default: more-itertools from
   $ENVFORGE_TESTDATA/history), the wall seconds of `synth code --history` over its newest
   candidates divided by the tasks made, against one plain sandboxed suite run at HEAD measured
   in the same run. Target: at most 4x.

    tools/bench/bench_code_history.py ENVFORGE [--commits 5000] [--repo DIR --src S --test-dir T] [--candidates 12]"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def make_repo(path, n):
    subprocess.run(["git", "init", "-q", "-b", "main", path], check=True)
    lines = []
    mark = 0
    ts = 1_700_000_000
    for i in range(n):
        files = {f"pkg/mod{i % 50}.py": f"def f{i}(x):\n    return x + {i}\n" * 5}
        if i % 3 == 0:
            files[f"tests/test_mod{i % 50}.py"] = f"from pkg import mod{i % 50}\n\ndef test_{i}():\n    assert mod{i % 50}.f{i}(0) == {i}\n"
        if i % 7 == 0:
            files["README.md"] = f"# pkg\n\nrevision {i}\n"
        mark += 1
        lines.append(f"commit refs/heads/main\nmark :{mark}\ncommitter Bench <b@example.org> {ts + i} +0000\n"
                     f"data {len(f'change {i}')}\nchange {i}\n")
        if i > 0:
            lines.append(f"from :{mark - 1}\n")
        for p, text in files.items():
            data = text.encode()
            lines.append(f"M 100644 inline {p}\ndata {len(data)}\n")
            lines.append(text + "\n")
    subprocess.run(["git", "-C", path, "fast-import", "--quiet"], input="".join(lines).encode(), check=True)
    subprocess.run(["git", "-C", path, "reset", "-q", "--hard", "main"], check=True)


def scan_bench(envforge, n, work):
    repo = os.path.join(work, f"synthetic-{n}")
    make_repo(repo, n)
    db = os.path.join(work, "scan.db")
    t0 = time.monotonic()
    r = subprocess.run([envforge, "synth", "code", "--history", "--repo", repo, "--src", "pkg", "--test-dir", "tests", "--scan-only",
                        "--json", "--db", db], capture_output=True, text=True, check=True)
    wall = time.monotonic() - t0
    s = json.loads(r.stdout)
    print(f"scan and split: {s['scanned']} commits, {s['candidates']} candidates, {s['patch_bytes'] + s['test_patch_bytes']} bytes "
          f"of patches in {wall:.2f} s wall ({s['scan_seconds']:.2f} s inside envforge)", flush=True)
    return wall


def plain_suite_seconds(envforge, repo, src, test_dir, work):
    """One plain sandboxed suite run at HEAD: the first gold run of `synth code --repo` (mutants)."""
    db = os.path.join(work, "plain.db")
    r = subprocess.run([envforge, "synth", "code", "--repo", repo, "--src", src, "--test-dir", test_dir, "--count", "1", "--db", db],
                       capture_output=True, text=True)
    for line in r.stderr.splitlines():
        if "gold run 1/" in line:
            return float(line.split(" in ")[1].split(" s")[0])
    raise SystemExit("no gold run time in: " + r.stderr[-500:])


def cost_bench(envforge, repo, src, test_dir, candidates, work):
    suite = plain_suite_seconds(envforge, repo, src, test_dir, work)
    db = os.path.join(work, "cost.db")
    t0 = time.monotonic()
    r = subprocess.run([envforge, "synth", "code", "--history", "--repo", repo, "--src", src, "--test-dir", test_dir, "--count",
                        str(candidates), "--json", "--db", db], capture_output=True, text=True, check=True)
    wall = time.monotonic() - t0
    s = json.loads(r.stdout)
    per_task = wall / max(1, s["tasks"])
    print(f"cost: {s['tasks']} tasks from {s['checked']} checked candidates of {os.path.basename(repo)} in {wall:.0f} s wall "
          f"({per_task:.1f} s per task) / {suite:.1f} s for one plain suite run = {per_task / suite:.2f}x "
          f"(sum of the checks' own seconds: {s['cost_ratio']:.2f}x a suite run under load)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("envforge")
    ap.add_argument("--commits", type=int, default=5000)
    testdata = os.environ.get("ENVFORGE_TESTDATA", os.path.expanduser("~/.cache/envforge/testdata"))
    ap.add_argument("--repo", default=os.path.join(testdata, "history", "more-itertools"))
    ap.add_argument("--src", default="more_itertools")
    ap.add_argument("--test-dir", default="tests")
    ap.add_argument("--candidates", type=int, default=12)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="envforge-bench-history-")
    try:
        scan_bench(args.envforge, args.commits, work)
        if os.path.isdir(args.repo):
            cost_bench(args.envforge, args.repo, args.src, args.test_dir, args.candidates, work)
        else:
            print(f"cost: skipped ({args.repo} is absent; tools/test-repos history fills it)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
