# The in-sandbox agent of a warm session: a stateful Python interpreter and a shell runner that
# answer the supervisor over fd 3. Frames are a 4-byte big-endian length and a body of
# length-prefixed key/value pairs: out of band, so nothing a program prints can forge them. Each
# reply echoes its request's id; code run here can still write to fd 3, and the supervisor drops
# whatever does not answer the request it is waiting for.
import ast, contextlib, ctypes, io, os, signal, socket, struct, subprocess, sys, traceback

conn = socket.socket(fileno=3)
MAX_OUT = int(os.environ.pop("ENVFORGE_CELL_OUTPUT", "65536"))

# Not dumpable: programs the shell tool starts run as the same uid, and would otherwise be able
# to open /proc/<agent>/mem and rewrite this process (PR_SET_DUMPABLE = 4).
if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:
    raise SystemExit("agent: prctl(PR_SET_DUMPABLE, 0) failed")


def recv_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_frame():
    (n,) = struct.unpack(">I", recv_exact(4))
    body, fields, i = recv_exact(n), {}, 0
    while i < len(body):
        (kl,) = struct.unpack(">I", body[i:i + 4]); i += 4
        k = body[i:i + kl].decode(); i += kl
        (vl,) = struct.unpack(">I", body[i:i + 4]); i += 4
        fields[k] = body[i:i + vl].decode("utf-8", "replace"); i += vl
    return fields


def send_frame(fields):
    body = b""
    for k, v in fields.items():
        kb, vb = k.encode(), str(v).encode("utf-8", "replace")
        body += struct.pack(">I", len(kb)) + kb + struct.pack(">I", len(vb)) + vb
    conn.sendall(struct.pack(">I", len(body)) + body)


def cap(text):
    data = text.encode("utf-8", "replace")
    if len(data) <= MAX_OUT:
        return text, 0
    half = MAX_OUT // 2
    head = data[:half].decode("utf-8", "ignore")
    tail = data[-(MAX_OUT - half):].decode("utf-8", "ignore")
    return head + "\n[... %d bytes dropped ...]\n" % (len(data) - 2 * half) + tail, 1


class CellTimeout(KeyboardInterrupt):
    pass


def on_alarm(signum, frame):
    raise CellTimeout("cell time limit")


signal.signal(signal.SIGALRM, on_alarm)
namespace = {"__name__": "__main__", "__builtins__": __builtins__}
cwd = os.getcwd()
env = dict(os.environ)


def run_python(code, timeout):
    out, err = io.StringIO(), io.StringIO()
    exc, timed_out = "", 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                signal.setitimer(signal.ITIMER_REAL, timeout)
                tree = ast.parse(code, "<cell>", "exec")
                last = None
                if tree.body and isinstance(tree.body[-1], ast.Expr):
                    last = ast.Expression(tree.body.pop().value)
                exec(compile(tree, "<cell>", "exec"), namespace)
                if last is not None:
                    value = eval(compile(last, "<cell>", "eval"), namespace)
                    if value is not None:
                        print(repr(value))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except CellTimeout:
        timed_out, exc = 1, "KeyboardInterrupt: the cell exceeded its %.0f s time limit" % timeout
    except BaseException:
        lines = traceback.format_exc().splitlines()
        # Drop the agent's own frames: the traceback starts at the cell.
        keep = [i for i, l in enumerate(lines) if '"<cell>"' in l]
        exc = "\n".join(lines[:1] + lines[keep[0]:] if keep else lines)
    o, t1 = cap(out.getvalue())
    e, t2 = cap(err.getvalue())
    return {"stdout": o, "stderr": e, "exception": exc, "timed_out": timed_out, "truncated": t1 | t2, "cwd": cwd}


def run_shell(command, timeout):
    global cwd, env
    r, w = os.pipe()
    # The shell reports its final directory and environment on a private descriptor, closed for
    # the command itself: a job it starts in the background (`server &`) must not hold it open.
    script = "{\n%s\n} %d>&-\n__envforge_rc=$?\n{ pwd; env -0; } >&%d\nexit $__envforge_rc\n" % (command, w, w)
    p = subprocess.Popen(["/bin/sh", "-c", script], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(w,), start_new_session=True)
    os.close(w)
    timed_out = 0
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        timed_out = 1
    report = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        report += chunk
    os.close(r)
    if report and not timed_out:
        head, _, rest = report.partition(b"\n")
        cwd = head.decode("utf-8", "replace") or cwd
        env = dict(kv.split("=", 1) for kv in rest.decode("utf-8", "replace").split("\0") if "=" in kv)
    o, t1 = cap(out.decode("utf-8", "replace"))
    e, t2 = cap(err.decode("utf-8", "replace"))
    return {"stdout": o, "stderr": e, "exit_code": p.returncode, "timed_out": timed_out, "truncated": t1 | t2, "cwd": cwd}


send_frame({"ready": 1})
while True:
    try:
        req = read_frame()
    except EOFError:
        break
    try:
        if req.get("op") == "python":
            reply = run_python(req.get("code", ""), float(req.get("timeout", "120")))
        elif req.get("op") == "shell":
            reply = run_shell(req.get("code", ""), float(req.get("timeout", "120")))
        else:
            reply = {"exception": "unknown op %r" % req.get("op")}
    except BaseException as e:  # a late alarm or a broken cell must not take the agent down
        reply = {"exception": "agent: %r" % e}
    reply["id"] = req.get("id", "")
    send_frame(reply)
