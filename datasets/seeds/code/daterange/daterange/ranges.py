"""Half-open ranges of dates: [start, end)."""
import datetime as dt

ONE_DAY = dt.timedelta(days=1)


class DateRange:
    __slots__ = ("start", "end")

    def __init__(self, start, end):
        if end < start:
            raise ValueError(f"range ends ({end}) before it starts ({start})")
        self.start = start
        self.end = end

    @classmethod
    def days(cls, start, n):
        return cls(start, start + dt.timedelta(days=n))

    @classmethod
    def month(cls, year, month):
        start = dt.date(year, month, 1)
        end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        return cls(start, end)

    @classmethod
    def parse(cls, text):
        """'2024-01-01..2024-02-01' (the end is exclusive)."""
        parts = text.split("..")
        if len(parts) != 2:
            raise ValueError(f"expected START..END, got {text!r}")
        return cls(dt.date.fromisoformat(parts[0].strip()), dt.date.fromisoformat(parts[1].strip()))

    def __len__(self):
        return (self.end - self.start).days

    def is_empty(self):
        return self.start == self.end

    def __contains__(self, day):
        return self.start <= day < self.end

    def __iter__(self):
        day = self.start
        while day < self.end:
            yield day
            day += ONE_DAY

    def step(self, days):
        if days <= 0:
            raise ValueError("the step must be positive")
        day = self.start
        while day < self.end:
            yield day
            day += dt.timedelta(days=days)

    def overlaps(self, other):
        return self.start < other.end and other.start < self.end

    def intersection(self, other):
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        if end <= start:
            return DateRange(start, start)
        return DateRange(start, end)

    def adjacent(self, other):
        return self.end == other.start or other.end == self.start

    def union(self, other):
        if not (self.overlaps(other) or self.adjacent(other)):
            raise ValueError("the union of disjoint ranges is not a range")
        return DateRange(min(self.start, other.start), max(self.end, other.end))

    def shift(self, days):
        delta = dt.timedelta(days=days)
        return DateRange(self.start + delta, self.end + delta)

    def split_by_month(self):
        """The pieces of the range inside each calendar month."""
        pieces = []
        cursor = self.start
        while cursor < self.end:
            month = DateRange.month(cursor.year, cursor.month)
            piece_end = min(month.end, self.end)
            pieces.append(DateRange(cursor, piece_end))
            cursor = piece_end
        return pieces

    def weeks(self):
        """ISO (year, week) pairs the range touches, in order, without repeats."""
        seen = []
        for day in self:
            key = day.isocalendar()[:2]
            if not seen or seen[-1] != key:
                seen.append(key)
        return seen

    def __eq__(self, other):
        return isinstance(other, DateRange) and (self.start, self.end) == (other.start, other.end)

    def __hash__(self):
        return hash((self.start, self.end))

    def __repr__(self):
        return f"DateRange({self.start.isoformat()}..{self.end.isoformat()})"


def merge_ranges(ranges):
    """Sorted ranges with overlapping and adjacent ones merged; empty ones dropped."""
    items = sorted((r for r in ranges if not r.is_empty()), key=lambda r: (r.start, r.end))
    merged = []
    for r in items:
        if merged and (merged[-1].overlaps(r) or merged[-1].adjacent(r)):
            merged[-1] = merged[-1].union(r)
        else:
            merged.append(r)
    return merged


def total_days(ranges):
    return sum(len(r) for r in merge_ranges(ranges))


def gaps(ranges, within):
    """The parts of `within` that no range covers, in order."""
    out = []
    cursor = within.start
    for r in merge_ranges(ranges):
        piece = r.intersection(within)
        if piece.is_empty():
            continue
        if piece.start > cursor:
            out.append(DateRange(cursor, piece.start))
        cursor = max(cursor, piece.end)
    if cursor < within.end:
        out.append(DateRange(cursor, within.end))
    return out
