#!/usr/bin/env python3
"""`envforge serve` and the model-backed policies on loopback, with a random checkpoint that uses
the DeepSeek tokenizer (vocabulary 129280):
- the official OpenAI SDK (Node) calls the server: models, chat, tools, streaming, errors;
- policy `openai` runs episodes of every kind against the server; raw requests are stored;
- policy `openai` retries 429 and 503 (a real HTTP proxy on loopback injects them) and stops at 400;
- policy `embedded` runs episodes of every kind and stores exact prompt and completion ids.

usage: test_serve.py ENVFORGE NPM_DIR"""
import http.server, json, os, re, sqlite3, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

envforge, npm = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
work = tempfile.mkdtemp(prefix="envforge-serve-")
ckpt = os.path.join(work, "ckpt")


def run(*args, ok=(0,)):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode not in ok:
        sys.exit(f"FAIL: {' '.join(args)} -> {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return r


run(envforge, "model", "make-checkpoint", "--preset", "tiny", "--vocab", "129280", "--out", ckpt)
server = subprocess.Popen([envforge, "serve", "--model", ckpt, "--port", "0", "--max-tokens", "16"], stdout=subprocess.PIPE, text=True)
try:
    line = server.stdout.readline()
    port = int(re.search(r":(\d+)/v1", line).group(1))
    base = f"http://127.0.0.1:{port}/v1"

    # 1. The official SDK.
    r = run("node", os.path.join(here, "openai_sdk_interop.mjs"), npm, base)
    print(r.stdout.strip())

    # 2. Policy openai over every kind.
    db = os.path.join(work, "openai.db")
    run(envforge, "generate", "--db", db, "--kinds", "general,search,interp", "--count", "2", "--policy", "openai",
        "--base-url", base, "--model", "envforge-dsa", "--max-new-tokens", "12", "--no-validate", "--json")
    con = sqlite3.connect(db)
    rows = con.execute("select status, error from episodes").fetchall()
    assert len(rows) == 6, rows
    assert all(s != "policy_error" for s, _ in rows), rows
    raws = [json.loads(r) for (r,) in con.execute("select raw from messages where role = 'assistant'")]
    assert len(raws) >= 6 and all(r["request"]["model"] == "envforge-dsa" and r["response"]["object"] == "chat.completion" for r in raws)
    assert all("tools" in r["request"] for r in raws), "tools are sent with every request"
    con.close()
    print("policy openai: 6 episodes over general, search and interp against envforge serve; raw requests stored")

    # 3. Retries: a proxy answers 429 then 503 before passing requests through; another says 400.
    state = {"failures": 2, "seen": 0}

    class Proxy(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["seen"] += 1
            if self.server.mode == "bad":
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error": {"message": "bad model name", "type": "invalid_request_error"}}')
                return
            if state["failures"] > 0:
                code = 429 if state["failures"] == 2 else 503
                state["failures"] -= 1
                self.send_response(code)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
            req = urllib.request.Request(base + "/chat/completions", data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req) as resp:
                data = resp.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    for mode in ("flaky", "bad"):
        proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        proxy.mode = mode
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        db = os.path.join(work, f"{mode}.db")
        run(envforge, "synth", "general", "--db", db, "--count", "1")
        # A 400 is an infrastructure failure (not the task's): `run` says so with exit 3.
        run(envforge, "run", "--db", db, "--policy", "openai", "--base-url", f"http://127.0.0.1:{proxy.server_port}/v1",
            "--model", "envforge-dsa", "--max-new-tokens", "8", "--jobs", "1", ok=(0,) if mode == "flaky" else (3,))
        con = sqlite3.connect(db)
        status, error = con.execute("select status, error from episodes").fetchone()
        if mode == "flaky":
            raw = json.loads(con.execute("select raw from messages where role = 'assistant' order by idx limit 1").fetchone()[0])
            assert status != "policy_error" and raw["attempts"] == 3, (status, error, raw["attempts"])
            print("policy openai: 429 and 503 retried (3 attempts), then answered")
        else:
            assert status == "policy_error" and "HTTP 400" in error and "1 attempt" in error, (status, error)
            assert state["seen"] == 1 + 3, state  # no retry of a 400
            print("policy openai: HTTP 400 is not retried and ends the episode as policy_error")
        con.close()
        proxy.shutdown()
finally:
    server.terminate()
    server.wait(10)

# 4. Bounds: a body over --max-body-kb gets 413, a request beyond --max-concurrency gets 429 with
# Retry-After, a prompt beyond the context gets 400 — all as OpenAI error JSON.
server = subprocess.Popen([envforge, "serve", "--model", ckpt, "--port", "0", "--max-concurrency", "1", "--max-body-kb", "64"],
                          stdout=subprocess.PIPE, text=True)
try:
    port = int(re.search(r":(\d+)/v1", server.stdout.readline()).group(1))
    url = f"http://127.0.0.1:{port}/v1/chat/completions"

    def post(body):
        req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    code, _, body = post({"messages": [{"role": "user", "content": "x" * 100_000}]})
    assert code == 413 and json.loads(body)["error"]["type"] == "invalid_request_error", (code, body)
    code, _, body = post({"messages": [{"role": "user", "content": "word " * 3000}], "max_tokens": 4000})
    assert code == 400 and "exceeds the context" in json.loads(body)["error"]["message"], (code, body)
    # Wrong types and unsupported options are 400s that name the field, never defaults.
    hi = [{"role": "user", "content": "hi"}]
    for extra, field in [({"temperature": "hot"}, "temperature"), ({"max_tokens": "3"}, "max_tokens"), ({"stream": "yes"}, "stream"),
                         ({"top_p": [1]}, "top_p"), ({"seed": 1.5}, "seed"), ({"n": 2}, "n"), ({"stop": ["\n"]}, "stop"),
                         ({"stop": 7}, "stop"), ({"tools": {"a": 1}}, "tools"), ({"stream_options": True}, "stream_options"),
                         ({"model": 3}, "model")]:
        code, _, body = post({"messages": hi, "max_tokens": 2, **extra} if "max_tokens" not in extra else {"messages": hi, **extra})
        err = json.loads(body)["error"]
        assert code == 400 and err["param"] == field and err["type"] == "invalid_request_error", (extra, code, body)
    # A tool message with nothing to answer is the client's error (400), not the server's (500).
    code, _, body = post({"messages": hi + [{"role": "tool", "tool_call_id": "x", "content": "42"}], "max_tokens": 2})
    assert code == 400 and "no tool call before it" in json.loads(body)["error"]["message"], (code, body)
    # Nulls are absent members, and n = 1 / empty stop are what the server does anyway.
    code, _, body = post({"messages": hi, "max_tokens": 2, "temperature": None, "n": 1, "stop": [], "stream": None})
    assert code == 200, (code, body)
    print("serve: wrong types, n > 1, stop sequences and orphan tool messages are 400s naming the field")
    # A long streaming request holds the only slot while a second one arrives.
    slow = urllib.request.urlopen(urllib.request.Request(url, data=json.dumps({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 3000,
                                                                              "ignore_eos": True, "stream": True}).encode()))
    slow.readline()  # the event stream has started: the slot is taken
    code, headers, body = post({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})
    assert code == 429 and headers["Retry-After"] == "1" and json.loads(body)["error"]["type"] == "rate_limit_error", (code, body)
    slow.close()
    print("serve: 413 for a large body, 400 beyond the context, 429 with Retry-After beyond the concurrency bound")
finally:
    server.terminate()
    server.wait(10)

# 5. Policy embedded over every kind.
db = os.path.join(work, "embedded.db")
run(envforge, "generate", "--db", db, "--kinds", "general,search,interp", "--count", "1", "--policy", "embedded",
    "--model", ckpt, "--max-new-tokens", "12", "--no-validate", "--json")
con = sqlite3.connect(db)
assert con.execute("select count(*) from episodes where status != 'policy_error'").fetchone()[0] == 3
for p, c in con.execute("select length(prompt_ids), length(completion_ids) from messages where role = 'assistant'"):
    assert p > 400 and 0 < c <= 12 * 4, (p, c)
con.close()
print("policy embedded: 3 episodes; exact prompt and completion token ids stored")
subprocess.run(["rm", "-rf", work])
