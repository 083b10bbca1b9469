#!/usr/bin/env python3
"""An OpenAI-compatible chat-completions server on loopback that replays recorded completions.

    replay_server.py RECORDINGS.jsonl [--port-file F] [--log F]
    replay_server.py --record RECORDINGS.jsonl --upstream URL [--port-file F]
    replay_server.py --scripts SCRIPTS.json [--port-file F] [--log F]

Replay: each line of RECORDINGS is {"match": {...}, "response": {...}} (the body to answer), or
{"match": {...}, "status": N, "body": "raw text"} (any status and body, malformed ones included).
A request matches when every condition of "match" holds:
  "request_sha256": the SHA-256 of the request's messages as canonical JSON (what --record writes),
  "contains": [strings every one of which occurs in the messages' contents],
  "turn": the number of assistant messages already in the request.
The first matching line answers; none matching is a 500 that names the request, so a test sees
exactly which call had no recording. Every request is appended to --log as one JSON line.

Record: forwards every request to --upstream (a real server) and appends what it answered to
RECORDINGS with its request_sha256, so a later replay answers the same calls the same way.

Scripts: a scripted model for hostile-agent tests. SCRIPTS is {"SUITE": [SCRIPT, ...]}; a request
to /s/SUITE/v1/chat/completions plays SUITE's script number R, where R is the episode's rollout
(recovered from the request's seed, which envforge derives from --seed 0 and the rollout), at
the turn given by the number of assistant messages in the request. A SCRIPT is
{"name": ..., "delay": seconds before each answer, "turns": [TURN, ...]}; a TURN is
{"content": ..., "reasoning": ..., "tool_calls": [CALL, ...]} where a CALL is
{"name": TOOL, "arguments": {...}} or {"name": TOOL, "raw": "arguments text as sent"}, or
{"each_tool": MODE}: one call to every tool the request offers, with arguments made from its
schema: "wrong_types", "injection", "extreme_numbers", "huge", "missing" or "raw". Past the last turn it answers
with plain content (the closing message).

The port (chosen by the OS) is written to --port-file once the server listens."""
import argparse
import hashlib
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def request_sha256(body):
    return hashlib.sha256(json.dumps(body.get("messages", []), sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def matches(cond, body):
    messages = body.get("messages", [])
    if "request_sha256" in cond and cond["request_sha256"] != request_sha256(body):
        return False
    text = "\n".join(m.get("content") or "" for m in messages)
    if any(s not in text for s in cond.get("contains", [])):
        return False
    if "turn" in cond and cond["turn"] != sum(m.get("role") == "assistant" for m in messages):
        return False
    return True


GOLDEN = 0x9e3779b97f4a7c15
MASK53 = (1 << 53) - 1
INJECTION = "' OR '1'='1'; DROP TABLE orders; -- </script><script>alert(1)</script> $(touch /tmp/pwned) ../../etc/passwd"


def rollout_of(seed, limit=4096):
    """The rollout whose per-episode seed (envforge: seed ^ rollout * GOLDEN, run seed 0) is `seed`."""
    for r in range(limit):
        if ((r * GOLDEN) & ((1 << 64) - 1)) & MASK53 == seed:
            return r
    return 0


def made_arguments(mode, schema):
    props = (schema or {}).get("properties", {})
    if mode == "missing":
        return {}
    out = {}
    for name, p in props.items():
        t = p.get("type", "string")
        if mode == "wrong_types":
            out[name] = {"string": 12345, "integer": "twelve", "number": [1, 2], "boolean": "yes",
                         "array": "not a list", "object": ["not", "an", "object"]}.get(t, None)
        elif mode == "injection":  # valid numbers, so the strings reach the tool
            out[name] = {"integer": 1, "number": 1.5, "boolean": True,
                         "array": [INJECTION], "object": {"__proto__": INJECTION}}.get(t, INJECTION)
        elif mode == "extreme_numbers":
            out[name] = {"integer": -9223372036854775808, "number": 1e308, "boolean": False,
                         "array": [], "object": {}}.get(t, "")
        elif mode == "huge":
            out[name] = {"integer": 10 ** 40, "number": 1e308, "array": ["x" * 1024] * 2048}.get(t, "y" * (2 << 20))
    return out


def scripted_message(turn, tools):
    calls = []
    for c in turn.get("tool_calls", []):
        if "each_tool" in c:
            for t in tools:
                fn = t.get("function", {})
                if fn.get("name", "").startswith("submit"):
                    continue
                if c["each_tool"] == "raw":
                    calls.append({"name": fn["name"], "raw": '{"unterminated": "'})
                else:
                    calls.append({"name": fn["name"], "arguments": made_arguments(c["each_tool"], fn.get("parameters"))})
        else:
            calls.append(c)
    msg = {"content": turn.get("content", "")}
    if turn.get("reasoning"):
        msg["reasoning_content"] = turn["reasoning"]
    if calls:
        msg["tool_calls"] = [{"id": f"call_{i}", "type": "function",
                              "function": {"name": c["name"],
                                           "arguments": c["raw"] if "raw" in c else json.dumps(c.get("arguments", {}))}}
                             for i, c in enumerate(calls)]
    return msg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recordings", nargs="?")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--upstream")
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--scripts")
    args = ap.parse_args()
    lock = threading.Lock()
    scripts = json.load(open(args.scripts)) if args.scripts else None
    records = [] if args.record or scripts is not None else [json.loads(line) for line in open(args.recordings) if line.strip()]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def answer(self, status, text):
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def play_script(self, body):
            parts = self.path.split("/")
            suite = scripts.get(parts[parts.index("s") + 1] if "s" in parts[:-1] else "", [])
            rollout = rollout_of(body.get("seed", 0))
            if rollout >= len(suite):
                return self.answer(500, json.dumps({"error": {"message": f"no script {rollout} in {self.path}"}}))
            script = suite[rollout]
            turn = sum(m.get("role") == "assistant" for m in body.get("messages", []))
            if script.get("delay"):
                time.sleep(script["delay"])
            turns = script.get("turns", [])
            msg = scripted_message(turns[turn], body.get("tools", [])) if turn < len(turns) else {"content": "done"}
            data = {"id": "scripted", "object": "chat.completion", "model": "scripted",
                    "choices": [{"index": 0, "message": dict(role="assistant", **msg),
                                 "finish_reason": "tool_calls" if msg.get("tool_calls") else "stop"}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}
            return self.answer(200, json.dumps(data))

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                body = json.loads(raw)
            except ValueError:
                return self.answer(400, json.dumps({"error": {"message": "request body is not JSON"}}))
            if args.log:
                with lock, open(args.log, "a") as f:
                    f.write(json.dumps(body) + "\n")
            if not self.path.endswith("/chat/completions"):
                return self.answer(404, json.dumps({"error": {"message": "no such endpoint " + self.path}}))
            if scripts is not None:
                return self.play_script(body)
            if args.record:
                req = urllib.request.Request(args.upstream.rstrip("/") + "/chat/completions", data=raw,
                                             headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=600) as r:
                        status, text = r.status, r.read().decode()
                except urllib.error.HTTPError as e:
                    status, text = e.code, e.read().decode()
                line = {"match": {"request_sha256": request_sha256(body)}, "status": status, "body": text}
                with lock, open(args.recordings, "a") as f:
                    f.write(json.dumps(line) + "\n")
                return self.answer(status, text)
            for rec in records:
                if matches(rec.get("match", {}), body):
                    if "response" in rec:
                        return self.answer(200, json.dumps(rec["response"]))
                    return self.answer(rec.get("status", 200), rec.get("body", ""))
            last = next((m.get("content") for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
            return self.answer(500, json.dumps({"error": {"message": "no recording for this request (sha256 "
                                                          + request_sha256(body) + ", last user message: "
                                                          + (last or "")[:200] + ")"}}))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
