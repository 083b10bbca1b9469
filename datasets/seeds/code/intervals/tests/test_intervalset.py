import unittest

from intervals import Interval, IntervalSet


class NormalFormTests(unittest.TestCase):
    def test_merges_overlapping_and_touching(self):
        s = IntervalSet([Interval.closed(1, 3), Interval.closed(2, 5), Interval(5, 7, False, True), Interval.closed(10, 11)])
        self.assertEqual(s.intervals, [Interval.closed(1, 7), Interval.closed(10, 11)])

    def test_keeps_separate_when_not_touching(self):
        s = IntervalSet([Interval(1, 2, True, False), Interval(2, 3, False, True)])
        self.assertEqual(len(s), 2)

    def test_sorted(self):
        s = IntervalSet([Interval.closed(5, 6), Interval.closed(1, 2), Interval.closed(3, 4)])
        self.assertEqual([iv.lo for iv in s], [1, 3, 5])

    def test_ignores_empty(self):
        s = IntervalSet([Interval.open(1, 1)])
        self.assertTrue(s.is_empty())


class QueryTests(unittest.TestCase):
    def setUp(self):
        self.s = IntervalSet([Interval.closed(0, 2), Interval(4, 6, False, True), Interval.closed(10, 20)])

    def test_contains(self):
        for x in (0, 1, 2, 5, 6, 10, 15, 20):
            self.assertIn(x, self.s)
        for x in (-1, 3, 4, 7, 21):
            self.assertNotIn(x, self.s)

    def test_total_length(self):
        self.assertEqual(self.s.total_length(), 14)

    def test_gaps(self):
        self.assertEqual(self.s.gaps(), [Interval(2, 4, False, True), Interval(6, 10, False, False)])

    def test_largest(self):
        self.assertEqual(self.s.largest(), Interval.closed(10, 20))
        self.assertIsNone(IntervalSet().largest())


class AlgebraTests(unittest.TestCase):
    def test_union(self):
        a = IntervalSet([Interval.closed(0, 1)])
        b = IntervalSet([Interval.closed(1, 3), Interval.closed(5, 6)])
        self.assertEqual(a.union(b).intervals, [Interval.closed(0, 3), Interval.closed(5, 6)])

    def test_intersection(self):
        a = IntervalSet([Interval.closed(0, 5), Interval.closed(8, 12)])
        b = IntervalSet([Interval.closed(3, 9)])
        self.assertEqual(a.intersection(b).intervals, [Interval.closed(3, 5), Interval.closed(8, 9)])

    def test_complement(self):
        s = IntervalSet([Interval.closed(2, 3), Interval.closed(5, 6)])
        c = s.complement(Interval.closed(0, 10))
        self.assertEqual(c.intervals, [Interval(0, 2, True, False), Interval(3, 5, False, False), Interval(6, 10, False, True)])

    def test_complement_of_covering_set_is_empty(self):
        s = IntervalSet([Interval.closed(0, 10)])
        self.assertTrue(s.complement(Interval.closed(2, 3)).is_empty())

    def test_difference(self):
        a = IntervalSet([Interval.closed(0, 10)])
        b = IntervalSet([Interval.closed(3, 4)])
        self.assertEqual(a.difference(b).intervals, [Interval(0, 3, True, False), Interval(4, 10, False, True)])
        self.assertTrue(IntervalSet().difference(b).is_empty())


if __name__ == "__main__":
    unittest.main()
