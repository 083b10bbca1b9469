import unittest

from lrucache import TTLCache, ManualClock, memoize


class TTLTests(unittest.TestCase):
    def setUp(self):
        self.clock = ManualClock()
        self.c = TTLCache(10, clock=self.clock)

    def test_expiry(self):
        self.c.set("a", 1)
        self.clock.advance(9.9)
        self.assertEqual(self.c.get("a"), 1)
        self.clock.advance(0.1)
        self.assertIsNone(self.c.get("a"))
        self.assertNotIn("a", self.c)

    def test_per_entry_ttl(self):
        self.c.set("short", 1, ttl=1)
        self.c.set("long", 2)
        self.clock.advance(5)
        self.assertNotIn("short", self.c)
        self.assertIn("long", self.c)
        with self.assertRaises(ValueError):
            self.c.set("x", 1, ttl=0)

    def test_remaining_and_touch(self):
        self.c.set("a", 1)
        self.clock.advance(4)
        self.assertEqual(self.c.remaining("a"), 6)
        self.assertTrue(self.c.touch("a"))
        self.assertEqual(self.c.remaining("a"), 10)
        self.assertFalse(self.c.touch("missing"))
        self.assertIsNone(self.c.remaining("missing"))

    def test_purge_and_len(self):
        for i in range(5):
            self.c.set(i, i, ttl=i + 1)
        self.clock.advance(3)
        self.assertEqual(self.c.purge(), 3)
        self.assertEqual(len(self.c), 2)

    def test_maxsize_drops_oldest(self):
        c = TTLCache(10, maxsize=2, clock=self.clock)
        c.set("a", 1)
        c.set("b", 2)
        c.set("a", 3)
        c.set("c", 4)
        self.assertNotIn("b", c)
        self.assertEqual(c.get("a"), 3)

    def test_bad_arguments(self):
        with self.assertRaises(ValueError):
            TTLCache(0)
        with self.assertRaises(ValueError):
            TTLCache(1, maxsize=0)
        with self.assertRaises(ValueError):
            self.clock.advance(-1)


class MemoTests(unittest.TestCase):
    def test_caches_calls(self):
        calls = []

        @memoize(maxsize=2)
        def square(x):
            calls.append(x)
            return x * x

        self.assertEqual([square(2), square(2), square(3), square(2)], [4, 4, 9, 4])
        self.assertEqual(calls, [2, 3])
        square(4)  # evicts 3, the least recently used
        square(3)  # evicts 2
        square(2)  # evicts 4
        self.assertEqual(calls, [2, 3, 4, 3, 2])
        self.assertEqual(square.cache.keys(), [(2,), (3,)])

    def test_kwargs_and_typed(self):
        calls = []

        @memoize(typed=True)
        def f(a, b=0):
            calls.append((a, b))
            return a + b

        f(1, b=2)
        f(1, b=2)
        f(1.0, b=2)
        self.assertEqual(len(calls), 2)
        f.cache_clear()
        f(1, b=2)
        self.assertEqual(len(calls), 3)
        self.assertEqual(f.__name__, "f")

    def test_none_results_are_cached(self):
        calls = []

        @memoize()
        def nothing(x):
            calls.append(x)
            return None

        nothing(1)
        nothing(1)
        self.assertEqual(calls, [1])


if __name__ == "__main__":
    unittest.main()
