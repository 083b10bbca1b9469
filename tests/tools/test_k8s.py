#!/usr/bin/env python3
"""tools/k8s, checked without a cluster (none is reachable from CI; kubectl's client-side dry run
still asks a server for the API's discovery document):

1. Every manifest is valid against the Kubernetes API's own schemas (kubernetes-models, from
   npm: types, enums, required fields) with unknown fields refused, as a server's strict field
   validation would; and the checker refuses broken copies (so it can fail).
2. The sharded Job is Indexed, with completions = parallelism = ENVFORGE_SHARDS, and the merge
   Job mounts the claim the shards write to.
3. The pods' own commands, run here as each pod would (JOB_COMPLETION_INDEX = 0..N-1, /data a
   temp directory), then the merge Job's command, give the tasks and outcomes of one machine."""
import json, os, re, shutil, sqlite3, subprocess, sys, tempfile

envforge, source_root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
npm = os.path.join(source_root, "third_party", "npm")
checker = os.path.join(source_root, "tests", "tools", "check_k8s.mjs")
manifests = [os.path.join(source_root, "tools", "k8s", f) for f in ("envforge-shards.yaml", "envforge-merge.yaml")]
if not os.path.isdir(os.path.join(npm, "node_modules", "kubernetes-models")):
    sys.exit("test_k8s: kubernetes-models is missing from third_party/npm (run tools/install-deps)")
work = tempfile.mkdtemp(prefix="envforge-k8s-")

# 1. Schemas.
p = subprocess.run(["node", checker, npm, *manifests], capture_output=True, text=True)
print(p.stdout.strip())
assert p.returncode == 0, p.stdout + p.stderr
assert p.stdout.count(": valid") == 3, p.stdout
shards_yaml = open(manifests[0]).read()
for name, broken, needle in [
        ("string completions", shards_yaml.replace("completions: 4", 'completions: "four"'), "/spec/completions"),
        ("unknown field", shards_yaml.replace("completionMode: Indexed", "completionMode: Indexed\n  shardCount: 4"),
         ".spec.shardCount: unknown field"),
        ("misspelt container field", shards_yaml.replace("imagePullPolicy:", "imagePullPolcy:"), "imagePullPolcy: unknown field"),
        ("bad enum", shards_yaml.replace("completionMode: Indexed", "completionMode: Sharded"), "/spec/completionMode")]:
    path = os.path.join(work, "broken.yaml")
    open(path, "w").write(broken)
    p = subprocess.run(["node", checker, npm, path], capture_output=True, text=True)
    assert p.returncode == 1 and needle in p.stdout, (name, p.stdout, p.stderr)
print("1. the manifests are valid; four broken copies are refused")

# 2. The shape envforge relies on.
docs = json.loads(subprocess.run(["node", checker, "--dump", npm, *manifests], check=True, capture_output=True, text=True).stdout)
job = next(d for d in docs if d["kind"] == "Job" and d["metadata"]["name"] == "envforge-shards")
merge = next(d for d in docs if d["kind"] == "Job" and d["metadata"]["name"] == "envforge-merge")
claim = next(d for d in docs if d["kind"] == "PersistentVolumeClaim")
spec = job["spec"]
container = spec["template"]["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in container["env"]}
assert spec["completionMode"] == "Indexed"
assert spec["completions"] == spec["parallelism"] == int(env["ENVFORGE_SHARDS"]), (spec, env)
assert "ReadWriteMany" in claim["spec"]["accessModes"]
for j in (job, merge):
    volumes = j["spec"]["template"]["spec"]["volumes"]
    assert [v["persistentVolumeClaim"]["claimName"] for v in volumes] == [claim["metadata"]["name"]], volumes
print(f"2. Indexed Job of {spec['completions']} shards; both Jobs mount claim '{claim['metadata']['name']}'")

# 3. The pods' commands, run here.
data = os.path.join(work, "data")
os.makedirs(data)
bindir = os.path.join(work, "bin")
os.makedirs(bindir)
os.symlink(envforge, os.path.join(bindir, "envforge"))
flags = "--kinds general,interp --count 10 --rollouts 2 --seed 5"
shard_cmd = container["args"][0].replace("/data", data)
assert container["command"] == ["/bin/sh", "-c"]
n = int(env["ENVFORGE_SHARDS"])
for i in range(n):
    pod_env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], JOB_COMPLETION_INDEX=str(i), ENVFORGE_SHARDS=str(n),
                   ENVFORGE_ARGS=flags)
    subprocess.run(["/bin/sh", "-c", shard_cmd], env=pod_env, check=True, capture_output=True)
merge_container = merge["spec"]["template"]["spec"]["containers"][0]
merge_cmd = merge_container["args"][0].replace("/data", data)
subprocess.run(["/bin/sh", "-c", merge_cmd], env=dict(os.environ, PATH=bindir + ":" + os.environ["PATH"]), check=True,
               capture_output=True)
one = os.path.join(work, "one.db")
subprocess.run([envforge, "generate", "--db", one, *flags.split(), "--json"], check=True, capture_output=True)
exports = [subprocess.run([envforge, "export", "--db", db, "--format", "tasks", "-o", "-"], check=True, capture_output=True).stdout
           for db in (one, os.path.join(data, "merged.db"))]
assert exports[0] == exports[1] and exports[0].count(b"\n") == 20


def outcomes(db):
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT r.name, e.task_id, e.rollout, e.status, e.passed FROM episodes e "
                                   "JOIN runs r ON r.id = e.run_id").fetchall())


assert outcomes(one) == outcomes(os.path.join(data, "merged.db")) and len(outcomes(one)) == 40
print(f"3. the {n} pods' commands and the merge Job's, run here: 20 tasks byte-identical, 40 episodes as on one machine")
shutil.rmtree(work, ignore_errors=True)
print("test_k8s: passed")
