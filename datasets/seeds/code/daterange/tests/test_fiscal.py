import datetime as dt
import unittest

from daterange.fiscal import FiscalCalendar
from daterange import DateRange

D = dt.date


class FiscalTests(unittest.TestCase):
    def test_calendar_year(self):
        cal = FiscalCalendar()
        self.assertEqual(cal.fiscal_year(D(2024, 12, 31)), 2024)
        self.assertEqual(cal.quarter(D(2024, 4, 1)), 2)
        self.assertEqual(cal.label(D(2024, 11, 5)), "FY2024Q4")

    def test_july_start(self):
        cal = FiscalCalendar(7)
        self.assertEqual(cal.fiscal_year(D(2024, 7, 1)), 2025)
        self.assertEqual(cal.fiscal_year(D(2024, 6, 30)), 2024)
        self.assertEqual(cal.quarter(D(2024, 7, 1)), 1)
        self.assertEqual(cal.quarter(D(2024, 12, 31)), 2)
        self.assertEqual(cal.quarter(D(2025, 6, 1)), 4)
        self.assertEqual(cal.year_range(2025), DateRange(D(2024, 7, 1), D(2025, 7, 1)))

    def test_quarter_ranges(self):
        cal = FiscalCalendar(10)
        self.assertEqual(cal.quarter_range(2025, 1), DateRange(D(2024, 10, 1), D(2025, 1, 1)))
        self.assertEqual(cal.quarter_range(2025, 4), DateRange(D(2025, 7, 1), D(2025, 10, 1)))
        with self.assertRaises(ValueError):
            cal.quarter_range(2025, 5)
        with self.assertRaises(ValueError):
            FiscalCalendar(13)

    def test_quarters_between(self):
        cal = FiscalCalendar(4)
        self.assertEqual(cal.quarters_between(D(2024, 2, 15), D(2024, 8, 1)), ["FY2024Q4", "FY2025Q1", "FY2025Q2"])


if __name__ == "__main__":
    unittest.main()
