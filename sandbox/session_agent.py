# The in-sandbox agent of a warm session: a stateful Python interpreter and a shell runner that
# answer the supervisor over fd 3. Frames are a 4-byte big-endian length and a body of
# length-prefixed key/value pairs: out of band, so nothing a program prints can forge them. Each
# reply echoes its request's id; code run here can still write to fd 3, and the supervisor drops
# whatever does not answer the request it is waiting for.
import ast, contextlib, ctypes, io, os, signal, socket, struct, subprocess, sys, traceback

conn = socket.socket(fileno=3)
ZYGOTE = os.environ.pop("ENVFORGE_ZYGOTE", "") == "1"
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


def encode_frame(fields):
    body = b""
    for k, v in fields.items():
        kb, vb = k.encode(), str(v).encode("utf-8", "replace")
        body += struct.pack(">I", len(kb)) + kb + struct.pack(">I", len(vb)) + vb
    return struct.pack(">I", len(body)) + body


def send_frame(fields):
    conn.sendall(encode_frame(fields))


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


def serve():
    global req  # module-level, as it always was (a hostile-cell test forges replies with it)
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


# ---- Zygote mode: a warm sandbox that forks a fresh session per episode -----------------------
# The zygote owns fd 3 (the control channel) alone: each session is a forked child that gets a
# new socket pair, whose other end goes to the supervisor with SCM_RIGHTS, and closes fd 3 before
# any episode code runs. Episode code runs as the zygote's uid but cannot reach it: the zygote is
# not dumpable (no ptrace, no /proc/<pid>/fd), ignores every signal it can, and reads nothing an
# episode can write. At release it kills every process in the pid namespace but init and itself,
# reaps them, and empties /tmp, /dev/shm and System V IPC; anything it cannot clean ends the
# sandbox (the supervisor then starts a fresh one).
IGNORED = [signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE,
           signal.SIGALRM, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGXCPU, signal.SIGVTALRM, signal.SIGPROF]


def fork_session(cpu_seconds):
    global conn
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(theirs.fileno(), 3)  # replaces the control channel: the session never holds it
            theirs.close(); ours.close()
            conn.detach()  # the old object must not close fd 3, which is now the session's
            conn = socket.socket(fileno=3)
            for s in IGNORED:  # as a fresh interpreter has them
                signal.signal(s, signal.SIG_DFL)
            signal.signal(signal.SIGPIPE, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGALRM, on_alarm)
            cpu = max(1, int(cpu_seconds + 0.999))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
            os.chdir("/workspace" if os.path.isdir("/workspace") else "/tmp")
            globals()["cwd"] = os.getcwd()
            serve()  # no "ready": the first reply shows the session runs
        finally:
            os._exit(0)
    theirs.close()
    return ours, pid


def others():
    """The pids in this namespace other than init and the zygote."""
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]


def kill_all(session):
    deadline = time.monotonic() + 5
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if session:  # killed: it is gone as soon as the kernel has torn it down
            try:
                os.waitpid(session, 0)
            except ChildProcessError:
                pass
            session = 0
        while True:  # reap what was ours (orphans come here: the zygote is a subreaper)
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if not others():
            return
        if time.monotonic() > deadline:
            raise RuntimeError("processes survive the release: %r" % others()[:8])
        time.sleep(0.0002)


def empty_dir(top):
    for name in os.listdir(top):
        path = os.path.join(top, name)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
            empty_dir(path)
            os.rmdir(path)
        else:
            os.unlink(path)


def remove_ipc():
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, ctl in (("shm", libc.shmctl), ("sem", libc.semctl), ("msg", libc.msgctl)):
        try:
            lines = open("/proc/sysvipc/" + kind).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            ident = int(line.split()[1])
            if (ctl(ident, 0, 0, 0) if kind == "sem" else ctl(ident, 0, None)) != 0:  # IPC_RMID = 0
                raise RuntimeError("cannot remove %s %d" % (kind, ident))


def release(session):
    kill_all(session)
    for top in ("/tmp", "/dev/shm"):
        if os.path.isdir(top):
            empty_dir(top)
    remove_ipc()


# Run once in the zygote after the import: what pandas loads and builds on first use (parsers,
# datetime inference, groupby and window machinery) is then shared by every session, not
# redone in each (about an eighth of a typical analysis cell's CPU).
WARMUPS = {"pandas": """
import io, numpy as np, pandas as pd
df = pd.read_csv(io.StringIO("a,b,d\\n1,x,2020-01-02\\n2,y,2020-02-03\\n3,x,2021-03-04\\n"))
df[df["a"] > 1]["a"].median(); df.groupby("b")["a"].sum().idxmin(); df["b"].nunique(); (df["a"] > 1).mean()
w = pd.to_datetime(df["d"]); df.groupby(w.dt.month)["a"].mean().idxmax(); w.dt.year; w.dt.dayofweek
df["a"].corr(df["a"]); np.polyfit(df["a"], df["a"], 1); df.nlargest(2, "a"); df.merge(df, on="b")
pd.read_json(io.StringIO('[{"a": 1, "b": null}]')); pd.read_json(io.StringIO('{"a": 1}\\n'), lines=True)
"""}


def zygote():
    import gc
    global resource, time
    import resource, time
    for s in IGNORED:
        signal.signal(s, signal.SIG_IGN)
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come back here
    for module in os.environ.pop("ENVFORGE_PRELOAD", "").split(","):
        if module:
            try:
                __import__(module)
                if module in WARMUPS:
                    exec(WARMUPS[module], {})
            except Exception:
                pass  # not installed here: the session imports it (or fails) itself
    os.chdir("/")
    gc.collect()
    gc.freeze()  # pages shared with every session stay shared: no collector writes to them
    send_frame({"ready": 1, "zygote": 1})
    session = 0  # the pid of the session forked last, until its release
    while True:
        try:
            req = read_frame()
        except EOFError:
            break
        op, reply = req.get("op"), {}
        try:
            if op == "fork":
                sock, pid = fork_session(float(req.get("cpu", "10")))
                session = pid
                # The frame and the session's socket in one message: the descriptor arrives
                # with the frame's first byte.
                socket.send_fds(conn, [encode_frame({"forked": pid, "id": req.get("id", "")})], [sock.fileno()])
                sock.close()
                continue
            if op == "release":
                release(session)
                session = 0
                reply = {"released": 1}
            else:
                reply = {"exception": "unknown op %r" % op}
        except BaseException as e:  # the sandbox cannot be made clean: end it
            send_frame({"exception": "zygote: %r" % e, "id": req.get("id", "")})
            os._exit(1)
        reply["id"] = req.get("id", "")
        send_frame(reply)


if ZYGOTE:
    zygote()
else:
    send_frame({"ready": 1})
    serve()
