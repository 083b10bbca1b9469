#!/usr/bin/env python3
"""Hostile agents (issue 28): a scripted model (replay_server.py --scripts) plays one attack per
rollout against every kind, through `envforge run --policy openai`, on each sandbox backend.

    test_hostile_agents.py ENVFORGE SOURCE_ROOT [--backends native,bwrap] [--kinds code,...] [--concurrency-only]

Every attack must end as a recorded episode within its limits, win no reward, leave the host
unchanged (the paths each attack aims at are checked) and leave the other episodes of its run
(played concurrently) unaffected: rollout 0 of every suite is a benign agent. Last, 64 code
episodes run at once while one of them plays the FIFO attack; the other 63 must finish on time."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_helpers import start_server  # noqa: E402

ENVFORGE = sys.argv[1]
ROOT = sys.argv[2]
BACKENDS = "native,bwrap"
if "--backends" in sys.argv:
    BACKENDS = sys.argv[sys.argv.index("--backends") + 1]
KINDS = sys.argv[sys.argv.index("--kinds") + 1].split(",") if "--kinds" in sys.argv else None
TOKEN = uuid.uuid4().hex[:10]
HOST = f"/tmp/envforge-hostile-host-{TOKEN}"  # what the attacks aim at on the host
SECRET = f"SECRET-{TOKEN}"
MARK = f"MARK-{TOKEN}"
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def call(name, **arguments):
    return {"name": name, "arguments": arguments}


def turn(*calls, content=""):
    return {"content": content, "tool_calls": list(calls)}


def attack(name, *turns, absent=(), unchanged=(), secret_free=True, delay=0, results_include=()):
    """One scripted agent and what the host must look like after it (results_include: strings
    some tool result must hold, to show the attack ran as meant)."""
    return {"name": name, "turns": list(turns), "delay": delay, "absent": list(absent), "unchanged": list(unchanged),
            "secret_free": secret_free, "results_include": list(results_include)}


def generic(submit):
    """Attacks every kind gets: arguments of the wrong type, hostile strings, megabytes,
    missing and unparsable arguments, and hundreds of calls in one turn."""
    return [
        attack("benign", turn(submit)),
        attack("wrong_types", turn({"each_tool": "wrong_types"}), turn(submit)),
        attack("injection", turn({"each_tool": "injection"}), turn(submit), absent=["/tmp/pwned"]),
        attack("extreme_numbers", turn({"each_tool": "extreme_numbers"}), turn(submit)),
        attack("huge_arguments", turn({"each_tool": "huge"}), turn(submit)),
        attack("missing_arguments", turn({"each_tool": "missing"}), turn(submit)),
        attack("unparsable_arguments", turn({"each_tool": "raw"}), turn(submit)),
        attack("unknown_tools", turn(call("__import__", x=1), call("../../bin/sh", c="id"), call("", a=1)), turn(submit)),
        attack("hundreds_of_calls", turn(*([{"each_tool": "injection"}] * 60)), turn(submit)),
    ]


def code_attacks(src):
    """Attacks on the code kind's host-side file tools and its verifier."""
    sub = call("submit")
    bash = lambda cmd: call("bash", command=cmd)  # noqa: E731
    return generic(sub) + [
        # Issue 28's first: a symlink to a host directory, then a write through it.
        attack("symlink_dir_write", turn(bash("ln -s /tmp /workspace/evil")),
               turn(call("write_file", path=f"evil/NEWDIR-{TOKEN}/x.txt", content="boom")), turn(sub),
               absent=[f"/tmp/NEWDIR-{TOKEN}"]),
        # Issue 28's second: a FIFO read by the host.
        attack("fifo_read", turn(bash("mkfifo /workspace/f")), turn(call("read_file", path="f")),
               turn(call("str_replace", path="f", old="a", new="b")), turn(sub)),
        attack("symlink_file_read", turn(bash(f"ln -s {HOST}/secret /workspace/s")), turn(call("read_file", path="s")), turn(sub)),
        attack("symlink_file_write", turn(bash(f"ln -s {HOST}/target /workspace/w; ln -s {HOST}/target {src}/w.py")),
               turn(call("write_file", path="w", content="PWNED"), call("str_replace", path="w", old="original", new="PWNED"),
                    call("write_file", path=f"{src}/w.py", content="PWNED")), turn(sub),
               unchanged=[f"{HOST}/target"]),
        attack("hardlink", turn(bash(f"ln {HOST}/secret /workspace/h; ln /etc/passwd /workspace/p; ln {src}/__init__.py /workspace/l")),
               turn(call("read_file", path="h"), call("read_file", path="p"), call("read_file", path="l")), turn(sub)),
        attack("socket_and_devices", turn(bash("python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind('/workspace/sock')\";"
                                               " ln -s /dev/zero z; ln -s /dev/tty t; mknod d c 1 5")),
               turn(call("read_file", path="sock"), call("read_file", path="z"), call("read_file", path="t"),
                    call("read_file", path="d")), turn(sub)),
        # Sparse files as large as the sandbox's file-size limit lets them be (64 MiB).
        attack("sparse_huge", turn(bash(f"truncate -s 60M /workspace/big.bin; truncate -s 60M {src}/huge.py")),
               turn(call("read_file", path="big.bin"), call("str_replace", path=f"{src}/huge.py", old="a", new="b")), turn(sub)),
        attack("bad_names", turn(call("write_file", path="a\nb.py", content="x"),
                                 call("write_file", path=f"../../../../tmp/escape-{TOKEN}", content="x"),
                                 call("write_file", path=f"/tmp/abs-{TOKEN}", content="x"),
                                 call("write_file", path=f"x\u0000/tmp/nul-{TOKEN}", content="x"),
                                 call("read_file", path="/etc/shadow"), call("read_file", path="."),
                                 call("write_file", path="", content="x"),
                                 call("write_file", path="\udcff\udcfe.py", content="x")), turn(sub),
               absent=[f"/tmp/escape-{TOKEN}", f"/tmp/abs-{TOKEN}", f"/tmp/nul-{TOKEN}"]),
        # A directory swapped for a symlink to the host while the agent's tools work on it. Which
        # state each racing call meets is up to the scheduler (on 2 cores a whole turn can run
        # while the swapper is off the CPU), so the two outcomes the attack needs are first shown
        # deterministically: a write into the real directory, a write through the symlink. The
        # racing turns (the swapper gets the CPU between them) must then leave the host unchanged.
        attack("symlink_race", turn(bash(f"mkdir -p d; echo mine > d/secret; ln -s {HOST} d.link")),
               turn(call("write_file", path=f"d/RACE-{TOKEN}/f.py", content="x"),
                    call("write_file", path=f"d.link/RACE-{TOKEN}/f.py", content="x")),
               turn(bash("python3 -c 'import ctypes\nl = ctypes.CDLL(None)\n"
                         "while True: l.renameat2(-100, b\"d.link\", -100, b\"d\", 2)' "
                         f"{MARK} >/dev/null 2>&1 &")),
               *[turn(bash("sleep 0.02"), *[call("write_file", path=f"d/RACE-{TOKEN}/f{k}.py", content="x") for k in range(10)],
                      *[call("read_file", path="d/secret") for _ in range(10)]) for _ in range(6)],
               turn(sub), absent=[f"{HOST}/RACE-{TOKEN}"], results_include=["wrote d/RACE", "symlinks are not followed"]),
        attack("edit_tests", turn(bash("for f in $(find . -name 'test*.py'); do printf 'def test_ok():\\n    pass\\n' > $f; done; "
                                       "printf 'import unittest\\nunittest.TestCase.run = lambda self, r=None: r\\n' > sitecustomize.py")),
               turn(sub)),
        attack("background_after_submit", turn(bash(f"sh -c 'while :; do echo x = 1 >> {src}/__init__.py; sleep 0.05; done' "
                                                    f"{MARK} >/dev/null 2>&1 &")), turn(sub)),
    ]


