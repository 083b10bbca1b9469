#!/usr/bin/env python3
"""An OpenAI-compatible chat-completions server on loopback that replays recorded completions.

    replay_server.py RECORDINGS.jsonl [--port-file F] [--log F]
    replay_server.py --record RECORDINGS.jsonl --upstream URL [--port-file F]

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

The port (chosen by the OS) is written to --port-file once the server listens."""
import argparse
import hashlib
import json
import sys
import threading
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recordings")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--upstream")
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    args = ap.parse_args()
    lock = threading.Lock()
    records = [] if args.record else [json.loads(line) for line in open(args.recordings) if line.strip()]

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
