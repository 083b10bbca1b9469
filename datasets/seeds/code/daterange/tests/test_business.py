import datetime as dt
import unittest

from daterange import BusinessCalendar, DateRange, monthly, every_n_days, nth_weekday_of_month
from daterange.schedule import add_months

D = dt.date
CAL = BusinessCalendar(holidays=[D(2024, 1, 1), D(2024, 12, 25), D(2024, 5, 31)])


class BusinessDayTests(unittest.TestCase):
    def test_is_business_day(self):
        self.assertTrue(CAL.is_business_day(D(2024, 1, 2)))
        self.assertFalse(CAL.is_business_day(D(2024, 1, 1)))  # holiday
        self.assertFalse(CAL.is_business_day(D(2024, 1, 6)))  # Saturday

    def test_next_and_previous(self):
        self.assertEqual(CAL.next_business_day(D(2024, 1, 5)), D(2024, 1, 8))
        self.assertEqual(CAL.next_business_day(D(2024, 1, 5), include_today=True), D(2024, 1, 5))
        self.assertEqual(CAL.previous_business_day(D(2024, 1, 8)), D(2024, 1, 5))
        self.assertEqual(CAL.previous_business_day(D(2024, 1, 2)), D(2023, 12, 29))

    def test_add_business_days(self):
        self.assertEqual(CAL.add_business_days(D(2024, 1, 5), 1), D(2024, 1, 8))
        self.assertEqual(CAL.add_business_days(D(2024, 1, 5), 5), D(2024, 1, 12))
        self.assertEqual(CAL.add_business_days(D(2024, 1, 8), -1), D(2024, 1, 5))
        self.assertEqual(CAL.add_business_days(D(2024, 1, 6), 0), D(2024, 1, 6))
        self.assertEqual(CAL.add_business_days(D(2023, 12, 29), 1), D(2024, 1, 2))

    def test_between(self):
        self.assertEqual(CAL.business_days_between(D(2024, 1, 1), D(2024, 1, 8)), 4)
        self.assertEqual(CAL.business_days_between(D(2024, 1, 8), D(2024, 1, 1)), -4)
        self.assertEqual(CAL.business_days_between(D(2024, 1, 3), D(2024, 1, 3)), 0)

    def test_in_range(self):
        days = CAL.business_days_in(DateRange(D(2024, 1, 1), D(2024, 1, 8)))
        self.assertEqual([d.day for d in days], [2, 3, 4, 5])

    def test_last_of_month(self):
        self.assertEqual(CAL.last_business_day_of_month(2024, 5), D(2024, 5, 30))
        self.assertEqual(CAL.last_business_day_of_month(2024, 8), D(2024, 8, 30))

    def test_roll(self):
        self.assertEqual(CAL.roll(D(2024, 3, 30), "following"), D(2024, 4, 1))
        self.assertEqual(CAL.roll(D(2024, 3, 30), "modified_following"), D(2024, 3, 29))
        self.assertEqual(CAL.roll(D(2024, 3, 16), "modified_following"), D(2024, 3, 18))
        self.assertEqual(CAL.roll(D(2024, 3, 16), "preceding"), D(2024, 3, 15))
        self.assertEqual(CAL.roll(D(2024, 3, 15), "preceding"), D(2024, 3, 15))
        with self.assertRaises(ValueError):
            CAL.roll(D(2024, 3, 16), "nearest")

    def test_custom_weekend(self):
        cal = BusinessCalendar(weekend=(4, 5))
        self.assertFalse(cal.is_business_day(D(2024, 1, 5)))
        self.assertTrue(cal.is_business_day(D(2024, 1, 7)))
        with self.assertRaises(ValueError):
            BusinessCalendar(weekend=range(7))


class ScheduleTests(unittest.TestCase):
    def test_every_n_days(self):
        self.assertEqual(every_n_days(D(2024, 1, 30), 2, 3), [D(2024, 1, 30), D(2024, 2, 1), D(2024, 2, 3)])
        self.assertEqual(every_n_days(D(2024, 1, 1), 7, 0), [])
        with self.assertRaises(ValueError):
            every_n_days(D(2024, 1, 1), 0, 3)

    def test_add_months(self):
        self.assertEqual(add_months(D(2024, 1, 31), 1), D(2024, 2, 29))
        self.assertEqual(add_months(D(2024, 11, 15), 3), D(2025, 2, 15))
        self.assertEqual(add_months(D(2024, 3, 31), -1), D(2024, 2, 29))

    def test_monthly(self):
        self.assertEqual(monthly(D(2024, 1, 31), 4), [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30)])
        self.assertEqual(monthly(D(2024, 11, 5), 3, day_of_month=15), [D(2024, 11, 15), D(2024, 12, 15), D(2025, 1, 15)])

    def test_nth_weekday(self):
        self.assertEqual(nth_weekday_of_month(2024, 11, 3, 4), D(2024, 11, 28))  # Thanksgiving
        self.assertEqual(nth_weekday_of_month(2024, 5, 0, -1), D(2024, 5, 27))
        self.assertEqual(nth_weekday_of_month(2024, 9, 0, 1), D(2024, 9, 2))
        with self.assertRaises(ValueError):
            nth_weekday_of_month(2024, 2, 0, 5)


if __name__ == "__main__":
    unittest.main()
