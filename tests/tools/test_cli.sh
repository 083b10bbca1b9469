#!/usr/bin/env bash
# End-to-end through the real binary and real SQLite files: the issue's evidence (300 general
# tasks: deterministic, validated, reference 100%, export -> replay with zero differences) and
# the bad-input contract (one-line errors, exit 2, database intact).
set -euo pipefail
ENVFORGE=$(realpath "${1:?path to envforge}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_error() {  # expect_error <pattern> <command...>: exit 2, one line on stderr matching pattern
    local pattern=$1; shift
    set +e; "$@" >out.txt 2>err.txt; local rc=$?; set -e
    [ "$rc" -eq 2 ] || fail "'$*' exited $rc, expected 2 ($(cat err.txt))"
    [ "$(wc -l <err.txt)" -eq 1 ] || fail "'$*' printed $(wc -l <err.txt) error lines: $(cat err.txt)"
    grep -q -- "$pattern" err.txt || fail "'$*' said '$(cat err.txt)', expected /$pattern/"
}

# Determinism: two stores, same command, byte-identical task export.
"$ENVFORGE" synth --kind general --count 300 --db a.db >/dev/null 2>&1
"$ENVFORGE" synth --kind general --count 300 --db b.db >/dev/null 2>&1
"$ENVFORGE" export --db a.db --format tasks -o a.jsonl 2>/dev/null
"$ENVFORGE" export --db b.db --format tasks -o b.jsonl 2>/dev/null
cmp -s a.jsonl b.jsonl || fail "synth is not deterministic"
[ "$(wc -l <a.jsonl)" -eq 300 ] || fail "expected 300 tasks"
for domain_version in trip:2 retail:2 meeting:2; do
  domain=${domain_version%:*}
  for d in 1 2 3 4 5; do
    grep -q "\"generator\":{\"name\":\"general.$domain\",\"version\":\"${domain_version#*:}\"}" a.jsonl || fail "no $domain tasks"
    n=$(grep -c "\"difficulty\":$d,\"generator\":{\"name\":\"general.$domain\"" a.jsonl || true)
    [ "$n" -ge 10 ] || fail "only $n $domain tasks at difficulty $d"
  done
done

# Golden ids: the same flags give the same tasks on every machine, not only twice on this one.
# (A deliberate generator change updates these, with a new generator version.)
golden() {  # golden <kind> <ids...>
  local kind=$1; shift
  rm -f golden.db
  "$ENVFORGE" synth "$kind" --count 3 --seed 42 --db golden.db >/dev/null 2>&1
  local got; got=$("$ENVFORGE" export --db golden.db --format tasks 2>/dev/null | python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in sys.stdin))')
  [ "$got" = "$*" ] || fail "golden $kind ids changed: $got"
}
# The export lists tasks by id. Each kind re-pinned once when its generator moved to a random
# stream per generation stage: trip and meeting (version 2), then retail (version 2), search
# (the world's stages, search.world/4, generator version 4) and interp (a data problem's tables
# and question, a number or simulation problem's parameters; version 2).
golden general t24867a7b2894390cc06d0cd2 t577a5b2a18d63694232318f4 tce08e8d3ec055c6ed59a0087
golden search t168d0d623f98c317d31e6f75 t747ad5cc5c8932fb65c627d3 tc07702fec22d341838030e44
golden interp t5fe4f4dbbb4c2bc7f4bdac7c t65391a9746d4d14a72ad1fff t80d9eee54924361d15020638