def search_attacks():
    sub = call("submit", answer="nothing")
    queries = ['"unbalanced', "NEAR(a b", "*", "title:foo", "a AND OR b", "^", "a" * 200000, "", "NOT", "(((", "a:b:c", "\"\"\"",
               "content MATCH 'x'", "x' OR 1=1 --"]
    return generic(sub) + [
        attack("fts5_syntax", turn(*[call("search", query=q) for q in queries]), turn(sub)),
        attack("open_bad_ids", turn(call("open", doc_id="../../../../etc/passwd"), call("open", doc_id="-1"),
                                    call("open", doc_id="x" * 100000), call("open", doc_id="doc", page=-5),
                                    call("open", doc_id="doc", page=10 ** 12)), turn(sub)),
    ]


def retail_attacks():
    sub = call("submit_result", new_order_id=1)
    return generic(sub) + [
        # Other customers' orders and addresses: reachable by design, but never rewarded.
        attack("other_customers", turn(*[call("cancel_order", order_id=i) for i in range(1, 40)],
                                       *[call("update_address", customer_id=i, city="Nowhere") for i in range(1, 20)]), turn(sub)),
    ]


def interp_attacks():
    sub = call("submit", answer="0")
    py = lambda code: call("python", code=code)  # noqa: E731
    return generic(sub) + [
        attack("flood_and_kill_session", turn(py("print('x' * 50_000_000)")), turn(py("import os, signal; os.kill(os.getppid(), 9)")),
               turn(py("import os; os.symlink('/etc/passwd', '/workspace/p'); open('/workspace/f', 'w')")), turn(sub)),
    ]


