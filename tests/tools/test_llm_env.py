#!/usr/bin/env python3
"""`synth general --llm openai`: the environment-synthesis loop against a loopback server replaying
recorded completions (tests/tools/replay_server.py).

The recorded model, over one conversation: replies with text that is not JSON; then a package
whose third task's solution breaks the library's rules; then a package that validates (version
1); asked for a harder version, the same package again; then the package with a harder task
(version 2). Checked:
1. Exactly versions 1 and 2 are accepted and written out, their 3 + 4 tasks stored with their
   validations, and each rejected reply counted under its reason.
2. What envforge told the model is in the next request: the JSON error, the failed probe with the
   verifier's words, "not harder".
3. Every call is in synthesis_calls (stage, accepted, reason, raw request and response).
4. The written packages are packages: synth --package and validate them again.
5. Server down: exit 3, nothing accepted.
6. A model-written package name is never a path (refused and fed back), and a rerun never writes
   over earlier folders."""
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

envforge, source_root = os.path.abspath(sys.argv[1]), sys.argv[2]
work = tempfile.mkdtemp(prefix="envforge-llm-env-")
env = dict(os.environ, ENVFORGE_CACHE_DIR=os.path.join(work, "cache"))
LIBRARY = os.path.join(source_root, "datasets", "packages", "library")
THEME = "an airline's bookings and rebooking rules"  # the theme of environment 1 with --seed 1


