"""A small git repository whose history holds one commit of each shape `synth code --history`
must tell apart, made afresh by the tests (tests/tools/test_code_history.py).

make_repo(path) returns {subject: expected decision}: "task", or the reason for refusing it."""
import os
import subprocess

OPS = '''"""Small arithmetic helpers."""


def add(a, b):
    return a + b


def clamp(x, lo, hi):
    """x limited to [lo, hi]."""
    return max(lo, min(x, lo))


def mean(values):
    return sum(values) / len(values)


def scale(values, factor):
    return [v * factor for v in values]
'''

TEST_OPS = '''import unittest

from calc import ops


class OpsTests(unittest.TestCase):
    def test_add(self):
        self.assertEqual(ops.add(2, 3), 5)

    def test_mean(self):
        self.assertEqual(ops.mean([1, 2, 3]), 2)

    def test_scale(self):
        self.assertEqual(ops.scale([1, 2], 3), [3, 6])


if __name__ == "__main__":
    unittest.main()
'''


def git(repo, *args, env=None):
    e = dict(os.environ, GIT_AUTHOR_NAME="Fixture", GIT_AUTHOR_EMAIL="fixture@example.org", GIT_COMMITTER_NAME="Fixture",
             GIT_COMMITTER_EMAIL="fixture@example.org", GIT_AUTHOR_DATE="2024-01-01T00:00:00Z",
             GIT_COMMITTER_DATE="2024-01-01T00:00:00Z")
    e.update(env or {})
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True, env=e).stdout


def write(repo, path, text):
    full = os.path.join(repo, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)


def edit(repo, path, old, new):
    full = os.path.join(repo, path)
    text = open(full).read()
    assert old in text, (path, old)
    write(repo, path, text.replace(old, new, 1))


def commit(repo, subject, day):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", subject, env={"GIT_COMMITTER_DATE": f"2024-01-{day:02d}T12:00:00Z",
                                                   "GIT_AUTHOR_DATE": f"2024-01-{day:02d}T12:00:00Z"})


