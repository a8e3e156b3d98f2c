"""Working days on the mainland-China calendar, with the administrator's overrides.

``chinese-calendar`` knows the State Council's holidays and adjusted working weekends (调休)
for the years it ships (up to 2026 in 1.11). Past its range the calendar falls back to
"Monday to Friday", corrected by the administrator's overrides, and says so
(``covers(year)``) so the admin page can warn that next year's holidays must be entered.

DOMAIN.md: "Within N working days of T" means by the end (23:59:59, Asia/Shanghai) of the
Nth working day after the date of T.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from portal.services.clock import end_of_local_day, local_date

# How far we walk before deciding the calendar is broken (e.g. every day overridden off).
_MAX_STEPS = 3660


def official_calendar_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def official_calendar_range() -> tuple[int, int]:
    years = {d.year for d in chinese_calendar.constants.holidays}
    return min(years), max(years)


@dataclass(frozen=True)
class WorkingCalendar:
    """Answers "is this a working day" with overrides first, then the official calendar."""

    overrides: Mapping[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return day.weekday() < 5

    def covers(self, year: int) -> bool:
        """True when the official holiday calendar (not only the fallback) knows ``year``."""
        return official_calendar_covers(year)

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The Nth working day strictly after ``day`` (n ≥ 1); n = 0 gives ``day`` itself."""
        if n < 0:
            raise ValueError("n must not be negative")
        current, found = day, 0
        for _ in range(_MAX_STEPS):
            if found == n:
                return current
            current += timedelta(days=1)
            if self.is_working_day(current):
                found += 1
        raise ValueError("no working day found within ten years")

    def deadline(self, start: datetime, n: int, tz: ZoneInfo | None = None) -> datetime:
        """End (23:59:59 local) of the Nth working day after the local date of ``start``, in UTC."""
        return end_of_local_day(self.nth_working_day_after(local_date(start, tz), n), tz)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days in (first, last]: how many working days after ``first`` ``last`` is."""
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def calendar_from_db() -> WorkingCalendar:
    """The calendar with every override the administrator entered (a small table)."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import CalendarOverride

    rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.is_working_day)).all()
    return WorkingCalendar({day: working for day, working in rows})
