#!/usr/bin/env python3
"""tools/slurm on a real single-node Slurm that this test starts (Debian's slurmctld and slurmd,
munged with a key generated here, all on private ports and paths under a temp directory).

tools/slurm/submit runs a 4-shard job array of `envforge generate` and the merge step after it
(afterok); one shard is requeued while it runs (Slurm kills it and starts it again, the store
resumes). The merged store is then compared with a single-machine `generate` of the same flags:
the task export is byte-identical, and every (run, task, rollout) has the same outcome and pass
count. Exit 77 (skip) with the reason where Slurm or munge is absent or cannot start here."""
import atexit, os, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time

envforge = os.path.abspath(sys.argv[1])
source_root = os.path.abspath(sys.argv[2])
SHARDS = 4
FLAGS = ["--kinds", "general,search,interp", "--count", "24", "--rollouts", "3", "--seed", "11", "--jobs", "4"]


def skip(why):
    print(f"SKIP test_slurm: {why}")
    sys.exit(77)


for tool in ("slurmctld", "slurmd", "munged", "sbatch", "scontrol", "squeue"):
    if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
        skip(f"{tool} is not installed (tools/install-deps installs slurmctld, slurmd, slurm-client and munge)")
if os.geteuid() != 0:
    skip("slurmd and munged run as root here; run the suite as root")


def tool(name):
    return shutil.which(name) or f"/usr/sbin/{name}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


work = tempfile.mkdtemp(prefix="envforge-slurm-")
os.chmod(work, 0o755)  # munged refuses keys and sockets in group/world-writable directories
for d in ("munge", "state", "spool", "jobs", "log"):
    os.makedirs(os.path.join(work, d), mode=0o700)
munge_sock = os.path.join(work, "munge", "munge.socket")
key = os.path.join(work, "munge", "munge.key")
with open(key, "wb") as f:
    f.write(os.urandom(1024))
os.chmod(key, 0o400)
host = socket.gethostname().split(".")[0]
node = "envforge-node"
ctl_port, d_port = free_port(), free_port()
conf = os.path.join(work, "slurm.conf")
with open(conf, "w") as f:
    f.write(f"""ClusterName=envforge-test
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctl_port}
SlurmdPort={d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={munge_sock}
CredType=cred/munge
StateSaveLocation={work}/state
SlurmdSpoolDir={work}/spool
SlurmctldPidFile={work}/slurmctld.pid
SlurmdPidFile={work}/slurmd.pid
SlurmctldLogFile={work}/log/slurmctld.log
SlurmdLogFile={work}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
MinJobAge=3600
SlurmdParameters=config_overrides
NodeName={node} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 2} RealMemory=1024 State=UNKNOWN
PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
""")
env = dict(os.environ, SLURM_CONF=conf, ENVFORGE=envforge)
daemons = []


def log_tail(name, n=15):
    p = os.path.join(work, "log", name)
    return "".join(open(p, errors="replace").readlines()[-n:]) if os.path.exists(p) else "(no log)"


stopped = False


def stop():
    """Cancels every job and stops the daemons (also at exit, whatever ended the test)."""
    global stopped
    if stopped:
        return
    stopped = True
    subprocess.run(["scancel", "--full", "--user=root"], env=env, capture_output=True)
    for p in daemons:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in daemons:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    subprocess.run([tool("munged"), "--stop", f"--socket={munge_sock}"], capture_output=True)


def fail(msg):
    stop()
    sys.exit(f"test_slurm: {msg}\n--- slurmctld.log\n{log_tail('slurmctld.log')}--- slurmd.log\n{log_tail('slurmd.log')}")