def make_repo(repo):
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    expected = {}
    write(repo, "calc/__init__.py", "")
    write(repo, "calc/ops.py", OPS)
    write(repo, "tests/__init__.py", "")
    write(repo, "tests/test_ops.py", TEST_OPS)
    write(repo, "README.md", "# calc\n")
    commit(repo, "Initial import", 1)
    expected["Initial import"] = "root_commit"

    # A changed test: clamp's upper bound was wrong; the existing test file gains a test.
    edit(repo, "calc/ops.py", "return max(lo, min(x, lo))", "return max(lo, min(x, hi))")
    edit(repo, "tests/test_ops.py", "    def test_scale(self):", "    def test_clamp(self):\n        self.assertEqual(ops.clamp(7, 0, 5), 5)\n"
         "        self.assertEqual(ops.clamp(-1, 0, 5), 0)\n\n    def test_scale(self):")
    commit(repo, "Clamp respects its upper bound", 2)
    expected["Clamp respects its upper bound"] = "task"

    # A new test file, and a message that gives the fix away (an identifier only the fix adds).
    edit(repo, "calc/ops.py", "def mean(values):\n    return sum(values) / len(values)",
         "def mean(values):\n    if not values:\n        raise ValueError(\"mean of no values\")\n    return sum(values) / len(values)")
    write(repo, "tests/test_mean.py", "import unittest\n\nfrom calc import ops\n\n\nclass MeanTests(unittest.TestCase):\n"
          "    def test_empty(self):\n        with self.assertRaises(ValueError):\n            ops.mean([])\n")
    commit(repo, "mean: raise 'mean of no values' instead of dividing by zero", 3)
    expected["mean: raise 'mean of no values' instead of dividing by zero"] = "task"

    # Documentation only.
    write(repo, "README.md", "# calc\n\nSmall helpers.\n")
    commit(repo, "Describe the package", 4)
    expected["Describe the package"] = "no_source_change"

    # Source only.
    edit(repo, "calc/ops.py", '"""Small arithmetic helpers."""', '"""Small arithmetic helpers, in pure Python."""')
    commit(repo, "Docstring", 5)
    expected["Docstring"] = "no_test_change"

    # A renamed source file (ops.py -> arith.py) with a fix in it; the tests follow the rename.
    os.rename(os.path.join(repo, "calc/ops.py"), os.path.join(repo, "calc/arith.py"))
    edit(repo, "calc/arith.py", "    return [v * factor for v in values]", "    return [v * factor for v in values if v is not None]")
    for test in ("tests/test_ops.py", "tests/test_mean.py"):
        edit(repo, test, "from calc import ops", "from calc import arith as ops")
    edit(repo, "tests/test_ops.py", "        self.assertEqual(ops.scale([1, 2], 3), [3, 6])",
         "        self.assertEqual(ops.scale([1, 2], 3), [3, 6])\n        self.assertEqual(ops.scale([1, None], 2), [2])")
    commit(repo, "Rename calc.ops to calc.arith; scale skips missing values", 6)
    expected["Rename calc.ops to calc.arith; scale skips missing values"] = "task"

    # A test that already passes before the change: nothing fails to pass.
    edit(repo, "calc/arith.py", "def add(a, b):\n    return a + b", "def add(a, b):\n    \"\"\"a plus b.\"\"\"\n    return a + b")
    edit(repo, "tests/test_ops.py", "        self.assertEqual(ops.add(2, 3), 5)", "        self.assertEqual(ops.add(2, 3), 5)\n"
         "        self.assertEqual(ops.add(-2, 2), 0)")
    commit(repo, "More add cases", 7)
    expected["More add cases"] = "no_fail_to_pass"

    # A fix that breaks another passing test (add's behaviour changes).
    edit(repo, "calc/arith.py", "    return a + b", "    return a + b + 0 if isinstance(a, int) else a - b")
    edit(repo, "calc/arith.py", "def clamp(x, lo, hi):", "def negate(x):\n    return -x\n\n\ndef clamp(x, lo, hi):")
    edit(repo, "tests/test_ops.py", "    def test_mean(self):", "    def test_negate(self):\n        self.assertEqual(ops.negate(2), -2)\n\n"
         "    def test_mean(self):")
    edit(repo, "tests/test_ops.py", "        self.assertEqual(ops.add(-2, 2), 0)", "        self.assertEqual(ops.add(-2, 2), 0)\n"
         "        self.assertEqual(ops.add(1.5, 1.5), 3.0)")
    commit(repo, "Add negate", 8)
    expected["Add negate"] = "breaks_passing_test"

    # A flaky new test: it passes on odd runs only (it counts its runs in a file beside it).
    edit(repo, "calc/arith.py", "def negate(x):\n    return -x", "def negate(x):\n    return -x\n\n\ndef double(x):\n    return 2 * x")
    write(repo, "tests/test_double.py", "import os\nimport unittest\n\nfrom calc import arith as ops\n\n\nclass DoubleTests(unittest.TestCase):\n"
          "    def test_double(self):\n        path = os.path.join(os.path.dirname(__file__), 'runs.txt')\n"
          "        n = int(open(path).read()) if os.path.exists(path) else 0\n"
          "        open(path, 'w').write(str(n + 1))\n        self.assertEqual(ops.double(2), 4)\n"
          "        self.assertEqual(n % 2, 1)\n")
    commit(repo, "Add double", 9)
    expected["Add double"] = "flaky"

    # Too large a change of source (over --max-lines 40 in the test).
    edit(repo, "calc/arith.py", "def mean(values):", "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(30)) +
         "def mean(values):")
    edit(repo, "tests/test_ops.py", "    def test_mean(self):", "    def test_helper(self):\n        from calc import arith\n"
         "        self.assertEqual(arith.helper_3(1), 4)\n\n    def test_mean(self):")
    commit(repo, "Many helpers", 10)
    expected["Many helpers"] = "too_many_lines"
    return expected
