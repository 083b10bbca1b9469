#!/usr/bin/env python3
"""RL-ready runs through the real binary, real SQLite files and a real model server on loopback:
1. infrastructure failures: the model server down -> policy_error episodes, `run` exits 3, export
   leaves them out; the same command with the server up retries and replaces them (exit 0).
   A missing corpus -> env_error, retried the same way once it is back.
2. a GRPO export of an embedded-policy run, checked token for token against the store.
3. pass@k and calibration in `stats --json`, checked against the estimator computed here.
4. flags that do not apply are refused; --kind, --json, --dedupe work.
5. difficulty spread evenly; 6. tasks that failed validation are not run.
7. reference trajectories: search results shown before a document is opened, code read before
   it is edited, every transcript ends with an assistant message.
8. progress on a terminal for replay and synth code.

usage: test_rl.py ENVFORGE"""
import json, math, os, re, shutil, socket, sqlite3, struct, subprocess, sys, tempfile

envforge = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp(prefix="envforge-rl-")
os.chdir(work)


def run(*args, ok=(0,), env=None):
    r = subprocess.run(args, capture_output=True, text=True, env=env)
    if r.returncode not in ok:
        sys.exit(f"FAIL: {' '.join(args)} -> {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return r


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ids(blob):
    return list(struct.unpack(f"<{len(blob) // 4}i", blob)) if blob else []


# 1a. The model server is down: every episode is an infrastructure failure.
ckpt = os.path.join(work, "ckpt")
run(envforge, "model", "make-checkpoint", "--preset", "tiny", "--vocab", "129280", "--out", ckpt)
run(envforge, "synth", "--kind", "general", "--count", "3", "--db", "infra.db")
port = free_port()
cmd = [envforge, "run", "--db", "infra.db", "--policy", "openai", "--base-url", f"http://127.0.0.1:{port}/v1", "--model", "envforge-dsa",
       "--max-retries", "0", "--request-timeout", "5", "--max-new-tokens", "8", "--rollouts", "2", "--json"]
r = run(*cmd, ok=(3,))
s = json.loads(r.stdout)
assert s["infra_failures_remaining"] == 6 and s["statuses"] == {"policy_error": 6}, s
exp = run(envforge, "export", "--db", "infra.db", "--format", "sft", "-o", "infra.jsonl", "--json")
assert json.loads(exp.stdout)["records"] == 0 and json.loads(exp.stdout)["infra_failures_skipped"] == 6, exp.stdout
st = json.loads(run(envforge, "stats", "--db", "infra.db", "--json").stdout)
assert st["runs"][0]["infra_failures"] == 6 and st["pass_rates"] == [], st
# 1b. The same command with the server up: the failures are retried and replaced.
server = subprocess.Popen([envforge, "serve", "--model", ckpt, "--port", str(port), "--max-tokens", "8"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    server.stdout.readline()
    s = json.loads(run(*cmd).stdout)
finally:
    server.terminate()
    server.wait()
assert s["episodes"] == 6 and s["infra_failures_remaining"] == 0 and "policy_error" not in s["statuses"], s
con = sqlite3.connect("infra.db")
assert con.execute("select count(*) from episodes").fetchone()[0] == 6
assert con.execute("select count(*) from messages where episode_id not in (select id from episodes)").fetchone()[0] == 0
con.close()
print("infra: server down -> 6 policy_error, exit 3, none exported; server up -> retried and replaced, exit 0")

# 1c. A missing corpus is an environment failure, retried once the corpus is back.
with open("docs.jsonl", "w") as f:
    f.write('{"id":"a","title":"Ada Quill","text":"Ada Quill was born in Porthmere and founded Quill Works."}\n'
            '{"id":"b","title":"Porthmere","text":"Porthmere is a harbour town in the county of Welmsfold."}\n')
with open("facts.jsonl", "w") as f:
    f.write('{"subject":"Ada Quill","relation":"birthplace","object":"Porthmere","doc_id":"a"}\n'
            '{"subject":"Porthmere","relation":"county","object":"Welmsfold","doc_id":"b"}\n')
cache = os.path.join(work, "cache")
env = dict(os.environ, ENVFORGE_CACHE_DIR=cache)
run(envforge, "synth", "search", "--corpus", "docs.jsonl", "--facts", "facts.jsonl", "--count", "2", "--db", "corpus.db", env=env)
shutil.rmtree(cache)
os.rename("docs.jsonl", "docs.moved")
r = run(envforge, "run", "--db", "corpus.db", "--json", ok=(3,), env=env)
assert json.loads(r.stdout)["statuses"] == {"env_error": 2}, r.stdout
os.rename("docs.moved", "docs.jsonl")
r = json.loads(run(envforge, "run", "--db", "corpus.db", "--json", env=env).stdout)
assert r["passed"] == 2 and r["infra_failures_remaining"] == 0, r
print("infra: a missing corpus -> env_error, exit 3; back in place -> retried, 2/2 passed")

# 2. GRPO export of an embedded run, token for token against the store.
run(envforge, "synth", "--kind", "general", "--count", "2", "--db", "emb.db")
run(envforge, "synth", "--kind", "interp", "--count", "2", "--db", "emb.db")
run(envforge, "run", "--db", "emb.db", "--policy", "embedded", "--model", ckpt, "--max-new-tokens", "12", "--rollouts", "3", "--json")
run(envforge, "export", "--db", "emb.db", "--format", "rl", "-o", "grpo.jsonl")
con = sqlite3.connect("emb.db")
groups = [json.loads(line) for line in open("grpo.jsonl")]
assert len(groups) == 4 and all(g["group_size"] == 3 for g in groups), [g["group_size"] for g in groups]
checked = 0
for g in groups:
    rewards = [r["reward"] for r in g["rollouts"]]
    mean = sum(rewards) / len(rewards)
    assert abs(g["mean_reward"] - mean) < 1e-12
    for r in g["rollouts"]:
        assert abs(r["advantage"] - (r["reward"] - mean)) < 1e-12
        turns = con.execute("select prompt_ids, completion_ids from messages where episode_id = ? and role = 'assistant' order by idx",
                            (r["episode_id"],)).fetchall()
        turns = [(ids(p), ids(c)) for p, c in turns]
        assert turns and all(p and c for p, c in turns), "every assistant turn stores its ids"
        if r["tokens_merged"]:
            assert r["prompt_ids"] == turns[0][0]
            seq, mask = r["completion_ids"], r["loss_mask"]
            assert len(seq) == len(mask)
            full = r["prompt_ids"] + seq
            # Every turn's prompt is a prefix of the sequence, followed by exactly its completion (mask 1).
            for p, c in turns:
                assert full[:len(p)] == p
                assert full[len(p):len(p) + len(c)] == c
                assert all(mask[len(p) - len(r["prompt_ids"]) + i] == 1 for i in range(len(c)))
            assert sum(mask) == sum(len(c) for _, c in turns)
        else:
            assert [(t["prompt_ids"], t["completion_ids"]) for t in r["token_turns"]] == turns
        checked += 1
assert checked == 12
z = [json.loads(line) for line in run(envforge, "export", "--db", "emb.db", "--format", "grpo", "--advantage", "zscore").stdout.splitlines()]
for g in z:
    rw = [r["reward"] for r in g["rollouts"]]
    m = sum(rw) / len(rw)
    sd = math.sqrt(sum((x - m) ** 2 for x in rw) / (len(rw) - 1))
    assert all(abs(r["advantage"] - (r["reward"] - m) / (sd + 1e-4)) < 1e-9 for r in g["rollouts"])
con.close()
print(f"grpo export: {len(groups)} groups, {checked} embedded rollouts token-exact against the store; advantages mean and zscore")

# 3. pass@k and calibration against the estimator computed here.
run(envforge, "synth", "--kind", "general", "--count", "10", "--db", "pk.db")
run(envforge, "run", "--db", "pk.db", "--rollouts", "4")
con = sqlite3.connect("pk.db")
# Make the outcomes mixed: a recorded episode's pass flag is the only input of the statistics.
con.execute("update episodes set passed = 0 where (id % 3) = 0")
con.commit()
st = json.loads(run(envforge, "stats", "--db", "pk.db", "--json").stdout)


def pass_at(n, c, k):
    return 1.0 if n - c < k else 1.0 - math.comb(n - c, k) / math.comb(n, k)


for row in st["pass_rates"]:
    per_task = con.execute("select e.task_id, count(*), sum(e.passed) from episodes e join tasks t on t.id = e.task_id "
                           "where t.difficulty = ? group by e.task_id", (row["difficulty"],)).fetchall()
    for k in ("1", "2", "4"):
        want = sum(pass_at(n, c, int(k)) for _, n, c in per_task) / len(per_task)
        assert abs(row["pass_at_k"][k] - want) < 1e-12, (row, k, want)
    assert row["mixed_groups"] == sum(1 for _, n, c in per_task if 0 < c < n)
cal = st["calibration"][0]
assert set(cal["pass_rate_by_difficulty"]) == {"1", "2", "3", "4", "5"} and 0 <= cal["solved_up_to"] <= 5, cal
con.close()
print("stats: pass@1/2/4 per kind and difficulty equal the unbiased estimator; calibration per run and kind")


# 4. Flags.
def refused(pattern, *args):
    r = run(*args, ok=(2,))
    assert re.search(pattern, r.stderr) and r.stderr.count("\n") == 1, r.stderr


refused("--run does not apply to --format tasks", envforge, "export", "--db", "pk.db", "--format", "tasks", "--run", "reference")
refused("--only-passed does not apply to --format rl", envforge, "export", "--db", "pk.db", "--format", "rl", "--only-passed")
refused("--dedupe does not apply", envforge, "export", "--db", "pk.db", "--format", "rl", "--dedupe")
refused("--advantage does not apply", envforge, "export", "--db", "pk.db", "--advantage", "zscore")
refused("no such run", envforge, "export", "--db", "pk.db", "--run", "nope")
assert run(envforge, "export", "--db", "pk.db", "--kind", "code").stdout == "", "--kind code exported general episodes"
assert run(envforge, "export", "--db", "pk.db", "--kind", "code", "--format", "tasks").stdout == ""
j = json.loads(run(envforge, "export", "--db", "pk.db", "--json", "-o", "all.jsonl").stdout)
assert j["records"] == 40 and j["episodes"] == 40, j
d = json.loads(run(envforge, "export", "--db", "pk.db", "--dedupe", "--json", "-o", "dedupe.jsonl").stdout)
assert d["records"] == 10 and d["duplicates_dropped"] == 30, d
print("flags: inapplicable ones refused in one line; --kind filters every format; --json; --dedupe 40 -> 10")

# 5. Difficulty spread evenly.
tasks = [json.loads(l) for l in run(envforge, "synth", "--kind", "general", "--count", "5", "--difficulty", "1-5", "--db", "d.db") and
         run(envforge, "export", "--db", "d.db", "--format", "tasks").stdout.splitlines()]
assert sorted(t["difficulty"] for t in tasks) == [1, 2, 3, 4, 5], [t["difficulty"] for t in tasks]
print("difficulty: 5 tasks over 1-5 hold every level")

# 6. Tasks that failed validation are not run unless asked.
run(envforge, "validate", "--db", "d.db")
con = sqlite3.connect("d.db")
bad = con.execute("select id from tasks limit 1").fetchone()[0]
con.execute("update validations set ok = 0 where task_id = ? and probe = 'reference'", (bad,))
con.commit()
con.close()
r = json.loads(run(envforge, "run", "--db", "d.db", "--json").stdout)
assert r["skipped_invalid_tasks"] == 1 and r["episodes"] == 4, r
r = json.loads(run(envforge, "run", "--db", "d.db", "--include-invalid", "--json").stdout)
assert r["episodes"] == 1 and r["skipped_already_recorded"] == 4, r
print("validation: the invalid task is skipped by run (and run with --include-invalid)")

# 7. Reference trajectories act only on what the tools showed and end with the agent speaking.
run(envforge, "synth", "search", "--count", "60", "--db", "ref.db")
run(envforge, "synth", "code", "--count", "4", "--db", "ref.db")
run(envforge, "run", "--db", "ref.db", "--jobs", "4")
con = sqlite3.connect("ref.db")
opens = unseen = edits = unread = 0
for (eid,) in con.execute("select id from episodes"):
    msgs = con.execute("select role, content, tool_calls, name from messages where episode_id = ? order by idx", (eid,)).fetchall()
    assert msgs[-1][0] == "assistant" and msgs[-1][1], f"episode {eid} ends with {msgs[-1][0]}"
    shown, read = set(), set()
    for role, content, calls, name in msgs:
        for c in json.loads(calls) if calls else []:
            fn, args = c["function"]["name"], json.loads(c["function"]["arguments"])
            if fn == "open":
                opens += 1
                unseen += args["doc_id"] not in shown
            if fn in ("str_replace", "write_file"):
                edits += 1
                unread += args["path"] not in read
            if fn == "read_file":
                read.add(args["path"])
        if role == "tool" and name == "search":
            shown |= {h["doc_id"] for h in json.loads(content)}
con.close()
assert opens > 60 and unseen == 0, (opens, unseen)
assert edits == 4 and unread == 0, (edits, unread)
print(f"reference: {opens} opens, all of documents a search showed; {edits} edits, all after reading; every episode ends with the agent")

# 8. Progress on a terminal (util-linux `script` gives the command a pty).
if shutil.which("script"):
    out = run("script", "-qec", f"{envforge} replay --db ref.db", "/dev/null").stdout
    assert re.search(r"replay \[#+\] 64/64", out), out[-500:]
    out = run("script", "-qec", f"{envforge} synth code --count 2 --db p.db", "/dev/null").stdout
    assert re.search(r"synth code \[#+\.*\] 1/2", out) and "2/2" in out, out[-500:]
    print("progress: replay and synth code draw a bar per item on a terminal")
shutil.rmtree(work, ignore_errors=True)
print("test_rl: ok")
