"""What the tests of model-written synthesis share: starting replay_server.py on a free port, and
chat-completion bodies as a server sends them."""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def start_server(work, *args):
    """Starts replay_server.py with `args`; returns (process, base URL) once it listens."""
    port_file = os.path.join(work, f"port-{time.monotonic_ns()}")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "replay_server.py"), *args, "--port-file", port_file])
    for _ in range(200):
        if os.path.exists(port_file):
            return proc, f"http://127.0.0.1:{open(port_file).read()}/v1"
        time.sleep(0.05)
    proc.kill()
    sys.exit("replay server did not start")


def completion(message, finish="stop"):
    """A chat-completion body whose one choice is the assistant `message` (content, tool_calls)."""
    return {"id": "rec", "object": "chat.completion", "model": "recorded",
            "choices": [{"index": 0, "message": dict(role="assistant", **message), "finish_reason": finish}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}
