"""The periodic schedule: the sweep every 5 minutes and the work-order check at 16:00 local,
each enqueued once per period even with two schedulers."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.jobs import get_queue
from portal.jobs.schedule import SCHEDULE, daily_at, every_minutes, load_jobs, tick

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("local_time, period", [
    (datetime(2026, 10, 8, 15, 59, 59, tzinfo=SH), None),
    (datetime(2026, 10, 8, 16, 0, 0, tzinfo=SH), "20261008"),
    (datetime(2026, 10, 8, 23, 59, 0, tzinfo=SH), "20261008"),
    (datetime(2026, 10, 9, 0, 30, 0, tzinfo=SH), None),  # 16:30 UTC the day before, but 00:30 here
])
def test_workorder_check_is_due_from_16_00_shanghai_once_a_day(local_time, period):
    assert daily_at(16, 0)(local_time.astimezone(timezone.utc)) == period


def test_sweep_periods_are_five_minutes():
    key = every_minutes(5)
    at = datetime(2026, 10, 8, 8, 0, tzinfo=timezone.utc)
    assert key(at) == key(at.replace(minute=4, second=59)) != key(at.replace(minute=5))


def test_both_periodic_jobs_are_registered():
    load_jobs()
    assert {"sweep", "workorder_check"} <= SCHEDULE.keys()


def test_two_schedulers_enqueue_each_period_once(app, redis_conn):
    at_1600 = datetime(2026, 10, 8, 8, 0, tzinfo=timezone.utc)  # 16:00 in Shanghai
    first = tick(app, now=at_1600)
    second = tick(app, now=at_1600)  # the other scheduler, same moment
    # other areas' daily jobs (e.g. revisit plans from 01:00) are due at 16:00 as well
    assert {"sweep", "workorder_check"} <= set(first) and second == []
    with app.app_context():
        assert get_queue().count == len(first)
    assert tick(app, now=at_1600.replace(minute=5)) == ["sweep"]
