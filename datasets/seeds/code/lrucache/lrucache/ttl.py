"""A cache whose entries expire a fixed time after they were written."""
import time


class ManualClock:
    """A clock the tests move by hand."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        if seconds < 0:
            raise ValueError("time does not go backwards")
        self.now += seconds


class TTLCache:
    def __init__(self, ttl, maxsize=None, clock=time.monotonic):
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        if maxsize is not None and maxsize <= 0:
            raise ValueError("maxsize must be positive")
        self.ttl = ttl
        self.maxsize = maxsize
        self.clock = clock
        self._data = {}  # key -> (expires_at, value), in insertion order

    def _expired(self, expires_at):
        return self.clock() >= expires_at

    def set(self, key, value, ttl=None):
        life = self.ttl if ttl is None else ttl
        if life <= 0:
            raise ValueError("ttl must be positive")
        self._data.pop(key, None)
        self._data[key] = (self.clock() + life, value)
        if self.maxsize is not None:
            self.purge()
            while len(self._data) > self.maxsize:
                oldest = next(iter(self._data))
                del self._data[oldest]

    def get(self, key, default=None):
        entry = self._data.get(key)
        if entry is None:
            return default
        expires_at, value = entry
        if self._expired(expires_at):
            del self._data[key]
            return default
        return value

    def __contains__(self, key):
        return self.get(key, _ABSENT) is not _ABSENT

    def remaining(self, key):
        """Seconds until the entry expires, or None."""
        entry = self._data.get(key)
        if entry is None or self._expired(entry[0]):
            return None
        return entry[0] - self.clock()

    def touch(self, key):
        """Restarts the entry's lifetime; False when it is absent or expired."""
        value = self.get(key, _ABSENT)
        if value is _ABSENT:
            return False
        self.set(key, value)
        return True

    def purge(self):
        """Drops expired entries; returns how many."""
        dead = [k for k, (exp, _) in self._data.items() if self._expired(exp)]
        for k in dead:
            del self._data[k]
        return len(dead)

    def __len__(self):
        self.purge()
        return len(self._data)


_ABSENT = object()
