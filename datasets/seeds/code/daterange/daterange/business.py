"""Business days: weekdays that are not holidays."""
import datetime as dt

from .ranges import DateRange

ONE_DAY = dt.timedelta(days=1)


class BusinessCalendar:
    def __init__(self, holidays=(), weekend=(5, 6)):
        self.holidays = set(holidays)
        self.weekend = set(weekend)
        if len(self.weekend) >= 7:
            raise ValueError("a week needs at least one working day")

    def is_business_day(self, day):
        return day.weekday() not in self.weekend and day not in self.holidays

    def next_business_day(self, day, include_today=False):
        if include_today and self.is_business_day(day):
            return day
        day += ONE_DAY
        while not self.is_business_day(day):
            day += ONE_DAY
        return day

    def previous_business_day(self, day):
        day -= ONE_DAY
        while not self.is_business_day(day):
            day -= ONE_DAY
        return day

    def add_business_days(self, day, n):
        """Moves n business days forward (n > 0) or backward (n < 0); 0 leaves the day."""
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        while remaining > 0:
            day += step
            if self.is_business_day(day):
                remaining -= 1
        return day

    def business_days_between(self, start, end):
        """Business days in [start, end)."""
        if end < start:
            return -self.business_days_between(end, start)
        count = 0
        for day in DateRange(start, end):
            if self.is_business_day(day):
                count += 1
        return count

    def business_days_in(self, date_range):
        return [d for d in date_range if self.is_business_day(d)]

    def last_business_day_of_month(self, year, month):
        month_range = DateRange.month(year, month)
        day = month_range.end - ONE_DAY
        while not self.is_business_day(day):
            day -= ONE_DAY
        return day

    def roll(self, day, convention):
        """'following', 'preceding' or 'modified_following' (following unless that changes the month)."""
        if self.is_business_day(day):
            return day
        if convention == "following":
            return self.next_business_day(day)
        if convention == "preceding":
            return self.previous_business_day(day)
        if convention == "modified_following":
            nxt = self.next_business_day(day)
            if nxt.month != day.month:
                return self.previous_business_day(day)
            return nxt
        raise ValueError(f"unknown convention {convention!r}")
