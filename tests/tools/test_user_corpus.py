#!/usr/bin/env python3
"""Questions from a real user corpus: the Debian archive's package index (tools/debian_corpus.py),
20,000 packages and about 230,000 typed facts that no one here wrote.

1. 100 questions at difficulty 1-5, judged here against the facts themselves, not against what
   envforge says of them:
   - raw relation names ("the depends_on of X", or "the R of" where the corpus says how R reads):
     under 5% (the issue's corpus had 59%);
   - type-confused hops (a hop whose subject is not of the type the previous hop's relation gives,
     e.g. the section "ruby" read as the package "ruby"): none;
   - ambiguous hops (the same words ask about facts with two different answers, over every
     relation with that phrase): none;
   - guessable answers (a relation whose most common value is over 20% of its facts: Debian's
     priority is "optional" for 99%): none;
   - every hop is a fact of the file, with its types; asked for 4-5 hops, most questions have 3 or more.
2. Every task validates: its reference finds the answer through search and open, and the wrong
   answers (most frequent, nearest name) fail.
3. Without the relations file the facts' own types still hold, and relations whose names do not
   read as nouns ("depends_on") are not asked about.
4. A malformed relations file or a fact whose type contradicts it is a one-line error, exit 2.

Prints the figures. Skips (77) where the machine has no apt lists to read."""
import collections
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

envforge, source_root = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="envforge-corpus-")
env = dict(os.environ, ENVFORGE_CACHE_DIR=os.path.join(work, "cache"))


