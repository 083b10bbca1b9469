import datetime as dt
import unittest

from daterange import DateRange, merge_ranges
from daterange.ranges import total_days

D = dt.date


class RangeTests(unittest.TestCase):
    def test_construction(self):
        self.assertEqual(len(DateRange(D(2024, 1, 1), D(2024, 1, 11))), 10)
        with self.assertRaises(ValueError):
            DateRange(D(2024, 2, 1), D(2024, 1, 1))
        self.assertEqual(DateRange.days(D(2024, 1, 30), 3), DateRange(D(2024, 1, 30), D(2024, 2, 2)))

    def test_month(self):
        self.assertEqual(len(DateRange.month(2024, 2)), 29)
        self.assertEqual(len(DateRange.month(2023, 2)), 28)
        self.assertEqual(DateRange.month(2023, 12).end, D(2024, 1, 1))

    def test_parse(self):
        self.assertEqual(DateRange.parse("2024-01-01..2024-01-05"), DateRange(D(2024, 1, 1), D(2024, 1, 5)))
        with self.assertRaises(ValueError):
            DateRange.parse("2024-01-01")

    def test_contains_is_half_open(self):
        r = DateRange(D(2024, 1, 1), D(2024, 1, 3))
        self.assertIn(D(2024, 1, 1), r)
        self.assertIn(D(2024, 1, 2), r)
        self.assertNotIn(D(2024, 1, 3), r)
        self.assertNotIn(D(2023, 12, 31), r)

    def test_iteration_and_step(self):
        r = DateRange(D(2024, 2, 27), D(2024, 3, 2))
        self.assertEqual([d.day for d in r], [27, 28, 29, 1])
        self.assertEqual([d.day for d in r.step(2)], [27, 29])
        with self.assertRaises(ValueError):
            list(r.step(0))

    def test_overlap_and_intersection(self):
        a = DateRange(D(2024, 1, 1), D(2024, 1, 10))
        b = DateRange(D(2024, 1, 5), D(2024, 1, 20))
        c = DateRange(D(2024, 1, 10), D(2024, 1, 12))
        self.assertTrue(a.overlaps(b))
        self.assertFalse(a.overlaps(c))
        self.assertTrue(a.adjacent(c))
        self.assertEqual(a.intersection(b), DateRange(D(2024, 1, 5), D(2024, 1, 10)))
        self.assertTrue(a.intersection(c).is_empty())

    def test_union(self):
        a = DateRange(D(2024, 1, 1), D(2024, 1, 10))
        self.assertEqual(a.union(DateRange(D(2024, 1, 10), D(2024, 1, 12))), DateRange(D(2024, 1, 1), D(2024, 1, 12)))
        with self.assertRaises(ValueError):
            a.union(DateRange(D(2024, 2, 1), D(2024, 2, 2)))

    def test_shift(self):
        self.assertEqual(DateRange(D(2024, 1, 30), D(2024, 2, 2)).shift(2), DateRange(D(2024, 2, 1), D(2024, 2, 4)))

    def test_split_by_month(self):
        pieces = DateRange(D(2024, 1, 20), D(2024, 3, 5)).split_by_month()
        self.assertEqual([len(p) for p in pieces], [12, 29, 4])
        self.assertEqual(pieces[1], DateRange.month(2024, 2))

    def test_weeks(self):
        r = DateRange(D(2024, 12, 28), D(2025, 1, 8))
        self.assertEqual(r.weeks(), [(2024, 52), (2025, 1), (2025, 2)])


class MergeTests(unittest.TestCase):
    def test_merge(self):
        rs = [DateRange(D(2024, 1, 5), D(2024, 1, 7)), DateRange(D(2024, 1, 1), D(2024, 1, 3)),
              DateRange(D(2024, 1, 3), D(2024, 1, 4)), DateRange(D(2024, 1, 6), D(2024, 1, 9)),
              DateRange(D(2024, 2, 1), D(2024, 2, 1))]
        self.assertEqual(merge_ranges(rs), [DateRange(D(2024, 1, 1), D(2024, 1, 4)), DateRange(D(2024, 1, 5), D(2024, 1, 9))])

    def test_total_days(self):
        rs = [DateRange(D(2024, 1, 1), D(2024, 1, 10)), DateRange(D(2024, 1, 5), D(2024, 1, 15))]
        self.assertEqual(total_days(rs), 14)


if __name__ == "__main__":
    unittest.main()


class GapTests(unittest.TestCase):
    def test_gaps(self):
        from daterange.ranges import gaps
        within = DateRange(D(2024, 1, 1), D(2024, 1, 31))
        rs = [DateRange(D(2024, 1, 5), D(2024, 1, 10)), DateRange(D(2023, 12, 1), D(2024, 1, 2)), DateRange(D(2024, 1, 8), D(2024, 1, 12))]
        self.assertEqual(gaps(rs, within), [DateRange(D(2024, 1, 2), D(2024, 1, 5)), DateRange(D(2024, 1, 12), D(2024, 1, 31))])
        self.assertEqual(gaps([], within), [within])
        self.assertEqual(gaps([within], within), [])
