#!/usr/bin/env python3
"""Code-task synthesis on real repositories against one plain run of the same suite, in the same
run: seconds per accepted task (all of `synth code`: three gold runs, the coverage run, making
mutants, running them) divided by the seconds of one plain suite run in the sandbox, and how many
mutants were tried per accepted task.

usage: bench_code_real.py ENVFORGE [--count N] [--only NAME,...]
Repositories: tools/real_repos.py (Debian's packaged sources always; the git snapshots where
tools/test-repos put them)."""
import json, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from real_repos import REPOS  # noqa: E402

args = sys.argv[1:]
envforge = os.path.abspath(args[0])
count = args[args.index("--count") + 1] if "--count" in args else "10"
only = args[args.index("--only") + 1].split(",") if "--only" in args else None
work = tempfile.mkdtemp(prefix="envforge-bench-real-")
os.chmod(work, 0o755)  # the sandbox mounts plain-* as the slot's uid, which must reach it

print(f"{'repository':22} {'plain suite':>11} {'s/task':>8} {'ratio':>6} {'tried/accepted':>15}")
for name, make, src, test_dir, runner, extra, _slow, _shape in REPOS:
    if only and name not in only:
        continue
    repo = make(work)
    if not repo:
        print(f"{name:22} (absent)")
        continue
    # One plain run of the suite, in the same sandbox the synthesis uses, PYTHONPATH at the roots.
    root = "src" if src == "src" else "."
    cmd = (["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", test_dir] if runner == "pytest"
           else ["python3", "-m", "unittest", "discover", "-s", test_dir, "-t", "."])
    plain_dir = os.path.join(work, "plain-" + name)
    shutil.copytree(repo, plain_dir)
    t0 = time.monotonic()
    shell = f"cd /workspace && PYTHONPATH=/workspace/{root} " + " ".join(cmd)
    pr = subprocess.run([envforge, "sandbox", "exec", "--workdir", plain_dir, "--wall", "900", "--cpu", "900", "--memory-mb", "2048",
                         "--pids", "1024", "--", "sh", "-c", shell], capture_output=True, text=True)
    plain = time.monotonic() - t0
    result = json.loads(pr.stdout) if pr.stdout.startswith("{") else {}
    if result.get("reason") != "exit" or "Ran 0 tests" in str(result.get("stderr")):
        print(f"{name:22} plain run failed: {(pr.stderr or str(result))[-300:]}")
        continue
    db = os.path.join(work, name + ".db")
    t0 = time.monotonic()
    r = subprocess.run([envforge, "synth", "code", "--repo", repo, "--src", src, "--test-dir", test_dir, "--test-cmd", runner,
                        "--count", count, "--db", db, "--json", *extra], capture_output=True, text=True)
    total = time.monotonic() - t0
    if r.returncode != 0:
        print(f"{name:22} synth failed: {r.stderr.strip()[-300:]}")
        continue
    s = json.loads(r.stdout)
    p = s["projects"][0]
    per_task = total / s["tasks"]
    print(f"{name:22} {plain:10.1f}s {per_task:7.1f}s {per_task / plain:5.1f}x {p['tried']:>7}/{p['accepted']:<7}")
shutil.rmtree(work, ignore_errors=True)
