"""Working days on the mainland-China calendar, with the administrator's overrides.

``chinese-calendar`` knows the State Council's holidays and adjusted working weekends (调休)
for the years it ships (up to 2026 in 1.11, and no newer release). Past its range the calendar
falls back to what the law itself fixes, ``statutory_days_off``: weekends, and the public
holidays of 全国年节及纪念日放假办法 (2024 revision, in force from 2025) with its article 6 make-up
day (补假) for a holiday falling on a Saturday or Sunday. What the State Council announces each
year on top of that (the working weekends and bridging days of 调休) the administrator enters as
overrides, which always win; ``covers(year)`` and ``year_to_check(today)`` tell the admin pages
when a year is not in the package and needs checking (from November on, for next year).

DOMAIN.md: "Within N working days of T" means by the end (23:59:59, Asia/Shanghai) of the
Nth working day after the date of T.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from functools import lru_cache

import chinese_calendar
from lunardate import LunarDate

from portal.services.clock import end_of_local_day, local_date

# How far we walk before deciding the calendar is broken (e.g. every day overridden off).
_MAX_STEPS = 3660
# From this month on, next year's calendar is checked (the State Council publishes it around then).
CHECK_NEXT_YEAR_FROM_MONTH = 11


@lru_cache(maxsize=32)
def statutory_days_off(year: int) -> frozenset[date]:
    """The public holidays of 全国年节及纪念日放假办法 (2024 revision) in ``year``, 13 days:
    元旦 1 January; 春节 除夕 and 正月初一 to 初三 (lunar); 清明 on the solar term's day; 劳动节
    1–2 May; 端午 (5th day of the 5th lunar month); 中秋 (15th of the 8th); 国庆 1–3 October.
    Article 6: a holiday falling on a Saturday or Sunday is made up (补假) on a working day, here
    the next Monday–Friday after it that is neither a holiday nor already a make-up day. Years
    outside the lunar and solar-term tables (1900–2099) get only the Gregorian holidays."""
    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2), date(year, 10, 1), date(year, 10, 2),
            date(year, 10, 3)}
    try:
        new_year = LunarDate(year, 1, 1).to_solar_date()
        days |= {new_year + timedelta(days=k) for k in (-1, 0, 1, 2)}  # 除夕, 初一–初三
        days |= {LunarDate(year, 5, 5).to_solar_date(), LunarDate(year, 8, 15).to_solar_date()}
    except ValueError:
        pass
    try:
        days |= {d for d, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
                 if name == "清明"}
    except NotImplementedError:  # outside 1900–2100
        pass
    make_up: set[date] = set()
    for holiday in sorted(days):
        if holiday.weekday() >= 5:
            day = holiday + timedelta(days=1)
            while day.weekday() >= 5 or day in days or day in make_up:
                day += timedelta(days=1)
            make_up.add(day)
    return frozenset(days | make_up)


def year_to_check(today: date) -> int | None:
    """The year whose holidays the administrator should check because the package does not know
    them: this year when it is missing, next year from November on; else None."""
    if not official_calendar_covers(today.year):
        return today.year
    if today.month >= CHECK_NEXT_YEAR_FROM_MONTH and not official_calendar_covers(today.year + 1):
        return today.year + 1
    return None


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
            return day.weekday() < 5 and day not in statutory_days_off(day.year)

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


def calendar_from_db() -> WorkingCalendar:
    """The calendar with every override the administrator entered (a small table)."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import CalendarOverride

    rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.is_working_day)).all()
    return WorkingCalendar({day: working for day, working in rows})
