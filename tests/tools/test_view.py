#!/usr/bin/env python3
"""envforge view (issue 24) in a real browser: a store with interp, general and code episodes from
two runs, into which hostile strings are planted where agents put text (content, reasoning, tool
arguments, tool output, the final answer, a task's prompt): `</script>`, inline event handlers,
javascript: URLs. The viewer is written, then opened from disk (file://) in headless Chromium:
the page's own script must run (it marks the document ready and renders the runs, the episode
table, an episode with its transcript and a group), and nothing planted may run or become markup.
Then, driven by puppeteer-core in headless Chromium and Firefox (view_browser.cjs), a person's
path through it: filter to the failed episodes, open one, unfold reasoning, read a code
episode's diff (it must equal the stored one), follow a deep link to a turn, move with j/k; no
console error and no request outside the viewer's own files, and a screenshot. The same page
served by --serve, too. Bad arguments are one-line errors. Skips (77) without Debian's chromium
or the npm packages.

    test_view.py ENVFORGE"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

ENVFORGE = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
NPM = os.path.join(os.path.dirname(os.path.dirname(HERE)), "third_party", "npm")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
if not CHROMIUM:
    print("SKIP: no chromium (Debian package chromium; tools/install-deps installs it)")
    sys.exit(77)
if not shutil.which("node") or not os.path.isdir(os.path.join(NPM, "node_modules", "puppeteer-core")):
    print("SKIP: no node or no puppeteer-core in third_party/npm (tools/install-deps installs them)")
    sys.exit(77)
failures = []
MARK = "PWNED"
HOSTILE = [f'</script><script>document.title="{MARK}"</script>',
           f'<img src=x onerror="document.title=\'{MARK}\'">',
           f'<a href="javascript:document.title=\'{MARK}\'">click</a>',
           f'"><svg onload="document.title=\'{MARK}\'">']


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


def ef(*args, ok=0):
    r = subprocess.run([ENVFORGE, *args], capture_output=True, text=True, timeout=600)
    check(r.returncode == ok, f"envforge {' '.join(args[:3])}: exit {r.returncode}: {r.stderr[-400:]}")
    return r


def browse(url, *extra, budget=8000):
    """The DOM after the page's scripts ran, as headless Chromium serialises it."""
    home = tempfile.mkdtemp(prefix="envforge-chromium-")
    try:
        r = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                            f"--user-data-dir={home}", f"--virtual-time-budget={budget}", "--window-size=1280,1000",
                            *(extra or ["--dump-dom"]), url],
                           capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": home})
        return r.stdout
    finally:
        shutil.rmtree(home, ignore_errors=True)


def make_store(work):
    db = os.path.join(work, "s.db")
    for kind, extra in (("interp", ["--count", "4"]), ("general", ["--domain", "retail", "--count", "3"]), ("code", ["--count", "1"]),
                        ("search", ["--count", "2", "--world-size", "200"])):
        ef("synth", kind, *extra, "--db", db)
    ef("run", "--db", db, "--policy", "reference", "--rollouts", "2", "--run", "ref", "--json")
    ef("run", "--db", db, "--policy", "null", "--run", "null", "--json")
    ef("validate", "--db", db, "--json")
    con = sqlite3.connect(db)
    eid = con.execute("SELECT e.id FROM episodes e JOIN runs r ON r.id = e.run_id WHERE r.name = 'ref' ORDER BY e.id LIMIT 1").fetchone()[0]
    evil = " ".join(HOSTILE)
    con.execute("UPDATE messages SET content = ? || content WHERE episode_id = ? AND role = 'assistant'", (evil, eid))
    con.execute("UPDATE messages SET reasoning = ? WHERE episode_id = ? AND role = 'assistant'", (evil, eid))
    con.execute("UPDATE messages SET content = ? || content || ? WHERE episode_id = ? AND role = 'tool'", (evil, "x" * 5000, eid))
    calls = json.dumps([{"id": "c1", "type": "function", "function": {"name": evil, "arguments": json.dumps({"path": evil})}}])
    con.execute("UPDATE messages SET tool_calls = ? WHERE episode_id = ? AND idx = (SELECT max(idx) FROM messages WHERE episode_id = ? "
                "AND role = 'assistant')", (calls, eid, eid))
    con.execute("UPDATE episodes SET final_answer = ?, error = ? WHERE id = ?", (json.dumps(evil), evil, eid))
    task = con.execute("SELECT task_id FROM episodes WHERE id = ?", (eid,)).fetchone()[0]
    con.execute("UPDATE tasks SET json = json_set(json, '$.prompt', ? || json_extract(json, '$.prompt')) WHERE id = ?", (evil, task))
    con.commit()
    n = con.execute("SELECT count(*) FROM episodes").fetchone()[0]
    return db, eid, task, n


