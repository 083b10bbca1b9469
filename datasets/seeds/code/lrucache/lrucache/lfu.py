"""A least-frequently-used cache: evicts the entry used least, the oldest among ties."""
import itertools


class LFUCache:
    def __init__(self, capacity):
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._values = {}
        self._counts = {}
        self._stamp = {}  # last use, to break ties by age
        self._clock = itertools.count()

    def __len__(self):
        return len(self._values)

    def __contains__(self, key):
        return key in self._values

    def frequency(self, key):
        return self._counts.get(key, 0)

    def get(self, key, default=None):
        if key not in self._values:
            return default
        self._counts[key] += 1
        self._stamp[key] = next(self._clock)
        return self._values[key]

    def put(self, key, value):
        if key in self._values:
            self._values[key] = value
            self._counts[key] += 1
            self._stamp[key] = next(self._clock)
            return
        if len(self._values) >= self.capacity:
            victim = min(self._values, key=lambda k: (self._counts[k], self._stamp[k]))
            del self._values[victim], self._counts[victim], self._stamp[victim]
        self._values[key] = value
        self._counts[key] = 1
        self._stamp[key] = next(self._clock)
