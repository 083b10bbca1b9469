#!/usr/bin/env python3
"""A store on a full disk, and store files that are truncated or corrupt (issue 25).

    test_store_faults.py ENVFORGE

Full disk: the store sits on a small tmpfs (mounted by the test; root only, said and skipped
otherwise); `run` stops with one line and a nonzero exit, the file passes integrity_check, and
once the tmpfs is grown the same command finishes every episode exactly once. Corrupt files:
truncated, a foreign header, random pages, an empty file and a directory each give one line
that names the file and exit 2 from every command that reads a store."""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ENVFORGE = sys.argv[1]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def sh(*args):
    return subprocess.run([ENVFORGE, *args], capture_output=True, text=True, timeout=600)


def one_line_error(r, name, what):
    lines = [l for l in r.stderr.splitlines() if l.strip() and "/40" not in l]  # progress lines aside
    check(r.returncode == 2, f"{what}: exit {r.returncode}, expected 2 ({r.stderr[-300:]})")
    check(len(lines) == 1, f"{what}: {len(lines)} error lines: {lines}")
    check(all(name in l for l in lines), f"{what}: the error does not name {name}: {lines}")
    check("Assertion" not in r.stderr and r.returncode >= 0, f"{what}: crashed: {r.stderr[-300:]}")


def full_disk(work):
    if os.geteuid() != 0:
        print("full disk: skipped (mounting a tmpfs needs root)")
        return
    base = os.path.join(work, "base.db")
    r = sh("synth", "general", "--count", "40", "--db", base)
    check(r.returncode == 0, f"synth: {r.stderr}")
    mnt = os.path.join(work, "mnt")
    os.makedirs(mnt)
    size = os.path.getsize(base) + 200_000  # the tasks fit; their episodes do not
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", mnt]).returncode != 0:
        print("full disk: skipped (this host does not let us mount a tmpfs)")
        return
    try:
        db = os.path.join(mnt, "store.db")
        shutil.copy(base, db)
        r = sh("run", "--db", db, "--jobs", "4")
        lines = [l for l in r.stderr.splitlines() if "full" in l]
        check(r.returncode != 0, f"full disk: run exited {r.returncode}")
        check(len(lines) == 1 and "store.db" in lines[0], f"full disk: expected one line naming the store: {r.stderr[-400:]}")
        con = sqlite3.connect(db)
        check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "full disk: integrity_check after ENOSPC")
        before = con.execute("SELECT count(*) FROM episodes").fetchone()[0]
        con.close()
        subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
        r = sh("run", "--db", db, "--jobs", "4")
        check(r.returncode == 0, f"full disk: the rerun with space exited {r.returncode}: {r.stderr[-300:]}")
        con = sqlite3.connect(db)
        n, distinct = con.execute("SELECT count(*), count(DISTINCT task_id) FROM episodes").fetchone()
        check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "full disk: integrity_check after the rerun")
        check(n == 40 and distinct == 40, f"full disk: {n} episodes of {distinct} tasks after the rerun, expected 40 of 40")
        con.close()
        print(f"full disk: run stopped with one line after {before} episodes; with space again it finished 40 of 40")
    finally:
        subprocess.run(["umount", mnt])


def corrupt_files(work):
    good = os.path.join(work, "good.db")
    check(sh("synth", "general", "--count", "30", "--db", good).returncode == 0, "synth for corruption")
    check(sh("run", "--db", good).returncode == 0, "run for corruption")
    data = open(good, "rb").read()
    variants = {
        "truncated.db": data[:20000],
        "foreign.db": b"garbage, not sqlite" + data[19:],
        "random_pages.db": data[:4096 * 5] + os.urandom(4096 * 3) + data[4096 * 8:],
        "empty.db": b"",
    }
    for name, content in variants.items():
        path = os.path.join(work, name)
        open(path, "wb").write(content)
        for cmd in (["stats"], ["export", "--format", "sft", "-o", os.path.join(work, "out.jsonl")], ["run", "--run", "again"],
                    ["show", "1"]):
            one_line_error(sh(*cmd, "--db", path), name, f"{name}: {cmd[0]}")
    os.makedirs(os.path.join(work, "dir.db"))
    one_line_error(sh("stats", "--db", os.path.join(work, "dir.db")), "dir.db", "a directory: stats")
    print(f"corrupt stores: {len(variants) + 1} kinds of bad file, each one line and exit 2")


def main():
    work = tempfile.mkdtemp(prefix="envforge-store-faults-")
    try:
        corrupt_files(work)
        full_disk(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"test_store_faults: {len(failures)} failures")
    print("test_store_faults: ok")


main()
