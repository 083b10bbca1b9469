"""Recurring dates."""
import calendar
import datetime as dt


def every_n_days(start, n, count):
    if n <= 0 or count < 0:
        raise ValueError("n must be positive and count not negative")
    return [start + dt.timedelta(days=n * i) for i in range(count)]


def add_months(day, months):
    """The same day of month `months` later, clipped to the month's last day."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def monthly(start, count, day_of_month=None):
    """`count` dates a month apart from start; day_of_month pins the day (clipped to the month)."""
    target = day_of_month or start.day
    out = []
    for i in range(count):
        d = add_months(start.replace(day=1), i)
        last = calendar.monthrange(d.year, d.month)[1]
        out.append(d.replace(day=min(target, last)))
    return out


def nth_weekday_of_month(year, month, weekday, n):
    """The n-th given weekday (0 = Monday) of the month; n = -1 is the last one."""
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if dt.date(year, month, d).weekday() == weekday]
    if n == -1:
        return dt.date(year, month, days[-1])
    if n < 1 or n > len(days):
        raise ValueError(f"month {year}-{month:02d} has no weekday number {n}")
    return dt.date(year, month, days[n - 1])
