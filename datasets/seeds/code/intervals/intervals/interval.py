"""A single interval of real numbers with independently open or closed ends."""
import math


class EmptyIntervalError(ValueError):
    """Raised when an operation needs a non-empty interval."""


class Interval:
    __slots__ = ("lo", "hi", "lo_closed", "hi_closed")

    def __init__(self, lo, hi, lo_closed=True, hi_closed=True):
        if math.isnan(lo) or math.isnan(hi):
            raise ValueError("interval bounds cannot be NaN")
        if lo > hi:
            raise ValueError(f"lower bound {lo} is above upper bound {hi}")
        # Infinite ends are always open.
        self.lo = lo
        self.hi = hi
        self.lo_closed = lo_closed and lo != -math.inf
        self.hi_closed = hi_closed and hi != math.inf

    @classmethod
    def closed(cls, lo, hi):
        return cls(lo, hi, True, True)

    @classmethod
    def open(cls, lo, hi):
        return cls(lo, hi, False, False)

    @classmethod
    def point(cls, x):
        return cls(x, x, True, True)

    @classmethod
    def parse(cls, text):
        """Parses '[1, 2)', '(0,inf)' and the like."""
        text = text.strip()
        if len(text) < 5 or text[0] not in "[(" or text[-1] not in "])":
            raise ValueError(f"not an interval: {text!r}")
        body = text[1:-1].split(",")
        if len(body) != 2:
            raise ValueError(f"an interval needs two bounds: {text!r}")
        lo, hi = (float(part.strip()) for part in body)
        return cls(lo, hi, text[0] == "[", text[-1] == "]")

    def is_empty(self):
        return self.lo == self.hi and not (self.lo_closed and self.hi_closed)

    def length(self):
        return 0.0 if self.is_empty() else self.hi - self.lo

    def midpoint(self):
        if self.is_empty():
            raise EmptyIntervalError("an empty interval has no midpoint")
        if math.isinf(self.lo) or math.isinf(self.hi):
            raise ValueError("an unbounded interval has no midpoint")
        return (self.lo + self.hi) / 2

    def contains(self, x):
        if self.is_empty():
            return False
        above_lo = x > self.lo or (self.lo_closed and x == self.lo)
        below_hi = x < self.hi or (self.hi_closed and x == self.hi)
        return above_lo and below_hi

    def __contains__(self, x):
        return self.contains(x)

    def overlaps(self, other):
        return not self.intersection(other).is_empty()

    def intersection(self, other):
        if self.lo > other.lo:
            lo, lo_closed = self.lo, self.lo_closed
        elif other.lo > self.lo:
            lo, lo_closed = other.lo, other.lo_closed
        else:
            lo, lo_closed = self.lo, self.lo_closed and other.lo_closed
        if self.hi < other.hi:
            hi, hi_closed = self.hi, self.hi_closed
        elif other.hi < self.hi:
            hi, hi_closed = other.hi, other.hi_closed
        else:
            hi, hi_closed = self.hi, self.hi_closed and other.hi_closed
        if lo > hi:
            return Interval(0, 0, False, False)
        return Interval(lo, hi, lo_closed, hi_closed)

    def touches(self, other):
        """True when the union of the two is a single interval."""
        if self.overlaps(other):
            return True
        if self.hi == other.lo:
            return self.hi_closed or other.lo_closed
        if other.hi == self.lo:
            return other.hi_closed or self.lo_closed
        return False

    def hull(self, other):
        """The smallest interval containing both."""
        if self.is_empty():
            return other
        if other.is_empty():
            return self
        if self.lo < other.lo:
            lo, lo_closed = self.lo, self.lo_closed
        elif other.lo < self.lo:
            lo, lo_closed = other.lo, other.lo_closed
        else:
            lo, lo_closed = self.lo, self.lo_closed or other.lo_closed
        if self.hi > other.hi:
            hi, hi_closed = self.hi, self.hi_closed
        elif other.hi > self.hi:
            hi, hi_closed = other.hi, other.hi_closed
        else:
            hi, hi_closed = self.hi, self.hi_closed or other.hi_closed
        return Interval(lo, hi, lo_closed, hi_closed)

    # ---- arithmetic (closedness is kept only when both operands' ends are closed) ----
    def __add__(self, other):
        if isinstance(other, (int, float)):
            return Interval(self.lo + other, self.hi + other, self.lo_closed, self.hi_closed)
        return Interval(self.lo + other.lo, self.hi + other.hi, self.lo_closed and other.lo_closed, self.hi_closed and other.hi_closed)

    def __neg__(self):
        return Interval(-self.hi, -self.lo, self.hi_closed, self.lo_closed)

    def __sub__(self, other):
        if isinstance(other, (int, float)):
            return self + (-other)
        return self + (-other)

    def __mul__(self, other):
        if isinstance(other, (int, float)):
            if other >= 0:
                return Interval(self.lo * other, self.hi * other, self.lo_closed, self.hi_closed)
            return Interval(self.hi * other, self.lo * other, self.hi_closed, self.lo_closed)
        products = [
            (self.lo * other.lo, self.lo_closed and other.lo_closed),
            (self.lo * other.hi, self.lo_closed and other.hi_closed),
            (self.hi * other.lo, self.hi_closed and other.lo_closed),
            (self.hi * other.hi, self.hi_closed and other.hi_closed),
        ]
        lo = min(p[0] for p in products)
        hi = max(p[0] for p in products)
        lo_closed = any(c for v, c in products if v == lo)
        hi_closed = any(c for v, c in products if v == hi)
        return Interval(lo, hi, lo_closed, hi_closed)

    def scale_about_midpoint(self, factor):
        if factor < 0:
            raise ValueError("the factor must not be negative")
        mid = self.midpoint()
        half = (self.hi - self.lo) / 2 * factor
        return Interval(mid - half, mid + half, self.lo_closed, self.hi_closed)

    def clamp(self, x):
        """The point of the closure of the interval nearest to x."""
        if self.is_empty():
            raise EmptyIntervalError("cannot clamp to an empty interval")
        if x < self.lo:
            return self.lo
        if x > self.hi:
            return self.hi
        return x

    def split(self, at):
        """Two intervals [lo, at) and [at, hi] (with this interval's end types)."""
        if not self.contains(at):
            raise ValueError(f"{at} is not inside {self}")
        return Interval(self.lo, at, self.lo_closed, False), Interval(at, self.hi, True, self.hi_closed)

    def __eq__(self, other):
        if not isinstance(other, Interval):
            return NotImplemented
        if self.is_empty() and other.is_empty():
            return True
        return (self.lo, self.hi, self.lo_closed, self.hi_closed) == (other.lo, other.hi, other.lo_closed, other.hi_closed)

    def __hash__(self):
        if self.is_empty():
            return hash("empty")
        return hash((self.lo, self.hi, self.lo_closed, self.hi_closed))

    def __repr__(self):
        if self.is_empty():
            return "Interval.empty"
        return f"{'[' if self.lo_closed else '('}{self.lo:g}, {self.hi:g}{']' if self.hi_closed else ')'}"