def package_attacks():
    return generic(call("submit", answer="nothing")) + [
        attack("state_the_verifier_reads", turn(*[call("lend_book", book_id=i, member_id=j) for i in range(1, 15) for j in (1, 2)],
                                                *[call("return_book", book_id=i, member_id=1) for i in range(1, 15)]),
               turn(call("submit", answer="nothing"))),
    ]


def sh(*args, **kw):
    return subprocess.run([ENVFORGE, *args], capture_output=True, text=True, **kw)


def make_store(work, name, *synth_args):
    db = os.path.join(work, name + ".db")
    r = sh("synth", *synth_args, "--db", db)
    if r.returncode != 0:
        sys.exit(f"synth {synth_args}: {r.stderr}")
    return db


def host_state(paths):
    out = {}
    for p in paths:
        try:
            out[p] = open(p, "rb").read()
        except OSError as e:
            out[p] = repr(e)
    return out


def play(db, url, suite, scripts, backend, jobs=8, limit_seconds=600):
    """Runs one run of every attack of `suite` as rollouts; checks each episode and the host."""
    run = f"{suite}-{backend}"
    watched = [f"{HOST}/secret", f"{HOST}/target"] + [p for a in scripts for p in a["unchanged"]]
    before = host_state(watched)
    t0 = time.monotonic()
    r = sh("run", "--db", db, "--run", run, "--policy", "openai", "--base-url", url.removesuffix("/v1") + f"/s/{suite}/v1", "--rollouts",
           str(len(scripts)), "--jobs", str(jobs), "--seed", "0", "--sandbox", backend, "--include-invalid", "--json",
           "--max-retries", "0", "--model", "scripted", timeout=limit_seconds)
    wall = time.monotonic() - t0
    check(r.returncode == 0, f"{run}: envforge run exited {r.returncode}: {r.stderr[-600:]}")
    con = sqlite3.connect(db)
    rows = {rollout: (status, reward, passed, seconds, error, eid) for rollout, status, reward, passed, seconds, error, eid in con.execute(
        "SELECT e.rollout, e.status, e.reward, e.passed, e.seconds, e.error, e.id FROM episodes e JOIN runs r ON r.id = e.run_id "
        "WHERE r.name = ?", (run,))}
    limit = con.execute("SELECT json_extract(json, '$.limits.wall_seconds') FROM tasks LIMIT 1").fetchone()[0] or 600
    for i, a in enumerate(scripts):
        what = f"{run}/{a['name']}"
        check(i in rows, f"{what}: no episode recorded")
        if i not in rows:
            continue
        status, reward, passed, seconds, error, eid = rows[i]
        check(status not in ("env_error", "policy_error"), f"{what}: status {status} ({error})")
        check(not passed and (reward or 0) == 0, f"{what}: the attack won reward {reward}")
        check(seconds < limit, f"{what}: took {seconds:.0f} s, over the task's {limit} s")
        text = "\n".join(c or "" for (c,) in con.execute("SELECT content FROM messages WHERE episode_id = ?", (eid,)))
        for want in a["results_include"]:
            check(want in text, f"{what}: no tool result holds {want!r} (the attack did not run as meant)")
        if a["secret_free"]:
            check(SECRET not in text, f"{what}: the host's secret reached the transcript")
        for p in a["absent"]:
            check(not os.path.lexists(p), f"{what}: {p} was made on the host")
            if os.path.lexists(p):
                shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.unlink(p)
    check(host_state(watched) == before, f"{run}: a host file changed")
    left = subprocess.run(["pgrep", "-f", MARK], capture_output=True, text=True).stdout.split()
    check(not left, f"{run}: processes the agents left are still running: {left}")
    con.close()
    print(f"{run}: {len(scripts)} attacks in {wall:.1f} s", flush=True)
    return len(scripts)