def clean(dom):
    """No planted markup became an element, no planted script ran."""
    check("data-ready" in dom, "the page's script did not finish (data-ready missing)")
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    check(title and MARK not in title.group(1), f"a planted script ran: title {title.group(1) if title else None!r}")
    bad = []

    class Elements(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag in ("img", "svg", "iframe", "object", "embed"):
                bad.append(tag)
            if tag == "script" and not re.fullmatch(r"(viewer|data/[a-z0-9-]+)\.js", a.get("src") or ""):
                bad.append(f"script {a}")
            bad.extend(f"{tag} {k}" for k in a if k.startswith("on"))
            if (a.get("href") or "").strip().lower().startswith("javascript:"):
                bad.append(f"{tag} href")

    Elements().feed(dom)
    check(not bad, f"planted markup became elements: {bad[:5]}")


def drive(browser, executable, index, origin, expect, work):
    """A person's path through the viewer in `browser`, checked against the store."""
    shot = os.path.join(work, f"{browser}-{abs(hash(index))}.png")
    cfg = dict(expect, browser=browser, executable=executable, index=index, origin=origin, npm=NPM, screenshot=shot)
    path = os.path.join(work, "drive.json")
    json.dump(cfg, open(path, "w"))
    r = subprocess.run(["node", os.path.join(HERE, "view_browser.cjs"), path], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "HOME": work})
    try:
        rep = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        rep = {"fatal": f"exit {r.returncode}: {r.stdout[-300:]} {r.stderr[-600:]}"}
    where = f"{browser} {index[:60]}"
    check("fatal" not in rep, f"{where}: {rep.get('fatal', '')[:800]}")
    if "fatal" in rep and os.environ.get("ENVFORGE_TEST_DEBUG"):
        open(f"/tmp/drive-{browser}.txt", "w").write(rep["fatal"])
    if "fatal" in rep:
        return None
    c = rep["checks"]
    check(not rep["errors"], f"{where}: console errors {rep['errors'][:3]}")
    outside = [u for u in rep["requests"] if not u.startswith("data:")]  # the browser's own inline resources
    check(not outside, f"{where}: requests outside the viewer {outside[:3]}")
    check(c["failed_rows"] == expect["failed"] and c["all_rows_failed"], f"{where}: the failed filter shows {c['failed_rows']} rows, "
          f"want {expect['failed']}, all failed: {c['all_rows_failed']}")
    check(re.fullmatch(r"#/episode/\d+", c["opened"] or ""), f"{where}: clicking a row opened {c['opened']!r}")
    check(c["reasoning_closed_before"] and c["reasoning"] == expect["reasoning"], f"{where}: reasoning unfolded: {c['reasoning']!r}")
    shown = "".join(line + "\n" for line in expect["code_diff"].split("\n"))
    check(c["diff"] == shown, f"{where}: the diff shown differs from the stored one")
    check(c["deep_link"] and c["deep_link"]["index"] == expect["turn"] and c["deep_link"]["in_view"],
          f"{where}: the deep link to turn {expect['turn']}: {c['deep_link']}")
    j, k = c["keys"]
    check(j != f"#/episode/{expect['turn_episode']}" and k == f"#/episode/{expect['turn_episode']}", f"{where}: j/k went {c['keys']}")
    check(os.path.exists(shot) and os.path.getsize(shot) > 20000, f"{where}: no screenshot")
    return shot


