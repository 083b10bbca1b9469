"""Least-recently-used and time-to-live caches."""
from .lru import LRUCache, CacheStats
from .ttl import TTLCache, ManualClock
from .memo import memoize

__all__ = ["LRUCache", "CacheStats", "TTLCache", "ManualClock", "memoize"]
