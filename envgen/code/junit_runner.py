"""Runs a project's unittest suite and reports every test as JUnit XML.

The first line of stdin is a nonce; the report is printed between "<nonce>-BEGIN" and
"<nonce>-END" lines after the tests ran, so nothing the tests print or write can pass for it (the
nonce is read and stdin closed before any project code is imported).
usage: python3 junit_runner.py TEST_DIR [TEST_ID ...]   (ids like tests.test_x.Class.test_y)
"""
import io, os, sys, time, traceback, unittest
from xml.sax.saxutils import escape, quoteattr

nonce = sys.stdin.readline().strip()
sys.stdin.close()
real_stdout = os.fdopen(os.dup(1), "w")
start_dir = sys.argv[1] if len(sys.argv) > 1 else "tests"
selected = sys.argv[2:]
sys.path.insert(0, os.getcwd())
loader = unittest.TestLoader()
results = []


class Recorder(unittest.TestResult):
    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

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


captured = io.StringIO()
sys.stdout = sys.stderr = captured  # the tests' own output never mixes with the report
try:
    suite = loader.loadTestsFromNames(selected) if selected else loader.discover(start_dir, top_level_dir=os.getcwd())
    tests = list(flatten(suite))
    rec = Recorder()
    for t in tests:
        if t.id() == "unittest.loader._FailedTest" or type(t).__name__ == "_FailedTest":
            # a module that does not import: its error is a test error of its own
            t.run(rec)
            continue
        t.run(rec)
except Exception as e:  # discovery itself failed
    results.append(("<discovery>", "error", f"{type(e).__name__}: {e}", 0.0))
sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__

lines = ['<testsuite name="envforge">']
for tid, status, message, secs in results:
    cls, _, name = tid.rpartition(".")
    lines.append(f"<testcase classname={quoteattr(cls)} name={quoteattr(name)} time=\"{secs:.4f}\">")
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
