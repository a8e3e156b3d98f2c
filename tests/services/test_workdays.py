"""Working days on the mainland-China calendar (DOMAIN.md, "Working days")."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from portal.services.workdays import (
    WorkingCalendar, official_calendar_covers, statutory_days_off, year_to_check,
)

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


def test_beyond_the_official_range_the_statutory_holidays_are_days_off():
    """The package stops at 2026; 2031 is counted from the law: 1–3 October 2031 (Wednesday to
    Friday) are off, an ordinary weekday works, Saturday is off."""
    assert not official_calendar_covers(2031)
    assert official_calendar_covers(2026)
    assert CAL.is_working_day(date(2031, 10, 1)) is False  # 国庆, a Wednesday
    assert CAL.is_working_day(date(2031, 10, 8)) is True   # an ordinary Wednesday
    assert CAL.is_working_day(date(2031, 10, 4)) is False  # Saturday
    assert not CAL.covers(2031)


def test_overrides_win_over_the_calendar_and_the_fallback():
    """The State Council's yearly arrangement is entered as overrides: a working Saturday, a
    bridging day off, even a statutory day made a working day."""
    cal = WorkingCalendar({date(2031, 10, 6): False, date(2026, 10, 1): True, date(2031, 10, 4): True,
                           date(2027, 1, 1): True})
    assert cal.is_working_day(date(2031, 10, 6)) is False
    assert cal.is_working_day(date(2026, 10, 1)) is True
    assert cal.is_working_day(date(2031, 10, 4)) is True
    assert cal.is_working_day(date(2027, 1, 1)) is True
    start = datetime(2031, 9, 30, 10, 0, tzinfo=SH)
    assert cal.deadline(start, 1, SH).astimezone(SH).date() == date(2031, 10, 4)  # 1–3 Oct off, Sat worked


# 全国年节及纪念日放假办法 (2024 revision): 13 days, and article 6's make-up weekday for one
# falling on a weekend. 2027: 除夕 5 February (Friday), 清明 5 April, 端午 9 June, 中秋 15 September.
STATUTORY_2027 = {
    date(2027, 1, 1),                                                   # 元旦, Friday
    date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),  # 除夕, 初一–初三 (Sat, Sun)
    date(2027, 2, 9), date(2027, 2, 10),                               # made up for 6 and 7 February
    date(2027, 4, 5),                                                   # 清明, Monday
    date(2027, 5, 1), date(2027, 5, 2), date(2027, 5, 3), date(2027, 5, 4),  # Sat–Sun, made up Mon–Tue
    date(2027, 6, 9), date(2027, 9, 15),                               # 端午, 中秋
    date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3),           # 国庆 (Fri–Sun)
    date(2027, 10, 4), date(2027, 10, 5),                              # made up for 2 and 3 October
}
# 2028: 元旦 on a Saturday (made up on Monday 3 January); 中秋 on 3 October, one day with 国庆;
# 1 October a Sunday (made up on Wednesday 4 October, after 2 and 3 October)
STATUTORY_2028 = {
    date(2028, 1, 1), date(2028, 1, 3),
    date(2028, 1, 25), date(2028, 1, 26), date(2028, 1, 27), date(2028, 1, 28),
    date(2028, 4, 4), date(2028, 5, 1), date(2028, 5, 2),
    date(2028, 5, 28), date(2028, 5, 29),                                 # 端午 on a Sunday, made up Monday
    date(2028, 10, 1), date(2028, 10, 2), date(2028, 10, 3), date(2028, 10, 4),
}


@pytest.mark.parametrize("year, expected", [(2027, STATUTORY_2027), (2028, STATUTORY_2028)])
def test_statutory_days_off_of_a_year(year, expected):
    assert statutory_days_off(year) == expected


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_is_off_in_the_state_councils_calendar(year):
    """The years the package knows under the 2024 revision: what the law fixes is a subset of what
    the State Council published (which adds the 调休 days)."""
    assert {d for d in statutory_days_off(year) if chinese_calendar.is_workday(d)} == set()


@pytest.mark.parametrize("start_local, n, due_local", [
    # important complaint registered on 31 December 2026: the report is due at the end of the
    # next working day, Monday 4 January 2027 (1 January is 元旦, then the weekend)
    (datetime(2026, 12, 31, 10, 0), 1, datetime(2027, 1, 4, 23, 59, 59)),
    # a branch closing on 30 December files within 2 working days: 31 December, 4 January
    (datetime(2026, 12, 30, 20, 0), 2, datetime(2027, 1, 4, 23, 59, 59)),
    (datetime(2026, 12, 31, 20, 0), 2, datetime(2027, 1, 5, 23, 59, 59)),
    # Spring Festival 2027: Thursday 4 February + 1 → Thursday 11 February
    (datetime(2027, 2, 4, 9, 0), 1, datetime(2027, 2, 11, 23, 59, 59)),
])
def test_deadlines_reaching_into_a_year_the_package_does_not_know(start_local, n, due_local):
    start = start_local.replace(tzinfo=SH).astimezone(timezone.utc)
    assert CAL.deadline(start, n, SH).astimezone(SH).replace(tzinfo=None) == due_local


@pytest.mark.parametrize("today, year", [
    (date(2026, 6, 1), None),      # the package knows this year and it is not November yet
    (date(2026, 10, 31), None),
    (date(2026, 11, 1), 2027),     # from November on, next year is checked
    (date(2026, 12, 5), 2027),
    (date(2025, 12, 1), None),     # next year (2026) is in the package
    (date(2027, 3, 1), 2027),      # a year the package does not know at all
])
def test_the_year_an_administrator_should_check(today, year):
    assert year_to_check(today) == year


def test_zero_and_negative():
    """n = 0 is the day itself (a deadline "within 0 working days" is that day); a negative n is
    a programming error, refused rather than walked backwards."""
    assert CAL.nth_working_day_after(date(2026, 10, 1), 0) == date(2026, 10, 1)  # a holiday: still itself
    with pytest.raises(ValueError):
        CAL.nth_working_day_after(date(2026, 10, 1), -1)
