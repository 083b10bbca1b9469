import math
import unittest

from intervals import Interval, EmptyIntervalError


class ConstructionTests(unittest.TestCase):
    def test_closed_and_open(self):
        self.assertEqual(repr(Interval.closed(1, 2)), "[1, 2]")
        self.assertEqual(repr(Interval.open(1, 2)), "(1, 2)")

    def test_bad_bounds(self):
        with self.assertRaises(ValueError):
            Interval(3, 1)
        with self.assertRaises(ValueError):
            Interval(math.nan, 1)

    def test_infinite_ends_are_open(self):
        iv = Interval(-math.inf, 5)
        self.assertFalse(iv.lo_closed)
        self.assertTrue(iv.hi_closed)

    def test_parse(self):
        self.assertEqual(Interval.parse("[1, 2)"), Interval(1, 2, True, False))
        self.assertEqual(Interval.parse("(0,inf)"), Interval(0, math.inf, False, False))
        with self.assertRaises(ValueError):
            Interval.parse("1, 2")
        with self.assertRaises(ValueError):
            Interval.parse("[1, 2, 3]")


class PropertyTests(unittest.TestCase):
    def test_empty(self):
        self.assertTrue(Interval(1, 1, True, False).is_empty())
        self.assertFalse(Interval.point(1).is_empty())
        self.assertEqual(Interval(2, 2, False, False), Interval(5, 5, True, False))

    def test_length(self):
        self.assertEqual(Interval.closed(2, 5).length(), 3)
        self.assertEqual(Interval(1, 1, False, True).length(), 0.0)

    def test_midpoint(self):
        self.assertEqual(Interval.closed(2, 6).midpoint(), 4)
        with self.assertRaises(EmptyIntervalError):
            Interval.open(1, 1).midpoint()
        with self.assertRaises(ValueError):
            Interval(0, math.inf).midpoint()

    def test_contains_respects_end_types(self):
        iv = Interval(1, 3, True, False)
        self.assertIn(1, iv)
        self.assertIn(2.5, iv)
        self.assertNotIn(3, iv)
        self.assertNotIn(0.999, iv)
        self.assertNotIn(1, Interval(1, 3, False, True))
        self.assertIn(3, Interval(1, 3, False, True))


class SetOperationTests(unittest.TestCase):
    def test_intersection(self):
        self.assertEqual(Interval.closed(1, 5).intersection(Interval.closed(3, 8)), Interval.closed(3, 5))
        self.assertEqual(Interval.closed(1, 5).intersection(Interval(5, 8, False, True)), Interval.open(5, 5))
        self.assertTrue(Interval.closed(1, 2).intersection(Interval.closed(3, 4)).is_empty())
        self.assertEqual(Interval(1, 5, True, False).intersection(Interval(1, 5, False, True)), Interval.open(1, 5))

    def test_overlaps(self):
        self.assertTrue(Interval.closed(1, 3).overlaps(Interval.closed(3, 4)))
        self.assertFalse(Interval(1, 3, True, False).overlaps(Interval.closed(3, 4)))

    def test_touches(self):
        self.assertTrue(Interval(1, 3, True, False).touches(Interval.closed(3, 4)))
        self.assertFalse(Interval(1, 3, True, False).touches(Interval(3, 4, False, True)))
        self.assertTrue(Interval.closed(3, 4).touches(Interval(1, 3, True, False)))
        self.assertFalse(Interval.closed(1, 2).touches(Interval.closed(3, 4)))

    def test_hull(self):
        self.assertEqual(Interval.closed(1, 2).hull(Interval(4, 6, False, False)), Interval(1, 6, True, False))
        self.assertEqual(Interval.open(1, 1).hull(Interval.closed(4, 6)), Interval.closed(4, 6))
        self.assertEqual(Interval(1, 2, False, True).hull(Interval(1, 2, True, False)), Interval.closed(1, 2))


class ArithmeticTests(unittest.TestCase):
    def test_add(self):
        self.assertEqual(Interval.closed(1, 2) + Interval.closed(10, 20), Interval.closed(11, 22))
        self.assertEqual(Interval.closed(1, 2) + 5, Interval.closed(6, 7))
        self.assertEqual(Interval(1, 2, False, True) + Interval.closed(0, 1), Interval(1, 3, False, True))

    def test_neg_and_sub(self):
        self.assertEqual(-Interval(1, 2, True, False), Interval(-2, -1, False, True))
        self.assertEqual(Interval.closed(5, 6) - Interval.closed(1, 2), Interval.closed(3, 5))
        self.assertEqual(Interval.closed(5, 6) - 1, Interval.closed(4, 5))

    def test_mul(self):
        self.assertEqual(Interval.closed(-1, 2) * Interval.closed(3, 4), Interval.closed(-4, 8))
        self.assertEqual(Interval.closed(1, 2) * -2, Interval.closed(-4, -2))
        self.assertEqual(Interval(1, 2, True, False) * 3, Interval(3, 6, True, False))
        self.assertEqual(Interval.closed(-2, -1) * Interval.closed(-3, -2), Interval.closed(2, 6))

    def test_scale_about_midpoint(self):
        self.assertEqual(Interval.closed(2, 6).scale_about_midpoint(0.5), Interval.closed(3, 5))
        with self.assertRaises(ValueError):
            Interval.closed(2, 6).scale_about_midpoint(-1)

    def test_clamp(self):
        iv = Interval.closed(0, 10)
        self.assertEqual(iv.clamp(-5), 0)
        self.assertEqual(iv.clamp(15), 10)
        self.assertEqual(iv.clamp(7), 7)
        with self.assertRaises(EmptyIntervalError):
            Interval.open(1, 1).clamp(3)

    def test_split(self):
        left, right = Interval.closed(0, 10).split(4)
        self.assertEqual(left, Interval(0, 4, True, False))
        self.assertEqual(right, Interval.closed(4, 10))
        with self.assertRaises(ValueError):
            Interval.closed(0, 10).split(11)


if __name__ == "__main__":
    unittest.main()
