"""Edit scripts between two sequences of lines."""
from .lcs import lcs_table


class Op:
    __slots__ = ("kind", "a_index", "b_index", "line")

    def __init__(self, kind, a_index, b_index, line):
        self.kind = kind  # "equal", "delete", "insert"
        self.a_index = a_index
        self.b_index = b_index
        self.line = line

    def __eq__(self, other):
        return isinstance(other, Op) and (self.kind, self.a_index, self.b_index, self.line) == (
            other.kind, other.a_index, other.b_index, other.line)

    def __repr__(self):
        return f"Op({self.kind}, {self.a_index}, {self.b_index}, {self.line!r})"


def diff_lines(a, b, ignore_whitespace=False):
    """The edit script turning a into b: deletions before insertions at each change."""
    key = (lambda s: " ".join(s.split())) if ignore_whitespace else (lambda s: s)
    ka = [key(x) for x in a]
    kb = [key(x) for x in b]
    # common prefix and suffix are equal without the quadratic table
    start = 0
    while start < len(ka) and start < len(kb) and ka[start] == kb[start]:
        start += 1
    end_a, end_b = len(ka), len(kb)
    while end_a > start and end_b > start and ka[end_a - 1] == kb[end_b - 1]:
        end_a -= 1
        end_b -= 1
    ops = [Op("equal", i, i, a[i]) for i in range(start)]
    table = lcs_table(ka[start:end_a], kb[start:end_b])
    i, j = start, start
    while i < end_a or j < end_b:
        ti, tj = i - start, j - start
        if i < end_a and j < end_b and ka[i] == kb[j]:
            ops.append(Op("equal", i, j, a[i]))
            i += 1
            j += 1
        elif j >= end_b or (i < end_a and table[ti + 1][tj] >= table[ti][tj + 1]):
            ops.append(Op("delete", i, j, a[i]))
            i += 1
        else:
            ops.append(Op("insert", i, j, b[j]))
            j += 1
    for k in range(len(a) - end_a):
        ops.append(Op("equal", end_a + k, end_b + k, a[end_a + k]))
    return ops


def similarity(a, b):
    """2 * matches / (len(a) + len(b)), 1.0 for two empty sequences."""
    if not a and not b:
        return 1.0
    matches = sum(1 for op in diff_lines(a, b) if op.kind == "equal")
    return 2.0 * matches / (len(a) + len(b))


def stats(ops):
    """(inserted, deleted) line counts."""
    inserted = sum(1 for op in ops if op.kind == "insert")
    deleted = sum(1 for op in ops if op.kind == "delete")
    return inserted, deleted
