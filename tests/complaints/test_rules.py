"""Clocks, working-day deadlines, workflow transitions and who may see what (pure rules)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from portal.models.complaint import ComplaintStatus as S
from portal.models.complaint import Severity
from portal.services.complaint_rules import (
    Clocks, Viewer, can_reopen, can_see_complainant, can_view, clock_state, clocks_after_contact, filing_due,
    first_reply_due, is_permitted, leader_may_comment, leader_report_due, leaders_follow, missed, missed_if_due_by,
    next_progress_due, transition_problems, workflow_steps,
)
from portal.services.workdays import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(timezone.utc)


def test_first_reply_is_due_48_hours_after_receipt():
    assert first_reply_due(local(2026, 11, 20, 17, 30)) == local(2026, 11, 22, 17, 30)


@pytest.mark.parametrize("last, interval, resolved, due", [
    (None, 2, False, None),  # before any contact the first-reply clock runs
    (local(2026, 11, 16, 9, 0), 2, False, local(2026, 11, 18, 9, 0)),
    (local(2026, 11, 16, 9, 0), 3, False, local(2026, 11, 19, 9, 0)),
    (local(2026, 11, 16, 9, 0), 2, True, None),  # resolved: no more progress contacts due
])
def test_next_progress_due(last, interval, resolved, due):
    assert next_progress_due(last, interval, resolved) == due


def test_a_contact_answers_the_first_reply_and_restarts_the_progress_clock():
    start = Clocks(None, None, None)
    first = clocks_after_contact(start, local(2026, 11, 16, 10, 0), 2, False)
    assert first == Clocks(local(2026, 11, 16, 10, 0), local(2026, 11, 16, 10, 0), local(2026, 11, 18, 10, 0))
    later = clocks_after_contact(first, local(2026, 11, 17, 15, 0), 2, False)
    assert later.first_replied_at == local(2026, 11, 16, 10, 0)
    assert later.next_progress_due_at == local(2026, 11, 19, 15, 0)
    # a contact entered afterwards but made earlier does not move the clock back
    backdated = clocks_after_contact(later, local(2026, 11, 16, 8, 0), 2, False)
    assert backdated.first_replied_at == local(2026, 11, 16, 8, 0)
    assert backdated.next_progress_due_at == local(2026, 11, 19, 15, 0)


NOW = local(2026, 11, 16, 12, 0)


@pytest.mark.parametrize("due, done, state", [
    (None, None, "none"),
    (NOW + timedelta(hours=13), None, "pending"),
    (NOW + timedelta(hours=12), None, "due_soon"),
    (NOW, None, "due_soon"),
    (NOW - timedelta(seconds=1), None, "overdue"),
    (NOW, NOW, "done"),
    (NOW, NOW + timedelta(seconds=1), "late"),
])
def test_clock_state(due, done, state):
    assert clock_state(due, done, NOW) == state


# A working-day deadline, as filing_due and leader_report_due give it: 23:59:59 local
END_OF_DAY = local(2026, 10, 9, 23, 59, 59)


@pytest.mark.parametrize("at, late", [
    (local(2026, 10, 9, 23, 59, 58, 999999), False),
    (END_OF_DAY, False),
    (local(2026, 10, 9, 23, 59, 59, 500000), False),  # the whole last second is still the day
    (local(2026, 10, 9, 23, 59, 59, 999999), False),
    (local(2026, 10, 10, 0, 0, 0), True),  # the next day
    (local(2026, 10, 10, 0, 0, 0, 1), True),
])
def test_a_working_day_deadline_is_missed_from_the_next_day_on(at, late):
    assert missed(END_OF_DAY, at) is late
    assert (END_OF_DAY <= missed_if_due_by(at)) is late  # the same rule as a query says it
    assert clock_state(END_OF_DAY, at, at, working_day=True) == ("late" if late else "done")
    assert clock_state(END_OF_DAY, None, at, working_day=True) == ("overdue" if late else "due_soon")


@pytest.mark.parametrize("closed_on, due_local", [
    # Wednesday → Friday
    (date(2026, 11, 18), datetime(2026, 11, 20, 23, 59, 59)),
    # across a weekend: Friday → Tuesday; Saturday and Sunday → Tuesday
    (date(2026, 11, 20), datetime(2026, 11, 24, 23, 59, 59)),
    (date(2026, 11, 21), datetime(2026, 11, 24, 23, 59, 59)),
    (date(2026, 11, 22), datetime(2026, 11, 24, 23, 59, 59)),
    # National Day 2026: 1–7 October off; Saturday 10 October is worked
    (date(2026, 9, 30), datetime(2026, 10, 9, 23, 59, 59)),
    (date(2026, 10, 3), datetime(2026, 10, 9, 23, 59, 59)),
    (date(2026, 10, 8), datetime(2026, 10, 10, 23, 59, 59)),
    (date(2026, 10, 9), datetime(2026, 10, 12, 23, 59, 59)),
])
def test_branch_filing_due_two_working_days_after_closing(closed_on, due_local):
    assert filing_due(closed_on, CAL).astimezone(SH).replace(tzinfo=None) == due_local


def test_filing_due_follows_the_administrators_overrides():
    cal = WorkingCalendar({date(2026, 11, 19): False})  # Thursday made a day off
    assert filing_due(date(2026, 11, 18), cal).astimezone(SH).replace(tzinfo=None) == datetime(2026, 11, 23, 23, 59, 59)


@pytest.mark.parametrize("at, due_local", [
    (local(2026, 11, 16, 10, 0), datetime(2026, 11, 17, 23, 59, 59)),  # Monday → Tuesday
    (local(2026, 11, 20, 18, 0), datetime(2026, 11, 23, 23, 59, 59)),  # Friday → Monday
    (local(2026, 9, 30, 9, 0), datetime(2026, 10, 8, 23, 59, 59)),     # before National Day → 8 October
])
def test_important_complaint_reported_within_one_working_day(at, due_local):
    assert leader_report_due(at, CAL).astimezone(SH).replace(tzinfo=None) == due_local


ALL = {"resolution": "已维修", "cause_analysis": "防水层老化", "revisit_summary": "满意", "revisit_satisfaction": 5,
       "corrective_measures": "更换防水层", "preventive_measures": "雨季前巡检"}


@pytest.mark.parametrize("action, status, permitted", [
    ("start", S.RECEIVED, True),
    ("resolve", S.IN_HANDLING, True),
    ("revisit", S.RESOLVED, True),
    ("archive", S.REVISITED, True),
    # refused: skipping a step, going back, acting on an archived complaint, unknown actions
    ("resolve", S.RECEIVED, False),
    ("archive", S.RESOLVED, False),
    ("revisit", S.IN_HANDLING, False),
    ("start", S.IN_HANDLING, False),
    ("start", S.RESOLVED, False),
    ("resolve", S.ARCHIVED, False),
    ("archive", S.ARCHIVED, False),
    ("escalate", S.RECEIVED, False),
])
def test_transition_table(action, status, permitted):
    assert is_permitted(action, status) is permitted
    assert (transition_problems(action, status, ALL) == []) is permitted
    if not permitted:
        assert transition_problems(action, status, ALL) == ["not_permitted"]


@pytest.mark.parametrize("action, status, values, missing", [
    ("resolve", S.IN_HANDLING, {"resolution": "已维修"}, ["cause_analysis"]),
    ("resolve", S.IN_HANDLING, {"resolution": "  ", "cause_analysis": ""}, ["resolution", "cause_analysis"]),
    ("revisit", S.RESOLVED, {"revisit_summary": "满意"}, ["revisit_satisfaction"]),
    ("archive", S.REVISITED, {"corrective_measures": "更换"}, ["preventive_measures"]),
    ("archive", S.REVISITED, {}, ["corrective_measures", "preventive_measures"]),
])
def test_transitions_require_their_content(action, status, values, missing):
    assert transition_problems(action, status, values) == missing


@pytest.mark.parametrize("status, ok", [(S.RECEIVED, False), (S.IN_HANDLING, False), (S.RESOLVED, True),
                                        (S.REVISITED, True), (S.ARCHIVED, True)])
def test_only_closed_complaints_reopen(status, ok):
    assert can_reopen(status) is ok


def _c(**kw):
    base = dict(is_report=False, complained_staff_id=None, filed_by_unit_id=None, forwarded_by_unit_id=None,
                responsible_unit_id=None)
    base.update(kw)
    return SimpleNamespace(**base)


CENTER = Viewer(user_id=1, unit_id=10, sees_all=True)
DEPT = Viewer(user_id=2, unit_id=20, sees_all=False)  # e.g. 工程部
BRANCH = Viewer(user_id=3, unit_id=30, sees_all=False)


@pytest.mark.parametrize("viewer, complaint, view, person", [
    (CENTER, _c(), True, True),
    # the responsible department sees the matter, not the person
    (DEPT, _c(responsible_unit_id=20), True, False),
    (DEPT, _c(responsible_unit_id=30), False, False),
    # a branch sees what it filed or forwarded, with the complainant (it took the complaint itself)
    (BRANCH, _c(filed_by_unit_id=30, responsible_unit_id=30), True, True),
    (BRANCH, _c(forwarded_by_unit_id=30), True, True),
    (BRANCH, _c(filed_by_unit_id=31), False, False),
    # a report (举报) is for the center and the group's leaders only
    (DEPT, _c(is_report=True, responsible_unit_id=20), False, False),
    (BRANCH, _c(is_report=True, forwarded_by_unit_id=30), False, True),
    (CENTER, _c(is_report=True), True, True),
    # the staff member complained about never sees who complained, nor a report about him
    (CENTER, _c(complained_staff_id=1), True, False),
    (CENTER, _c(is_report=True, complained_staff_id=1), False, False),
])
def test_visibility(viewer, complaint, view, person):
    assert can_view(viewer, complaint) is view
    assert can_see_complainant(viewer, complaint) is person


@pytest.mark.parametrize("viewer, complaint, view", [
    # a branch manager or department head asked to comment sees the complaint of another unit,
    (BRANCH, _c(responsible_unit_id=20), True),
    # a report (举报) too: it is confidential to the center and the leaders
    (DEPT, _c(is_report=True, responsible_unit_id=20), True),
    # but never one about himself
    (DEPT, _c(complained_staff_id=2), False),
    (DEPT, _c(is_report=True, complained_staff_id=2), False),
])
def test_a_leader_it_was_reported_to_sees_it(viewer, complaint, view):
    assert can_view(viewer, complaint) is False
    assert can_view(viewer, complaint, reported_to=True) is view
    assert can_see_complainant(viewer, complaint) is False  # the matter, not the person


@pytest.mark.parametrize("severity, reported, may", [
    (Severity.MAJOR, False, True),
    (Severity.IMPORTANT, False, True),
    (Severity.GENERAL, False, False),   # DOMAIN.md roles: leaders comment on major/important complaints
    (Severity.GENERAL, True, True),     # unless it was reported to this leader, who is asked to comment
])
def test_leader_may_comment(severity, reported, may):
    assert leader_may_comment(severity, reported) is may


@pytest.mark.parametrize("severity, step, told", [
    # major: "及时将投诉处理的进程反馈公司领导" — every step and every contact
    *[(Severity.MAJOR, step, True) for step in ("contact", "start", "resolve", "revisit", "archive")],
    # important: "将投诉处理结果反馈公司领导" — the resolution only
    (Severity.IMPORTANT, "resolve", True),
    *[(Severity.IMPORTANT, step, False) for step in ("contact", "start", "revisit", "archive")],
    *[(Severity.GENERAL, step, False) for step in ("contact", "start", "resolve", "revisit", "archive")],
])
def test_leaders_follow(severity, step, told):
    assert leaders_follow(severity, step) is told


T = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("status, severity, reported, done, escalation_needed", [
    (S.RECEIVED, Severity.GENERAL, None, ["received", "classified"], False),
    (S.IN_HANDLING, Severity.IMPORTANT, None, ["received", "classified", "in_handling"], True),
    (S.IN_HANDLING, Severity.IMPORTANT, T, ["received", "classified", "in_handling", "escalated"], True),
    (S.RESOLVED, Severity.MAJOR, T, ["received", "classified", "in_handling", "escalated", "resolved"],
     True),
    # a general complaint has no escalation to make, unless staff reported it all the same
    (S.ARCHIVED, Severity.GENERAL, None,
     ["received", "classified", "in_handling", "resolved", "revisited", "archived"], False),
    (S.REVISITED, Severity.GENERAL, T,
     ["received", "classified", "in_handling", "escalated", "resolved", "revisited"], True),
])
def test_workflow_steps_of_seed_002(status, severity, reported, done, escalation_needed):
    steps = workflow_steps(status, severity, received_at=T, registered_at=T, reported_at=reported, resolved_at=None,
                           revisited_at=None, archived_at=None)
    assert [s.code for s in steps] == ["received", "classified", "in_handling", "escalated", "resolved", "revisited",
                                       "archived"]
    assert [s.code for s in steps if s.done] == done
    assert steps[3].needed is escalation_needed
