#!/usr/bin/env python3
"""`synth search --llm openai` against a real HTTP server on loopback that replays recorded
completions (tests/tools/replay_server.py).

The recordings answer eight procedural questions in every way a model can: four natural
rewrites that a model then answers with the search tools (three reach the gold answer, one does
not), a rewrite that gives the answer away, a reply that is not JSON, a rewrite that drops a
number of the question, and one with reasoning markup in it.

1. Exactly the three are kept, each dropped one is counted under its reason, and every call
   (8 rewrites, 4 verifications) is in synthesis_calls with its raw request and response.
2. The kept tasks read as rewritten, keep the procedural question in the verifier, and validate
   (their reference still solves them, the wrong answers still fail).
3. Server down: exit 3, nothing kept, every call stored with the server's error.
4. Record, then replay: the server in --record mode in front of the first one writes recordings
   that a fresh replay server answers the same way: the same tasks are kept.
5. merge copies synthesis_calls once.
6. Model options without --llm are refused.
7. --llm embedded (the in-process model, a random checkpoint): its noise is dropped with the reason
   and stored with the prompt and the reply, for questions and environments alike."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_helpers import completion, start_server  # noqa: E402

envforge = sys.argv[1]
work = tempfile.mkdtemp(prefix="envforge-llm-")
env = dict(os.environ, ENVFORGE_CACHE_DIR=os.path.join(work, "cache"))
SYNTH = ["synth", "search", "--count", "8", "--world-size", "200"]


def ef(*args, ok=(0,)):
    p = subprocess.run([envforge, *args], capture_output=True, text=True, env=env)
    if p.returncode not in ok:
        sys.exit(f"envforge {' '.join(args)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p


def path(name):
    return os.path.join(work, name)


def tool_turn(calls, n):
    return completion({"content": None, "tool_calls": [
        {"id": f"call_{n}_{i}", "type": "function",
         "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}} for i, c in enumerate(calls)]}, "tool_calls")


# The procedural questions, made as the --llm run will make them (same flags, same tasks).
ef(*SYNTH, "--db", path("templates.db"))
with sqlite3.connect(path("templates.db")) as con:
    templates = [json.loads(r[0]) for r in con.execute("SELECT json FROM tasks ORDER BY rowid")]
assert len(templates) == 8


def question(t):
    return t["prompt"][: t["prompt"].index("?") + 1]


records, expect_kept = [], set()
for i, t in enumerate(templates):
    q, answer = question(t), t["verifier"]["answer"]
    ask = {"contains": ["Rewrite this question:\n" + q]}
    if i in (0, 1, 6, 7):
        rewrite = "Quick question: " + q
        records.append({"match": ask, "response": completion({"content": f'"{rewrite}"'})})
        turns = [turn["calls"] for turn in t["reference"]["turns"]]
        if i == 6:  # the model answering the rewrite gets it wrong: dropped
            turns[-1] = [{"name": "submit", "arguments": {"answer": "Nobody In Particular"}}]
        else:
            expect_kept.add(rewrite)
        for n, calls in enumerate(turns):
            records.append({"match": {"contains": [rewrite], "turn": n}, "response": tool_turn(calls, n)})
    elif i == 2:
        records.append({"match": ask, "response": completion({"content": q[:-1] + f", which is {answer}?"})})
    elif i == 3:
        records.append({"match": ask, "status": 200, "body": "this is not json {"})
    elif i == 4:
        records.append({"match": ask, "response": completion({"content": "Where is that organisation based?"})})
    else:
        records.append({"match": ask, "response": completion({"content": "<think>easy</think> " + q})})
with open(path("recordings.jsonl"), "w") as f:
    for r in records:
        f.write(json.dumps(r) + "\n")

# 1. The run.
server, url = start_server(work, path("recordings.jsonl"), "--log", path("requests.jsonl"))
LLM = ["--llm", "openai", "--base-url", url, "--model", "recorded", "--max-retries", "0"]
try:
    s = json.loads(ef(*SYNTH, *LLM, "--db", path("llm.db"), "--json").stdout)
    print("llm synth:", s)
    assert s["templates"] == 8 and s["rewritten"] == 4 and s["kept"] == 3 and s["new"] == 3 and s["infra_failures"] == 0, s
    assert s["dropped"] == {"rewrite: gives the answer away": 1, "rewrite: malformed reply": 1, "rewrite: drops": 1,
                            "rewrite: markup in the reply": 1, "verify: not the gold answer": 1}, s["dropped"]
    con = sqlite3.connect(path("llm.db"))
    kept = [json.loads(r[0]) for r in con.execute("SELECT json FROM tasks")]
    assert {question(t) for t in kept} == expect_kept, [t["prompt"] for t in kept]
    by_q = {question(t): t for t in templates}
    for t in kept:
        original = by_q[t["verifier"]["rewritten_from"]]
        assert t["prompt"] == "Quick question: " + original["prompt"], t["prompt"]
        assert t["generator"]["name"] == "search.synthetic+llm", t["generator"]
        assert t["verifier"]["answer"] == original["verifier"]["answer"]
    calls = con.execute("SELECT source_task, stage, task_id, accepted, reason, raw FROM synthesis_calls ORDER BY id").fetchall()
    assert [c[1] for c in calls].count("rewrite") == 8 and [c[1] for c in calls].count("verify") == 4, calls
    kept_ids = {r[0] for r in con.execute("SELECT id FROM tasks")}
    # The calls that led to a stored task name it: a rewrite and a verification for each.
    assert {c[2] for c in calls if c[2]} == kept_ids and sum(1 for c in calls if c[2]) == 6, calls
    assert {c[0] for c in calls if c[1] == "rewrite"} == {t["id"] for t in templates}
    for source, stage, task_id, accepted, reason, raw in calls:
        assert bool(accepted) == (reason is None), (stage, reason)
        rec = json.loads(raw)
        if stage == "rewrite":
            sent = rec["request"]["messages"]
            assert sent[-1]["content"].startswith("Rewrite this question:\n"), sent
            if reason and "malformed" in reason:
                assert rec["response"] == "this is not json {" and "invalid JSON" in rec["error"], rec
            else:
                assert rec["response"]["choices"][0]["message"]["content"], rec
        else:
            roles = [m["role"] for m in rec["transcript"]]
            assert roles[:2] == ["system", "user"] and "tool" in roles, roles
            assert all(json.loads(m["raw"])["request"]["model"] == "recorded" for m in rec["transcript"] if m["role"] == "assistant")
    con.close()
    # The server saw every call: 8 rewrites and one request per verification turn.
    sent = [json.loads(line) for line in open(path("requests.jsonl"))]
    assert len(sent) == 8 + sum(len(by_q[q[len("Quick question: "):]]["reference"]["turns"]) for q in expect_kept) + \
        len(templates[6]["reference"]["turns"]), len(sent)
    print(f"stored: 3 tasks, 12 calls with raw request and response; the server saw {len(sent)} requests")

    # 2. The kept tasks validate.
    v = json.loads(ef("validate", "--db", path("llm.db"), "--json").stdout)
    assert v["tasks"] == 3 and v["failed_probes"] == 0, v
    r = json.loads(ef("run", "--db", path("llm.db"), "--json").stdout)
    assert r["episodes"] == 3 and r["passed"] == 3, r

    # 4. Record through a proxy, replay from what it wrote.
    recorder, rec_url = start_server(work, path("recorded.jsonl"), "--record", "--upstream", url)
    try:
        LLM_REC = ["--llm", "openai", "--base-url", rec_url, "--model", "recorded", "--max-retries", "0"]
        s2 = json.loads(ef(*SYNTH, *LLM_REC, "--db", path("rec.db"), "--json").stdout)
    finally:
        recorder.terminate()
        recorder.wait()
finally:
    server.terminate()
    server.wait()
replayer, rep_url = start_server(work, path("recorded.jsonl"))
try:
    LLM_REP = ["--llm", "openai", "--base-url", rep_url, "--model", "recorded", "--max-retries", "0"]
    s3 = json.loads(ef(*SYNTH, *LLM_REP, "--db", path("rep.db"), "--json").stdout)
finally:
    replayer.terminate()
    replayer.wait()


def task_ids(db):
    with sqlite3.connect(db) as con:
        return sorted(r[0] for r in con.execute("SELECT id FROM tasks"))


assert s2["kept"] == s3["kept"] == 3 and task_ids(path("rec.db")) == task_ids(path("rep.db")) == task_ids(path("llm.db")), (s2, s3)
print(f"record then replay: {sum(1 for _ in open(path('recorded.jsonl')))} recorded calls, the same 3 tasks kept")

# 3. Server down.
p = ef(*SYNTH, *LLM, "--db", path("down.db"), ok=(3,))
assert "rerun" in p.stdout, p.stdout
with sqlite3.connect(path("down.db")) as con:
    assert con.execute("SELECT count(*) FROM tasks").fetchone()[0] == 0
    rows = con.execute("SELECT accepted, reason FROM synthesis_calls").fetchall()
assert len(rows) == 8 and all(a == 0 and r.startswith("server: ") for a, r in rows), rows
print("server down: exit 3, nothing kept, 8 calls stored with the server's error")

# 5. merge copies the calls once.
m = json.loads(ef("merge", path("merged.db"), path("llm.db"), "--json").stdout)
assert m["synthesis_calls"] == 12, m
m = json.loads(ef("merge", path("merged.db"), path("llm.db"), "--json").stdout)
assert m["synthesis_calls"] == 0, m

# 7. The embedded model drives the same steps in process: a random checkpoint writes noise, every
# rewrite is dropped with its reason and stored with the prompt and the reply; an environment
# written by it is rejected as not JSON, and fed back.
ckpt = path("ckpt")
ef("model", "make-checkpoint", "--preset", "tiny", "--vocab", "129280", "--out", ckpt)
EMB = ["--llm", "embedded", "--model", ckpt, "--max-new-tokens", "24", "--thinking", "off"]
s = json.loads(ef(*SYNTH[:3], "3", *SYNTH[4:], *EMB, "--db", path("emb.db"), "--json").stdout)
assert s["templates"] == 3 and s["kept"] == 0 and sum(s["dropped"].values()) == 3, s
with sqlite3.connect(path("emb.db")) as con:
    rows = con.execute("SELECT stage, accepted, reason, raw FROM synthesis_calls").fetchall()
assert len(rows) == 3 and all(r[0] == "rewrite" and r[1] == 0 and r[2] for r in rows), rows
for r in rows:
    raw = json.loads(r[3])
    assert raw["request"]["messages"][-1]["content"].startswith("Rewrite this question:") and raw["response"]["role"] == "assistant", raw
s = json.loads(ef("synth", "general", *EMB, "--count", "1", "--attempts", "2", "--packages-out", path("emb-packages"),
                  "--db", path("emb-env.db"), "--json").stdout)
assert s["accepted"] == 0 and s["calls"] == 2 and s["rejected"] == {"not JSON": 2}, s
print(f"embedded: 3 noisy rewrites dropped ({', '.join(s_ for s_ in rows[0][2:3])}), 2 noisy packages rejected; all stored")

# 6. Model options without --llm, or --llm elsewhere, are refused.
for args, text in ((["--base-url", url], "--base-url applies with --llm only"),
                   (["--llm", "nope"], "--llm 'nope': expected openai or embedded"),
                   (["--llm", "openai"], "needs --base-url URL and --model NAME")):
    p = ef(*SYNTH, *args, "--db", path("x.db"), ok=(2,))
    assert text in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
p = ef("synth", "interp", "--llm", "openai", "--db", path("x.db"), ok=(2,))
assert "--llm applies to `synth general`, `synth search`, `synth interp --data` and `synth code --history` only" in p.stderr, p.stderr
print("flags: 4 misuses refused in one line each")
shutil.rmtree(work)
