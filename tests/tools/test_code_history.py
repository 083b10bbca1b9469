#!/usr/bin/env python3
"""`synth code --history` on a repository made by the test (tests/tools/history_fixture.py): one
commit of each shape, each decided as it should be; the tasks validate (the real fix passes,
doing nothing fails, every probe fails); the SWE export's patch and test_patch apply to the real
base commit with `git apply`; nothing of the future is in the agent's workspace; a rerun decides
nothing again; a model-written issue that leaks the fix is dropped.

    test_code_history.py ENVFORGE"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import history_fixture  # noqa: E402
from replay_helpers import completion, start_server  # noqa: E402

ENVFORGE = sys.argv[1]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def sh(*args, timeout=900):
    return subprocess.run([ENVFORGE, *args], capture_output=True, text=True, timeout=timeout)


def synth(repo, db, *extra):
    r = sh("synth", "code", "--history", "--repo", repo, "--src", "calc", "--test-dir", "tests", "--max-lines", "40", "--db", db,
           "--json", *extra)
    check(r.returncode == 0, f"synth --history exited {r.returncode}: {r.stderr[-500:]}")
    return json.loads(r.stdout) if r.returncode == 0 else {}


def decisions(repo, db, expected):
    subject = {l.split(" ", 1)[0]: l.split(" ", 1)[1] for l in history_fixture.git(repo, "log", "--format=%H %s").splitlines()}
    rows = sqlite3.connect(db).execute("SELECT commit_hash, reason, detail FROM history_decisions").fetchall()
    got = {subject[c]: r for c, r, _ in rows}
    decisions.detail = {subject[c]: d for c, _, d in rows}  # why, for a failure message
    return subject, got


def main():
    work = tempfile.mkdtemp(prefix="envforge-history-")
    try:
        repo = os.path.join(work, "calc")
        expected = history_fixture.make_repo(repo)
        db = os.path.join(work, "h.db")
        # --scan-only: the candidates and their patches' sizes, and nothing run or stored.
        scan_db = os.path.join(work, "scan.db")
        scan = synth(repo, scan_db, "--scan-only")
        check(scan.get("checked") == 0 and scan.get("tasks") == 0, f"--scan-only checked nothing: {scan}")
        check(scan.get("candidates", 0) >= 3 and scan.get("patch_bytes", 0) > 0 and scan.get("test_patch_bytes", 0) > 0,
              f"--scan-only: candidates and patch sizes: {scan}")
        check(sqlite3.connect(scan_db).execute("SELECT count(*) FROM tasks").fetchone()[0] == 0, "--scan-only stored no task")
        s = synth(repo, db)
        scan_reasons = {"root_commit", "no_source_change", "no_test_change", "too_many_lines"}
        want_rejected = {}
        for reason in expected.values():
            if reason != "task":
                want_rejected[reason] = want_rejected.get(reason, 0) + 1
        check(s.get("tasks") == 3, f"3 tasks expected: {s}")
        check(s.get("rejected") == want_rejected, f"rejections {s.get('rejected')} != {want_rejected}")
        subject, got = decisions(repo, db, expected)
        for subj, reason in expected.items():
            if reason in scan_reasons:
                continue
            check(got.get(subj) == reason, f"{subj!r}: decided {got.get(subj)} ({decisions.detail.get(subj)}), expected {reason}")
        con = sqlite3.connect(db)
        tasks = [json.loads(j) for (j,) in con.execute("SELECT json FROM tasks")]
        by_subject = {t["verifier"]["history"]["subject"]: t for t in tasks}
        if len(by_subject) != 3:  # the decisions above say why; the checks below need all three
            raise SystemExit(f"test_code_history: tasks {sorted(by_subject)}; failures: {failures}")
        # The statement: the commit subject unless it gives the fix away.
        leaky = "mean: raise 'mean of no values' instead of dividing by zero"
        check(leaky not in by_subject[leaky]["prompt"], "a subject that names the fix's literal is in the statement")
        check("Clamp respects its upper bound" in by_subject["Clamp respects its upper bound"]["prompt"], "a harmless subject is left out")
        check("does not import" in by_subject["Rename calc.ops to calc.arith; scale skips missing values"]["prompt"],
              "tests whose module does not import are named as such")
        # No future in the workspace: only the parent's files, no new tests.
        for t in tasks:
            files = set(t["env"]["files"])
            hidden = set(t["verifier"]["hidden_files"])
            base = t["verifier"]["history"]["base_commit"]
            tree = set(history_fixture.git(repo, "ls-tree", "-r", "--name-only", base).split())
            check(files == tree, f"{t['verifier']['history']['subject']}: checkout differs from the parent's tree")
            changed_tests = {p for p in hidden if p not in tree or t["env"]["files"].get(p) != t["verifier"]["hidden_files"][p]}
            check(changed_tests, f"{t['verifier']['history']['subject']}: no hidden test differs from the checkout")
        # Validation: the real fix passes, null and every probe fail.
        r = sh("validate", "--db", db, "--json")
        v = json.loads(r.stdout) if r.stdout.strip() else {}
        check(r.returncode == 0 and v.get("failed_probes") == 0, f"validate: {r.returncode} {v}")
        for policy, want in (("reference", True), ("null", False)):
            r = sh("run", "--db", db, "--policy", policy, "--json")
            check(r.returncode == 0, f"run {policy}: {r.stderr[-300:]}")
            rows = con.execute("SELECT e.passed FROM episodes e JOIN runs r ON r.id = e.run_id WHERE r.name = ?", (policy,)).fetchall()
            check(len(rows) == 3 and all(bool(p) == want for (p,) in rows), f"{policy}: {rows}")
        # The SWE export applies to the user's repository at the real base commit.
        out = os.path.join(work, "swe.jsonl")
        check(sh("export", "--db", db, "--format", "swe", "-o", out).returncode == 0, "export swe")
        for line in open(out):
            inst = json.loads(line)
            check(inst["repo"] == "calc" and len(inst["base_commit"]) == 40 and inst["created_at"].startswith("2024-01-"),
                  f"swe fields: {inst['repo']} {inst['base_commit']} {inst.get('created_at')}")
            check(inst["commit"] in subject, "the commit hash is the repository's")
            wt = os.path.join(work, "wt-" + inst["commit"][:8])
            history_fixture.git(repo, "worktree", "add", "-q", "--detach", wt, inst["base_commit"])
            for key in ("test_patch", "patch"):
                p = subprocess.run(["git", "-C", wt, "apply", "--index", "-"], input=inst[key], text=True, capture_output=True)
                check(p.returncode == 0, f"{inst['commit'][:8]}: {key} does not apply at base_commit: {p.stderr}")
            same = subprocess.run(["git", "-C", wt, "diff", "--quiet", inst["commit"], "--", "calc", "tests"])
            check(same.returncode == 0, f"{inst['commit'][:8]}: base + test_patch + patch differs from the commit")
        future_leak(work, db, tasks, subject)
        # Resume: the same command decides nothing again.
        again = synth(repo, db)
        check(again.get("checked") == 0 and again.get("already_decided") == 6 and again.get("new_tasks") == 0,
              f"a rerun should decide nothing: {again}")
        llm_issue(work, repo)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"test_code_history: {len(failures)} failures")
    print("test_code_history: ok")


def future_leak(work, db, tasks, subject):
    """An agent looks for the fix in git's history and objects and in the file system: nothing."""
    task = next(t for t in tasks if t["verifier"]["history"]["subject"] == "Clamp respects its upper bound")
    fixed_line = "return max(lo, min(x, hi))"
    cmds = ["git log --all --format='%H %s'", "git reflog", "git fsck --lost-found; ls .git/lost-found 2>&1",
            "git cat-file --batch-all-objects --batch-check", "git show-ref; git stash list; git tag",
            f"grep -rlF '{fixed_line}' / --include='*.py' 2>/dev/null | grep -v '^/proc' | head", "ls -la tests"]
    scripts = {"leak": [{"name": "leak", "turns": [{"tool_calls": [{"name": "bash", "arguments": {"command": c}}]} for c in cmds] +
                         [{"tool_calls": [{"name": "submit", "arguments": {}}]}]}]}
    path = os.path.join(work, "scripts.json")
    json.dump(scripts, open(path, "w"))
    server, url = start_server(work, "--scripts", path)
    try:
        one = os.path.join(work, "one.db")
        sqlite3.connect(one).close()
        open(os.path.join(work, "one.jsonl"), "w").write(json.dumps(task) + "\n")
        check(sh("import", "--tasks", os.path.join(work, "one.jsonl"), "--db", one).returncode == 0, "import the task")
        r = sh("run", "--db", one, "--policy", "openai", "--model", "scripted", "--base-url", url.removesuffix("/v1") + "/s/leak/v1",
               "--seed", "0", "--include-invalid", "--json")
        check(r.returncode == 0, f"the looking agent's run: {r.stderr[-300:]}")
    finally:
        server.kill()
    con = sqlite3.connect(one)
    outputs = [c or "" for (c,) in con.execute("SELECT content FROM messages WHERE role = 'tool' ORDER BY idx")]
    text = "\n".join(outputs)
    check(len(outputs) == len(cmds) + 1, f"{len(outputs)} tool results")
    for h, subj in subject.items():
        check(h not in text and subj not in text, f"the workspace shows commit {h[:8]} ({subj})")
    check(fixed_line not in text, "the fixed line is somewhere in the sandbox")
    check("test_clamp" not in text, "the hidden test is in the workspace")
    check(outputs[0].count("\n") <= 2, f"more than one commit in the workspace's history: {outputs[0]!r}")