def run(*args, ok=(0,)):
    p = subprocess.run(list(args), capture_output=True, text=True, env=env)
    if p.returncode not in ok:
        sys.exit(f"{' '.join(args)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p


def normalize(s):
    s = re.sub(r"[^0-9a-z]+", " ", s.lower()).strip()
    return re.sub(r"^(the|a|an) ", "", s)


corpus = os.path.join(work, "debian")
p = subprocess.run([sys.executable, os.path.join(source_root, "tools", "debian_corpus.py"), corpus, "--limit", "20000"],
                   capture_output=True, text=True)
if p.returncode == 77:
    print("SKIP: " + p.stderr.strip())
    sys.exit(77)
if p.returncode != 0:
    sys.exit("debian_corpus.py failed: " + p.stderr)
print(p.stdout.strip())
docs, facts_path, relations_path = (os.path.join(corpus, f) for f in ("docs.jsonl", "facts.jsonl", "relations.json"))
relations = json.load(open(relations_path))["relations"]
facts = [json.loads(line) for line in open(facts_path)]
fact_set = {(f["subject"], f["subject_type"], f["relation"], f["object"], f["object_type"]) for f in facts}
by_subject = collections.defaultdict(list)
for f in facts:
    by_subject[f["subject"]].append(f)
share = {}
for rel in relations:
    counts = collections.Counter(f["object"] for f in facts if f["relation"] == rel)
    share[rel] = max(counts.values()) / sum(counts.values()) if counts else 0
phrase = {rel: spec["phrase"] for rel, spec in relations.items()}


def judge(db):
    """The figures for every task in `db`, from the facts file alone."""
    con = sqlite3.connect(db)
    tasks = [json.loads(r[0]) for r in con.execute("SELECT json FROM tasks ORDER BY id")]
    con.close()
    out = collections.Counter()
    depth = collections.defaultdict(list)
    for t in tasks:
        q, v = t["prompt"], t["verifier"]
        raw = any(("_" in rel and rel in q) or (f"the {rel} of " in q and phrase[rel] != "the " + rel + " of {subject}")
                  for rel in relations)
        out["raw"] += raw
        path = v["path"]
        depth[v.get("asked_hops", t["difficulty"])].append(len(path))
        assert len(path) == v["hops"] == t["difficulty"], t["id"]
        for i, h in enumerate(path):
            assert (h["subject"], h["subject_type"], h["relation"], h["object"], h["object_type"]) in fact_set, h
            if i and (h["subject"] != path[i - 1]["object"] or h["subject_type"] != relations[path[i - 1]["relation"]]["object_type"]):
                out["type_confused"] += 1
            # Every fact the same words could ask about: same subject name, same phrase.
            answers = {normalize(f["object"]) for f in by_subject[h["subject"]] if phrase[f["relation"]] == phrase[h["relation"]]}
            out["ambiguous"] += len(answers) != 1
        out["guessable"] += share[path[-1]["relation"]] > 0.2
        assert normalize(v["answer"]) == normalize(path[-1]["object"]), t["id"]
    return tasks, out, depth


# 1. With the relations file.
db = os.path.join(work, "corpus.db")
t0 = time.monotonic()
run(envforge, "synth", "search", "--corpus", docs, "--facts", facts_path, "--relations", relations_path, "--count", "100",
    "--difficulty", "1-5", "--db", db)
seconds = time.monotonic() - t0
tasks, figures, depth = judge(db)
assert len(tasks) == 100, len(tasks)
print(f"synth: 100 questions in {seconds:.1f} s (index built once)")
print("figures: " + ", ".join(f"{k} {figures[k]}" for k in ("raw", "type_confused", "ambiguous", "guessable")))
for asked in sorted(depth):
    got = collections.Counter(depth[asked])
    print(f"asked {asked} hops: " + ", ".join(f"{n} with {h}" for h, n in sorted(got.items())))
for t in tasks[:5]:
    print("  e.g. " + t["prompt"])
assert figures["raw"] < 5, figures
assert figures["type_confused"] == 0 and figures["ambiguous"] == 0 and figures["guessable"] == 0, figures
deep = [h for asked in (4, 5) for h in depth.get(asked, [])]
assert deep and sum(h >= 3 for h in deep) * 2 > len(deep), depth
# The task's difficulty is the depth it has, never more.
assert all(h == a for a in (1, 2) for h in depth.get(a, [])), depth

# 2. Every task validates through the real tools.
v = json.loads(run(envforge, "validate", "--db", db, "--json").stdout)
assert v.get("tasks") == 100 and v.get("probes", 0) >= 300 and v.get("failed_probes") == 0, v
print(f"validate: {v}")

# 3. No relations file: the facts' own types hold; unreadable relation names are left out.
db2 = os.path.join(work, "bare.db")
run(envforge, "synth", "search", "--corpus", docs, "--facts", facts_path, "--count", "40", "--db", db2)
bare, bare_figures, _ = judge(db2)
assert not any("depends" in t["prompt"] for t in bare), [t["prompt"] for t in bare if "depends" in t["prompt"]]
assert bare_figures["type_confused"] == 0 and bare_figures["ambiguous"] == 0 and bare_figures["guessable"] == 0, bare_figures
print(f"no relations file: 40 questions, none about depends_on, e.g. {bare[0]['prompt']!r}")


# 4. One-line errors.
def expect_error(text, *args):
    p = run(envforge, *args, ok=(2,))
    err = p.stderr.strip()
    assert text in err and len(err.splitlines()) == 1, err


bad = os.path.join(work, "bad.json")
for content, text in ((json.dumps({"relations": {"section": {"phrse": "x"}}}), "unknown field 'phrse'"),
                      (json.dumps({"relations": {"section": {"phrase": "the section"}}}), "{subject} exactly once"),
                      (json.dumps({"section": {}}), "expected {\"relations\""),
                      ("{", "bad.json")):
    open(bad, "w").write(content)
    expect_error(text, "synth", "search", "--corpus", docs, "--facts", facts_path, "--relations", bad, "--db", db2)
open(bad, "w").write(json.dumps({"relations": {"section": {"subject_type": "person"}}}))
expect_error("subject_type 'package', but the relations file gives 'section' the subject_type 'person'",
             "synth", "search", "--corpus", docs, "--facts", facts_path, "--relations", bad, "--db", db2)
expect_error("give --facts too", "synth", "search", "--corpus", docs, "--relations", relations_path, "--db", db2)
print("errors: 6 malformed inputs refused in one line each")
shutil.rmtree(work)
