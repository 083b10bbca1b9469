#!/usr/bin/env python3
"""Bad input files never end envforge with a signal (issue 25, item 1): each is one line on
stderr that names the file, and exit 2. Imported tasks of the wrong shape end their episodes
as recorded environment errors, and the run goes on.

    test_bad_inputs.py ENVFORGE SOURCE_ROOT"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ENVFORGE, ROOT = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def sh(*args):
    return subprocess.run([ENVFORGE, *args], capture_output=True, text=True, timeout=300)


def one_line(r, name, what):
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 2, f"{what}: exit {r.returncode} (a negative exit is a signal): {r.stderr[-300:]}")
    check(len(lines) == 1 and name in lines[0], f"{what}: expected one line naming {name}: {lines}")


def tokenizers(work):
    good = json.load(open(os.path.join(ROOT, "tests", "fuzz", "corpus", "tokenizer", "byte_level_bpe.json")))
    r = sh("tokenize", "--tokenizer", os.path.join(ROOT, "tests", "fuzz", "corpus", "tokenizer", "byte_level_bpe.json"), "Hello")
    check(r.returncode == 0, f"the good tokenizer: {r.stderr}")
    cases = {
        "no_added_tokens": lambda t: t.pop("added_tokens"),  # ended in SIGABRT before
        "negative_added_id": lambda t: t["added_tokens"][0].update(id=-1),  # wrote vocab[-1] before
        "string_id": lambda t: t["model"]["vocab"].update(a="seven"),
        "no_normalizer": lambda t: t.pop("normalizer"),
        "merge_of_three": lambda t: t["model"]["merges"].append(["a", "b", "c"]),
        "model_not_object": lambda t: t.update(model=[]),
    }
    for name, spoil in cases.items():
        t = json.loads(json.dumps(good))
        spoil(t)
        path = os.path.join(work, name + ".json")
        json.dump(t, open(path, "w"))
        one_line(sh("tokenize", "--tokenizer", path, "Hello"), name + ".json", f"tokenizer {name}")


def checkpoints(work):
    d = os.path.join(work, "ckpt")
    check(sh("model", "make-checkpoint", "--preset", "tiny", "--out", d).returncode == 0, "make-checkpoint")
    config = json.load(open(os.path.join(d, "config.json")))
    for name, spoil in {"hidden_size_string": lambda c: c.update(hidden_size="64"),
                        "no_layers": lambda c: c.pop("num_hidden_layers"),
                        "config_array": None}.items():
        bad = os.path.join(work, "ckpt-" + name)
        shutil.copytree(d, bad)
        if spoil:
            c = json.loads(json.dumps(config))
            spoil(c)
            json.dump(c, open(os.path.join(bad, "config.json"), "w"))
        else:
            open(os.path.join(bad, "config.json"), "w").write("[1, 2")
        one_line(sh("model", "info", bad), "config.json", f"checkpoint {name}")
    bad = os.path.join(work, "ckpt-header")
    shutil.copytree(d, bad)
    st = [f for f in os.listdir(bad) if f.endswith(".safetensors")][0]
    data = open(os.path.join(bad, st), "rb").read()
    open(os.path.join(bad, st), "wb").write(data[:8] + b'{"w": {"dtype": 7, "shape": "x"}}' + data[8 + 33:])
    one_line(sh("model", "info", bad), st, "safetensors header of the wrong types")


def imported_tasks(work):
    db = os.path.join(work, "good.db")
    check(sh("synth", "general", "--domain", "retail", "--count", "2", "--db", db).returncode == 0, "synth retail")
    out = os.path.join(work, "tasks.jsonl")
    check(sh("export", "--db", db, "--format", "tasks", "-o", out).returncode == 0, "export tasks")
    tasks = [json.loads(l) for l in open(out)]
    t = json.loads(json.dumps(tasks[0]))
    t["env"]["tables"][0]["columns"][0] = ["id", 7]  # a column type that is not a string
    t.pop("id")
    bad = os.path.join(work, "bad_tasks.jsonl")
    open(bad, "w").write("\n".join(json.dumps(x) for x in (t, tasks[1])) + "\n")
    # The id no longer matches the content: import says so, naming the line.
    t2 = json.loads(json.dumps(tasks[0]))
    t2["prompt"] = "changed"
    open(os.path.join(work, "mismatch.jsonl"), "w").write(json.dumps(t2) + "\n")
    one_line(sh("import", "--tasks", os.path.join(work, "mismatch.jsonl"), "--db", os.path.join(work, "m.db")), "mismatch.jsonl:1",
             "import of a task whose id does not match")
    open(os.path.join(work, "notjson.jsonl"), "w").write('{"kind": "general",\n')
    one_line(sh("import", "--tasks", os.path.join(work, "notjson.jsonl"), "--db", os.path.join(work, "m.db")), "notjson.jsonl:1",
             "import of a line that is not JSON")
    # A task whose id is recomputed is imported; its episode ends as an environment error.
    r = subprocess.run([ENVFORGE, "import", "--tasks", bad, "--db", os.path.join(work, "imp.db")], capture_output=True, text=True)
    if r.returncode == 0:
        r = sh("run", "--db", os.path.join(work, "imp.db"), "--include-invalid")
        # Exit 3: the run finished with infrastructure failures to retry (the env_error below).
        check(r.returncode in (0, 3), f"run over a malformed imported task: exit {r.returncode}: {r.stderr[-300:]}")
        rows = sqlite3.connect(os.path.join(work, "imp.db")).execute("SELECT status, error FROM episodes ORDER BY id").fetchall()
        check(len(rows) == 2, f"both imported tasks ran: {rows}")
        check(any(s == "env_error" and "a column must be" in (e or "") for s, e in rows), f"the malformed one is an env_error: {rows}")
    else:
        one_line(r, "bad_tasks.jsonl:1", "import of a task with a malformed table")


def task_sql_reaching_the_host(work):
    """An imported task's SQL runs in the episode's in-memory database: it must not create files."""
    db = os.path.join(work, "sql.db")
    check(sh("synth", "general", "--domain", "retail", "--count", "1", "--db", db).returncode == 0, "synth retail")
    out = os.path.join(work, "sql.jsonl")
    sh("export", "--db", db, "--format", "tasks", "-o", out)
    base = json.loads(open(out).readline())
    targets = [f"/tmp/envforge-sql-{os.getpid()}-{i}.db" for i in range(3)]
    variants = []
    t = json.loads(json.dumps(base))
    t["env"]["tables"][0]["columns"][0][1] = f"INTEGER); ATTACH DATABASE '{targets[0]}' AS x; CREATE TABLE x.t(a"
    variants.append(t)
    for i, sql in ((1, f"VACUUM INTO '{targets[1]}'"), (2, f"ATTACH DATABASE '{targets[2]}' AS y")):
        t = json.loads(json.dumps(base))
        t["tools"][0]["impl"] = {"sql": sql}
        t["reference"] = {"turns": [{"calls": [{"name": t["tools"][0]["function"]["name"], "arguments": {"email": "x"}}]}]}
        variants.append(t)
    for t in variants:
        t.pop("id", None)
    path = os.path.join(work, "sql_tasks.jsonl")
    open(path, "w").write("\n".join(json.dumps(t) for t in variants) + "\n")
    imp = os.path.join(work, "sql_imp.db")
    r = sh("import", "--tasks", path, "--db", imp)
    check(r.returncode == 0, f"import of the SQL tasks: {r.stderr}")
    r = sh("run", "--db", imp, "--include-invalid")
    check(r.returncode in (0, 3), f"run over tasks carrying hostile SQL: exit {r.returncode}: {r.stderr[-300:]}")
    for p in targets:
        check(not os.path.exists(p), f"task SQL created {p} on the host")
        if os.path.exists(p):
            os.unlink(p)
    n = sqlite3.connect(imp).execute("SELECT count(*) FROM episodes").fetchone()[0]
    check(n == 3, f"{n} of 3 episodes recorded")


def main():
    work = tempfile.mkdtemp(prefix="envforge-bad-inputs-")
    try:
        tokenizers(work)
        checkpoints(work)
        imported_tasks(work)
        task_sql_reaching_the_host(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"test_bad_inputs: {len(failures)} failures")
    print("test_bad_inputs: ok")


main()
