"""Date ranges, business days and recurring schedules on datetime.date."""
from .ranges import DateRange, merge_ranges
from .business import BusinessCalendar
from .schedule import monthly, every_n_days, nth_weekday_of_month

__all__ = ["DateRange", "merge_ranges", "BusinessCalendar", "monthly", "every_n_days", "nth_weekday_of_month"]
