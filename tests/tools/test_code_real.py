#!/usr/bin/env python3
"""The code kind on real repositories, and a regression repository for each way real ones broke it.

1. A small repository made here that has what real projects have: doctests added by load_tests,
   failure messages with double quotes, skipped and expected-failure tests, a fixture file that
   is not UTF-8, a test that starts 100 threads, a src layout whose package reads its own version
   through importlib.metadata, a package name that the system interpreter also has (simplejson),
   and a mutant that deadlocks. Bad --repo/--src/--test-dir answers are one-line errors.
2. Real public projects no one here wrote, of several shapes (tools/real_repos.py lists them):
   from Debian's packages, so CI always has them, simplejson (unittest, tests inside the
   package), lazr.uri (namespace package, the docs' doctests added by load_tests), pyflakes
   (pytest over unittest classes with skips), toolz (src layout); from git snapshots that
   tools/test-repos fetches, more-itertools (unittest + doctests, 901 tests), packaging (src
   layout, pytest with xfail, 29,873 tests), chardet (xfail, non-UTF-8 fixtures) — skipped,
   with a message, where absent.
For each: synth >= 10 tasks, validate passes every probe, reference N/N, null 0, replay 0
differences, the SWE-bench export's gold patch turns the task's files into the original.

The snapshots' suites take 10-35 s a run, so each of them costs 10-40 minutes: they run with
--all (or ENVFORGE_REAL_REPOS=all), not in the suite's default 20-minute budget; their latest
results are in BENCHMARKS.md.

usage: test_code_real.py ENVFORGE [--only NAME,...] [--count N] [--all]"""
import json, os, shutil, sqlite3, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from real_repos import REPOS  # noqa: E402

args = sys.argv[1:]
envforge = os.path.abspath(args[0])
only = args[args.index("--only") + 1].split(",") if "--only" in args else None
everything = "--all" in args or os.environ.get("ENVFORGE_REAL_REPOS") == "all"
count = args[args.index("--count") + 1] if "--count" in args else "10"
work = tempfile.mkdtemp(prefix="envforge-real-")


stage_seconds = {}