def llm_issue(work, repo):
    """--llm: a reply that quotes the fix is dropped (the task keeps its own statement); a clean
    one becomes the statement; every call is stored."""
    clean = completion({"content": "clamp(7, 0, 5) returns 0 instead of 5: values above the upper bound come back as the lower one."})
    leaks_literal = completion({"content": "mean([]) divides by zero; it should raise ValueError(\"mean of no values\")."})
    leaks_line = completion({"content": "scale() breaks on None. Write return [v * factor for v in values if v is not None] there."})
    records = [{"match": {"contains": ["Clamp respects its upper bound"]}, "response": clean},
               {"match": {"contains": ["mean of no values"]}, "response": leaks_literal},
               {"match": {"contains": ["scale skips missing values"]}, "response": leaks_line}]
    rec = os.path.join(work, "issues.jsonl")
    open(rec, "w").write("\n".join(json.dumps(r) for r in records) + "\n")
    server, url = start_server(work, rec)
    try:
        db = os.path.join(work, "llm.db")
        s = synth(repo, db, "--llm", "openai", "--base-url", url, "--model", "recorded")
    finally:
        server.kill()
    check(s.get("llm") == {"written": 1, "dropped": 2, "server_failures": 0}, f"llm counts: {s.get('llm')}")
    con = sqlite3.connect(db)
    prompts = {json.loads(j)["verifier"]["history"]["subject"]: (g, json.loads(j)["prompt"])
               for g, j in con.execute("SELECT generator, json FROM tasks")}
    gen, prompt = prompts["Clamp respects its upper bound"]
    check(gen.startswith("code.history+llm") and prompt.startswith("clamp(7, 0, 5) returns 0"), f"the clean issue: {gen} {prompt[:80]}")
    for subj in ("mean: raise 'mean of no values' instead of dividing by zero", "Rename calc.ops to calc.arith; scale skips missing values"):
        check(prompts[subj][0].startswith("code.history@") or prompts[subj][0] == "code.history",
              f"a leaking issue was kept: {prompts[subj]}")
    calls = con.execute("SELECT stage, accepted, reason FROM synthesis_calls").fetchall()
    check(len(calls) == 3 and sum(a for _, a, _ in calls) == 1, f"synthesis calls: {calls}")
    check(any("gives the fix away" in (r or "") for _, _, r in calls), f"the leak is named: {calls}")


main()
