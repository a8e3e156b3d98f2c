"""The complaint rules that are plain functions of plain facts (DOMAIN.md §2):
the clocks (first reply, progress contacts, leader report, branch filing), the permitted
workflow transitions, and who may see a complaint and its complainant.

Kept free of the database and the request so each rule has a table-driven test.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portal.models.complaint import ComplaintStatus as S
from portal.models.complaint import Severity
from portal.services.clock import start_of_local_day

FIRST_REPLY_HOURS = 48  # "两日内对客户进行回复": 2 days = 48 hours from receipt
LEADER_REPORT_WORKING_DAYS = 1  # important: "在一个工作日内向公司领导汇报"
FILING_WORKING_DAYS = 2  # branch filing: "投诉处理完毕两个工作日内 … 移交客户服务中心备案"
DUE_SOON = timedelta(hours=12)


# --- clocks ---------------------------------------------------------------------------------

def first_reply_due(received_at: datetime) -> datetime:
    return received_at + timedelta(hours=FIRST_REPLY_HOURS)


def next_progress_due(last_contact_at: datetime | None, interval_days: int, resolved: bool) -> datetime | None:
    """Until resolved, the customer hears of progress every ``interval_days`` after the last contact.
    Before the first contact the first-reply clock runs instead (None here)."""
    if resolved or last_contact_at is None:
        return None
    return last_contact_at + timedelta(days=interval_days)


@dataclass(frozen=True)
class Clocks:
    first_replied_at: datetime | None
    last_contact_at: datetime | None
    next_progress_due_at: datetime | None


def clocks_after_contact(clocks: Clocks, contact_at: datetime, interval_days: int, resolved: bool) -> Clocks:
    """A contact with the customer answers the first reply (if none yet, or if this one was
    earlier) and restarts the progress clock from the latest contact."""
    first = contact_at if clocks.first_replied_at is None else min(clocks.first_replied_at, contact_at)
    last = contact_at if clocks.last_contact_at is None else max(clocks.last_contact_at, contact_at)
    return Clocks(first, last, next_progress_due(last, interval_days, resolved))


# A working-day deadline ("within N working days": the leader report, the branch filing) is the
# end of a day, stored as 23:59:59 local: the start of that day's last second. The whole second
# is still the day, so such a deadline is missed from the next second on (00:00:00 the next
# day), never at 23:59:59.5. Every check of these deadlines goes through ``missed`` (or, in SQL,
# ``missed_if_due_by``).
WHOLE_SECOND = timedelta(seconds=1)


def missed(due_at: datetime, at: datetime) -> bool:
    """Is ``at`` past the working-day deadline ``due_at``?"""
    return at >= due_at + WHOLE_SECOND


def missed_if_due_by(now: datetime) -> datetime:
    """For a query: the working-day deadlines missed at ``now`` are those due at or before this."""
    return now - WHOLE_SECOND


def clock_state(due_at: datetime | None, done_at: datetime | None, now: datetime, soon: timedelta = DUE_SOON, *,
                working_day: bool = False) -> str:
    """'done' | 'late' (done after the due time) | 'overdue' | 'due_soon' | 'pending' | 'none'.
    ``working_day``: ``due_at`` is a working-day deadline, whose last second counts (``missed``)."""
    if due_at is None:
        return "none" if done_at is None else "done"

    def late(at: datetime) -> bool:
        return missed(due_at, at) if working_day else at > due_at

    if done_at is not None:
        return "late" if late(done_at) else "done"
    if late(now):
        return "overdue"
    if now >= due_at - soon:
        return "due_soon"
    return "pending"


def leader_report_due(became_important_at: datetime, calendar) -> datetime:
    """Within 1 working day: by the end of the first working day after that date."""
    return calendar.deadline(became_important_at, LEADER_REPORT_WORKING_DAYS)


def filing_due(closed_on: date, calendar) -> datetime:
    """Within 2 working days of closing: the end (23:59:59 local) of the 2nd working day after
    the closing date."""
    return calendar.deadline(start_of_local_day(closed_on), FILING_WORKING_DAYS)


# --- workflow ---------------------------------------------------------------------------------

# action → (from, to). Nothing else moves a complaint; reopening a closed complaint creates a
# new, linked complaint instead of moving the old one back.
TRANSITIONS: dict[str, tuple[S, S]] = {
    "start": (S.RECEIVED, S.IN_HANDLING),
    "resolve": (S.IN_HANDLING, S.RESOLVED),
    "revisit": (S.RESOLVED, S.REVISITED),
    "archive": (S.REVISITED, S.ARCHIVED),
}

# what each transition needs filled in
REQUIRED_FOR: dict[str, tuple[str, ...]] = {
    "start": (),
    "resolve": ("resolution", "cause_analysis"),
    "revisit": ("revisit_summary", "revisit_satisfaction"),
    "archive": ("corrective_measures", "preventive_measures"),
}

REOPENABLE = (S.RESOLVED, S.REVISITED, S.ARCHIVED)


def is_permitted(action: str, status: S) -> bool:
    return action in TRANSITIONS and TRANSITIONS[action][0] == status


def transition_problems(action: str, status: S, values: dict) -> list[str]:
    """['not_permitted'] when the move is not in the table, else the names of required values
    that are missing (blank text, or no satisfaction score)."""
    if not is_permitted(action, status):
        return ["not_permitted"]
    missing = []
    for name in REQUIRED_FOR[action]:
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return missing


def can_reopen(status: S) -> bool:
    return status in REOPENABLE


# Seed 000 §7: a major complaint's "进程" is fed back to the leaders (every step and every
# contact with the customer); an important complaint's "处理结果" (its resolution).
MAJOR_PROGRESS_STEPS = frozenset({"contact", "start", "resolve", "revisit", "archive"})
IMPORTANT_RESULT_STEPS = frozenset({"resolve"})


def leaders_follow(severity: Severity, step: str) -> bool:
    """Are the leaders the complaint was reported to told of this step of its handling?"""
    if severity == Severity.MAJOR:
        return step in MAJOR_PROGRESS_STEPS
    if severity == Severity.IMPORTANT:
        return step in IMPORTANT_RESULT_STEPS
    return False


def leader_may_comment(severity: Severity, reported_to_this_leader: bool) -> bool:
    """DOMAIN.md roles: leaders comment on major and important complaints. A general complaint
    only when it was reported to this leader, who is then asked for a comment."""
    return severity in (Severity.MAJOR, Severity.IMPORTANT) or reported_to_this_leader


# --- who sees what ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Viewer:
    user_id: int
    unit_id: int | None
    sees_all: bool  # the center and the group's leaders


def viewer_for(user) -> Viewer:
    # a branch or department leader is scoped like the unit he leads
    unit_id = user.leads_org_unit_id or user.org_unit_id
    return Viewer(user.id, unit_id, bool(user.is_center_member or user.is_group_leader))


def received_by_unit(viewer: Viewer, complaint) -> bool:
    """The viewer's unit took the complaint from the customer itself (filed or forwarded it)."""
    return viewer.unit_id is not None and viewer.unit_id in (complaint.filed_by_unit_id,
                                                             complaint.forwarded_by_unit_id)


