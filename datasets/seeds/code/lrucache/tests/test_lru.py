import unittest

from lrucache import LRUCache


class LRUTests(unittest.TestCase):
    def test_basic(self):
        c = LRUCache(2)
        c.put("a", 1)
        c.put("b", 2)
        self.assertEqual(c.get("a"), 1)
        c.put("c", 3)  # evicts b, the least recently used
        self.assertNotIn("b", c)
        self.assertEqual(c.keys(), ["c", "a"])
        self.assertEqual(len(c), 2)

    def test_update_moves_to_front(self):
        c = LRUCache(2)
        c.put("a", 1)
        c.put("b", 2)
        c.put("a", 10)
        c.put("c", 3)
        self.assertEqual(c.items(), [("c", 3), ("a", 10)])

    def test_peek_does_not_touch(self):
        c = LRUCache(2)
        c.put("a", 1)
        c.put("b", 2)
        self.assertEqual(c.peek("a"), 1)
        c.put("c", 3)
        self.assertNotIn("a", c)
        self.assertEqual(c.stats.requests, 0)

    def test_stats(self):
        c = LRUCache(1)
        c.get("x")
        c.put("x", 1)
        c.get("x")
        c.put("y", 2)
        self.assertEqual((c.stats.hits, c.stats.misses, c.stats.evictions), (1, 1, 1))
        self.assertEqual(c.stats.hit_rate(), 0.5)

    def test_weights(self):
        c = LRUCache(10, weigher=lambda k, v: len(v))
        c.put("a", "xxxx")
        c.put("b", "yyyy")
        c.put("c", "zzz")
        self.assertEqual(c.keys(), ["c", "b"])
        self.assertEqual(c.weight, 7)
        with self.assertRaises(ValueError):
            c.put("d", "w" * 11)

    def test_on_evict(self):
        seen = []
        c = LRUCache(1, on_evict=lambda k, v: seen.append((k, v)))
        c.put("a", 1)
        c.put("b", 2)
        self.assertEqual(seen, [("a", 1)])

    def test_pop(self):
        c = LRUCache(3)
        c.put("a", 1)
        self.assertEqual(c.pop("a"), 1)
        self.assertEqual(c.pop("a", None), None)
        with self.assertRaises(KeyError):
            c.pop("a")
        self.assertEqual(c.weight, 0)

    def test_resize_and_clear(self):
        c = LRUCache(3)
        for k in "abc":
            c.put(k, k)
        c.resize(1)
        self.assertEqual(c.keys(), ["c"])
        c.clear()
        self.assertEqual(len(c), 0)
        self.assertEqual(c.keys(), [])
        with self.assertRaises(ValueError):
            c.resize(0)
        with self.assertRaises(ValueError):
            LRUCache(0)


if __name__ == "__main__":
    unittest.main()
