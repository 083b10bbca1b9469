import unittest

from lrucache.lfu import LFUCache


class LFUTests(unittest.TestCase):
    def test_evicts_least_frequent(self):
        c = LFUCache(2)
        c.put("a", 1)
        c.put("b", 2)
        c.get("a")
        c.put("c", 3)  # b was used once, a twice
        self.assertNotIn("b", c)
        self.assertEqual(c.get("a"), 1)
        self.assertEqual(c.frequency("a"), 3)

    def test_ties_evict_oldest(self):
        c = LFUCache(2)
        c.put("a", 1)
        c.put("b", 2)
        c.put("c", 3)
        self.assertEqual(sorted(k for k in "abc" if k in c), ["b", "c"])

    def test_update_counts_as_use(self):
        c = LFUCache(2)
        c.put("a", 1)
        c.put("b", 2)
        c.put("a", 10)
        c.put("c", 3)
        self.assertEqual(c.get("a"), 10)
        self.assertNotIn("b", c)
        self.assertEqual(len(c), 2)
        self.assertIsNone(c.get("zzz"))
        with self.assertRaises(ValueError):
            LFUCache(0)


if __name__ == "__main__":
    unittest.main()