def can_view(viewer: Viewer, complaint, *, reported_to: bool = False) -> bool:
    """The center and the group's leaders see every complaint; a report (举报) is seen by no one
    else, and never by the staff member it is about. Branch and department users see the
    complaints their unit filed, forwarded or is responsible for. A leader the complaint was
    reported to (``reported_to``: a branch manager or department head, 第一责任人) sees it too,
    report or not, since he is asked to comment on it (DOMAIN.md §2 escalation)."""
    if reported_to and viewer.user_id != complaint.complained_staff_id:
        return True
    if complaint.is_report:
        return viewer.sees_all and viewer.user_id != complaint.complained_staff_id
    if viewer.sees_all:
        return True
    return received_by_unit(viewer, complaint) or (
        viewer.unit_id is not None and viewer.unit_id == complaint.responsible_unit_id)


def can_see_complainant(viewer: Viewer, complaint) -> bool:
    """The complainant's identity is hidden from the unit and the person complained about: a
    unit that is only *responsible* sees the matter, not the person."""
    if viewer.user_id == complaint.complained_staff_id:
        return False
    if viewer.sees_all:
        return True
    return received_by_unit(viewer, complaint)


# --- the workflow as seed 002 §4.2 draws it -----------------------------------------------------

@dataclass(frozen=True)
class WorkflowStep:
    code: str  # received, classified, in_handling, escalated, resolved, revisited, archived
    done: bool
    at: datetime | None = None
    needed: bool = True  # escalation only where the severity asks for it


_ORDER = {S.RECEIVED: 0, S.IN_HANDLING: 1, S.RESOLVED: 2, S.REVISITED: 3, S.ARCHIVED: 4}


def workflow_steps(status: S, severity: Severity, *, received_at: datetime, registered_at: datetime,
                   reported_at: datetime | None,
                   resolved_at: datetime | None, revisited_at: datetime | None,
                   archived_at: datetime | None) -> list[WorkflowStep]:
    """接收 → 归类 → 初步处理 → 上报 → 解决 → 跟进反馈 → 归档 for one complaint. Classification is
    done on registration (category and severity are set then), so it is never a status of its own;
    escalation is needed for major and important complaints and done when leaders are reported to.
    A reopened complaint is a new one: these are the steps of this record."""
    rank = _ORDER[status]
    escalate = severity in (Severity.MAJOR, Severity.IMPORTANT)
    return [
        WorkflowStep("received", True, received_at),
        WorkflowStep("classified", True, registered_at),
        WorkflowStep("in_handling", rank >= 1),
        WorkflowStep("escalated", reported_at is not None, reported_at, needed=escalate or reported_at is not None),
        WorkflowStep("resolved", rank >= 2, resolved_at),
        WorkflowStep("revisited", rank >= 3, revisited_at),
        WorkflowStep("archived", rank >= 4, archived_at),
    ]
