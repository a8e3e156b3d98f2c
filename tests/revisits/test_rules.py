"""The window arithmetic of revisits (DOMAIN.md §4), at its boundaries."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.services.revisit_rules import (
    RevisitKind, Timeliness, Window, add_months, annual_window, complaint_window, handover_windows, is_old_customer,
    is_stale, month_bounds, routine_windows, signing_window, timeliness, week_bounds,
)

SH = ZoneInfo("Asia/Shanghai")
K = RevisitKind


@pytest.mark.parametrize("day, months, expected", [
    (date(2027, 1, 31), 1, date(2027, 2, 28)),   # not carried into March
    (date(2028, 1, 31), 1, date(2028, 2, 29)),   # leap year
    (date(2028, 2, 29), 12, date(2029, 2, 28)),  # 29 February + 1 year
    (date(2028, 2, 29), 13, date(2029, 3, 29)),
    (date(2028, 2, 29), 48, date(2032, 2, 29)),  # the next leap year keeps the 29th
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),  # across the year
    (date(2026, 5, 15), 0, date(2026, 5, 15)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),  # backwards clamps too
])
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("handover, kind, start, due", [
    # handover on 31 January 2027 (not a leap year)
    (date(2027, 1, 31), K.HANDOVER_1M, date(2027, 1, 31), date(2027, 2, 28)),
    (date(2027, 1, 31), K.HANDOVER_3M, date(2027, 2, 28), date(2027, 4, 30)),
    (date(2027, 1, 31), K.HANDOVER_1Y, date(2028, 1, 31), date(2028, 2, 29)),  # 31 Jan + 13 months, clamped
    # handover on 31 January 2028 (leap year)
    (date(2028, 1, 31), K.HANDOVER_1M, date(2028, 1, 31), date(2028, 2, 29)),
    (date(2028, 1, 31), K.HANDOVER_3M, date(2028, 2, 29), date(2028, 4, 30)),
    # handover on 29 February 2028
    (date(2028, 2, 29), K.HANDOVER_1M, date(2028, 2, 29), date(2028, 3, 29)),
    (date(2028, 2, 29), K.HANDOVER_3M, date(2028, 3, 29), date(2028, 5, 29)),
    (date(2028, 2, 29), K.HANDOVER_1Y, date(2029, 2, 28), date(2029, 3, 29)),
    # an ordinary day
    (date(2026, 10, 15), K.HANDOVER_1Y, date(2027, 10, 15), date(2027, 11, 15)),
    # every window of months ends on the corresponding day (民法典 §202), the 13th month too
    (date(2025, 3, 15), K.HANDOVER_1M, date(2025, 3, 15), date(2025, 4, 15)),
    (date(2025, 3, 15), K.HANDOVER_1Y, date(2026, 3, 15), date(2026, 4, 15)),
])
def test_handover_windows_at_month_ends(handover, kind, start, due):
    assert handover_windows(handover)[kind] == Window(start, due)


@pytest.mark.parametrize("signing, due", [
    (date(2026, 11, 23), date(2026, 11, 30)),  # a Monday → the next Monday, inclusive
    (date(2026, 12, 28), date(2027, 1, 4)),    # across the year
    (date(2028, 2, 25), date(2028, 3, 3)),     # across 29 February
])
def test_signing_window_is_signing_date_plus_7_days_inclusive(signing, due):
    window = signing_window(signing)
    assert window == Window(signing, due)
    assert window.contains(due) and not window.contains(date.fromordinal(due.toordinal() + 1))


def test_routine_windows_follow_the_dates_present():
    assert set(routine_windows(None, None)) == set()
    assert set(routine_windows(date(2026, 1, 5), None)) == {K.SIGNING}
    assert set(routine_windows(None, date(2026, 1, 5))) == {K.HANDOVER_1M, K.HANDOVER_3M, K.HANDOVER_1Y}
    assert len(routine_windows(date(2025, 6, 1), date(2026, 1, 5))) == 4


@pytest.mark.parametrize("resolved_utc, start, due", [
    # 23:30 in Shanghai is still 1 October locally (15:30 UTC)
    (datetime(2026, 10, 1, 15, 30, tzinfo=timezone.utc), date(2026, 10, 1), date(2026, 10, 3)),
    # 17:00 UTC on 30 September is already 1 October in Shanghai
    (datetime(2026, 9, 30, 17, 0, tzinfo=timezone.utc), date(2026, 10, 1), date(2026, 10, 3)),
    (datetime(2026, 12, 30, 2, 0, tzinfo=timezone.utc), date(2026, 12, 30), date(2027, 1, 1)),
])
def test_complaint_window_is_two_days_from_the_local_resolution_date(resolved_utc, start, due):
    assert complaint_window(resolved_utc, SH) == Window(start, due)


def test_complaint_window_refuses_a_naive_time():
    with pytest.raises(ValueError):
        complaint_window(datetime(2026, 10, 1, 12, 0), SH)


def test_annual_window_is_the_calendar_year():
    assert annual_window(2027) == Window(date(2027, 1, 1), date(2027, 12, 31))


@pytest.mark.parametrize("purchases, year, old", [
    # (signing, handover)
    ([(None, date(2025, 12, 31))], 2027, True),   # handed over in Y-2: old customer
    ([(None, date(2026, 1, 1))], 2027, False),    # Y-1: the 1-year revisit is still his
    ([(None, date(2026, 6, 1)), (None, date(2019, 3, 1))], 2027, True),  # any room counts
    ([(date(2019, 5, 1), None)], 2027, True),     # no handover date recorded: the signing date counts
    ([(date(2025, 12, 31), None)], 2027, True),
    ([(date(2026, 1, 1), None)], 2027, False),
    ([(date(2019, 5, 1), date(2026, 1, 1))], 2027, False),  # a recorded handover date governs
    ([(None, None)], 2027, False),
    ([], 2027, False),
])
def test_old_customer_means_a_handover_two_calendar_years_back(purchases, year, old):
    assert is_old_customer(purchases, year) is old


@pytest.mark.parametrize("done_on, expected", [
    (None, Timeliness.NOT_DONE),
    (date(2026, 10, 1), Timeliness.ON_TIME),   # first day
    (date(2026, 10, 8), Timeliness.ON_TIME),   # last day
    (date(2026, 10, 9), Timeliness.LATE),      # one day late
    (date(2026, 9, 30), Timeliness.LATE),      # before the window opened
])
def test_timeliness_counts_only_the_window(done_on, expected):
    assert timeliness(Window(date(2026, 10, 1), date(2026, 10, 8)), done_on) == expected


@pytest.mark.parametrize("due, stale", [
    (date(2026, 10, 1), False),  # 31 days before 1 November: still planned
    (date(2026, 9, 30), True),
])
def test_stale_windows_are_not_planned(due, stale):
    assert is_stale(Window(date(2026, 9, 1), due), date(2026, 11, 1), 31) is stale


def test_week_and_month_bounds():
    assert week_bounds(date(2026, 11, 25)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert month_bounds(date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
