"""Fiscal years and quarters that start in any month."""
import datetime as dt

from .ranges import DateRange


class FiscalCalendar:
    def __init__(self, start_month=1):
        if not 1 <= start_month <= 12:
            raise ValueError("start_month must be 1..12")
        self.start_month = start_month

    def fiscal_year(self, day):
        """Fiscal years are named after the calendar year they end in (a July start: FY2025 = Jul 2024..Jun 2025)."""
        if self.start_month == 1:
            return day.year
        return day.year + 1 if day.month >= self.start_month else day.year

    def year_range(self, fiscal_year):
        if self.start_month == 1:
            return DateRange(dt.date(fiscal_year, 1, 1), dt.date(fiscal_year + 1, 1, 1))
        start = dt.date(fiscal_year - 1, self.start_month, 1)
        return DateRange(start, dt.date(fiscal_year, self.start_month, 1))

    def quarter(self, day):
        """1..4, counted from the fiscal year's first month."""
        offset = (day.month - self.start_month) % 12
        return offset // 3 + 1

    def quarter_range(self, fiscal_year, quarter):
        if not 1 <= quarter <= 4:
            raise ValueError("quarter must be 1..4")
        year_start = self.year_range(fiscal_year).start
        month_index = year_start.month - 1 + 3 * (quarter - 1)
        start = dt.date(year_start.year + month_index // 12, month_index % 12 + 1, 1)
        end_index = month_index + 3
        end = dt.date(year_start.year + end_index // 12, end_index % 12 + 1, 1)
        return DateRange(start, end)

    def label(self, day):
        return f"FY{self.fiscal_year(day)}Q{self.quarter(day)}"

    def quarters_between(self, start, end):
        """Labels of the fiscal quarters that [start, end) touches, in order."""
        labels = []
        for day in DateRange(start, end).split_by_month():
            lab = self.label(day.start)
            if not labels or labels[-1] != lab:
                labels.append(lab)
        return labels
