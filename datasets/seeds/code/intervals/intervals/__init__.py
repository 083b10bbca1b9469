"""Numeric intervals with open or closed ends, interval arithmetic and sets of intervals."""
from .interval import Interval, EmptyIntervalError
from .intervalset import IntervalSet

__all__ = ["Interval", "IntervalSet", "EmptyIntervalError"]
