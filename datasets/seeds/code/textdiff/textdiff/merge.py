"""Three-way merge of line lists (diff3 style): changes from both sides onto a common base."""
from .diff import diff_lines


class MergeResult:
    __slots__ = ("lines", "conflicts")

    def __init__(self, lines, conflicts):
        self.lines = lines
        self.conflicts = conflicts

    @property
    def clean(self):
        return self.conflicts == 0


def _changes(base, other):
    """Maps base ranges [start, end) to replacement lines, from the diff of base to other."""
    changes = []
    ops = diff_lines(base, other)
    k = 0
    while k < len(ops):
        if ops[k].kind == "equal":
            k += 1
            continue
        start = ops[k].a_index
        replacement = []
        end = start
        while k < len(ops) and ops[k].kind != "equal":
            if ops[k].kind == "delete":
                end = ops[k].a_index + 1
            else:
                replacement.append(ops[k].line)
            k += 1
        changes.append((start, max(start, end), replacement))
    return changes


def merge3(base, ours, theirs, ours_label="ours", theirs_label="theirs"):
    """Applies both sides' changes; overlapping different changes become conflict blocks."""
    a = _changes(base, ours)
    b = _changes(base, theirs)
    out = []
    conflicts = 0
    pos = 0
    i = j = 0
    while i < len(a) or j < len(b):
        # take the change that starts first; overlapping changes are merged into one region
        if j >= len(b) or (i < len(a) and a[i][0] <= b[j][0]):
            start, end = a[i][0], a[i][1]
        else:
            start, end = b[j][0], b[j][1]
        group_a, group_b = [], []
        grew = True
        while grew:
            grew = False
            while i < len(a) and a[i][0] <= end and (a[i][0] < end or a[i][0] == start or a[i][1] == a[i][0]):
                group_a.append(a[i])
                end = max(end, a[i][1])
                i += 1
                grew = True
            while j < len(b) and b[j][0] <= end and (b[j][0] < end or b[j][0] == start or b[j][1] == b[j][0]):
                group_b.append(b[j])
                end = max(end, b[j][1])
                j += 1
                grew = True
        out.extend(base[pos:start])

        def side(group, lines):
            result, cursor = [], start
            for s, e, rep in group:
                result.extend(base[cursor:s])
                result.extend(rep)
                cursor = e
            result.extend(base[cursor:end])
            return result

        mine = side(group_a, ours)
        other = side(group_b, theirs)
        if not group_b or mine == other:
            out.extend(mine)
        elif not group_a:
            out.extend(other)
        else:
            conflicts += 1
            out.append(f"<<<<<<< {ours_label}")
            out.extend(mine)
            out.append("=======")
            out.extend(other)
            out.append(f">>>>>>> {theirs_label}")
        pos = end
    out.extend(base[pos:])
    return MergeResult(out, conflicts)
