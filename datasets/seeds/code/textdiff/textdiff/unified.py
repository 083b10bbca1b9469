"""Unified diff output, parsing and application."""
import re

from .diff import diff_lines

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchConflict(ValueError):
    pass


def _groups(ops, context):
    """Runs of ops around changes, with up to `context` equal lines on each side."""
    changes = [k for k, op in enumerate(ops) if op.kind != "equal"]
    if not changes:
        return []
    groups = []
    start = max(0, changes[0] - context)
    end = min(len(ops), changes[0] + context + 1)
    for k in changes[1:]:
        if k - context <= end:
            end = min(len(ops), k + context + 1)
        else:
            groups.append((start, end))
            start = max(0, k - context)
            end = min(len(ops), k + context + 1)
    groups.append((start, end))
    return groups


def unified_diff(a, b, from_name="a", to_name="b", context=3):
    """The unified diff of two lists of lines (without line terminators)."""
    ops = diff_lines(a, b)
    groups = _groups(ops, context)
    if not groups:
        return []
    out = [f"--- {from_name}", f"+++ {to_name}"]
    for start, end in groups:
        chunk = ops[start:end]
        a_start = chunk[0].a_index
        b_start = chunk[0].b_index
        a_len = sum(1 for op in chunk if op.kind != "insert")
        b_len = sum(1 for op in chunk if op.kind != "delete")
        # an empty side starts at the line before (as GNU diff writes it)
        a_pos = a_start + 1 if a_len else a_start
        b_pos = b_start + 1 if b_len else b_start
        out.append(f"@@ -{a_pos},{a_len} +{b_pos},{b_len} @@")
        for op in chunk:
            prefix = {"equal": " ", "delete": "-", "insert": "+"}[op.kind]
            out.append(prefix + op.line)
    return out


def parse_unified(lines):
    """Hunks as (a_start, a_len, b_start, b_len, body lines)."""
    hunks = []
    i = 0
    while i < len(lines) and not lines[i].startswith("@@"):
        i += 1
    while i < len(lines):
        m = HUNK_HEADER.match(lines[i])
        if not m:
            raise ValueError(f"bad hunk header: {lines[i]!r}")
        a_start, a_len = int(m.group(1)), int(m.group(2) or 1)
        b_start, b_len = int(m.group(3)), int(m.group(4) or 1)
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("@@"):
            if lines[i][:1] not in (" ", "-", "+"):
                raise ValueError(f"bad hunk line: {lines[i]!r}")
            body.append(lines[i])
            i += 1
        old = sum(1 for line in body if line[0] != "+")
        new = sum(1 for line in body if line[0] != "-")
        if (old, new) != (a_len, b_len):
            raise ValueError(f"hunk counts {a_len},{b_len} do not match its {old},{new} lines")
        hunks.append((a_start, a_len, b_start, b_len, body))
    return hunks


def apply_patch(a, diff):
    """Applies a unified diff to the lines of a; raises PatchConflict when the context differs."""
    result = []
    cursor = 0  # next line of a not yet copied
    for a_start, a_len, _, _, body in parse_unified(diff):
        begin = a_start - 1 if a_len else a_start
        if begin < cursor:
            raise PatchConflict("hunks overlap or are out of order")
        result.extend(a[cursor:begin])
        pos = begin
        for line in body:
            tag, text = line[0], line[1:]
            if tag == "+":
                result.append(text)
                continue
            if pos >= len(a) or a[pos] != text:
                raise PatchConflict(f"line {pos + 1} is {a[pos] if pos < len(a) else None!r}, expected {text!r}")
            if tag == " ":
                result.append(text)
            pos += 1
        cursor = pos
    result.extend(a[cursor:])
    return result