def ef(*args, ok=(0,)):
    p = subprocess.run([envforge, *args], capture_output=True, text=True, env=env, cwd=work)
    if p.returncode not in ok:
        sys.exit(f"envforge {' '.join(args)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p


def path(name):
    return os.path.join(work, name)


def reply(text):
    return completion({"content": text})


# The packages the recorded model writes: the bundled library, as one JSON object.
env_json = json.load(open(os.path.join(LIBRARY, "env.json")))
env_json["name"] = "lending_desk"
tasks = [json.loads(line) for line in open(os.path.join(LIBRARY, "tasks.jsonl"))]
good = {"env.json": env_json, "tasks": tasks}
for f in ("schema.sql", "tools.py", "verify.py"):
    good[f] = open(os.path.join(LIBRARY, f)).read()
broken = json.loads(json.dumps(good))
broken["tasks"][2]["solution"] = [s for s in broken["tasks"][2]["solution"] if not (isinstance(s, dict) and s["name"] == "return_book")]
harder = json.loads(json.dumps(good))
harder["tasks"].append({
    "prompt": "Bilal Noor returns 'Harbour Lights'. Then lend him every Mira Osei book with a copy on the shelf, and submit how many "
              "loans he holds afterwards.",
    "difficulty": 4, "expected": {"answer_text": "1", "loans": [[7, 2]], "no_loans": [[2, 2]]},
    "solution": [{"name": "get_member", "arguments": {"name": "Bilal Noor"}},
                 {"name": "return_book", "arguments": {"book_id": 2, "member_id": 2}},
                 {"name": "search_books", "arguments": {"text": "Mira Osei"}},
                 {"name": "lend_book", "arguments": {"book_id": 7, "member_id": 2}},
                 {"name": "list_loans", "arguments": {"member_id": 2}},
                 {"name": "get_member", "arguments": {"name": "Bilal Noor"}}],
    "answer": {"answer": "1"}, "wrong_answers": [{"answer": "2"}, {"answer": "0"}]})
script = ["Sure! Here is the package: {not json at all",
          "```json\n" + json.dumps(broken) + "\n```",
          json.dumps(good),
          json.dumps(good),
          json.dumps(harder)]
with open(path("recordings.jsonl"), "w") as f:
    for turn, text in enumerate(script):
        f.write(json.dumps({"match": {"contains": [THEME], "turn": turn}, "response": reply(text)}) + "\n")

server, url = start_server(work, path("recordings.jsonl"), "--log", path("requests.jsonl"))
LLM = ["--llm", "openai", "--base-url", url, "--model", "recorded", "--max-retries", "0"]
try:
    s = json.loads(ef("synth", "general", *LLM, "--count", "1", "--attempts", "3", "--raise", "1", "--packages-out", "out",
                      "--db", "llm.db", "--json").stdout)
finally:
    server.terminate()
    server.wait()
print("llm environments:", s)
assert s["accepted"] == 1 and s["versions"] == 2 and s["tasks"] == 7 and s["calls"] == 5 and s["infra_failures"] == 0, s
assert s["rejected"] == {"not JSON": 1, "validation": 1, "not harder": 1}, s["rejected"]
assert s["packages"] == ["out/lending_desk-v1", "out/lending_desk-v2"], s["packages"]

# 2. The feedback the model got.
sent = [json.loads(line) for line in open(path("requests.jsonl"))]
assert len(sent) == 5
last_user = [[m for m in r["messages"] if m["role"] == "user"][-1]["content"] for r in sent]
assert "(not JSON)" in last_user[1], last_user[1]
assert "(validation)" in last_user[2] and "task 3, reference: expected to pass but failed" in last_user[2] \
    and "book 3 is not on loan to member 1" in last_user[2], last_user[2]
assert "Now make it harder" in last_user[3], last_user[3]
assert "(not harder)" in last_user[4], last_user[4]
assert [sum(m["role"] == "assistant" for m in r["messages"]) for r in sent] == [0, 1, 2, 3, 4]

# 1, 3. The store.
con = sqlite3.connect(path("llm.db"))
gens = con.execute("SELECT generator, count(*) FROM tasks GROUP BY 1 ORDER BY 1").fetchall()
assert gens == [("general.package.lending_desk@1", 3), ("general.package.lending_desk@2", 4)], gens
assert con.execute("SELECT count(*), sum(ok) FROM validations").fetchone() == (11 + 15, 11 + 15)
calls = con.execute("SELECT source_task, stage, accepted, reason, raw FROM synthesis_calls ORDER BY id").fetchall()
assert [(c[1], c[2]) for c in calls] == [("environment", 0), ("environment", 0), ("environment", 1), ("raise", 0), ("raise", 1)], calls
assert all(c[0] == "environment/1: " + THEME for c in calls)
assert calls[0][3].startswith("not JSON") and calls[1][3].startswith("validation") and calls[3][3].startswith("not harder"), calls
assert json.loads(calls[2][4])["response"]["choices"][0]["message"]["content"] == json.dumps(good)
con.close()

# 4. The written packages are packages.
for version, n in (("v1", 3), ("v2", 4)):
    ef("synth", "general", "--package", os.path.join("out", "lending_desk-" + version), "--db", version + ".db")
    v = json.loads(ef("validate", "--db", version + ".db", "--json").stdout)
    assert v["tasks"] == n and v["failed_probes"] == 0, v
print("accepted: v1 (3 tasks) and v2 (4 tasks), written, stored and valid again; 3 replies rejected with the reason fed back")

# 6. A model-written name is no path: "../../escape" is refused as a package name (fed back, its
# folder removed, nothing written outside OUT), and the corrected package lands beside, never
# over, what the first run wrote.
THEME2 = "a university's course registration"  # environment 1 with --seed 2
hostile = json.loads(json.dumps(good))
hostile["env.json"]["name"] = "../../escape"
with open(path("recordings2.jsonl"), "w") as f:
    f.write(json.dumps({"match": {"contains": [THEME2], "turn": 0}, "response": reply(json.dumps(hostile))}) + "\n")
    f.write(json.dumps({"match": {"contains": [THEME2], "turn": 1}, "response": reply(json.dumps(good))}) + "\n")
server, url2 = start_server(work, path("recordings2.jsonl"))
try:
    s = json.loads(ef("synth", "general", "--llm", "openai", "--base-url", url2, "--model", "recorded", "--max-retries", "0",
                      "--raise", "0", "--count", "1", "--seed", "2", "--packages-out", "out", "--db", "hostile.db", "--json").stdout)
finally:
    server.terminate()
    server.wait()
assert s["packages"] == ["out/lending_desk-v1-2"] and s["rejected"] == {"package check": 1}, s
assert sorted(os.listdir(path("out"))) == ["lending_desk-v1", "lending_desk-v1-2", "lending_desk-v2"], os.listdir(path("out"))
assert not any("escape" in name for name in os.listdir(work)) and not os.path.exists(os.path.join(os.path.dirname(work), "escape-v1"))
print("names: '../../escape' refused and fed back, nothing written outside; the fix landed as lending_desk-v1-2 beside the first run's")

# 5. Server down.
p = ef("synth", "general", *LLM, "--count", "1", "--packages-out", "down", "--db", "down.db", ok=(3,))
with sqlite3.connect(path("down.db")) as con:
    assert con.execute("SELECT count(*) FROM tasks").fetchone()[0] == 0
    assert con.execute("SELECT reason FROM synthesis_calls").fetchone()[0].startswith("server: ")
assert not os.path.exists(path("down")) or not os.listdir(path("down"))
p = ef("synth", "general", "--packages-out", "x", "--db", "x.db", ok=(2,))
assert "--packages-out applies to `synth general --llm` only" in p.stderr, p.stderr
print("server down: exit 3, nothing accepted; --packages-out without --llm refused")
shutil.rmtree(work)
