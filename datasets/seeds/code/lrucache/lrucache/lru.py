"""An LRU cache on a dict and a doubly linked list, O(1) per operation."""


class CacheStats:
    __slots__ = ("hits", "misses", "evictions")

    def __init__(self):
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    @property
    def requests(self):
        return self.hits + self.misses

    def hit_rate(self):
        return self.hits / self.requests if self.requests else 0.0

    def __repr__(self):
        return f"CacheStats(hits={self.hits}, misses={self.misses}, evictions={self.evictions})"


class _Node:
    __slots__ = ("key", "value", "prev", "next", "weight")

    def __init__(self, key, value, weight):
        self.key = key
        self.value = value
        self.weight = weight
        self.prev = None
        self.next = None


class LRUCache:
    """Holds at most `capacity` units of weight (1 per entry unless a weigher is given)."""

    def __init__(self, capacity, weigher=None, on_evict=None):
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.weigher = weigher or (lambda key, value: 1)
        self.on_evict = on_evict
        self.stats = CacheStats()
        self._map = {}
        self._weight = 0
        # sentinel nodes: head.next is the most recent, tail.prev the least recent
        self._head = _Node(None, None, 0)
        self._tail = _Node(None, None, 0)
        self._head.next = self._tail
        self._tail.prev = self._head

    def __len__(self):
        return len(self._map)

    @property
    def weight(self):
        return self._weight

    def __contains__(self, key):
        return key in self._map

    def _unlink(self, node):
        node.prev.next = node.next
        node.next.prev = node.prev

    def _push_front(self, node):
        node.prev = self._head
        node.next = self._head.next
        self._head.next.prev = node
        self._head.next = node

    def get(self, key, default=None):
        node = self._map.get(key)
        if node is None:
            self.stats.misses += 1
            return default
        self.stats.hits += 1
        self._unlink(node)
        self._push_front(node)
        return node.value

    def peek(self, key, default=None):
        """The value without touching recency or statistics."""
        node = self._map.get(key)
        return default if node is None else node.value

    def put(self, key, value):
        weight = self.weigher(key, value)
        if weight > self.capacity:
            raise ValueError(f"an entry of weight {weight} cannot fit in capacity {self.capacity}")
        node = self._map.get(key)
        if node is not None:
            self._weight -= node.weight
            node.value = value
            node.weight = weight
            self._weight += weight
            self._unlink(node)
            self._push_front(node)
        else:
            node = _Node(key, value, weight)
            self._map[key] = node
            self._push_front(node)
            self._weight += weight
        self._evict_to_fit()

    def _evict_to_fit(self):
        while self._weight > self.capacity:
            victim = self._tail.prev
            self._unlink(victim)
            del self._map[victim.key]
            self._weight -= victim.weight
            self.stats.evictions += 1
            if self.on_evict:
                self.on_evict(victim.key, victim.value)

    def pop(self, key, *default):
        node = self._map.pop(key, None)
        if node is None:
            if default:
                return default[0]
            raise KeyError(key)
        self._unlink(node)
        self._weight -= node.weight
        return node.value

    def resize(self, capacity):
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._evict_to_fit()

    def keys(self):
        """Keys from the most to the least recently used."""
        out = []
        node = self._head.next
        while node is not self._tail:
            out.append(node.key)
            node = node.next
        return out

    def items(self):
        return [(k, self._map[k].value) for k in self.keys()]

    def clear(self):
        self._map.clear()
        self._weight = 0
        self._head.next = self._tail
        self._tail.prev = self._head
