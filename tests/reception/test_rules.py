"""The reception rules as pure functions, at their boundaries (DOMAIN.md §1, seed 003)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.models.reception import RepairKind, RepairRevisitWay, Urgency
from portal.services import reception

SH = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(timezone.utc)


@pytest.mark.parametrize("received, urgency, due", [
    # general: 24 hours
    (local(2026, 5, 10, 10, 0), Urgency.GENERAL, local(2026, 5, 11, 10, 0)),
    (local(2026, 5, 10, 23, 50), Urgency.GENERAL, local(2026, 5, 11, 23, 50)),
    # important: by 23:59:59 local the same day, also when received at 23:50 or just after midnight
    (local(2026, 5, 10, 10, 0), Urgency.IMPORTANT, local(2026, 5, 10, 23, 59, 59)),
    (local(2026, 5, 10, 23, 50), Urgency.IMPORTANT, local(2026, 5, 10, 23, 59, 59)),
    (local(2026, 5, 10, 0, 0), Urgency.IMPORTANT, local(2026, 5, 10, 23, 59, 59)),
    # 07:30 local is 23:30 UTC the day before: the local day counts, not the UTC one
    (local(2026, 5, 10, 7, 30), Urgency.IMPORTANT, local(2026, 5, 10, 23, 59, 59)),
    # emergency: at once, by the end of the minute (times are typed to the minute; it was the
    # receipt time itself, which made every emergency overdue the moment it was saved)
    (local(2026, 5, 10, 23, 50), Urgency.EMERGENCY, local(2026, 5, 10, 23, 50, 59)),
])
def test_reply_deadline(received, urgency, due):
    assert reception.reply_due(received, urgency) == due


@pytest.mark.parametrize("received, due", [
    (local(2026, 5, 10, 10, 3), local(2026, 5, 10, 10, 3, 59)),
    (local(2026, 5, 10, 10, 3, 59), local(2026, 5, 10, 10, 3, 59)),  # the seconds typed do not extend it
    # received within the 59th second (a reopening at "now"): due then, never before it came
    (local(2026, 5, 10, 10, 3, 59, 173962), local(2026, 5, 10, 10, 3, 59, 173962)),
    (local(2026, 5, 10, 10, 3, 58, 999999), local(2026, 5, 10, 10, 3, 59)),
    (local(2026, 5, 10, 23, 59), local(2026, 5, 10, 23, 59, 59)),  # the day's last minute: not the next day
])
def test_an_emergency_is_due_within_the_minute_it_is_received(received, due):
    """Registration-time cases (a call entered late, an e-mail answered on entry) are in
    test_replies.py, through ``register_contact``."""
    assert reception.reply_due(received, Urgency.EMERGENCY) == due
    assert reception.reply_state(due, None, False, due) == "due_soon"
    assert reception.reply_state(due, None, False, due + timedelta(seconds=1)) == "overdue"
    assert reception.reply_state(due, due, False, due + timedelta(hours=1)) == "replied"


@pytest.mark.parametrize("urgency", [Urgency.GENERAL, Urgency.IMPORTANT, Urgency.EMERGENCY])
def test_a_letter_entered_a_day_late_is_judged_from_its_received_time(urgency):
    """Received yesterday 09:00, entered today 10:00: overdue at entry whatever its urgency (an
    emergency that waited a night to be registered is not "at once")."""
    received = local(2026, 5, 9, 9, 0)
    entered = local(2026, 5, 10, 10, 0)
    due = reception.reply_due(received, urgency)
    assert reception.reply_state(due, None, False, entered) == "overdue"


def test_a_letter_entered_a_day_late_may_still_be_in_time():
    """Received yesterday 11:00, entered today 10:00: a general letter is due today 11:00."""
    due = reception.reply_due(local(2026, 5, 9, 11, 0), Urgency.GENERAL)
    assert due == local(2026, 5, 10, 11, 0)
    assert reception.reply_state(due, None, False, local(2026, 5, 10, 10, 0)) == "due_soon"


@pytest.mark.parametrize("now_offset, replied, closed, state", [
    (timedelta(hours=-5), False, False, "pending"),
    (timedelta(hours=-4, seconds=-1), False, False, "pending"),
    (timedelta(hours=-4), False, False, "due_soon"),
    (timedelta(0), False, False, "due_soon"),  # at the deadline itself it is not late yet
    (timedelta(seconds=1), False, False, "overdue"),
    (timedelta(days=3), True, False, "replied"),
    (timedelta(days=3), False, True, "replied"),
])
def test_reply_state(now_offset, replied, closed, state):
    due = local(2026, 5, 10, 12, 0)
    replied_at = due - timedelta(hours=1) if replied else None
    assert reception.reply_state(due, replied_at, closed, due + now_offset) == state


@pytest.mark.parametrize("previous, current, repeat", [
    (local(2026, 5, 1, 10, 0), local(2026, 5, 1, 15, 0), True),  # same day
    (local(2026, 5, 1, 10, 0), local(2026, 5, 31, 9, 0), True),  # 30 days
    (local(2026, 5, 1, 10, 0), local(2026, 6, 1, 9, 0), False),  # 31 days
    # local calendar days: 23:30 on 1 May to 00:30 on 31 May is 30 days (the UTC dates say 29/30)
    (local(2026, 5, 1, 23, 30), local(2026, 5, 31, 0, 30), True),
    (local(2026, 5, 1, 23, 30), local(2026, 6, 1, 0, 10), False),
    (local(2026, 5, 10, 10, 0), local(2026, 5, 1, 10, 0), False),  # the "previous" one is later
])
def test_repeat_repair_within_30_days(previous, current, repeat):
    assert reception.is_repeat_repair(previous, current) is repeat


@pytest.mark.parametrize("a, b, same", [
    ("3-1-502", " 3－1－502 ", True), ("3-1-502室", "3-1-502", True), ("a-101", "A-101", True),
    ("3-1-502", "3-1-503", False), ("", "", True),
])
def test_rooms_compare_after_normalising(a, b, same):
    assert (reception.normalise_room(a) == reception.normalise_room(b)) is same


@pytest.mark.parametrize("kind, repeat, method", [
    (RepairKind.ORDINARY, False, "phone"), (RepairKind.MAJOR, False, "on_site"),
    (RepairKind.ORDINARY, True, "leader_in_person"), (None, True, "leader_in_person"), (None, False, None),
])
def test_revisit_method_for_a_repair(kind, repeat, method):
    assert reception.revisit_method(kind, repeat) == method


@pytest.mark.parametrize("now, start, end", [
    # 16:00 local on 10 May: the day began at 00:00 local = 16:00 UTC on 9 May
    (local(2026, 5, 10, 16, 0), local(2026, 5, 10, 0, 0), local(2026, 5, 11, 0, 0)),
    # 00:30 local is still the new local day although UTC says the 9th
    (local(2026, 5, 10, 0, 30), local(2026, 5, 10, 0, 0), local(2026, 5, 11, 0, 0)),
])
def test_progress_check_window_is_the_local_day(now, start, end):
    assert reception.progress_check_window(now) == (start, end)


PHONE, ON_SITE = RepairRevisitWay.PHONE, RepairRevisitWay.ON_SITE
ORDINARY, MAJOR = RepairKind.ORDINARY, RepairKind.MAJOR


@pytest.mark.parametrize("kind, repeat, way, by_leader, cause, measures, wrong", [
    # 一般问题，负责人可电话回访: a phone call is enough, a visit does too, anyone allowed may make it
    (ORDINARY, False, PHONE, False, "", "", set()),
    (ORDINARY, False, ON_SITE, False, "", "", set()),
    (ORDINARY, False, None, False, "", "", {"way"}),
    # 大型维修…工作完成后进行上门回访: on site only
    (MAJOR, False, ON_SITE, False, "", "", set()),
    (MAJOR, False, PHONE, False, "", "", {"way"}),
    # 短期内同一维修工作发生两次，负责人也要亲自回访客户，分析原因，制定处理措施
    (ORDINARY, True, PHONE, True, "防水层施工不规范", "返工并加强验收", set()),
    (ORDINARY, True, PHONE, False, "防水层施工不规范", "返工并加强验收", {"way"}),
    (ORDINARY, True, PHONE, True, "  ", "返工并加强验收", {"cause"}),
    (ORDINARY, True, PHONE, True, "防水层施工不规范", "", {"measures"}),
    # a major repeat: the leader, on site
    (MAJOR, True, PHONE, True, "原因", "措施", {"way"}),
    (MAJOR, True, ON_SITE, True, "原因", "措施", set()),
])
def test_repair_revisit_rule(kind, repeat, way, by_leader, cause, measures, wrong):
    assert set(reception.repair_revisit_problems(kind, repeat, way, by_leader, cause, measures)) == wrong
