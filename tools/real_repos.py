"""The real Python projects the code kind is tested and benchmarked on, in one list shared by
tests/tools/test_code_real.py and tools/bench/bench_code_real.py.

Two sources, neither vendored here:
- Debian's packages (tools/install-deps installs them, so CI always has them): their sources
  ship with their tests, and a repository is made by copying the package directories.
- Git snapshots at pinned commits under $ENVFORGE_TESTDATA/repos, filled by tools/test-repos
  where the network (or a local mirror) allows. Their suites take 10-35 s a run, so they are
  marked `slow`: minutes per accepted task, outside the default test budget."""
import glob, os, shutil
from typing import Callable, NamedTuple, Optional

DIST = "/usr/lib/python3/dist-packages"
TESTDATA = os.environ.get("ENVFORGE_TESTDATA", os.path.expanduser("~/.cache/envforge/testdata"))


class RealRepo(NamedTuple):
    name: str
    make: Callable[[str], Optional[str]]  # work dir -> repository dir, or None where absent
    src: str
    test_dir: str
    runner: str
    extra: tuple  # synth flags this project needs
    slow: bool
    shape: str


def debian(pkg_dirs, layout_root=""):
    """A repository made of installed Debian package directories (globs allowed, for the
    version in an egg-info name), laid out under layout_root; None when a package is missing."""
    def make(work):
        repo = os.path.join(work, "deb-" + pkg_dirs[0].replace("/", "-"))
        for d in pkg_dirs:
            matches = glob.glob(os.path.join(DIST, d))
            if not matches or not os.path.isdir(matches[0]):
                return None
            for m in matches:
                shutil.copytree(m, os.path.join(repo, layout_root, os.path.relpath(m, DIST)),
                                ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
        return repo
    return make


def snapshot(name):
    def make(_work):
        path = os.path.join(TESTDATA, "repos", name)
        return path if os.path.isdir(path) else None
    return make


REPOS = [
    RealRepo("simplejson", debian(["simplejson"]), "simplejson", "simplejson/tests", "unittest", (), False,
             "unittest, tests inside the package"),
    # a namespace package (lazr/ has no __init__) whose tests add the docs' doctests through
    # load_tests and find them with pkg_resources, which reads the egg-info metadata
    RealRepo("lazr.uri", debian(["lazr/uri", "lazr.uri-*.egg-info"]), "lazr", "lazr/uri/tests", "unittest", (), False,
             "namespace package, doctests from load_tests"),
    # five integration tests need the upstream `pyflakes` script: set aside as always failing
    RealRepo("pyflakes", debian(["pyflakes"]), "pyflakes", "pyflakes/test", "pytest", ("--ignore-failing",), False,
             "pytest over unittest classes, skips"),
    RealRepo("toolz", debian(["toolz", "tlz"], "src"), "src", "src/toolz/tests", "pytest", (), False,
             "src layout, two packages"),
    RealRepo("more-itertools", snapshot("more-itertools"), "more_itertools", "tests", "unittest",
             ("--test-timeout", "300"), True, "unittest + doctests (load_tests), 901 tests"),
    # one test fails on this interpreter at the pinned commit: set aside
    RealRepo("packaging", snapshot("packaging"), "src", "tests", "pytest", ("--ignore-failing", "--test-timeout", "300"), True,
             "src layout, pytest with xfail, 29,873 tests"),
    RealRepo("chardet", snapshot("chardet"), "chardet", "test.py", "pytest", ("--test-timeout", "300"), True,
             "pytest with xfail, non-UTF-8 fixtures"),
]
