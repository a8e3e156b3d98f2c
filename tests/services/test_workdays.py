"""Working days on the mainland-China calendar (DOMAIN.md, "Working days")."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.services.workdays import WorkingCalendar, official_calendar_covers

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()


@pytest.mark.parametrize("day, working", [
    # National Day 2026: 1–7 October off; Sunday 20 September and Saturday 10 October worked (调休)
    (date(2026, 9, 30), True),
    (date(2026, 10, 1), False),
    (date(2026, 10, 7), False),
    (date(2026, 10, 8), True),
    (date(2026, 9, 20), True),   # a Sunday, worked
    (date(2026, 10, 10), True),  # a Saturday, worked
    (date(2026, 10, 11), False),
    # Spring Festival 2026: 15–23 February off; Saturday 14 and Saturday 28 February worked
    (date(2026, 2, 13), True),
    (date(2026, 2, 14), True),   # Saturday, worked
    (date(2026, 2, 15), False),
    (date(2026, 2, 23), False),
    (date(2026, 2, 24), True),
    (date(2026, 2, 28), True),   # Saturday, worked
    # plain weeks
    (date(2026, 11, 21), False),  # Saturday
    (date(2026, 11, 23), True),   # Monday
])
def test_is_working_day_2026(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize("start_local, n, due_local", [
    # Friday afternoon + 2 working days → Tuesday 23:59:59
    (datetime(2026, 11, 20, 15, 0), 2, datetime(2026, 11, 24, 23, 59, 59)),
    # Saturday → the first working day after is Monday
    (datetime(2026, 11, 21, 10, 0), 1, datetime(2026, 11, 23, 23, 59, 59)),
    # 30 September + 2 working days: the holiday 1–7 Oct, then 8 and 9 October
    (datetime(2026, 9, 30, 18, 0), 2, datetime(2026, 10, 9, 23, 59, 59)),
    # 9 October (Fri) + 1 → Saturday 10 October is an adjusted working day
    (datetime(2026, 10, 9, 9, 0), 1, datetime(2026, 10, 10, 23, 59, 59)),
    # Spring Festival: 13 February + 2 → 14 February (Sat, worked), then 24 February
    (datetime(2026, 2, 13, 12, 0), 2, datetime(2026, 2, 24, 23, 59, 59)),
    # A time late in the evening local is still that local date (UTC would be the day before)
    (datetime(2026, 11, 23, 7, 30), 1, datetime(2026, 11, 24, 23, 59, 59)),
])
def test_deadline_n_working_days_after(start_local, n, due_local):
    start = start_local.replace(tzinfo=SH).astimezone(timezone.utc)
    due = CAL.deadline(start, n, SH)
    assert due.tzinfo is not None
    assert due.astimezone(SH).replace(tzinfo=None) == due_local


def test_local_date_decides_not_utc_date():
    # 2026-11-23 00:30 in Shanghai is still 22 November in UTC
    start = datetime(2026, 11, 22, 16, 30, tzinfo=timezone.utc)
    assert CAL.deadline(start, 1, SH).astimezone(SH).date() == date(2026, 11, 24)


def test_beyond_the_official_range_falls_back_to_weekdays():
    assert not official_calendar_covers(2031)
    assert official_calendar_covers(2026)
    assert CAL.is_working_day(date(2031, 10, 1)) is True  # a Wednesday; the calendar does not know the holiday
    assert CAL.is_working_day(date(2031, 10, 4)) is False  # Saturday
    assert not CAL.covers(2031)


def test_overrides_win_over_the_calendar_and_the_fallback():
    cal = WorkingCalendar({date(2031, 10, 1): False, date(2026, 10, 1): True, date(2031, 10, 4): True})
    assert cal.is_working_day(date(2031, 10, 1)) is False
    assert cal.is_working_day(date(2026, 10, 1)) is True
    assert cal.is_working_day(date(2031, 10, 4)) is True
    start = datetime(2031, 9, 30, 10, 0, tzinfo=SH)
    assert cal.deadline(start, 1, SH).astimezone(SH).date() == date(2031, 10, 2)


def test_zero_and_negative():
    assert CAL.nth_working_day_after(date(2026, 10, 1), 0) == date(2026, 10, 1)
    with pytest.raises(ValueError):
        CAL.nth_working_day_after(date(2026, 10, 1), -1)


def test_working_days_between():
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert CAL.working_days_between(date(2026, 11, 20), date(2026, 11, 20)) == 0
