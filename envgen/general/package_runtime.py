# The runtime of an environment package inside the episode's sandboxed Python session (run as
# the session's first cell): builds the episode's database from schema.sql, imports the
# package's tools.py and verify.py, and defines the two entry points the environment calls.
# Each call writes exactly one JSON document; what a tool prints goes into it, never around it.
import contextlib as _contextlib
import io as _io
import json as _json
import sqlite3 as _sqlite3
import sys as _sys
import traceback as _traceback

_sys.path.insert(0, ".")
_sys.dont_write_bytecode = True


def _envforge_rows(cursor, row):
    return {d[0]: v for d, v in zip(cursor.description, row)}


_envforge_db = _sqlite3.connect(":memory:")
_envforge_db.row_factory = _envforge_rows
with open("schema.sql", encoding="utf-8") as _f:
    _envforge_db.executescript(_f.read())
_envforge_db.commit()
import tools as _envforge_tools  # noqa: E402
import verify as _envforge_verifier  # noqa: E402


def _envforge_error(e):
    # The last frame in the package's own files, then the message: enough to act on, no noise.
    frames = [f for f in _traceback.extract_tb(e.__traceback__) if f.filename.endswith(("tools.py", "verify.py"))]
    where = f" ({frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    return f"{type(e).__name__}: {e}{where}"


def _envforge_call(name, hexargs):
    args = _json.loads(bytes.fromhex(hexargs).decode("utf-8"))
    printed = _io.StringIO()
    try:
        fn = getattr(_envforge_tools, name, None)
        if not callable(fn):
            raise LookupError(f"tools.py defines no function {name}")
        with _contextlib.redirect_stdout(printed):
            result = fn(_envforge_db, **args)
        _envforge_db.commit()
        doc = {"result": result}
    except Exception as e:  # the tool's error is the agent's to read
        _envforge_db.rollback()
        doc = {"error": _envforge_error(e)}
    if printed.getvalue():
        doc["printed"] = printed.getvalue()[-4000:]
    _sys.stdout.write(_json.dumps(doc, default=str))


def _envforge_verify(hexdoc):
    doc = _json.loads(bytes.fromhex(hexdoc).decode("utf-8"))
    try:
        with _contextlib.redirect_stdout(_io.StringIO()):
            r = _envforge_verifier.verify(_envforge_db, doc["answer"], **doc["expected"])
        if isinstance(r, bool):
            r = {"passed": r}
        if not isinstance(r, dict):
            raise TypeError(f"verify returned {type(r).__name__}; expected bool or dict")
        passed = bool(r.get("passed"))
        out = {"passed": passed, "reward": float(r.get("reward", 1.0 if passed else 0.0)), "details": str(r.get("details", ""))}
    except Exception as e:  # a verifier that fails on this answer rejects it, and says why
        out = {"passed": False, "reward": 0.0, "details": "verify raised " + _envforge_error(e)}
    _sys.stdout.write(_json.dumps(out))
