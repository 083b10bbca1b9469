#!/usr/bin/env python3
"""synth interp --data (issue 26) on real tables no one here wrote: vega-datasets' Seattle weather
(CSV with dates), Palmer penguins (a JSON array with missing values) and the classic cars table
(written here as JSON lines), and gapminder with cars again as two tables of one SQLite database.
For each: 100 tasks over difficulties 1-5, every one
validated in the sandbox (its pandas reference passes, every wrong-answer probe fails), the null
policy passes none. A generator with a planted bug in its mean has those questions dropped, never
stored. With --llm (recorded completions) only rewrites that keep every name and number, do not
give the answer away and that a model then solves with the python tool are kept. Broken tables
are one-line errors. Same seed, same tasks.

    test_interp_data.py ENVFORGE SOURCE_ROOT"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ENVFORGE, ROOT = sys.argv[1], sys.argv[2]
DATA = os.path.join(ROOT, "third_party", "npm", "node_modules", "vega-datasets", "data")
if not os.path.isdir(DATA):
    print(f"SKIP: {DATA} is absent (tools/install-deps installs vega-datasets from npm)")
    sys.exit(77)
if subprocess.run(["/usr/bin/python3", "-c", "import pandas"], capture_output=True).returncode != 0:
    print("SKIP: Debian's python3-pandas is not installed (tools/install-deps installs it)")
    sys.exit(77)
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def sh(*args, env=None, timeout=1200):
    return subprocess.run([ENVFORGE, *args], capture_output=True, text=True, timeout=timeout,
                          env=None if env is None else {**os.environ, **env})


def table_dir(work, name, files):
    d = os.path.join(work, name)
    os.makedirs(d)
    for src, dst in files:
        if src.endswith(".json") and dst.endswith(".jsonl"):
            with open(os.path.join(d, dst), "w") as out:
                for rec in json.load(open(os.path.join(DATA, src))):
                    out.write(json.dumps(rec) + "\n")
        else:
            shutil.copy(os.path.join(DATA, src), os.path.join(d, dst))
    return d


def synth(d, db, *extra, env=None):
    r = sh("synth", "interp", "--data", d, "--db", db, "--json", *extra, env=env)
    check(r.returncode == 0, f"synth {d}: exit {r.returncode}: {r.stderr[-400:]}")
    return json.loads(r.stdout) if r.returncode == 0 else {}


def one_table(work, name, files, want_per_difficulty):
    return check_tables(work, name, table_dir(work, name, files), {dst for _, dst in files}, want_per_difficulty)


def check_tables(work, name, d, want_files, want_per_difficulty):
    db = os.path.join(work, name + ".db")
    s = synth(d, db, "--count", "100")
    per = {int(k): v for k, v in s.get("difficulty", {}).items()}
    check(s.get("tasks") == 100, f"{name}: {s.get('tasks')} tasks, want 100")
    for level in range(1, 6):
        check(per.get(level, 0) >= want_per_difficulty, f"{name}: difficulty {level}: {per.get(level, 0)} tasks")
    check(not s.get("dropped"), f"{name}: the real data's programs disagreed: {s.get('dropped')}")
    v = sh("validate", "--db", db, "--jobs", "2", "--json")
    vs = json.loads(v.stdout) if v.stdout.strip() else {}
    check(v.returncode == 0 and vs.get("tasks") == 100 and vs.get("failed_probes") == 0, f"{name}: validation: {vs or v.stderr[-300:]}")
    n = sh("run", "--db", db, "--policy", "null", "--json")
    con = sqlite3.connect(db)
    passed = con.execute("SELECT count(*) FROM episodes e JOIN runs r ON r.id = e.run_id WHERE r.name = 'null' AND e.passed = 1").fetchone()[0]
    check(n.returncode == 0 and passed == 0, f"{name}: the null policy passed {passed}")
    files_in_tasks = {k for (j,) in con.execute("SELECT json FROM tasks") for k in json.loads(j)["env"]["files"]}
    check(files_in_tasks == want_files, f"{name}: task files {files_in_tasks}")
    r = sh("run", "--db", db, "--policy", "reference", "--json")
    ref = json.loads(r.stdout) if r.returncode == 0 else {}
    check(ref.get("passed") == 100, f"{name}: the reference passed {ref.get('passed')} of 100: {r.stderr[-300:]}")
    print(f"{name}: {'; '.join(s['tables'])}; {s['questions']} questions, 100 tasks {dict(sorted(per.items()))}, families {s['families']}; "
          f"{vs.get('probes')} probes, {vs.get('failed_probes')} failed; null passed {passed}; synth {s['seconds']:.1f} s", flush=True)
    return d


def sqlite_tables(work):
    """Two real tables (vega-datasets' gapminder and cars) in one SQLite database with typed
    columns: the tasks carry the database (base64 in the task's JSON), ask about each table by
    name, and the pandas references read it with read_sql."""
    d = os.path.join(work, "sqlite")
    os.makedirs(d)
    con = sqlite3.connect(os.path.join(d, "vega.db"))
    for src, table, types in (
            ("gapminder.json", "gapminder", {"year": "INTEGER", "country": "TEXT", "cluster": "INTEGER", "pop": "INTEGER",
                                             "life_expect": "REAL", "fertility": "REAL"}),
            ("cars.json", "cars", {"Name": "TEXT", "Miles_per_Gallon": "REAL", "Cylinders": "INTEGER", "Displacement": "REAL",
                                   "Horsepower": "INTEGER", "Weight_in_lbs": "INTEGER", "Acceleration": "REAL", "Year": "TEXT",
                                   "Origin": "TEXT"})):
        cols = list(types)
        con.execute(f'CREATE TABLE {table} ({", ".join(f"{c} {t}" for c, t in types.items())})')
        con.executemany(f'INSERT INTO {table} VALUES ({",".join("?" * len(cols))})',
                        [[r.get(c) for c in cols] for r in json.load(open(os.path.join(DATA, src)))])
    con.commit()
    con.close()
    check_tables(work, "sqlite", d, {"vega.db"}, 20)
    tasks = [json.loads(j) for (j,) in sqlite3.connect(os.path.join(work, "sqlite.db")).execute("SELECT json FROM tasks")]
    check(all("base64" in t["env"]["files"]["vega.db"] for t in tasks), "sqlite: the database is not carried as base64")
    for table in ("gapminder", "cars"):
        check(any(f"its table `{table}`" in t["prompt"] for t in tasks), f"sqlite: no question about table {table}")


def planted_bug(work, d):
    clean = synth(d, os.path.join(work, "clean.db"), "--count", "400", "--difficulty", "1-2")
    bug = synth(d, os.path.join(work, "bug.db"), "--count", "400", "--difficulty", "1-2", env={"ENVFORGE_TEST_PLANT_BUG": "mean"})
    dropped = sum(bug.get("dropped", {}).values())
    check(dropped > 0 and all("disagrees" in why for why in bug["dropped"]), f"planted bug: dropped {bug.get('dropped')}")
    ids = lambda db: {i for (i,) in sqlite3.connect(os.path.join(work, db)).execute("SELECT id FROM tasks")}
    check(ids("bug.db") <= ids("clean.db"), "planted bug: a task with the buggy answer was stored")
    print(f"planted bug (mean + 1): {dropped} questions dropped as disagreeing ({bug['dropped']}), "
          f"{bug['tasks']} kept, all among the {clean['tasks']} of the clean generator", flush=True)


def llm_rewrites(work, d):
    """--llm openai against recorded completions: of six questions, three natural rewrites that
    the model then solves with the python tool (one submits a wrong answer), one that drops a
    column name, one that gives the answer away, one with markup. Two are kept; every call is
    stored; the kept tasks validate."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from replay_helpers import completion, start_server
    args = ["--count", "6", "--difficulty", "1-2", "--seed", "3"]
    synth(d, os.path.join(work, "tmpl.db"), *args)
    tmpl = [json.loads(j) for (j,) in sqlite3.connect(os.path.join(work, "tmpl.db")).execute("SELECT json FROM tasks ORDER BY rowid")]
    check(len(tmpl) == 6, f"llm: {len(tmpl)} templates")
    records, want = [], set()
    for i, t in enumerate(tmpl):
        q = t["prompt"][: t["prompt"].index("?") + 1]
        ask = {"contains": ["Rewrite this question:\n" + q]}
        keep = t["verifier"]["must_keep"]
        if i < 3:
            rewrite = q.replace("The file", "Looking at the file", 1)
            records.append({"match": ask, "response": completion({"content": rewrite})})
            code = t["reference"]["turns"][0]["calls"][0]["arguments"]["code"]
            answer = t["verifier"]["answer"] if i < 2 else "-1"
            for n, call in enumerate([("python", {"code": code}), ("submit", {"answer": answer})]):
                records.append({"match": {"contains": [rewrite], "turn": n}, "response": completion({"content": None, "tool_calls": [
                    {"id": f"c{n}", "type": "function", "function": {"name": call[0], "arguments": json.dumps(call[1])}}]}, "tool_calls")})
            if i < 2:
                want.add(rewrite)
        elif i == 3:
            column = [k for k in keep if not k.endswith((".csv", ".json", ".jsonl")) and not k[0].isdigit()][0]
            records.append({"match": ask, "response": completion({"content": q.replace(f"`{column}`", "that column")})})
        elif i == 4:
            records.append({"match": ask, "response": completion({"content": q[:-1] + f" (it is {t['verifier']['answer']})?"})})
        else:
            records.append({"match": ask, "response": completion({"content": "<think>hm</think> " + q})})
    rec = os.path.join(work, "rec.jsonl")
    with open(rec, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    server, url = start_server(work, rec)
    try:
        s = synth(d, os.path.join(work, "llm.db"), *args, "--llm", "openai", "--base-url", url, "--model", "recorded", "--max-retries", "0")
    finally:
        server.kill()
    con = sqlite3.connect(os.path.join(work, "llm.db"))
    kept = {json.loads(j)["prompt"][: json.loads(j)["prompt"].index("?") + 1] for (j,) in con.execute("SELECT json FROM tasks")}
    check(s.get("kept") == 2 and kept == want, f"llm: kept {s.get('kept')}: {kept}")
    check(s.get("dropped") == {"rewrite: drops": 1, "rewrite: gives the answer away": 1, "rewrite: markup in the reply": 1,
                               "verify: not the gold answer": 1}, f"llm: dropped {s.get('dropped')}")
    stages = [st for (st,) in con.execute("SELECT stage FROM synthesis_calls")]
    check(stages.count("rewrite") == 6 and stages.count("verify") == 3, f"llm: calls {stages}")
    v = sh("validate", "--db", os.path.join(work, "llm.db"), "--json")
    check(v.returncode == 0 and json.loads(v.stdout).get("failed_probes") == 0, f"llm: validation {v.stdout[-300:]}")
    print(f"llm: 6 questions, 3 rewrites solved by the model with the python tool, 2 kept; dropped {s.get('dropped')}", flush=True)


def determinism(work, d):
    a, b = (synth(d, os.path.join(work, f"det{i}.db"), "--count", "30", "--seed", "7") for i in (1, 2))
    ids = [sorted(i for (i,) in sqlite3.connect(os.path.join(work, f"det{i}.db")).execute("SELECT id FROM tasks")) for i in (1, 2)]
    check(a.get("tasks") == 30 and ids[0] == ids[1], "the same seed made different tasks")


def bad_tables(work):
    cases = {
        "unclosed.csv": ('a,b\n1,"x\n', "a quoted field is not closed"),
        "ragged.csv": ("a,b\n1,2\n3\n", "row 3 has 1 fields"),
        "latin1.csv": (b"a,b\n1,caf\xe9\n", "not UTF-8"),
        "broken.json": ('[{"a": 1}, {"a": ', "broken.json"),
        "scalars.json": ("[1, 2, 3]", "every record must be a JSON object"),
        "dup.csv": ("a,a\n1,2\n", "repeated"),
        "corrupt.db": (b"SQLite format 3\x00" + b"\xff" * 200, "not a readable SQLite database"),
        "notes.sqlite": ("just text, not a database", "notes.sqlite: not a readable SQLite database (file is not a database)"),
    }
    for name, (content, want) in cases.items():
        d = os.path.join(work, "bad-" + name)
        os.makedirs(d)
        with open(os.path.join(d, name), "wb") as f:
            f.write(content if isinstance(content, bytes) else content.encode())
        r = sh("synth", "interp", "--data", d, "--db", os.path.join(work, "bad.db"))
        line = r.stderr.strip()
        check(r.returncode == 2 and want in line and "\n" not in line, f"{name}: exit {r.returncode}: {line[:300]}")
    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    r = sh("synth", "interp", "--data", empty, "--db", os.path.join(work, "bad.db"))
    check(r.returncode == 2 and "no table files" in r.stderr, f"empty dir: {r.stderr}")
    d = table_dir(work, "schema", [("seattle-weather.csv", "seattle-weather.csv")])
    json.dump({"seattle-weather.csv": {"weather": "float"}}, open(os.path.join(d, "schema.json"), "w"))
    r = sh("synth", "interp", "--data", d, "--db", os.path.join(work, "bad.db"))
    check(r.returncode == 2 and "schema.json says column 'weather' is float" in r.stderr, f"schema: {r.stderr}")
    r = sh("synth", "search", "--data", d, "--db", os.path.join(work, "bad.db"))
    check(r.returncode == 2 and "--data applies to `synth interp` only" in r.stderr, f"--data on search: {r.stderr}")
    d = os.path.join(work, "bad-empty-db")
    os.makedirs(d)
    con = sqlite3.connect(os.path.join(d, "empty.db"))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.execute("CREATE VIEW v AS SELECT 1")
    con.commit()
    con.close()
    r = sh("synth", "interp", "--data", d, "--db", os.path.join(work, "bad.db"))
    check(r.returncode == 2 and "empty.db: no table with rows" in r.stderr, f"empty database: {r.stderr}")
    print(f"bad tables: {len(cases) + 4} one-line errors, exit 2", flush=True)


def main():
    work = tempfile.mkdtemp(prefix="envforge-interp-data-")
    try:
        seattle = one_table(work, "seattle", [("seattle-weather.csv", "seattle-weather.csv")], 15)
        one_table(work, "penguins", [("penguins.json", "penguins.json")], 20)
        one_table(work, "cars", [("cars.json", "cars.jsonl")], 20)
        sqlite_tables(work)
        planted_bug(work, seattle)
        llm_rewrites(work, seattle)
        determinism(work, seattle)
        bad_tables(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"test_interp_data: {len(failures)} failures")
    print("test_interp_data: ok")


main()
