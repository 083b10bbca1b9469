"""Applying and computing JSON Patch documents."""
import copy

from .pointer import JsonPointer, PointerError


class PatchError(ValueError):
    """A patch operation that is malformed or cannot be applied."""


class PatchTestFailed(PatchError):
    """A 'test' operation whose value did not match."""


def _pointer(op, key):
    if key not in op:
        raise PatchError(f"operation {op.get('op')!r} needs {key!r}")
    try:
        return JsonPointer(op[key])
    except PointerError as e:
        raise PatchError(str(e)) from e


def _equal(a, b):
    """JSON equality: 1 == 1.0 but True != 1, and dict order does not matter."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def apply_patch(doc, patch, in_place=False):
    """Applies every operation in order; the input is left untouched unless in_place."""
    if not isinstance(patch, list):
        raise PatchError("a patch is a list of operations")
    doc = doc if in_place else copy.deepcopy(doc)
    for i, op in enumerate(patch):
        if not isinstance(op, dict) or "op" not in op:
            raise PatchError(f"operation {i} has no 'op'")
        try:
            doc = _apply_one(doc, op)
        except PointerError as e:
            raise PatchError(f"operation {i} ({op['op']}): {e}") from e
    return doc


def _apply_one(doc, op):
    kind = op["op"]
    path = _pointer(op, "path")
    if kind == "add":
        if "value" not in op:
            raise PatchError("'add' needs a value")
        return path.set(doc, copy.deepcopy(op["value"]), insert=True)
    if kind == "remove":
        path.remove(doc)
        return doc
    if kind == "replace":
        if "value" not in op:
            raise PatchError("'replace' needs a value")
        path.resolve(doc)  # the target must exist
        return path.set(doc, copy.deepcopy(op["value"]))
    if kind == "move":
        source = _pointer(op, "from")
        if source == path:
            return doc
        if source.is_prefix_of(path):
            raise PatchError("cannot move a value into one of its own children")
        value = source.remove(doc)
        return path.set(doc, value, insert=True)
    if kind == "copy":
        source = _pointer(op, "from")
        return path.set(doc, copy.deepcopy(source.resolve(doc)), insert=True)
    if kind == "test":
        if "value" not in op:
            raise PatchError("'test' needs a value")
        actual = path.resolve(doc)
        if not _equal(actual, op["value"]):
            raise PatchTestFailed(f"test at {path} failed: {actual!r} != {op['value']!r}")
        return doc
    raise PatchError(f"unknown operation {kind!r}")


def make_patch(src, dst, path=None):
    """A patch that turns src into dst (replace/add/remove, lists compared by position)."""
    path = path or JsonPointer()
    if _equal(src, dst):
        return []
    if isinstance(src, dict) and isinstance(dst, dict):
        ops = []
        for key in sorted(src):
            if key not in dst:
                ops.append({"op": "remove", "path": str(path.child(key))})
        for key in sorted(dst):
            if key in src:
                ops.extend(make_patch(src[key], dst[key], path.child(key)))
            else:
                ops.append({"op": "add", "path": str(path.child(key)), "value": copy.deepcopy(dst[key])})
        return ops
    if isinstance(src, list) and isinstance(dst, list):
        ops = []
        common = min(len(src), len(dst))
        for i in range(common):
            ops.extend(make_patch(src[i], dst[i], path.child(i)))
        for i in range(common, len(dst)):
            ops.append({"op": "add", "path": str(path.child("-")), "value": copy.deepcopy(dst[i])})
        # remove from the end, so earlier indexes stay valid
        for i in range(len(src) - 1, common - 1, -1):
            ops.append({"op": "remove", "path": str(path.child(i))})
        return ops
    return [{"op": "replace", "path": str(path), "value": copy.deepcopy(dst)}]