def expectations(db):
    """What the browser must find, read from the store itself."""
    con = sqlite3.connect(db)
    failed = con.execute("SELECT count(*) FROM episodes WHERE passed = 0").fetchone()[0]
    eid, reasoning = con.execute("SELECT m.episode_id, m.reasoning FROM messages m JOIN runs r ON r.id = (SELECT run_id FROM episodes "
                                 "WHERE id = m.episode_id) WHERE m.role = 'assistant' AND m.reasoning IS NOT NULL AND m.reasoning <> '' "
                                 "AND r.name = 'ref' AND m.reasoning NOT LIKE '%PWNED%' ORDER BY m.episode_id, m.idx LIMIT 1").fetchone()
    code, verdict = con.execute("SELECT e.id, e.verdict FROM episodes e JOIN tasks t ON t.id = e.task_id JOIN runs r ON r.id = e.run_id "
                                "WHERE t.kind = 'code' AND r.name = 'ref' ORDER BY e.id LIMIT 1").fetchone()
    turn_episode = con.execute("SELECT min(e.id) FROM episodes e WHERE (SELECT count(*) FROM messages m WHERE m.episode_id = e.id "
                               "AND m.role = 'assistant') >= 2").fetchone()[0]
    episodes = con.execute("SELECT count(*) FROM episodes").fetchone()[0]
    return {"failed": failed, "episodes": episodes, "reasoning_episode": eid, "reasoning": reasoning, "code_episode": code,
            "code_diff": json.loads(verdict)["details"]["diff"], "turn_episode": turn_episode, "turn": 2}


