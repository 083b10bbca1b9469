#!/usr/bin/env python3
"""Questions from a user's facts against questions from a synthetic world of the same size, in the
same run: synthesis rate with a warm index, and the reference run's episodes per second.

The user corpus is the Debian archive's package index (tools/debian_corpus.py, 20,000 packages,
about 230,000 facts); the synthetic world has 2,000 people (about 20,000 documents). Both indexes
are built first, so the timed runs measure synthesis and episodes only.

usage: bench_fact_questions.py ENVFORGE [--tasks N]"""
import json, os, shutil, subprocess, sys, tempfile, time

args = sys.argv[1:]
envforge = os.path.abspath(args[0])
n = int(args[args.index("--tasks") + 1]) if "--tasks" in args else 200
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
work = tempfile.mkdtemp(prefix="envforge-bench-facts-")
env = dict(os.environ, ENVFORGE_CACHE_DIR=os.path.join(work, "cache"))
corpus = os.path.join(work, "debian")
p = subprocess.run([sys.executable, os.path.join(root, "tools", "debian_corpus.py"), corpus, "--limit", "20000"],
                   capture_output=True, text=True)
if p.returncode:
    sys.exit("debian_corpus.py: " + p.stderr.strip())
FACTS = ["--corpus", os.path.join(corpus, "docs.jsonl"), "--facts", os.path.join(corpus, "facts.jsonl"),
         "--relations", os.path.join(corpus, "relations.json")]
WORLD = ["--world-size", "2000"]


def ef(*a):
    t = time.monotonic()
    out = subprocess.run([envforge, *a], check=True, capture_output=True, text=True, env=env).stdout
    return time.monotonic() - t, out


t_index_facts, _ = ef("synth", "search", *FACTS, "--count", "1", "--db", os.path.join(work, "warm1.db"))
t_index_world, _ = ef("synth", "search", *WORLD, "--count", "1", "--db", os.path.join(work, "warm2.db"))
rows = []
for name, flags in (("facts", FACTS), ("world", WORLD)):
    db = os.path.join(work, name + ".db")
    t_synth, _ = ef("synth", "search", *flags, "--count", str(n), "--seed", "7", "--db", db)
    t_run, out = ef("run", "--db", db, "--json")
    r = json.loads(out)
    assert r["passed"] == n, r
    rows.append((name, n / t_synth, r["episodes_per_second"]))
print(f"index build + 1 task: facts {t_index_facts:.1f} s, world {t_index_world:.1f} s")
for name, synth, eps in rows:
    print(f"{name}: {synth:.1f} questions/s synthesized, {eps:.0f} reference episodes/s")
print(f"ratio facts/world: synthesis {rows[0][1] / rows[1][1]:.2f}x, episodes {rows[0][2] / rows[1][2]:.2f}x")
shutil.rmtree(work)