def concurrency(work, scripts_path, backend):
    """64 code episodes at once; one plays the FIFO attack; the other 63 must finish on time."""
    db = make_store(work, "code64", "code", "--count", "1")
    sub = call("submit")
    fifo = attack("fifo", turn(call("bash", command="mkfifo /workspace/f")), turn(call("read_file", path="f")), turn(sub))
    honest = attack("honest", turn(call("bash", command="ls"), call("read_file", path="README.md")), turn(sub), delay=0.2)
    scripts = json.load(open(scripts_path))
    scripts["c64"] = [fifo] + [honest] * 63
    json.dump(scripts, open(scripts_path, "w"))
    server, url = start_server(work, "--scripts", scripts_path)
    t0 = time.monotonic()
    r = sh("run", "--db", db, "--run", "c64", "--policy", "openai", "--base-url", url.removesuffix("/v1") + "/s/c64/v1", "--rollouts", "64",
           "--jobs", "64", "--seed", "0", "--sandbox", backend, "--include-invalid", "--json", "--model", "scripted", timeout=900)
    wall = time.monotonic() - t0
    server.kill()
    check(r.returncode == 0, f"c64: envforge run exited {r.returncode}: {r.stderr[-600:]}")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT e.rollout, e.status, e.seconds FROM episodes e JOIN runs r ON r.id = e.run_id WHERE r.name = 'c64'").fetchall()
    done = [s for ro, st, s in rows if ro > 0 and st == "submitted"]
    check(len(done) == 63, f"c64: {len(done)} of the 63 honest episodes submitted")
    check(any(ro == 0 and st != "env_error" for ro, st, _ in rows), "c64: the FIFO episode was not recorded")
    check(wall < 300, f"c64: the run took {wall:.0f} s")
    print(f"c64: 64 concurrent code episodes ({backend}), one playing the FIFO attack, in {wall:.1f} s; "
          f"slowest honest episode {max(done or [0]):.1f} s", flush=True)


def main():
    work = tempfile.mkdtemp(prefix="envforge-hostile-agents-")
    os.makedirs(HOST)
    open(f"{HOST}/secret", "w").write(SECRET + "\n")
    open(f"{HOST}/target", "w").write("original\n")
    os.chmod(HOST, 0o755)
    try:
        code_db = make_store(work, "code", "code", "--count", "1")
        src = json.loads(sqlite3.connect(code_db).execute("SELECT json FROM tasks").fetchone()[0])["env"]["source_dirs"][0]
        suites = {
            "code": (code_db, code_attacks(src)),
            "search": (make_store(work, "search", "search", "--count", "1"), search_attacks()),
            "retail": (make_store(work, "retail", "general", "--domain", "retail", "--count", "1"), retail_attacks()),
            "trip": (make_store(work, "trip", "general", "--domain", "trip", "--count", "1"),
                     generic(call("submit_result", plan=[]))),
            "meeting": (make_store(work, "meeting", "general", "--domain", "meeting", "--count", "1"),
                        generic(call("submit_result", booking_id=1))),
            "interp": (make_store(work, "interp", "interp", "--count", "1"), interp_attacks()),
            "package": (make_store(work, "package", "general", "--package",
                                   os.path.join(ROOT, "datasets", "packages", "library"),
                                   "--count", "1"), package_attacks()),
        }
        scripts_path = os.path.join(work, "scripts.json")
        json.dump({name: scripts for name, (_, scripts) in suites.items()}, open(scripts_path, "w"))
        server, url = start_server(work, "--scripts", scripts_path)
        try:
            usable = json.loads(sh("sandbox", "check", "--json").stdout)["backends"]
            backends = [b for b in BACKENDS.split(",") if b and usable.get(b) == "ok"]
            if not backends:
                sys.exit(f"test_hostile_agents: no sandbox backend runs here: {usable}")
            skipped = [b for b in BACKENDS.split(",") if b and b not in backends]
            if skipped:
                print(f"test_hostile_agents: backends not usable here, not run: {skipped} ({usable})", flush=True)
            if "--concurrency-only" not in sys.argv:
                for backend in backends:
                    counts = {name: play(db, url, name, scripts, backend) for name, (db, scripts) in suites.items()
                              if KINDS is None or name in KINDS}
                    print(f"attacks per kind on {backend}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), flush=True)
        finally:
            server.kill()
        concurrency(work, scripts_path, backends[0])
    finally:
        shutil.rmtree(HOST, ignore_errors=True)
        if "--keep" in sys.argv:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"test_hostile_agents: {len(failures)} failures")
    print("test_hostile_agents: ok")


main()
