"""Runs a project's test suite (unittest or pytest) and reports every test as JUnit XML.

stdin: line 1 is a nonce, line 2 a JSON config; stdin is closed before any project code is
imported. The report is printed between "<nonce>-BEGIN" and "<nonce>-END" lines after the tests
ran, so nothing the tests print or write can pass for it.
config: {"mode": "unittest" | "pytest" | "auto", "test_dir": "tests",
         "roots": ["src"]            directories the project imports from (relative to cwd),
         "own": ["pkg"]              its top-level packages: found only under the roots, never in the
                                     interpreter's site-packages (which may hold another copy),
         "dist": ["name", "1.0"]     metadata as `pip install -e .` would register it,
         "ids": [...]                tests to run (default: the whole suite); unittest ids are
                                     picked from the discovered suite, so doctests and load_tests work,
         "per_test": 10, "limits": {"id": seconds}   each test's time limit,
         "max_timeouts": 3           stop the suite after that many tests ran out of time,
         "compile": ["pkg/x.py"]     files that must compile first (else "<runner>" reports
                                     "does not compile" and nothing runs),
         "coverage": ["pkg"]         report the lines of files under these paths that the tests ran}
Statuses: passed, failed, error, skipped, xfail (expected failure), xpass (unexpected success).
"""
import importlib.machinery, io, json, os, signal, sys, tempfile, time, traceback, unittest
from xml.sax.saxutils import quoteattr

nonce = sys.stdin.readline().strip()
config = json.loads(sys.stdin.readline() or "{}")
sys.stdin.close()
mode = config.get("mode", "unittest")
start_dir = config.get("test_dir", "tests")
selected = config.get("ids", [])
per_test = float(config.get("per_test", 0) or 0)
limits = config.get("limits", {})
max_timeouts = int(config.get("max_timeouts", 0) or 0)
cwd = os.getcwd()
roots = [os.path.normpath(os.path.join(cwd, r)) for r in config.get("roots", ["."])]
own = set(config.get("own", []))


class TestTimeout(BaseException):
    """A BaseException, as KeyboardInterrupt is: code under test that catches Exception in a
    loop must not swallow its own time limit."""


class TooManyTimeouts(BaseException):
    """Ends the suite: the code under test hangs test after test."""


timeouts = 0


def timed_out(message):
    global timeouts
    if "TestTimeout" in message or "time limit" in message:
        timeouts += 1
        if max_timeouts and timeouts >= max_timeouts:
            raise TooManyTimeouts(f"stopped after {timeouts} tests ran out of time")


def on_alarm(signum, frame):
    raise TestTimeout("the test ran longer than its time limit")


def arm(test_id):
    # Each test gets a time limit of its own, so one that loops forever becomes that test's
    # error and the rest of the suite still runs and reports.
    limit = float(limits.get(test_id, per_test) or 0)
    if limit > 0:
        signal.setitimer(signal.ITIMER_REAL, limit)


signal.signal(signal.SIGALRM, on_alarm)
real_stdout = os.fdopen(os.dup(1), "w")
pytest_missing = False
if mode in ("auto", "pytest"):
    try:
        import pytest
        mode = "pytest"
    except ImportError:
        pytest_missing = mode == "pytest"
        mode = "unittest"

# The project's import roots come first; its own packages are found there and nowhere else.
for r in reversed(roots):
    if r not in sys.path:
        sys.path.insert(0, r)
os.environ["PYTHONPATH"] = os.pathsep.join(roots)  # for interpreters the tests start


class OwnPackages:
    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if path is not None or fullname.partition(".")[0] not in own:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, roots)
        if spec is None:
            raise ModuleNotFoundError(f"{fullname} is not in the repository (looked in {', '.join(roots)})", name=fullname)
        return spec