def run(*a, ok=(0,)):
    t0 = time.monotonic()
    r = subprocess.run(a, capture_output=True, text=True)
    key = a[1] + ("-null" if "null" in a else "")
    stage_seconds[key] = stage_seconds.get(key, 0) + time.monotonic() - t0
    if r.returncode not in ok:
        sys.exit(f"FAIL: {' '.join(a)} -> {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


def write(root, files):
    for path, content in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb" if isinstance(content, bytes) else "w") as f:
            f.write(content)


def check_project(name, repo, src, test_dir, runner, extra=()):
    """synth, validate, reference, null, replay, SWE export; returns a summary line."""
    db = os.path.join(work, name + ".db")
    stage_seconds.clear()
    t0 = time.monotonic()
    s = run(envforge, "synth", "code", "--repo", repo, "--src", src, "--test-dir", test_dir, "--test-cmd", runner,
            "--count", count, "--db", db, "--json", *extra)
    synth_s = time.monotonic() - t0
    summary = json.loads(s.stdout)
    assert summary["tasks"] == int(count), summary
    proj = summary["projects"][0]
    v = json.loads(run(envforge, "validate", "--db", db, "--json", "--jobs", "2").stdout)
    assert v["failed_probes"] == 0 and v["probes"] >= 6 * int(count), (name, v)
    ref = json.loads(run(envforge, "run", "--db", db, "--json", "--jobs", "2").stdout)
    assert ref["passed"] == int(count) == ref["episodes"], (name, ref)
    null = json.loads(run(envforge, "run", "--db", db, "--policy", "null", "--json", "--jobs", "2").stdout)
    assert null["passed"] == 0 and null["episodes"] == int(count), (name, null)
    rp = run(envforge, "replay", "--db", db)
    assert " 0 with differences" in rp.stdout, (name, rp.stdout[-2000:])
    # SWE-bench: the gold patch applies to the task's file, and is exactly the change the
    # reference made (its model_patch from the verdict, less the `diff --git` line).
    swe = {json.loads(l)["instance_id"]: json.loads(l) for l in run(envforge, "export", "--db", db, "--format", "swe").stdout.splitlines()}
    tasks = {json.loads(l)["id"]: json.loads(l) for l in run(envforge, "export", "--db", db, "--format", "tasks").stdout.splitlines()}
    preds = [json.loads(l) for l in run(envforge, "export", "--db", db, "--format", "swe", "--run", "reference").stdout.splitlines()]
    assert len(preds) == int(count) and all(p["resolved"] for p in preds), name
    for p in preds:
        inst, t = swe[p["instance_id"]], tasks[p["instance_id"]]
        assert json.loads(inst["FAIL_TO_PASS"]) == t["verifier"]["f2p"] and json.loads(inst["PASS_TO_PASS"]) == t["verifier"]["p2p"]
        assert p["model_patch"].split("\n", 1)[1] == inst["patch"], (name, p["model_patch"][:300], inst["patch"][:300])
        tree = os.path.join(work, "apply")
        shutil.rmtree(tree, ignore_errors=True)
        f = t["verifier"]["mutant"]["file"]
        write(tree, {f: t["env"]["files"][f]})
        subprocess.run(["patch", "-s", "-p1", "-d", tree], input=inst["patch"], text=True, check=True)
        compile(open(os.path.join(tree, f)).read(), f, "exec")
        subprocess.run(["patch", "-s", "-R", "-p1", "-d", tree], input=inst["patch"], text=True, check=True)
        assert open(os.path.join(tree, f)).read() == t["env"]["files"][f]
    return (f"{name}: {count} tasks in {synth_s:.0f}s ({proj['tried']} mutants tried, {proj['accepted']} accepted, "
            f"{proj['seconds_per_accepted']:.1f}s of suite runs each), {v['probes']} probes pass, reference {ref['passed']}/{ref['episodes']}, "
            f"null 0, replay 0 differences, gold patches apply ["
            + ", ".join(f"{k} {v:.0f}s" for k, v in stage_seconds.items() if k != "synth") + "]")


results = []

# ---- 1. The regression repository -----------------------------------------------------------
if not only or "fixture" in only:
    fx = os.path.join(work, "fixture")
    write(fx, {
        "pyproject.toml": '[project]\nname = "tinymath"\nversion = "1.2.3"\n',
        "src/tinymath/__init__.py": 'from importlib.metadata import version\n__version__ = version("tinymath")\n'
                                    'from .ops import clamp, mean, gcd, spin\n',
        "src/tinymath/ops.py": '''def clamp(x, lo, hi):
    """Clamp x into [lo, hi].

    >>> clamp(5, 0, 3)
    3
    >>> clamp(-1, 0, 3)
    0
    """
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def mean(xs):
    """The arithmetic mean.

    >>> mean([1, 2, 3])
    2.0
    """
    return sum(xs) / len(xs)


def gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def spin(n):
    i = 0
    while i < n:
        i += 1
    return i
''',
        # A second package named like one the system interpreter has: the repository's wins.
        "src/simplejson/__init__.py": 'WHERE = "repository"\n\ndef dumps(x):\n    return repr(x)\n',
        "tests/__init__.py": "",
        "tests/test_ops.py": '''import doctest, threading, unittest
import simplejson
import tinymath
from tinymath import ops


def load_tests(loader, tests, ignore):
    tests.addTests(doctest.DocTestSuite(ops))
    return tests


class OpsTests(unittest.TestCase):
    def test_clamp_message(self):
        self.assertEqual(ops.clamp(10, 0, 5), 5, 'clamp said "too big"')

    def test_mean(self):
        self.assertEqual(ops.mean([2, 4]), 3.0)

    def test_gcd(self):
        self.assertEqual(ops.gcd(12, 18), 6)

    def test_spin(self):
        self.assertEqual(ops.spin(1000), 1000)

    def test_threads(self):
        seen = []
        threads = [threading.Thread(target=seen.append, args=(i,)) for i in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(seen), 100)

    def test_version_from_metadata(self):
        self.assertEqual(tinymath.__version__, "1.2.3")

    def test_own_copy_of_a_system_package(self):
        self.assertEqual(simplejson.WHERE, "repository")

    def test_fixture_is_latin1(self):
        import os
        with open(os.path.join(os.path.dirname(__file__), "data", "latin1.txt"), "rb") as f:
            self.assertEqual(f.read().decode("latin-1"), "caf\\xe9 cr\\xe8me")

    @unittest.skip("not on this platform")
    def test_skipped(self):
        self.fail()

    @unittest.expectedFailure
    def test_known_bug(self):
        self.assertEqual(ops.mean([1]), 2)
''',
        "tests/data/latin1.txt": "café crème".encode("latin-1"),
    })
    # Bad inputs: one line, naming the problem.
    for argv, want in [(["--repo", os.path.join(work, "nope"), "--src", "x"], "no such directory"),
                       (["--repo", fx, "--src", "lib/none"], "--src 'lib/none': no such directory"),
                       (["--repo", fx, "--src", "tests/data"], "holds no Python files"),
                       (["--repo", fx, "--src", "src", "--test-dir", "checks"], "--test-dir 'checks'"),
                       (["--src", "src"], "applies to `synth code --repo DIR` only")]:
        r = run(envforge, "synth", "code", "--db", os.path.join(work, "bad.db"), *argv, ok=(2,))
        assert want in r.stderr and r.stderr.strip().count("\n") == 0 and "what():" not in r.stderr, (argv, r.stderr)
    # A missing dependency is named.
    dep = os.path.join(work, "needsdep")
    write(dep, {"pkg/__init__.py": "x = 1\n", "tests/__init__.py": "", "tests/test_a.py": "import hypothesis_nope\n\ndef test_a():\n    pass\n"})
    r = run(envforge, "synth", "code", "--repo", dep, "--src", "pkg", "--test-cmd", "pytest", "--db", os.path.join(work, "bad.db"), ok=(2,))
    assert "imports 'hypothesis_nope'" in r.stderr, r.stderr
    results.append(check_project("fixture", fx, "src", "tests", "unittest"))
    print(results[-1], flush=True)
    # What the fixture proves, beyond passing: doctest ids were selected and verified, the neutral
    # tests are in no verdict, the Latin-1 fixture survived the store, no mutant appears twice.
    con = sqlite3.connect(os.path.join(work, "fixture.db"))
    tasks = [json.loads(j) for (j,) in con.execute("select json from tasks")]
    ids = set().union(*[set(t["verifier"]["f2p"]) | set(t["verifier"]["p2p"]) for t in tasks])
    assert any(i.startswith("tinymath.ops.") for i in ids), "doctests are in the verdicts"
    assert not any("test_skipped" in i or "test_known_bug" in i for i in ids)
    assert all(t["verifier"]["neutral"] == ["tests.test_ops.OpsTests.test_known_bug", "tests.test_ops.OpsTests.test_skipped"] for t in tasks)
    assert all(t["env"]["files"]["tests/data/latin1.txt"] == {"base64": "Y2Fm6SBjcuhtZQ=="} for t in tasks)
    keys = [(t["verifier"]["mutant"]["file"], tuple(t["verifier"]["mutant"]["span"]), t["verifier"]["mutant"]["replacement"]) for t in tasks]
    assert len(set(keys)) == len(keys), "identical mutants"
    con.close()

# ---- 2. Real repositories (tools/real_repos.py) ------------------------------------------------
for r in REPOS:
    if only and r.name not in only:
        continue
    if r.slow and not (everything or only):
        print(f"SKIP {r.name}: minutes per run of its suite; run with --all (results in BENCHMARKS.md)")
        continue
    repo = r.make(work)
    if not repo:
        print(f"SKIP {r.name}: no copy of it here ({'tools/test-repos fetch' if r.slow else 'Debian package missing: run tools/install-deps'})")
        continue
    results.append(check_project(r.name, repo, r.src, r.test_dir, r.runner, r.extra))
    print(results[-1], flush=True)
shutil.rmtree(work, ignore_errors=True)
print(f"test_code_real: {len(results)} repositories")
