#!/usr/bin/env python3
"""Bad input files never end envforge with a signal (issue 25, item 1): each is one line on
stderr that names the file, and exit 2. Imported tasks are checked against their kind's typed
environment before anything is stored: a malformed or hostile member is one line naming it. SQL
a valid task carries runs in the episode's own database and never reaches the host.

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
    # A task whose id is recomputed but whose env is malformed: import checks the kind's typed
    # environment and refuses the file, naming the line and the member; nothing is stored.
    r = sh("import", "--tasks", bad, "--db", os.path.join(work, "imp.db"))
    one_line(r, "bad_tasks.jsonl:1", "import of a task with a malformed table")
    check("env.tables[0].columns[0]" in r.stderr, f"the error names the member: {r.stderr}")


def typed_environments(work):
    """Each kind's env is checked at import: a hostile or malformed member is one line naming it."""
    tasks = {}
    for kind, extra in (("search", ["--world-size", "40"]), ("interp", []), ("code", []), ("general", ["--domain", "retail"])):
        db = os.path.join(work, f"env-{kind}.db")
        r = sh("synth", kind, "--count", "1", "--db", db, *extra)
        check(r.returncode == 0, f"synth {kind}: {r.stderr[-300:]}")
        out = os.path.join(work, f"env-{kind}.jsonl")
        sh("export", "--db", db, "--format", "tasks", "-o", out)
        tasks[kind] = json.loads(open(out).readline())
        # What synthesis writes, import takes back unchanged.
        check(sh("import", "--tasks", out, "--db", os.path.join(work, f"env-{kind}-again.db")).returncode == 0, f"{kind} round trip")
    cases = [
        ("search", lambda e: e.update(index="../../etc/passwd"), "env.index"),
        ("search", lambda e: e["corpus"].update(type="ftp"), "env.corpus.type"),
        ("search", lambda e: e["corpus"].update(world_size="400"), "env.corpus.world_size"),
        ("interp", lambda e: e["files"].update({"../escape.csv": "a\n"}), "env.files['../escape.csv']"),
        ("interp", lambda e: e["files"].update({"data.bin": {"base64": 7}}), "env.files['data.bin']"),
        ("code", lambda e: e["files"].update({"/etc/cron.d/x": "x"}), "env.files"),
        ("code", lambda e: e.update(runner="sh -c reboot"), "env.runner"),
        ("code", lambda e: e.update(test_dir="../.."), "env.test_dir"),
        ("code", lambda e: e.update(test_timeout=-1), "env.test_timeout"),
        ("code", lambda e: e.pop("source_dirs"), "env.source_dirs"),
        ("general", lambda e: e.update(domain="casino"), "env.domain"),
        ("general", lambda e: e["tables"][0]["rows"][0].append(1), "env.tables[0].rows[0]"),
        ("general", lambda e: e["tables"][1].update(name="x; DROP TABLE y"), "env.tables[1].name"),
    ]
    for i, (kind, spoil, member) in enumerate(cases):
        t = json.loads(json.dumps(tasks[kind]))
        spoil(t["env"])
        t.pop("id")
        path = os.path.join(work, f"env-bad-{i}.jsonl")
        open(path, "w").write(json.dumps(t) + "\n")
        r = sh("import", "--tasks", path, "--db", os.path.join(work, "env-bad.db"))
        one_line(r, f"env-bad-{i}.jsonl:1", f"{kind} env with a bad {member}")
        check(member in r.stderr, f"{kind}: the error names {member}: {r.stderr.strip()}")


def task_sql_reaching_the_host(work):
    """An imported task's SQL runs in the episode's in-memory database: it must not create files."""
    db = os.path.join(work, "sql.db")
    check(sh("synth", "general", "--domain", "retail", "--count", "1", "--db", db).returncode == 0, "synth retail")
    out = os.path.join(work, "sql.jsonl")
    sh("export", "--db", db, "--format", "tasks", "-o", out)
    base = json.loads(open(out).readline())
    targets = [f"/tmp/envforge-sql-{os.getpid()}-{i}.db" for i in range(3)]
    # SQL in a column type is refused at import (the types are SQLite's five names).
    t = json.loads(json.dumps(base))
    t["env"]["tables"][0]["columns"][0][1] = f"INTEGER); ATTACH DATABASE '{targets[0]}' AS x; CREATE TABLE x.t(a"
    t.pop("id", None)
    path = os.path.join(work, "sql_column.jsonl")
    open(path, "w").write(json.dumps(t) + "\n")
    one_line(sh("import", "--tasks", path, "--db", os.path.join(work, "sql_col.db")), "sql_column.jsonl:1", "SQL in a column type")
    variants = []
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
    check(n == 2, f"{n} of 2 episodes recorded")


def main():
    work = tempfile.mkdtemp(prefix="envforge-bad-inputs-")
    try:
        tokenizers(work)
        checkpoints(work)
        imported_tasks(work)
        typed_environments(work)
        task_sql_reaching_the_host(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"test_bad_inputs: {len(failures)} failures")
    print("test_bad_inputs: ok")


main()
