#!/usr/bin/env python3
"""Code-task synthesis on real repositories against one plain run of the same suite, in the same
run: seconds per accepted task (all of `synth code`: three gold runs, the coverage run, making
mutants, running them) divided by the seconds of one plain suite run in the sandbox, and how many
mutants were tried per accepted task.

usage: bench_code_real.py ENVFORGE [--count N] [--only NAME,...]
Repositories: simplejson, pyflakes, toolz (Debian's packaged sources) and, where tools/test-repos
put them, more-itertools, packaging, chardet."""
import json, os, shutil, subprocess, sys, tempfile, time

args = sys.argv[1:]
envforge = os.path.abspath(args[0])
count = args[args.index("--count") + 1] if "--count" in args else "10"
only = args[args.index("--only") + 1].split(",") if "--only" in args else None
dist = "/usr/lib/python3/dist-packages"
testdata = os.environ.get("ENVFORGE_TESTDATA", os.path.expanduser("~/.cache/envforge/testdata"))
work = tempfile.mkdtemp(prefix="envforge-bench-real-")


def debian(dirs, root=""):
    repo = os.path.join(work, "deb-" + dirs[0])
    for d in dirs:
        shutil.copytree(os.path.join(dist, d), os.path.join(repo, root, d), ignore=shutil.ignore_patterns("__pycache__"))
    return repo


repos = [
    ("simplejson", lambda: debian(["simplejson"]), "simplejson", "simplejson/tests", "unittest", []),
    ("pyflakes", lambda: debian(["pyflakes"]), "pyflakes", "pyflakes/test", "pytest", ["--ignore-failing"]),
    ("toolz (src layout)", lambda: debian(["toolz", "tlz"], "src"), "src", "src/toolz/tests", "pytest", []),
    ("more-itertools", lambda: os.path.join(testdata, "repos", "more-itertools"), "more_itertools", "tests", "unittest", ["--test-timeout", "300"]),
    ("packaging", lambda: os.path.join(testdata, "repos", "packaging"), "src", "tests", "pytest", []),
    ("chardet", lambda: os.path.join(testdata, "repos", "chardet"), "chardet", "test.py", "pytest", ["--test-timeout", "300"]),
]
print(f"{'repository':22} {'plain suite':>11} {'s/task':>8} {'ratio':>6} {'tried/accepted':>15}")
for name, make, src, test_dir, runner, extra in repos:
    if only and name.split()[0] not in only:
        continue
    try:
        repo = make()
    except FileNotFoundError:
        repo = None
    if not repo or not os.path.isdir(repo):
        print(f"{name:22} (absent)")
        continue
    # One plain run of the suite, in the same sandbox the synthesis uses, PYTHONPATH at the roots.
    root = "src" if src == "src" else "."
    cmd = (["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", test_dir] if runner == "pytest"
           else ["python3", "-m", "unittest", "discover", "-s", test_dir, "-t", "."])
    plain_dir = os.path.join(work, "plain-" + name.split()[0])
    shutil.copytree(repo, plain_dir)
    t0 = time.monotonic()
    shell = f"cd /workspace && PYTHONPATH=/workspace/{root} " + " ".join(cmd)
    subprocess.run([envforge, "sandbox", "exec", "--workdir", plain_dir, "--wall", "900", "--cpu", "900", "--memory-mb", "2048",
                    "--pids", "1024", "--", "sh", "-c", shell], capture_output=True)
    plain = time.monotonic() - t0
    db = os.path.join(work, name.split()[0] + ".db")
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