def main():
    work = tempfile.mkdtemp(prefix="envforge-view-")
    try:
        db, eid, task, n = make_store(work)
        out = os.path.join(work, "viewer")
        s = json.loads(ef("view", "--db", db, "-o", out, "--json").stdout)
        check(s["episodes"] == n and s["runs"] == 2, f"view summary {s}")
        index = "file://" + os.path.join(out, "index.html")
        over = browse(index + "#/")
        clean(over)
        check("ref" in over and "null" in over and "pass rate by difficulty" in over and "Validation per probe" in over, "overview incomplete")
        eps = browse(index + "#/episodes?sort=-reward")
        clean(eps)
        rows = len(re.findall(r'<tr class="row', eps))
        check(rows == n, f"episodes table: {rows} rows, want {n}")
        one = browse(index + f"#/episode/{eid}")
        clean(one)
        check("&lt;/script&gt;&lt;script&gt;document.title" in one, "the planted text is not shown as text")
        check(re.search(r"tool output \(\d[\d,]* bytes\)", one), "a long tool output is not folded with its size")
        check("Transcript" in one and "Verdict" in one, "episode page incomplete")
        group = browse(index + f"#/group/ref/{task}")
        clean(group)
        check(group.count('<tr class="row') == 2 and "advantage" in group, "group page: want 2 rollouts with advantages")
        cmp = browse(index + "#/compare/ref/null")
        clean(cmp)
        check("flipped" in cmp, "compare page incomplete")
        code = sqlite3.connect(db).execute("SELECT e.id FROM episodes e JOIN tasks t ON t.id = e.task_id JOIN runs r ON r.id = e.run_id "
                                          "WHERE t.kind = 'code' AND r.name = 'ref' LIMIT 1").fetchone()[0]
        page = browse(index + f"#/episode/{code}")
        clean(page)
        check("the real fix" in page and 'class="add"' in page, "code episode: no diff beside the gold patch")
        con = sqlite3.connect(db)
        kinds = dict(con.execute("SELECT t.kind, min(e.id) FROM episodes e JOIN tasks t ON t.id = e.task_id JOIN runs r ON r.id = e.run_id "
                                 "WHERE r.name = 'ref' GROUP BY t.kind").fetchall())
        page = browse(index + f"#/episode/{kinds['search']}")
        clean(page)
        check("Documents" in page and "gold: " in page, "search episode: no documents opened beside the gold one")
        page = browse(index + f"#/episode/{kinds['general']}")
        clean(page)
        check("customer records unchanged" in page and '<td class="pass">ok</td>' in page, "general episode: no table of the verifier's checks")
        # A word only in one tool output (the planted 5,000 x): found by the transcript search.
        page = browse(index + "#/search?q=" + "x" * 4000)
        clean(page)
        check(f'href="#/episode/{eid}"' in page and "episodes found in" in page, "the transcript search did not find the planted output")
        shot = os.path.join(work, "overview.png")
        browse(index + "#/", f"--screenshot={shot}")
        check(os.path.exists(shot) and os.path.getsize(shot) > 20000, "no screenshot of the overview")
        expect = expectations(db)
        browsers = [("chrome", CHROMIUM)] + ([("firefox", FIREFOX)] if FIREFOX else [])
        if not FIREFOX:
            print("note: no firefox-esr here; the viewer was driven in Chromium only", flush=True)
        shots = [drive(name, exe, index, "file://", expect, work) for name, exe in browsers]
        artifacts = os.environ.get("ENVFORGE_TEST_ARTIFACTS")
        if artifacts:
            os.makedirs(artifacts, exist_ok=True)
            for (name, _), s in zip(browsers, shots):
                if s:
                    shutil.copy(s, os.path.join(artifacts, f"viewer-{name}.png"))
        # The same page served from loopback: the same rendering; nothing but its files is served.
        srv = subprocess.Popen([ENVFORGE, "view", "--db", db, "--serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            line = srv.stdout.readline()
            url = re.search(r"http://127\.0\.0\.1:\d+/", line)
            check(url, f"--serve printed {line!r}")
            if url:
                drive("chrome", CHROMIUM, url.group(0), url.group(0), expect, work)
                served = browse(url.group(0) + f"#/episode/{eid}")
                clean(served)
                check("&lt;/script&gt;&lt;script&gt;document.title" in served and "Transcript" in served, "--serve: the episode page differs")
                import urllib.request, urllib.error
                for path in ("/data/../../etc/passwd", "/data/detail-99999.js", "/etc/passwd", "/data/detail-0x1.js"):
                    try:
                        urllib.request.urlopen(url.group(0).rstrip("/") + path, timeout=10)
                        check(False, f"--serve answered {path}")
                    except urllib.error.HTTPError as e:
                        check(e.code == 404, f"--serve {path}: {e.code}")
                with urllib.request.urlopen(url.group(0) + "data/summary.js", timeout=10) as r:
                    check("default-src 'none'" in r.headers.get("Content-Security-Policy", ""), "--serve: no CSP header")
        finally:
            srv.terminate()
            check(srv.wait(timeout=10) == 0, "--serve did not stop on SIGTERM")
        # Bad arguments: one line, exit 2.
        open(os.path.join(work, "notastore.db"), "w").write("hello")
        for args, want in ((["--db", os.path.join(work, "notastore.db"), "-o", os.path.join(work, "v2")], "notastore.db"),
                           (["--db", db, "-o", work], "holds other files"),
                           (["--db", db, "--run", "nope", "-o", os.path.join(work, "v3")], "--run 'nope'"),
                           (["--db", db], "give -o/--out DIR, or --serve")):
            r = ef("view", *args, ok=2)
            check(want in r.stderr and r.stderr.count("\n") <= 1, f"view {args}: {r.stderr!r}")
        print(f"test_view: {n} episodes, 2 runs; overview, episodes ({rows} rows), episode, group, compare and a code diff rendered "
              f"from file:// in headless Chromium; {len(HOSTILE)} planted payloads in 6 places shown as text, none ran; "
              f"driven in {', '.join(b for b, _ in browsers)} (file://) and Chromium (--serve): {expect['failed']} failed episodes "
              f"filtered, reasoning unfolded, the diff as stored, a deep link to turn 2, j/k, no console error, no outside request",
              flush=True)
    finally:
        if not os.environ.get("ENVFORGE_TEST_DEBUG"):
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"test_view: {len(failures)} failures")
    print("test_view: ok")


main()
