"""Time travel: each reminder of DOMAIN.md §6 falls due at its rule's instant — not a second
earlier — and is sent once, including the working-day rules across National Day 2026
(1–7 October off, Saturday 10 October worked)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.jobs.reminders import deliver, run_sweep
from portal.models import CalendarOverride, Notification
from portal.services import reminders, settings
from portal.services import reminders_rules as rules
from portal.services.workdays import calendar_from_db
from tests.reminders import kinds

SH = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


# kind (which DOMAIN.md §6 reminder), the rule applied to the object's dates, the expected local due time
CASES = [
    ("complaint.first_reply_due_soon", lambda cal: rules.first_reply_due_soon_at(local(2026, 9, 30, 10)),
     local(2026, 10, 1, 22)),
    ("complaint.first_reply_overdue", lambda cal: rules.first_reply_overdue_at(local(2026, 9, 30, 10)),
     local(2026, 10, 2, 10)),
    ("complaint.progress_due", lambda cal: rules.progress_contact_due_at(
        local(2026, 10, 3, 9, 30), settings.get_int("complaint_progress_interval_days")), local(2026, 10, 5, 9, 30)),
    ("complaint.major_created", lambda cal: local(2026, 10, 2, 14, 5), local(2026, 10, 2, 14, 5)),
    # important since the last working day before the holiday: 1 working day ends on 8 October
    ("complaint.important_not_reported", lambda cal: rules.important_report_deadline(local(2026, 9, 30, 15), cal),
     local(2026, 10, 8, 23, 59, 59)),
    ("complaint.filing_overdue", lambda cal: rules.filing_deadline(local(2026, 9, 29, 11), cal),
     local(2026, 10, 8, 23, 59, 59)),
    # closed on Friday 9 October: Saturday 10 October is worked, so the 2nd working day is Monday 12th
    ("complaint.filing_overdue", lambda cal: rules.filing_deadline(local(2026, 10, 9, 11), cal),
     local(2026, 10, 12, 23, 59, 59)),
    ("reception.reply_due_soon", lambda cal: rules.reception_reply_due_soon_at(local(2026, 10, 1, 9), "important"),
     local(2026, 10, 1, 19, 59, 59)),
    ("reception.reply_overdue", lambda cal: rules.reception_reply_deadline(local(2026, 10, 1, 9), "important"),
     local(2026, 10, 1, 23, 59, 59)),
    ("reception.reply_overdue", lambda cal: rules.reception_reply_deadline(local(2026, 10, 1, 9), "general"),
     local(2026, 10, 2, 9)),
    ("reception.emergency", lambda cal: rules.reception_reply_deadline(local(2026, 10, 3, 2, 15), "emergency"),
     local(2026, 10, 3, 2, 15, 59)),  # at once: by the end of the minute (reception.reply_due)
    ("workorder.no_progress_today", lambda cal: rules.workorder_check_at(date(2026, 10, 8)),
     local(2026, 10, 8, 16)),
    ("revisit.due_today", lambda cal: rules.revisit_due_today_at(date(2026, 10, 8)), local(2026, 10, 8, 8)),
    ("revisit.due_this_week", lambda cal: rules.revisit_due_this_week_at(date(2026, 10, 8)), local(2026, 10, 5, 8)),
    ("revisit.overdue", lambda cal: rules.revisit_overdue_at(date(2026, 10, 8)), local(2026, 10, 9, 0, 0, 0)),
    ("archive.request_waiting", lambda cal: rules.access_request_waiting_at(local(2026, 9, 30, 17), cal),
     local(2026, 10, 8, 23, 59, 59)),
    ("archive.grant_expiring", lambda cal: rules.grant_expiring_notice_at(local(2026, 10, 8, 23, 59, 59)),
     local(2026, 10, 7, 9)),
    # approved a week before: the 09:00 notice; approved after that 09:00 (a one-day grant): at once
    ("archive.grant_expiring", lambda cal: rules.grant_expiring_notice_at(local(2026, 10, 8, 10), local(2026, 10, 1, 10)),
     local(2026, 10, 7, 9)),
    ("archive.grant_expiring", lambda cal: rules.grant_expiring_notice_at(local(2026, 10, 8, 10), local(2026, 10, 7, 10)),
     local(2026, 10, 7, 10)),
    ("care.birthday", lambda cal: rules.birthday_notice_at(date(1990, 10, 1), 2026), local(2026, 10, 1, 8)),
    ("care.birthday", lambda cal: rules.birthday_notice_at(date(1996, 2, 29), 2027), local(2027, 2, 28, 8)),
]


@pytest.fixture()
def rule_sweeper():
    """A test-only sweeper: object 99 is due at ``rule(calendar_from_db())`` for the given user."""
    state = {}

    def sweeper(now):
        due = state["rule"](calendar_from_db())
        if now >= due:
            yield reminders.ReminderSpec(kinds.PING, "test", 99, state["user"], due, due.isoformat())

    reminders.KINDS[kinds.PING].sweepers.append(sweeper)
    yield state
    reminders.KINDS[kinds.PING].sweepers.remove(sweeper)


def _sweep_and_deliver() -> None:
    now = datetime.now(timezone.utc)
    run_sweep("sweep", "sweep", now=now)
    for row in reminders.due_pending(now):
        deliver(row.id)


def _sent(user_id) -> int:
    db.session.expire_all()
    # only the test kind: the areas' real sweepers (e.g. National Day greetings) run too
    return len(db.session.scalars(select(Notification).where(Notification.user_id == user_id,
                                                             Notification.kind == kinds.PING)).all())


@pytest.mark.slow
@pytest.mark.parametrize("kind, rule, expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_kind_falls_due_at_its_rule_and_is_sent_once(app, db, redis_conn, reminder_config, recipient,
                                                          rule_sweeper, kind, rule, expected):
    assert kind in reminders.KINDS  # the catalogue declares it for the area to fill
    rule_sweeper.update(rule=rule, user=recipient.id)
    assert rule(calendar_from_db()) == expected.astimezone(timezone.utc)
    with time_machine.travel(expected - timedelta(seconds=1), tick=False):
        _sweep_and_deliver()
        assert _sent(recipient.id) == 0
    with time_machine.travel(expected, tick=False):
        _sweep_and_deliver()
        assert _sent(recipient.id) == 1
    with time_machine.travel(expected + timedelta(hours=3), tick=False):
        _sweep_and_deliver()
        assert _sent(recipient.id) == 1


def test_an_administrators_calendar_override_moves_a_working_day_due_time(app, db, redis_conn, reminder_config,
                                                                         recipient, rule_sweeper):
    """8 October declared a day off: "1 working day" after 30 September now ends on Friday 9 October."""
    db.session.add(CalendarOverride(day=date(2026, 10, 8), is_working_day=False, note="test"))
    db.session.commit()
    rule_sweeper.update(rule=lambda cal: rules.important_report_deadline(local(2026, 9, 30, 15), cal),
                        user=recipient.id)
    with time_machine.travel(local(2026, 10, 8, 23, 59, 59), tick=False):
        _sweep_and_deliver()
        assert _sent(recipient.id) == 0
    with time_machine.travel(local(2026, 10, 9, 23, 59, 59), tick=False):
        _sweep_and_deliver()
        assert _sent(recipient.id) == 1


@pytest.mark.parametrize("received, urgency, deadline, due_soon", [
    (local(2026, 10, 1, 9), "general", local(2026, 10, 2, 9), local(2026, 10, 2, 5)),
    (local(2026, 10, 1, 21), "important", local(2026, 10, 1, 23, 59, 59), local(2026, 10, 1, 21)),  # never before
    (local(2026, 10, 1, 19, 59, 59), "important", local(2026, 10, 1, 23, 59, 59), local(2026, 10, 1, 19, 59, 59)),
    (local(2026, 10, 1, 9), "emergency", local(2026, 10, 1, 9, 0, 59), local(2026, 10, 1, 9)),
])
def test_reception_reply_deadlines_by_urgency(received, urgency, deadline, due_soon):
    assert rules.reception_reply_deadline(received, urgency) == deadline
    assert rules.reception_reply_due_soon_at(received, urgency) == due_soon


@pytest.mark.parametrize("received, due_soon, overdue", [
    (local(2026, 9, 30, 0, 0), local(2026, 10, 1, 12), local(2026, 10, 2, 0, 0)),
    (local(2026, 12, 31, 23, 30), local(2027, 1, 2, 11, 30), local(2027, 1, 2, 23, 30)),
])
def test_complaint_first_reply_is_48_calendar_hours_with_a_warning_12_hours_before(received, due_soon, overdue):
    assert rules.first_reply_due_soon_at(received) == due_soon
    assert rules.first_reply_overdue_at(received) == overdue


@pytest.mark.parametrize("due_day, monday", [
    (date(2026, 10, 5), date(2026, 10, 5)),  # a Monday is its own week
    (date(2026, 10, 11), date(2026, 10, 5)),  # a Sunday belongs to the week before
])
def test_revisit_week_notice_is_monday_morning(due_day, monday):
    assert rules.revisit_due_this_week_at(due_day) == local(monday.year, monday.month, monday.day, 8)


@pytest.mark.parametrize("day, codes", [
    (date(2026, 1, 1), ("new_year",)),
    (date(2026, 2, 16), ()),  # 除夕: the eve, not the festival
    (date(2026, 2, 17), ("spring_festival",)),  # 正月初一 2026 (chinese-calendar's holiday starts the 15th)
    (date(2026, 3, 3), ("lantern_festival",)),  # 正月十五
    (date(2026, 5, 1), ("labour_day",)),
    (date(2026, 6, 19), ("dragon_boat",)),  # 五月初五
    (date(2026, 9, 25), ("mid_autumn",)),  # 八月十五
    (date(2026, 9, 26), ()),
    (date(2026, 10, 1), ("national_day",)),
    (date(2026, 10, 18), ("double_ninth",)),  # 九月初九, the elderly's festival
    (date(2020, 10, 1), ("national_day", "mid_autumn")),  # both on one day: one digest naming both
    (date(2009, 5, 28), ("dragon_boat",)),
    (date(2009, 6, 27), ()),  # 闰五月初五: a leap month's fifth is not 端午
    (date(2025, 1, 29), ("spring_festival",)),  # in January
    (date(2100, 2, 9), ()),  # beyond the lunar table: no lunar festival, no error
    (date(2100, 10, 1), ("national_day",)),
])
def test_festivals_of_the_care_lists_fixed_and_lunar(day, codes):
    assert rules.festivals_on(day) == codes