def run(*cmd, check=True):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if check and p.returncode != 0:
        fail(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


atexit.register(stop)
# munged: a private key, socket, pid, seed and log; --force because it runs as root here.
m = subprocess.run([tool("munged"), "--force", f"--key-file={key}", f"--socket={munge_sock}",
                    f"--pid-file={work}/munge/munged.pid", f"--seed-file={work}/munge/seed",
                    f"--log-file={work}/log/munged.log"], capture_output=True, text=True)
if m.returncode != 0:
    skip(f"munged cannot start here: {m.stderr.strip() or log_tail('munged.log', 3)}")
daemons.append(subprocess.Popen([tool("slurmctld"), "-D", "-f", conf], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL))
daemons.append(subprocess.Popen([tool("slurmd"), "-D", "-f", conf, "-N", node], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL))
deadline = time.monotonic() + 60
while True:
    state = subprocess.run(["sinfo", "-h", "-n", node, "-o", "%T"], env=env, capture_output=True, text=True).stdout.strip()
    if state.startswith("idle"):
        break
    if time.monotonic() > deadline or any(p.poll() is not None for p in daemons):
        stop()
        skip(f"Slurm did not come up here (node state '{state}'):\n{log_tail('slurmctld.log', 5)}{log_tail('slurmd.log', 5)}")
    time.sleep(0.5)
print(f"slurm up on {host}: slurmctld :{ctl_port}, slurmd {node} :{d_port}")

# The job, as a user submits it.
t_submit = time.monotonic()
out = os.path.join(work, "jobs")
submitted = run(os.path.join(source_root, "tools", "slurm", "submit"), "--shards", str(SHARDS), "--out", out, "--", *FLAGS)
print(submitted.strip())
array_id = submitted.split("job ")[1].split()[0]
merge_id = submitted.split("merge: job ")[1].split()[0]


def job_states(job):
    """{array task or job id: state} from scontrol (no accounting database here)."""
    text = run("scontrol", "-o", "show", "job", job, check=False)
    states = {}
    for line in text.splitlines():
        fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        states[fields.get("ArrayTaskId", fields.get("JobId"))] = fields.get("JobState")
    return states


# Requeue shard 1 once while it runs: Slurm stops it (SIGTERM, then SIGKILL) and starts it anew
# on the same store.
requeued = False
deadline = time.monotonic() + 120
while not requeued and time.monotonic() < deadline:
    if job_states(array_id).get("1") == "RUNNING":
        time.sleep(1.0)
        if job_states(array_id).get("1") == "RUNNING":
            run("scontrol", "requeue", f"{array_id}_1")
            # Slurm holds a requeued job back for a while (BeginTime); let it start at once.
            time.sleep(0.5)
            run("scontrol", "update", f"jobid={array_id}_1", "StartTime=now", check=False)
            requeued = True
            break
    time.sleep(0.2)

deadline = time.monotonic() + 600
while True:
    merge_state = job_states(merge_id).get(merge_id)
    if merge_state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY"):
        break
    if time.monotonic() > deadline:
        fail(f"merge job still {merge_state} after 10 minutes; shards: {job_states(array_id)}")
    time.sleep(1)
shard_states = job_states(array_id)
if merge_state != "COMPLETED":
    logs = "".join(open(os.path.join(out, f)).read()[-800:] for f in sorted(os.listdir(out)) if f.endswith(".log"))
    fail(f"merge job {merge_state}; shards {shard_states}\n{logs}")
assert all(s == "COMPLETED" for s in shard_states.values()) and len(shard_states) == SHARDS, shard_states
shard1_log = open(os.path.join(out, f"envforge-shard-{array_id}_1.log")).read()
restarts = shard1_log.count("envforge shard 1/4")
for line in shard1_log.splitlines():
    if line.startswith("run ") or line.startswith("synthesized") or "validated before" in line:
        print("  shard 1:", line)
t_jobs = time.monotonic() - t_submit
print(f"{t_jobs:.0f} s: array {array_id}: {SHARDS} shards COMPLETED (shard 1 started {restarts} times); merge {merge_id} COMPLETED")
stop()

# One machine, same flags.
one = os.path.join(work, "one.db")
t0 = time.monotonic()
subprocess.run([envforge, "generate", "--db", one, *FLAGS, "--json"], check=True, capture_output=True)
print(f"one machine: {time.monotonic() - t0:.0f} s")
merged = os.path.join(out, "merged.db")
exports = []
for db in (one, merged):
    p = subprocess.run([envforge, "export", "--db", db, "--format", "tasks", "-o", "-"], check=True, capture_output=True)
    exports.append(p.stdout)
assert exports[0] == exports[1], "the merged shards export other tasks than one machine"
n_tasks = exports[0].count(b"\n")
assert n_tasks == 72, n_tasks


def outcomes(db):
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT r.name, e.task_id, e.rollout, e.status, e.reward, e.passed FROM episodes e "
                            "JOIN runs r ON r.id = e.run_id").fetchall()
        return {(r, t, k): rest for r, t, k, *rest in rows}


a, b = outcomes(one), outcomes(merged)
assert len(a) == 72 * 3 and a == b, f"{len(a)} vs {len(b)} episodes; {sum(a.get(k) != v for k, v in b.items())} differ"
passed = sum(v[2] for v in a.values())
with sqlite3.connect(merged) as conn:
    dup = conn.execute("SELECT count(*) FROM (SELECT 1 FROM episodes GROUP BY run_id, task_id, rollout HAVING count(*) > 1)").fetchone()[0]
    assert dup == 0
print(f"merged store == single machine: {n_tasks} tasks byte-identical, {len(a)} episodes, {passed} passed on both")
shutil.rmtree(work, ignore_errors=True)
print("test_slurm: passed")
