#!/usr/bin/env python3
"""Environment packages (general environments written in Python and SQL, no C++), end to end.

1. The bundled package (datasets/packages/library): synth, validate (solution passes, no answer
   and every wrong answer fail), run reference and null, export and replay (every tool call
   re-executed in the sandbox gives the same result).
2. A task carries its package: exported, imported into a new store and run with the package
   directory gone, it passes the same.
3. A package over real data: the Debian archive's package index, as tools/debian_corpus.py reads it,
   with its tools written in Python and tasks whose answers come from that data.
4. Broken and hostile packages are named problems, never crashes: a tool with a syntax error
   (env_error naming the file), a solution that breaks the rules (validation fails with the
   verifier's reason), a tool that loops forever (the tool's time limit), a tool that writes
   outside its directory or reads the host's secrets (refused by the sandbox), a verifier that
   raises (the task fails with the reason); and malformed packages are one-line errors, exit 2."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

envforge, source_root = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="envforge-package-")
env = dict(os.environ, ENVFORGE_CACHE_DIR=os.path.join(work, "cache"))
LIBRARY = os.path.join(source_root, "datasets", "packages", "library")


def ef(*args, ok=(0,)):
    p = subprocess.run([envforge, *args], capture_output=True, text=True, env=env)
    if p.returncode not in ok:
        sys.exit(f"envforge {' '.join(args)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p


def path(name):
    return os.path.join(work, name)


def js(*args, ok=(0,)):
    return json.loads(ef(*args, "--json", ok=ok).stdout)


# 1. The bundled package.
db = path("library.db")
ef("synth", "general", "--package", LIBRARY, "--db", db)
v = js("validate", "--db", db)
assert v["tasks"] == 3 and v["probes"] == 11 and v["failed_probes"] == 0, v
r = js("run", "--db", db)
assert r["episodes"] == 3 and r["passed"] == 3, r
n = js("run", "--db", db, "--policy", "null")
assert n["episodes"] == 3 and n["passed"] == 0, n
ef("export", "--db", db, "-o", path("library-sft.jsonl"))
ef("replay", "--db", db, "--input", path("library-sft.jsonl"))
print(f"library: 3 tasks, 11 probes as expected, reference 3/3, null 0/3, replay identical")

# 2. Tasks carry their package.
copy = path("library-copy")
shutil.copytree(LIBRARY, copy)
ef("synth", "general", "--package", copy, "--db", path("copy.db"))
ef("export", "--db", path("copy.db"), "--format", "tasks", "-o", path("tasks.jsonl"))
shutil.rmtree(copy)
ef("import", "--db", path("imported.db"), "--tasks", path("tasks.jsonl"))
r = js("run", "--db", path("imported.db"))
assert r["passed"] == 3, r
print("self-contained: exported, imported, run with the package directory gone: 3/3")

# 3. A package over real data: the machine's Debian package index.
corpus = path("debian")
p = subprocess.run([sys.executable, os.path.join(source_root, "tools", "debian_corpus.py"), corpus, "--limit", "3000"],
                   capture_output=True, text=True)
if p.returncode == 0:
    pkgs = {}
    for line in open(os.path.join(corpus, "facts.jsonl")):
        f = json.loads(line)
        if f["subject_type"] == "package":
            pkgs.setdefault(f["subject"], {}).setdefault(f["relation"], []).append(f["object"])
    deb = path("debian-package")
    os.makedirs(deb)
    with open(os.path.join(deb, "schema.sql"), "w") as f:
        f.write("CREATE TABLE packages(name TEXT PRIMARY KEY, section TEXT, maintainer TEXT, version TEXT);\n"
                "CREATE TABLE depends(package TEXT, dependency TEXT);\n")
        q = lambda s: "'" + s.replace("'", "''") + "'"  # noqa: E731
        for name, rel in sorted(pkgs.items()):
            f.write(f"INSERT INTO packages VALUES({q(name)}, {q(rel.get('section', [''])[0])}, "
                    f"{q(rel.get('maintainer', [''])[0])}, {q(rel.get('version', [''])[0])});\n")
            for d in rel.get("depends_on", []):
                f.write(f"INSERT INTO depends VALUES({q(name)}, {q(d)});\n")
    with open(os.path.join(deb, "tools.py"), "w") as f:
        f.write('def show(db, name):\n'
                '    row = db.execute("SELECT * FROM packages WHERE name = ?", (name,)).fetchone()\n'
                '    if row is None:\n        raise LookupError(f"no package {name}")\n'
                '    row["depends"] = [r["dependency"] for r in db.execute("SELECT dependency FROM depends WHERE package = ?", (name,))]\n'
                '    return row\n\n'
                'def maintained_by(db, maintainer):\n'
                '    return [r["name"] for r in db.execute("SELECT name FROM packages WHERE maintainer = ? ORDER BY name", (maintainer,))]\n')
    with open(os.path.join(deb, "verify.py"), "w") as f:
        f.write('def verify(db, answer, expected=""):\n'
                '    got = (answer or {}).get("answer", "") if isinstance(answer, dict) else ""\n'
                '    return {"passed": got.strip() == expected, "details": f"answer {got!r}, expected {expected!r}"}\n')
    with open(os.path.join(deb, "env.json"), "w") as f:
        json.dump({"name": "debian", "version": "1", "tools": [
            {"name": "show", "description": "A package: section, maintainer, version, dependencies.",
             "parameters": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
            {"name": "maintained_by", "description": "The packages a maintainer maintains.",
             "parameters": {"type": "object", "properties": {"maintainer": {"type": "string"}}, "required": ["maintainer"]}}]}, f)
    # Tasks: the section of a package's only dependency, where that dependency is in the table.
    tasks = []
    for name, rel in sorted(pkgs.items()):
        deps = rel.get("depends_on", [])
        if len(deps) == 1 and deps[0] in pkgs and pkgs[deps[0]].get("section"):
            dep = deps[0]
            answer = pkgs[dep]["section"][0]
            wrong = next(s for s in ("libs", "utils", "doc", "python") if s != answer)
            tasks.append({"prompt": f"In which archive section is the package that {name} depends on?", "difficulty": 2,
                          "expected": {"expected": answer},
                          "solution": [{"name": "show", "arguments": {"name": name}}, {"name": "show", "arguments": {"name": dep}}],
                          "answer": {"answer": answer}, "wrong_answers": [{"answer": wrong}]})
        if len(tasks) == 20:
            break
    assert len(tasks) == 20, len(tasks)
    with open(os.path.join(deb, "tasks.jsonl"), "w") as f:
        for t in tasks:
            f.write(json.dumps(t) + "\n")
    ef("synth", "general", "--package", deb, "--db", path("debian.db"))
    v = js("validate", "--db", path("debian.db"))
    assert v["tasks"] == 20 and v["probes"] == 60 and v["failed_probes"] == 0, v
    size = os.path.getsize(os.path.join(deb, "schema.sql")) >> 10
    print(f"debian: a package over {len(pkgs)} real packages ({size} KiB of SQL): 20 tasks, 60 probes as expected")
elif p.returncode == 77:
    print("debian: skipped, " + p.stderr.strip())
else:
    sys.exit("debian_corpus.py failed: " + p.stderr)


# 4. Broken and hostile packages.
def variant(name, edit):
    d = path(name)
    shutil.copytree(LIBRARY, d)
    edit(d)
    return d


def append(file, text):
    return lambda d: open(os.path.join(d, file), "a").write(text)


def replace_in(file, old, new):
    def edit(d):
        p = os.path.join(d, file)
        s = open(p).read()
        assert old in s, (file, old)
        open(p, "w").write(s.replace(old, new))
    return edit


def validate_rows(d):
    db = path(os.path.basename(d) + ".db")
    ef("synth", "general", "--package", d, "--db", db)
    v = js("validate", "--db", db, ok=(0, 1))
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT t.difficulty, v.probe, v.ok, v.details FROM validations v JOIN tasks t ON t.id = v.task_id").fetchall()
    return v, {(d_, probe): (ok, json.loads(details)) for d_, probe, ok, details in rows}


v, rows = validate_rows(variant("syntax", append("tools.py", "\ndef broken(:\n")))
assert v["failed_probes"] == 11, v  # every probe: the environment does not start
ok, details = rows[(1, "reference")]
assert not ok and details["status"] == "env_error" and "does not load" in details["error"] and "SyntaxError" in details["error"], details

v, rows = validate_rows(variant("rules", replace_in("tasks.jsonl", '{"name": "return_book", "arguments": {"book_id": 4, "member_id": 1}}, ', "")))
ok, details = rows[(3, "reference")]
assert not ok and "book 3 is not on loan to member 1" in json.dumps(details), details


def tool_outputs(d):
    """Runs the reference over a package and returns what its tools answered."""
    db = path(os.path.basename(d) + "-run.db")
    ef("synth", "general", "--package", d, "--db", db)
    js("run", "--db", db, "--include-invalid")
    with sqlite3.connect(db) as con:
        return [r[0] for r in con.execute("SELECT content FROM messages WHERE role = 'tool' AND is_error = 1")], \
            [r[0] for r in con.execute("SELECT content FROM messages WHERE role = 'tool'")]


out, _ = tool_outputs(variant("loop", lambda d: (
    replace_in("tools.py", "def search_books(db, text):", "def search_books(db, text):\n    while True:\n        pass\n")(d),
    replace_in("env.json", '"name": "library",', '"name": "library", "call_timeout_seconds": 1,')(d))))
assert any("ran past its 1 s limit" in o for o in out), out
out, _ = tool_outputs(variant("hostile", replace_in("tools.py", "def search_books(db, text):\n",
                                                 "def search_books(db, text):\n    open('/etc/envforge-pwned', 'w').write('x')\n")))
assert not os.path.exists("/etc/envforge-pwned")
assert any("OSError" in o or "PermissionError" in o for o in out), out
secret = path("secret.txt")
open(secret, "w").write("hunter2-not-for-tools")
out, every = tool_outputs(variant("secrets", replace_in("tools.py", "def search_books(db, text):\n",
                                                        f"def search_books(db, text):\n    return open({secret!r}).read()\n")))
assert out and not any("hunter2" in o for o in every), every

v, rows = validate_rows(variant("verifier", replace_in("verify.py", "    problems = []", "    problems = []\n    1 / 0")))
ok, details = rows[(1, "reference")]
assert not ok and "ZeroDivisionError" in json.dumps(details), details
print("broken: syntax error -> env_error naming it; broken rule and raising verifier -> task fails with the reason; "
      "endless tool -> its time limit; writing /etc or reading a host file -> refused by the sandbox")


def expect_error(text, d):
    p = ef("synth", "general", "--package", d, "--db", path("x.db"), ok=(2,))
    assert text in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


expect_error("cannot read it", variant("noverify", lambda d: os.remove(os.path.join(d, "verify.py"))))
expect_error("other than submit", variant("submit", replace_in("env.json", '"name": "search_books"', '"name": "submit"')))
expect_error("the solution calls 'lend_bok'", variant("unknown", replace_in("tasks.jsonl", '"name": "lend_book"', '"name": "lend_bok"')))
expect_error("tasks.jsonl:2", variant("badline", replace_in("tasks.jsonl", '"difficulty": 2,', '"difficulty": 2')))
expect_error("no such directory", path("nowhere"))
p = ef("synth", "general", "--package", LIBRARY, "--domain", "trip", "--db", path("x.db"), ok=(2,))
assert "give one of them" in p.stderr, p.stderr
print("malformed: 6 packages refused in one line each")
shutil.rmtree(work)
