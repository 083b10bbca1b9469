"""Runs a project's unittest suite and reports every test as JUnit XML.

The first line of stdin is a nonce; the report is printed between "<nonce>-BEGIN" and
"<nonce>-END" lines after the tests ran, so nothing the tests print or write can pass for it (the
nonce is read and stdin closed before any project code is imported).
usage: python3 junit_runner.py MODE TEST_DIR [TEST_ID ...]
  MODE unittest: ids like tests.test_x.Class.test_y; pytest: node ids (tests/test_x.py::Class::test_y);
  auto: pytest when it is installed, unittest otherwise.
"""
import io, os, signal, sys, time, traceback, unittest
from xml.sax.saxutils import escape, quoteattr

nonce = sys.stdin.readline().strip()
sys.stdin.close()
# Each test gets a time limit of its own, so one that loops forever becomes that test's error
# and the rest of the suite still runs and reports.
per_test = float(os.environ.pop("ENVFORGE_TEST_TIMEOUT", "0") or 0)


class TestTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise TestTimeout(f"the test ran longer than {per_test:g} s")


signal.signal(signal.SIGALRM, on_alarm)
real_stdout = os.fdopen(os.dup(1), "w")
mode = sys.argv[1] if len(sys.argv) > 1 else "unittest"
start_dir = sys.argv[2] if len(sys.argv) > 2 else "tests"
selected = sys.argv[3:]
if mode == "auto":
    try:
        import pytest  # noqa: F401
        mode = "pytest"
    except ImportError:
        mode = "unittest"
sys.path.insert(0, os.getcwd())
loader = unittest.TestLoader()
results = []


class Recorder(unittest.TestResult):
    def startTest(self, test):
        self._t0 = time.monotonic()
        if per_test > 0:
            signal.setitimer(signal.ITIMER_REAL, per_test)
        super().startTest(test)

    def stopTest(self, test):
        signal.setitimer(signal.ITIMER_REAL, 0)
        super().stopTest(test)

    def _add(self, test, status, message=""):
        results.append((test.id(), status, message, time.monotonic() - self._t0))

    def addSuccess(self, test):
        self._add(test, "passed")

    def addFailure(self, test, err):
        self._add(test, "failed", "".join(traceback.format_exception_only(err[0], err[1])).strip())

    def addError(self, test, err):
        self._add(test, "error", "".join(traceback.format_exception_only(err[0], err[1])).strip())

    def addSkip(self, test, reason):
        self._add(test, "skipped", reason)

    def addExpectedFailure(self, test, err):
        self._add(test, "passed")

    def addUnexpectedSuccess(self, test):
        self._add(test, "failed", "unexpected success")


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


class PytestCollector:
    """A pytest plugin that records each test's outcome under its node id."""

    def pytest_runtest_setup(self, item):
        if per_test > 0:
            signal.setitimer(signal.ITIMER_REAL, per_test)

    def pytest_runtest_teardown(self, item):
        signal.setitimer(signal.ITIMER_REAL, 0)

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when in ("setup", "teardown") and not report.passed):
            status = "passed" if report.passed else "skipped" if report.skipped else ("failed" if report.when == "call" else "error")
            message = ""
            if not report.passed:
                longrepr = report.longrepr
                message = getattr(getattr(longrepr, "reprcrash", None), "message", None) or str(longrepr).splitlines()[-1:][0] if longrepr else ""
            results[:] = [r for r in results if r[0] != report.nodeid]
            results.append((report.nodeid, status, message, report.duration))

    def pytest_collectreport(self, report):
        if report.failed:
            results.append((report.nodeid or "<collection>", "error", str(report.longrepr).splitlines()[-1:][0] if report.longrepr else "", 0.0))


captured = io.StringIO()
sys.stdout = sys.stderr = captured  # the tests' own output never mixes with the report
try:
    if mode == "pytest":
        import pytest
        pytest.main((selected or [start_dir]) + ["-q", "-p", "no:cacheprovider", "-p", "no:junitxml"], plugins=[PytestCollector()])
    else:
        suite = loader.loadTestsFromNames(selected) if selected else loader.discover(start_dir, top_level_dir=os.getcwd())
        rec = Recorder()
        for t in flatten(suite):
            t.run(rec)  # a module that does not import runs as a failing test of its own
except BaseException as e:  # discovery itself failed, or the tests tried to exit
    results.append(("<runner>", "error", f"{type(e).__name__}: {e}", 0.0))
sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__

lines = [f'<testsuite name="envforge" runner="{mode}">']
for tid, status, message, secs in results:
    cls, _, name = tid.rpartition("::" if "::" in tid else ".")
    lines.append(f"<testcase id={quoteattr(tid)} classname={quoteattr(cls)} name={quoteattr(name)} time=\"{secs:.4f}\">")
    if status == "failed":
        lines.append(f"<failure message={quoteattr(message[:500])}/>")
    elif status == "error":
        lines.append(f"<error message={quoteattr(message[:500])}/>")
    elif status == "skipped":
        lines.append(f"<skipped message={quoteattr(message[:200])}/>")
    lines.append("</testcase>")
lines.append("</testsuite>")
real_stdout.write(f"{nonce}-BEGIN\n" + "\n".join(lines) + f"\n{nonce}-END\n")
real_stdout.flush()