# Task ids are the SHA-256 of the canonical JSON (sorted keys, no id): checkable by anyone.
python3 - <<'PY'
import hashlib, json
for line in open("a.jsonl"):
    t = json.loads(line)
    tid = t.pop("id")
    canon = json.dumps(t, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert tid == "t" + hashlib.sha256(canon.encode()).hexdigest()[:24], tid
PY

# Validation: every probe on every task, JUnit written and well-formed.
"$ENVFORGE" validate --db a.db --junit junit.xml --json >validate.json 2>/dev/null || fail "validate failed: $(cat validate.json)"
grep -q '"tasks":300,"probes":1200,"failed_probes":0' validate.json || fail "validate: $(cat validate.json)"
python3 -c "import xml.etree.ElementTree as E; r=E.parse('junit.xml').getroot(); assert r.get('tests')=='1200' and r.get('failures')=='0', r.attrib"

# Reference run verifies 100%; a second run resumes with nothing left to do.
"$ENVFORGE" run --db a.db --jobs 16 --json >run.json 2>/dev/null
grep -q '"episodes":300,"passed":300' run.json || fail "reference run: $(cat run.json)"
"$ENVFORGE" run --db a.db --json >run2.json 2>/dev/null
grep -q '"skipped_already_recorded":300,"episodes":0' run2.json || fail "rerun: $(cat run2.json)"
"$ENVFORGE" run --db a.db --policy null --json >null.json 2>/dev/null
grep -q '"episodes":300,"passed":0' null.json || fail "null run: $(cat null.json)"

# Export, then replay every episode: zero differences, from the file and from the store.
"$ENVFORGE" export --db a.db --run reference --format sft -o sft.jsonl 2>/dev/null
[ "$(wc -l <sft.jsonl)" -eq 300 ] || fail "sft export has $(wc -l <sft.jsonl) lines"
python3 - <<'PY'
import json
for line in open("sft.jsonl"):
    r = json.loads(line)
    assert r["reward"] == 1.0 and r["passed"] is True
    assert r["tools"] and all(t["type"] == "function" for t in r["tools"])
    roles = [m["role"] for m in r["messages"]]
    assert roles[:2] == ["system", "user"] and "tool" in roles
    asst = [m for m in r["messages"] if m["role"] == "assistant"]
    assert all("reasoning_content" in m for m in asst)
    calls = {c["id"] for m in asst for c in m.get("tool_calls", [])}
    results = {m["tool_call_id"] for m in r["messages"] if m["role"] == "tool"}
    assert calls == results
PY
"$ENVFORGE" replay --db a.db --input sft.jsonl >replay.txt 2>&1 || fail "replay from export: $(cat replay.txt)"
grep -q "replayed 300 episodes: 0 with differences" replay.txt || fail "$(cat replay.txt)"
"$ENVFORGE" replay --db a.db --run reference >/dev/null 2>&1 || fail "replay from store"
# A tampered transcript is reported as a difference (exit 1).
python3 - <<'PY'
import json
lines = open("sft.jsonl").read().splitlines()
r = json.loads(lines[0])
for m in r["messages"]:
    if m["role"] == "tool":
        m["content"] = "tampered"
        break
open("tampered.jsonl", "w").write(json.dumps(r) + "\n")
PY
set +e; "$ENVFORGE" replay --db a.db --input tampered.jsonl >tampered.txt 2>&1; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "tampered replay exited $rc"
grep -q "recorded 'tampered'" tampered.txt || fail "$(cat tampered.txt)"

"$ENVFORGE" export --db a.db --format rl -o rl.jsonl 2>/dev/null
[ "$(wc -l <rl.jsonl)" -eq 600 ] || fail "rl export: $(wc -l <rl.jsonl) lines"
"$ENVFORGE" stats --db a.db --json >stats.json
grep -q '"run":"reference","policy":"reference","episodes":300,"passed":300' stats.json || fail "stats: $(cat stats.json)"
"$ENVFORGE" show --db a.db 1 >show.txt
grep -q "PASSED" show.txt || fail "show: $(head -3 show.txt)"
"$ENVFORGE" import --db c.db --tasks a.jsonl >import.txt
grep -q "imported 300 tasks (300 new)" import.txt || fail "import: $(cat import.txt)"

# Search: deterministic, validated, reference 100%, replay clean, verbatim-query share falls.
"$ENVFORGE" synth search --count 300 --db s1.db --json >search-synth.json 2>/dev/null
"$ENVFORGE" synth --kind search --count 300 --db s2.db >/dev/null 2>&1
"$ENVFORGE" export --db s1.db --format tasks -o s1.jsonl 2>/dev/null
"$ENVFORGE" export --db s2.db --format tasks -o s2.jsonl 2>/dev/null
cmp -s s1.jsonl s2.jsonl || fail "search synth is not deterministic"
python3 - <<'PY'
import json
share = json.load(open("search-synth.json"))["verbatim_top_hit_share"]
assert share["1"] > share["3"], share
assert all(share[d] < 0.10 for d in ("3", "4", "5")), share
PY
"$ENVFORGE" validate --db s1.db --json >search-validate.json 2>/dev/null || fail "search validate: $(cat search-validate.json)"
grep -q '"tasks":300,"probes":1200,"failed_probes":0' search-validate.json || fail "$(cat search-validate.json)"
"$ENVFORGE" run --db s1.db --json >search-run.json 2>/dev/null
grep -q '"episodes":300,"passed":300' search-run.json || fail "search run: $(cat search-run.json)"
"$ENVFORGE" export --db s1.db -o search-sft.jsonl 2>/dev/null
"$ENVFORGE" replay --db s1.db --input search-sft.jsonl >/dev/null 2>&1 || fail "search replay"
# One index per world, shared by all its tasks.
[ "$(sqlite3 s1.db "SELECT count(DISTINCT json_extract(json, '$.env.index')) FROM tasks")" = 1 ] || fail "tasks do not share one index"
# Users' corpora: with facts it synthesizes; without facts it says so and stops.
cat >docs.jsonl <<'J'
{"id":"a","title":"Ada Quill","text":"Ada Quill was born in Porthmere and founded Quill Works."}
{"id":"b","title":"Porthmere","text":"Porthmere is a harbour town in the county of Welmsfold."}
J
cat >facts.jsonl <<'J'
{"subject":"Ada Quill","relation":"birthplace","object":"Porthmere","doc_id":"a"}
{"subject":"Porthmere","relation":"county","object":"Welmsfold","doc_id":"b"}
J
"$ENVFORGE" synth search --corpus docs.jsonl --facts facts.jsonl --count 4 --db user.db >/dev/null 2>&1 || fail "user corpus synth"
"$ENVFORGE" run --db user.db --json >user-run.json 2>/dev/null
grep -q '"episodes":4,"passed":4' user-run.json || fail "user corpus run: $(cat user-run.json)"
expect_error "without --facts there is nothing to ask" "$ENVFORGE" synth search --corpus docs.jsonl --db user.db

# Code interpreter: deterministic, validated (the Python reference must print the C++ answer),
# reference 100%, replay clean; every python call ran in the sandbox.
"$ENVFORGE" synth --kind interp --count 200 --db i1.db >/dev/null 2>&1
"$ENVFORGE" synth --kind interp --count 200 --db i2.db >/dev/null 2>&1
"$ENVFORGE" export --db i1.db --format tasks -o i1.jsonl 2>/dev/null
"$ENVFORGE" export --db i2.db --format tasks -o i2.jsonl 2>/dev/null
cmp -s i1.jsonl i2.jsonl || fail "interp synth is not deterministic"
"$ENVFORGE" validate --db i1.db --jobs 8 --json >interp-validate.json 2>/dev/null || fail "interp validate: $(cat interp-validate.json)"
grep -q '"tasks":200,"probes":800,"failed_probes":0' interp-validate.json || fail "$(cat interp-validate.json)"
"$ENVFORGE" run --db i1.db --jobs 8 --json >interp-run.json 2>/dev/null
grep -q '"episodes":200,"passed":200' interp-run.json || fail "interp run: $(cat interp-run.json)"
"$ENVFORGE" export --db i1.db -o interp-sft.jsonl 2>/dev/null
"$ENVFORGE" replay --db i1.db --input interp-sft.jsonl >/dev/null 2>&1 || fail "interp replay"
expect_error "sandbox backend 'docker'" "$ENVFORGE" run --db i1.db --sandbox docker
# envforge as pid 1 (a container's entrypoint): the launcher's parent is pid 1 and alive.
if unshare -pf --mount-proc true 2>/dev/null; then
  unshare -pf --mount-proc "$ENVFORGE" sandbox exec -- /bin/echo pid1-ok >pid1.json 2>&1 || fail "sandbox as pid 1: $(cat pid1.json)"
  grep -q '"text":"pid1-ok\\n"' pid1.json || fail "sandbox as pid 1: $(cat pid1.json)"
fi

# The main job on its defaults.
"$ENVFORGE" generate --db gen.db >gen.txt 2>&1 || fail "generate: $(cat gen.txt)"
grep -q "validated 120 tasks (0 validated before): 600 probes, 0 failed" gen.txt || fail "generate: $(cat gen.txt)"
grep -q "120 episodes (0 already recorded), 120 passed" gen.txt || fail "generate: $(cat gen.txt)"

# Bad input: one line, exit 2, nothing lost.
before=$(sqlite3 a.db "SELECT count(*) FROM episodes")
expect_error "unknown command 'frobnicate'" "$ENVFORGE" frobnicate
expect_error "kind 'nope': unknown, expected one of: general" "$ENVFORGE" synth --kind nope --db a.db
expect_error "unknown option '--bogus'" "$ENVFORGE" run --bogus --db a.db
expect_error "--count '-3': expected an integer" "$ENVFORGE" synth --kind general --count -3 --db a.db
expect_error "--difficulty '7'" "$ENVFORGE" synth --kind general --difficulty 7 --db a.db
expect_error "--policy 'gpt'" "$ENVFORGE" run --policy gpt --db a.db
expect_error "--device: 'gpu' is not cpu, cuda or auto" "$ENVFORGE" model logits no-such-dir --ids 1 --device gpu
expect_error "--device applies to --policy embedded only" "$ENVFORGE" run --policy reference --device cuda --db a.db
expect_error "output 'nodir/x.jsonl': cannot open for writing" "$ENVFORGE" export --db a.db -o nodir/x.jsonl
head -c 5000 /dev/urandom >junk.db
expect_error "file is not a database" "$ENVFORGE" stats --db junk.db
printf '{"schema":"envforge.task/7"}\n' >bad-schema.jsonl
expect_error "bad-schema.jsonl:1: task: unknown schema 'envforge.task/7'" "$ENVFORGE" import --db a.db --tasks bad-schema.jsonl
head -n 2 a.jsonl >bad.jsonl; echo '{"schema":"envforge.task/1","kind":' >>bad.jsonl
expect_error "bad.jsonl:3: task: invalid JSON" "$ENVFORGE" import --db a.db --tasks bad.jsonl
python3 -c "
import json; t = json.loads(open('a.jsonl').readline()); t['kind'] = 'quantum'; del t['id']
print(json.dumps(t))" >unknown-kind.jsonl
expect_error "unknown-kind.jsonl:1: kind 'quantum': unknown" "$ENVFORGE" import --db a.db --tasks unknown-kind.jsonl
python3 -c "
import json; t = json.loads(open('a.jsonl').readline()); t['prompt'] += ' (edited)'
print(json.dumps(t))" >tampered-task.jsonl
expect_error "tampered-task.jsonl:1: task: id '.*' does not match its content" "$ENVFORGE" import --db a.db --tasks tampered-task.jsonl
# A locked database: another process holds the write lock past the busy timeout.
python3 -c "
import sqlite3, time, sys
c = sqlite3.connect('a.db', isolation_level=None); c.execute('BEGIN EXCLUSIVE')
open('locked', 'w').close(); time.sleep(8)" &
locker=$!
while [ ! -f locked ]; do sleep 0.05; done
expect_error "database is locked" "$ENVFORGE" run --db a.db --run locked-run --limit 3
wait $locker
[ "$(sqlite3 a.db 'PRAGMA integrity_check')" = ok ] || fail "integrity after errors"
[ "$(sqlite3 a.db 'SELECT count(*) FROM episodes')" = "$before" ] || fail "episodes changed by failed commands"
echo "test_cli: all checks passed"