sys.meta_path.insert(0, OwnPackages)
if config.get("dist"):
    # importlib.metadata finds the project as if it were installed (version lookups, entry points).
    name, version = config["dist"]
    site = tempfile.mkdtemp(prefix="envforge-site-")
    info = os.path.join(site, f"{name.replace('-', '_')}-{version}.dist-info")
    os.makedirs(info)
    with open(os.path.join(info, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    sys.path.append(site)

loader = unittest.TestLoader()
# Outcomes by test id, in the order tests first reported (a dict: a test's later phases, such
# as a failing teardown, replace its entry in constant time; suites have tens of thousands).
outcomes = {}


class Results:
    def append(self, entry):
        outcomes[entry[0]] = entry

    def has(self, test_id):
        return test_id in outcomes

    def __iter__(self):
        return iter(list(outcomes.values()))


results = Results()


class Recorder(unittest.TestResult):
    def startTest(self, test):
        self._t0 = time.monotonic()
        arm(test.id())
        super().startTest(test)

    def stopTest(self, test):
        signal.setitimer(signal.ITIMER_REAL, 0)
        super().stopTest(test)

    def _add(self, test, status, message=""):
        results.append((test.id(), status, message, time.monotonic() - self._t0))
        if status == "error":
            timed_out(message)

    def addSuccess(self, test):
        self._add(test, "passed")

    def addFailure(self, test, err):
        self._add(test, "failed", "".join(traceback.format_exception_only(err[0], err[1])).strip())

    def addError(self, test, err):
        self._add(test, "error", "".join(traceback.format_exception_only(err[0], err[1])).strip())

    def addSubTest(self, test, subtest, err):
        # A failing subtest fails its test (unittest then never calls addSuccess for it).
        if err is not None and not results.has(test.id()):
            status = "failed" if issubclass(err[0], test.failureException) else "error"
            self._add(test, status, "".join(traceback.format_exception_only(err[0], err[1])).strip())

    def addSkip(self, test, reason):
        self._add(test, "skipped", reason)

    def addExpectedFailure(self, test, err):
        self._add(test, "xfail")

    def addUnexpectedSuccess(self, test):
        self._add(test, "xpass", "unexpected success")


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


selected_set = set(selected)


def wanted(test_id):
    # An id, or a prefix of ids at a dot (a module or a class): the id and each of its dotted
    # prefixes are looked up, so a verification naming 30,000 tests is not 30,000 x 30,000 checks.
    if test_id in selected_set:
        return True
    at = test_id.rfind(".")
    while at > 0:
        if test_id[:at] in selected_set:
            return True
        at = test_id.rfind(".", 0, at)
    return False


class PytestCollector:
    """A pytest plugin that records each test's outcome under its node id."""

    def pytest_runtest_setup(self, item):
        arm(item.nodeid)

    def pytest_runtest_teardown(self, item):
        signal.setitimer(signal.ITIMER_REAL, 0)

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when in ("setup", "teardown") and not report.passed):
            xfail = hasattr(report, "wasxfail")
            if report.passed:
                status = "xpass" if xfail else "passed"
            elif report.skipped:
                status = "xfail" if xfail else "skipped"
            else:
                status = "failed" if report.when == "call" else "error"
            message = ""
            if not report.passed:
                longrepr = report.longrepr
                message = getattr(getattr(longrepr, "reprcrash", None), "message", None) or str(longrepr).splitlines()[-1:][0] if longrepr else ""
            results.append((report.nodeid, status, message, report.duration))
            if status in ("failed", "error"):
                try:
                    timed_out(message)
                except TooManyTimeouts as e:
                    results.append(("<runner>", "error", str(e), 0.0))
                    pytest.exit(str(e), returncode=3)

    def pytest_collectreport(self, report):
        if report.failed:
            results.append((report.nodeid or "<collection>", "error", str(report.longrepr).splitlines()[-1:][0] if report.longrepr else "", 0.0))


# Line coverage of the project's own files (the lines any test ran), when asked: synthesis only
# mutates lines some test executes, since a mutant no test reaches cannot become a task.
covered = {}
cover_prefixes = tuple(os.path.join(cwd, p) + ("" if p.endswith(".py") else os.sep) for p in config.get("coverage", []))


def local_tracer(frame, event, arg):
    if event == "line":
        covered[frame.f_code.co_filename].add(frame.f_lineno)
    return local_tracer


def global_tracer(frame, event, arg):
    name = frame.f_code.co_filename
    if not name.startswith(cover_prefixes):
        return None
    lines = covered.setdefault(name, set())
    lines.add(frame.f_lineno)
    return local_tracer


if cover_prefixes:
    import threading
    threading.settrace(global_tracer)
    sys.settrace(global_tracer)

captured = io.StringIO()
sys.stdout = sys.stderr = captured  # the tests' own output never mixes with the report
try:
    for path in config.get("compile", []):
        try:
            with open(path, "rb") as f:
                compile(f.read(), path, "exec")
        except SyntaxError as e:
            raise RuntimeError(f"does not compile: {path}: {e}")
    if pytest_missing:
        raise RuntimeError("pytest is not installed for the sandbox's python3 (Debian: python3-pytest)")
    if mode == "pytest":
        # --tb=line: a failure's message is all the report keeps, and formatting full tracebacks
        # (with a repository's --showlocals) made a failing suite forty times slower.
        # --continue-on-collection-errors: a test module that does not import (a new test of a
        # function the code lacks yet) fails on its own, as unittest reports it, instead of
        # stopping the whole run.
        pytest.main((selected or [start_dir]) + ["-q", "-p", "no:cacheprovider", "-p", "no:junitxml", "--rootdir", cwd, "--tb=line",
                                                 "--continue-on-collection-errors"],
                    plugins=[PytestCollector()])
    else:
        suite = loader.discover(start_dir, top_level_dir=cwd)
        rec = Recorder()
        for t in flatten(suite):
            if not selected or wanted(t.id()):
                t.run(rec)  # a module that does not import runs as a failing test of its own
except TooManyTimeouts as e:
    results.append(("<runner>", "error", str(e), 0.0))
except BaseException as e:  # discovery itself failed, or the tests tried to exit
    results.append(("<runner>", "error", f"{type(e).__name__}: {e}", 0.0))
sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__

lines = [f'<testsuite name="envforge" runner="{mode}">']
for tid, status, message, secs in results:
    cls, _, name = tid.rpartition("::" if "::" in tid else ".")
    lines.append(f"<testcase id={quoteattr(tid)} classname={quoteattr(cls)} name={quoteattr(name)} status={quoteattr(status)} time=\"{secs:.4f}\">")
    if status == "failed":
        lines.append(f"<failure message={quoteattr(message[:500])}/>")
    elif status == "error":
        lines.append(f"<error message={quoteattr(message[:500])}/>")
    elif status in ("skipped", "xfail", "xpass"):
        lines.append(f"<skipped message={quoteattr(message[:200])}/>")
    lines.append("</testcase>")
sys.settrace(None)
for name, hit in sorted(covered.items()):
    lines.append(f"<coverage file={quoteattr(os.path.relpath(name, cwd))} lines=\"{','.join(map(str, sorted(hit)))}\"/>")
lines.append("</testsuite>")
real_stdout.write(f"{nonce}-BEGIN\n" + "\n".join(lines) + f"\n{nonce}-END\n")
real_stdout.flush()
