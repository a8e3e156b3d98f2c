"""The revisit reminders of DOMAIN.md §6 (and §4's follow-ups), plugged into the reminders framework.

- ``revisit.due_today``: 08:00 local, one digest per person per day — "N revisits due today" —
  to each assignee, and to the center staff for the plans nobody is assigned to;
- ``revisit.due_this_week``: Monday 08:00, the same digest for the week (occurrence: ISO week);
- ``revisit.overdue``: at 00:00 after the due date, per plan, to its assignee (none: the center
  managers). Only plans that fell overdue in the last ``OVERDUE_LOOKBACK_DAYS`` are reminded:
  an older backlog (e.g. old data imported into a new portal) is the queue's "overdue" view, not
  hundreds of bells at once;
- ``revisit.follow_up_overdue``: the reply promised to a customer is late → the follow-up's owner.

Digests reuse ``revisits.plans_due_between`` (the plans are few: those due in a day or week);
the overdue sweepers add "not reminded yet" to the same conditions as ``revisits.overdue_plans``
/ ``overdue_follow_ups`` so a growing backlog costs one indexed query, not an insert per row
every 5 minutes. A builder recounts at delivery time and returns None when nothing is left
(done, cancelled, closed): the framework then cancels the row. No phone numbers in messages.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from portal.extensions import db
from portal.models import User
from portal.models.revisit import FollowUpStatus, RevisitFollowUp, RevisitPlan, RevisitStatus
from portal.services import org, reminders, revisits
from portal.services import reminders_rules as rules
from portal.services.clock import local_date, to_local
from portal.services.reminder_helpers import (
    active, center_staff, day_from_id, day_id, not_reminded, recipient_locale, week_id,
)
from portal.services.reminders import Message, ReminderSpec
from portal.services.reminders_catalogue import (
    REVISIT_DUE_THIS_WEEK, REVISIT_DUE_TODAY, REVISIT_FOLLOW_UP_OVERDUE, REVISIT_OVERDUE,
)
from portal.services.revisit_rules import week_bounds

DAY = "revisit_day"
WEEK = "revisit_week"
PLAN = "revisit_plan"
FOLLOW_UP = "revisit_follow_up"
OVERDUE_LOOKBACK_DAYS = 30


# --- digests: due today, due this week --------------------------------------------------------------

def _digest_recipients(plans: list[RevisitPlan]) -> list[User]:
    """Each active assignee; the center staff as well when a plan has no (active) assignee."""
    people: dict[int, User] = {}
    unassigned = False
    for plan in plans:
        assignee = active(plan.assignee)
        if assignee is None:
            unassigned = True
        else:
            people.setdefault(assignee.id, assignee)
    if unassigned:
        for u in center_staff():
            people.setdefault(u.id, u)
    return list(people.values())


def _digest_counts(user: User, first: date, last: date) -> tuple[int, int]:
    """(open plans due from ``first`` to ``last`` assigned to ``user``, unassigned ones he covers)."""
    base = [RevisitPlan.status == RevisitStatus.OPEN, RevisitPlan.due >= first, RevisitPlan.due <= last]
    mine = db.session.scalar(select(func.count()).select_from(RevisitPlan).where(
        *base, RevisitPlan.assignee_id == user.id)) or 0
    unassigned = 0
    if user.id in {u.id for u in center_staff()}:
        unassigned = db.session.scalar(
            select(func.count()).select_from(RevisitPlan).outerjoin(User, User.id == RevisitPlan.assignee_id)
            .where(*base, or_(RevisitPlan.assignee_id.is_(None), User.active.is_(False)))) or 0
    return mine, unassigned


def _digest_body(mine: int, unassigned: int) -> str:
    return _("Assigned to you: %(mine)d; not assigned to anyone: %(unassigned)d.", mine=mine, unassigned=unassigned)


@reminders.sweeper(REVISIT_DUE_TODAY)
def _due_today(now: datetime):
    today = local_date(now)
    due = rules.revisit_due_today_at(today)
    if now < due:
        return
    for user in _digest_recipients(revisits.plans_due_between(today, today)):
        yield ReminderSpec(REVISIT_DUE_TODAY, DAY, day_id(today), user.id, due, today.isoformat())


@reminders.message(REVISIT_DUE_TODAY)
def _due_today_message(r) -> Message | None:
    day = day_from_id(r.object_id)
    mine, unassigned = _digest_counts(r.recipient, day, day)
    if not mine + unassigned:
        return None
    with recipient_locale(r):
        return Message(title=_("Revisits due today (%(day)s): %(num)d", num=mine + unassigned, day=day.isoformat()),
                       body=_digest_body(mine, unassigned), link="/revisits/?view=today")


@reminders.sweeper(REVISIT_DUE_THIS_WEEK)
def _due_this_week(now: datetime):
    today = local_date(now)
    due = rules.revisit_due_this_week_at(today)
    if now < due:
        return
    monday, sunday = week_bounds(today)
    oid, occurrence = week_id(today)
    for user in _digest_recipients(revisits.plans_due_between(monday, sunday)):
        yield ReminderSpec(REVISIT_DUE_THIS_WEEK, WEEK, oid, user.id, due, occurrence)


@reminders.message(REVISIT_DUE_THIS_WEEK)
def _due_this_week_message(r) -> Message | None:
    monday = date.fromisocalendar(r.object_id // 100, r.object_id % 100, 1)
    mine, unassigned = _digest_counts(r.recipient, monday, monday + timedelta(days=6))
    if not mine + unassigned:
        return None
    with recipient_locale(r):
        return Message(title=_("Revisits due this week (from %(day)s): %(num)d", num=mine + unassigned,
                               day=monday.isoformat()),
                       body=_digest_body(mine, unassigned), link="/revisits/?view=week")


# --- overdue plans and follow-ups ---------------------------------------------------------------------

@reminders.sweeper(REVISIT_OVERDUE)
def _overdue(now: datetime):
    today = local_date(now)
    plans = db.session.scalars(select(RevisitPlan).where(
        RevisitPlan.status == RevisitStatus.OPEN, RevisitPlan.due < today,
        RevisitPlan.due >= today - timedelta(days=OVERDUE_LOOKBACK_DAYS),
        not_reminded(REVISIT_OVERDUE, PLAN, RevisitPlan.id)).order_by(RevisitPlan.due, RevisitPlan.id))
    for plan in plans:
        assignee = active(plan.assignee)
        yield from ReminderSpec.for_users(REVISIT_OVERDUE, PLAN, plan.id,
                                          [assignee] if assignee else org.center_managers(),
                                          due_at=rules.revisit_overdue_at(plan.due))


@reminders.message(REVISIT_OVERDUE)
def _overdue_message(r) -> Message | None:
    plan = db.session.get(RevisitPlan, r.object_id)
    if plan is None or plan.status != RevisitStatus.OPEN:
        return None
    with recipient_locale(r):
        where = " ".join(x for x in (plan.project.name if plan.project else "",
                                     plan.purchase.room if plan.purchase else "") if x)
        return Message(title=_("Revisit overdue: %(kind)s, was due %(day)s", kind=revisits.KIND_LABELS[plan.kind],
                               day=plan.due.isoformat()),
                       body=where or None, link=f"/revisits/{plan.id}")


@reminders.sweeper(REVISIT_FOLLOW_UP_OVERDUE)
def _follow_up_overdue(now: datetime):
    rows = db.session.scalars(select(RevisitFollowUp).where(
        RevisitFollowUp.status == FollowUpStatus.OPEN, RevisitFollowUp.promised_at < now,
        not_reminded(REVISIT_FOLLOW_UP_OVERDUE, FOLLOW_UP, RevisitFollowUp.id)).order_by(RevisitFollowUp.id))
    for row in rows:
        yield ReminderSpec(REVISIT_FOLLOW_UP_OVERDUE, FOLLOW_UP, row.id, row.owner_id,
                           rules.follow_up_overdue_at(row.promised_at))


@reminders.message(REVISIT_FOLLOW_UP_OVERDUE)
def _follow_up_overdue_message(r) -> Message | None:
    row = db.session.get(RevisitFollowUp, r.object_id)
    if row is None or row.status != FollowUpStatus.OPEN:
        return None
    if revisits.is_about(row.plan, r.recipient):
        # the complaint is about the owner (made so after he was given it): not his to be told
        return None
    with recipient_locale(r):
        problem = row.problem.strip()
        return Message(title=_("A reply promised to a customer is overdue (promised by %(when)s)",
                               when=to_local(row.promised_at).strftime("%Y-%m-%d %H:%M")),
                       body=problem[:100] + ("…" if len(problem) > 100 else ""), link=f"/revisits/{row.plan_id}")
