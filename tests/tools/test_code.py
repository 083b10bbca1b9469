#!/usr/bin/env python3
"""Evidence for the code kind: `synth code --count 120` over the bundled seeds is deterministic
(two processes, byte-identical `export --format tasks`); `validate` passes every probe (gold
passes; no-op, deleted or skipped failing test, planted syntax error, fake report files and a
sitecustomize/conftest that forces passes all fail); `run --policy reference` verifies 100%;
`replay` shows zero differences; episode workspaces are removed. Then user repositories: one with
pytest (`--test-cmd pytest`), and one that fails its own suite (rejected, naming the test).

usage: test_code.py ENVFORGE SOURCE_ROOT [COUNT]"""
import glob, json, os, shutil, sqlite3, subprocess, sys, tempfile

envforge, root = sys.argv[1], sys.argv[2]
count = sys.argv[3] if len(sys.argv) > 3 else "120"
work = tempfile.mkdtemp(prefix="envforge-code-")


def run(*args, ok=(0,)):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode not in ok:
        sys.exit(f"FAIL: {' '.join(args)} -> {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


before = set(glob.glob("/tmp/envforge@*"))
dbs = [os.path.join(work, f"code{i}.db") for i in (1, 2)]
for db in dbs:
    run(envforge, "synth", "code", "--db", db, "--count", count, "--seed", "7", "--json")
exports = [run(envforge, "export", "--db", db, "--format", "tasks").stdout for db in dbs]
assert exports[0] == exports[1], "two syntheses of the same request differ"
tasks = [json.loads(line) for line in exports[0].splitlines()]
assert len(tasks) == int(count), len(tasks)
gens = sorted({t["generator"]["name"] if isinstance(t["generator"], dict) else t["generator"] for t in tasks})
assert len(gens) == 6, gens
ops = sorted({t["verifier"]["mutant"]["op"] for t in tasks})
assert len(ops) >= 8, f"only {len(ops)} mutation operators used: {ops}"
for t in tasks:
    assert t["verifier"]["f2p"], t["id"]
    if t["difficulty"] >= 3:
        assert not any(f in t["prompt"] for f in t["verifier"]["f2p"]), f"{t['id']}: a failing test name leaks at difficulty {t['difficulty']}"
print(f"synth code: {len(tasks)} tasks from {len(gens)} seeds, {len(ops)} operators, byte-identical twice")

db = dbs[0]
v = json.loads(run(envforge, "validate", "--db", db, "--json", "--jobs", "4").stdout)
assert v["failed_probes"] == 0 and v["probes"] == 8 * len(tasks), v
print(f"validate: {v['probes']} probes, none failed")
r = json.loads(run(envforge, "run", "--db", db, "--policy", "reference", "--json", "--jobs", "4").stdout)
assert r["episodes"] == len(tasks) and r["passed"] == len(tasks), r
rp = run(envforge, "replay", "--db", db)
assert " 0 with differences" in rp.stdout, rp.stdout
left = set(glob.glob("/tmp/envforge@*")) - before
assert not left, f"workspaces left behind: {sorted(left)[:3]}"
print(f"run reference: {r['passed']}/{r['episodes']} verified; replay: 0 differences; no workspace left")

# A user repository run with pytest, and one that fails its own suite.
repo = os.path.join(work, "repo")
shutil.copytree(os.path.join(root, "datasets", "seeds", "code", "lrucache"), repo)
os.remove(os.path.join(repo, "seed.json"))
udb = os.path.join(work, "user.db")
run(envforge, "synth", "code", "--repo", repo, "--src", "lrucache", "--test-cmd", "pytest", "--count", "3", "--db", udb)
ut = [json.loads(line) for line in run(envforge, "export", "--db", udb, "--format", "tasks").stdout.splitlines()]
assert all(t["env"]["runner"] == "pytest" and "::" in t["verifier"]["f2p"][0] for t in ut), [t["verifier"]["f2p"][0] for t in ut]
uv = json.loads(run(envforge, "validate", "--db", udb, "--json").stdout)
assert uv["failed_probes"] == 0, uv
with open(os.path.join(repo, "lrucache", "lru.py")) as f:
    src = f.read()
with open(os.path.join(repo, "lrucache", "lru.py"), "w") as f:
    f.write(src.replace("self.stats.hits += 1", "self.stats.hits += 2"))
bad = run(envforge, "synth", "code", "--repo", repo, "--src", "lrucache", "--count", "1", "--db", udb, ok=(2,))
assert "does not pass its own suite" in bad.stderr and "test_stats" in bad.stderr, bad.stderr
print("user repositories: pytest tasks validate; a repository failing its own suite is rejected naming the test")
shutil.rmtree(work)
