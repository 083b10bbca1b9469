"""Sets of intervals kept sorted, disjoint and non-touching (the normal form)."""
from .interval import Interval


class IntervalSet:
    def __init__(self, intervals=()):
        self._items = []
        for iv in intervals:
            self.add(iv)

    @property
    def intervals(self):
        return list(self._items)

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def is_empty(self):
        return not self._items

    def add(self, iv):
        if iv.is_empty():
            return self
        merged = iv
        keep = []
        for cur in self._items:
            if cur.touches(merged):
                merged = cur.hull(merged)
            else:
                keep.append(cur)
        keep.append(merged)
        keep.sort(key=lambda x: (x.lo, not x.lo_closed))
        self._items = keep
        return self

    def union(self, other):
        result = IntervalSet(self._items)
        for iv in other:
            result.add(iv)
        return result

    def intersection(self, other):
        out = IntervalSet()
        for a in self._items:
            for b in other:
                piece = a.intersection(b)
                if not piece.is_empty():
                    out.add(piece)
        return out

    def contains(self, x):
        lo, hi = 0, len(self._items)
        # binary search on the lower bounds
        while lo < hi:
            mid = (lo + hi) // 2
            if self._items[mid].hi < x:
                lo = mid + 1
            else:
                hi = mid
        return lo < len(self._items) and self._items[lo].contains(x)

    def __contains__(self, x):
        return self.contains(x)

    def total_length(self):
        return sum(iv.length() for iv in self._items)

    def complement(self, within):
        """The parts of `within` not covered by this set."""
        out = IntervalSet()
        cursor, cursor_closed = within.lo, within.lo_closed
        for iv in self._items:
            piece = iv.intersection(within)
            if piece.is_empty():
                continue
            gap = Interval(cursor, piece.lo, cursor_closed, not piece.lo_closed)
            out.add(gap.intersection(within))
            cursor, cursor_closed = piece.hi, not piece.hi_closed
        if cursor <= within.hi:
            out.add(Interval(cursor, within.hi, cursor_closed, within.hi_closed))
        return out

    def difference(self, other):
        if self.is_empty():
            return IntervalSet()
        span = self._items[0].hull(self._items[-1])
        return self.intersection(other.complement(span))

    def gaps(self):
        """The holes between consecutive intervals."""
        out = []
        for left, right in zip(self._items, self._items[1:]):
            out.append(Interval(left.hi, right.lo, not left.hi_closed, not right.lo_closed))
        return out

    def largest(self):
        if not self._items:
            return None
        best = self._items[0]
        for iv in self._items[1:]:
            if iv.length() > best.length():
                best = iv
        return best

    def __eq__(self, other):
        return isinstance(other, IntervalSet) and self._items == other._items

    def __repr__(self):
        return "IntervalSet(" + ", ".join(map(repr, self._items)) + ")"
