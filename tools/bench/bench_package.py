#!/usr/bin/env python3
"""Environment packages (tools in Python, run in the episode's sandboxed session) against the
built-in general domains (tools as SQL in process), in the same run: reference episodes per
second and validation probes per second, with a fresh sandbox per episode and with warm
sandboxes reused across episodes.

usage: bench_package.py ENVFORGE [--copies N]"""
import json, os, shutil, subprocess, sys, tempfile

args = sys.argv[1:]
envforge = os.path.abspath(args[0])
copies = int(args[args.index("--copies") + 1]) if "--copies" in args else 20
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
work = tempfile.mkdtemp(prefix="envforge-bench-package-")
# The library package's 3 tasks, repeated with distinct prompts so each is its own task.
pkg = os.path.join(work, "library")
shutil.copytree(os.path.join(root, "datasets", "packages", "library"), pkg)
tasks = [json.loads(line) for line in open(os.path.join(pkg, "tasks.jsonl"))]
with open(os.path.join(pkg, "tasks.jsonl"), "w") as f:
    for i in range(copies):
        for t in tasks:
            f.write(json.dumps(dict(t, prompt=f"(request {i + 1}) " + t["prompt"])) + "\n")
n = copies * len(tasks)


def ef(*a, env=None):
    return json.loads(subprocess.run([envforge, *a, "--json"], check=True, capture_output=True, text=True, env=env).stdout)


# The package twice on copies of the same tasks: a fresh sandbox per episode (before the warm
# reuse) and warm sandboxes reused across episodes (after); the built-in domain runs in process.
cold = dict(os.environ, ENVFORGE_WARM_SESSIONS="0")
rows = []
for name, flags, env in (("package, fresh sandbox per episode", ["--package", pkg], cold), ("package, warm reuse", ["--package", pkg], None),
                         ("built-in", ["--count", str(n)], None)):
    db = os.path.join(work, name.replace(" ", "_").replace(",", "") + ".db")
    subprocess.run([envforge, "synth", "general", *flags, "--db", db], check=True, capture_output=True)
    v = ef("validate", "--db", db, env=env)
    r = ef("run", "--db", db, env=env)
    assert r["passed"] == n and v["failed_probes"] == 0, (r, v)
    rows.append((name, v["probes"] / v["seconds"], r["episodes_per_second"]))
for name, probes, eps in rows:
    print(f"{name}: {n} tasks, {probes:.0f} validation probes/s, {eps:.0f} reference episodes/s")
base = rows[2]
for name, probes, eps in rows[:2]:
    print(f"{name} / built-in: probes {probes / base[1]:.2f}x, episodes {eps / base[2]:.2f}x")
shutil.rmtree(work)
