"""The complaint reminders of DOMAIN.md §6, plugged into the reminders framework.

- ``complaint.first_reply_due_soon``: the 48-hour first reply falls due within 12 hours → the
  handler (no handler: the center's staff and managers);
- ``complaint.first_reply_overdue``: the 48 hours have passed without a contact → the handler
  and the center managers (no handler: the center's staff and managers);
- ``complaint.progress_due``: the customer is due to hear of progress (every
  ``complaint_progress_interval_days`` after the last contact) → the handler (else the center);
  the occurrence is the due instant, so each interval reminds once;
- ``complaint.major_created``: written by ``complaints._escalate`` with the automatic report,
  due at once → every group leader (bell, e-mail, webhook);
- ``complaint.important_not_reported``: 1 working day passed without a report to a leader →
  the handler and the center managers;
- ``complaint.filing_overdue``: a branch's record not filed within 2 working days of closing →
  the filing unit's staff and the center staff who review filings.

The due instants are the complaint's own clocks (``first_reply_due_at``, ``next_progress_due_at``,
``leader_report_due_at``, ``filing_due_at``), which ``complaint_rules`` computes when the facts
change; the reminder rows carry the same instants through ``reminders_rules``. The sweepers
find what is due with the query clauses the complaint pages use, so the home-page cards and the
reminders always agree. A sweeper only writes a row once its moment has come; a builder that
finds the complaint settled by delivery time returns None and the framework cancels the row.
Messages name the serial number, project and subject — never the complainant or a phone number.
Nobody is reminded of a complaint he may not open (``complaint_rules.can_view``): a report (举报)
reaches the center and the leaders only, never the staff member it is about, and stays off the
group webhook (``Message.to_group``), whose chat may hold him.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.permissions import Perm
from portal.extensions import db
from portal.models import Reminder
from portal.models.complaint import OPEN_STATUSES, Complaint, FilingStatus, Severity
from portal.services import org, reminders
from portal.services import reminders_rules as rules
from portal.services.clock import to_local
from portal.services.complaint_rules import can_view, viewer_for
from portal.services.complaints import (
    filing_overdue_clause, first_reply_due_soon_clause, overdue_first_reply_clause, progress_due_clause,
    unreported_past_due_clause,
)
from portal.services.reminder_helpers import (
    active, center_users, not_reminded, recipient_locale, unique_users,
)
from portal.services.reminders import Message, ReminderSpec
from portal.services.reminders_catalogue import (
    COMPLAINT_FILING_OVERDUE, COMPLAINT_FIRST_REPLY_DUE_SOON, COMPLAINT_FIRST_REPLY_OVERDUE,
    COMPLAINT_IMPORTANT_NOT_REPORTED, COMPLAINT_MAJOR_CREATED, COMPLAINT_PROGRESS_DUE,
)
from portal.services.severity import describe_reason

OBJECT = "complaint"


def _when(at: datetime) -> str:
    return to_local(at).strftime("%Y-%m-%d %H:%M")


def _link(c: Complaint) -> str:
    return f"/complaints/{c.id}"


def _about(c: Complaint) -> str:
    """What the complaint is about, without the complainant: project and subject."""
    return f"{c.project.name if c.project else ''} · {c.subject}"


def _may_open(c: Complaint, user) -> bool:
    if can_view(viewer_for(user), c):
        return True
    # a leader the complaint was reported to comments on it, report (举报) or not
    return any(r.leader_id == user.id for r in c.leader_reports) and can_view(viewer_for(user), c, reported_to=True)


def _who_may_open(c: Complaint, users: list) -> list:
    return [u for u in users if _may_open(c, u)]


def _handler(c: Complaint):
    """The handler to remind: none when inactive, or when he may not open the complaint (a 举报
    about himself), so that the center is reminded instead of nobody."""
    handler = active(c.handler)
    return handler if handler is not None and _may_open(c, handler) else None


def _handler_or_center(c: Complaint) -> list:
    handler = _handler(c)
    return [handler] if handler else _who_may_open(c, center_users())


def _handler_and_managers(c: Complaint) -> list:
    handler = _handler(c)
    return _who_may_open(c, unique_users([handler], org.center_managers()) if handler else center_users())


def _complaints(*where) -> list[Complaint]:
    return list(db.session.scalars(select(Complaint).where(*where).order_by(Complaint.id)))


def _complaint(r) -> Complaint | None:
    """The reminder's complaint if its recipient may open it; None cancels the reminder. Checked
    again at delivery: the complaint may have become a 举报 about him since the row was written."""
    c = db.session.get(Complaint, r.object_id)
    return c if c is not None and r.recipient is not None and _may_open(c, r.recipient) else None


def _open_complaint(r) -> Complaint | None:
    c = _complaint(r)
    return c if c is not None and c.status in OPEN_STATUSES else None


def _message(c: Complaint, title: str, body: str | None) -> Message:
    return Message(title=title, body=body, link=_link(c), to_group=not c.is_report)


# --- first reply --------------------------------------------------------------------------------

@reminders.sweeper(COMPLAINT_FIRST_REPLY_DUE_SOON)
def _first_reply_due_soon(now: datetime):
    for c in _complaints(first_reply_due_soon_clause(now),
                         not_reminded(COMPLAINT_FIRST_REPLY_DUE_SOON, OBJECT, Complaint.id)):
        yield from ReminderSpec.for_users(COMPLAINT_FIRST_REPLY_DUE_SOON, OBJECT, c.id, _handler_or_center(c),
                                          due_at=rules.first_reply_due_soon_at(c.received_at))


@reminders.message(COMPLAINT_FIRST_REPLY_DUE_SOON)
def _first_reply_due_soon_message(r) -> Message | None:
    c = _open_complaint(r)
    if c is None or c.first_replied_at is not None:
        return None
    with recipient_locale(r):
        return _message(c, _("Complaint %(serial)s: first reply to the customer due by %(when)s", serial=c.serial,
                              when=_when(rules.first_reply_deadline(c.received_at))), _about(c))


@reminders.sweeper(COMPLAINT_FIRST_REPLY_OVERDUE)
def _first_reply_overdue(now: datetime):
    for c in _complaints(overdue_first_reply_clause(now),
                         not_reminded(COMPLAINT_FIRST_REPLY_OVERDUE, OBJECT, Complaint.id)):
        yield from ReminderSpec.for_users(COMPLAINT_FIRST_REPLY_OVERDUE, OBJECT, c.id, _handler_and_managers(c),
                                          due_at=rules.first_reply_overdue_at(c.received_at))


@reminders.message(COMPLAINT_FIRST_REPLY_OVERDUE)
def _first_reply_overdue_message(r) -> Message | None:
    c = _open_complaint(r)
    if c is None or c.first_replied_at is not None:
        return None
    with recipient_locale(r):
        return _message(c, _("Complaint %(serial)s: first reply overdue (was due %(when)s)", serial=c.serial,
                              when=_when(rules.first_reply_deadline(c.received_at))), _about(c))


# --- progress contacts --------------------------------------------------------------------------

def _occurrence(due_at: datetime) -> str:
    """The interval a progress reminder is for: its due instant, in UTC."""
    return due_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@reminders.sweeper(COMPLAINT_PROGRESS_DUE)
def _progress_due(now: datetime):
    # progress_due_clause is "due by the end of today" (the home-page card); a reminder waits
    # for the due instant itself.
    for c in _complaints(progress_due_clause(now), Complaint.next_progress_due_at < now,
                         not_reminded(COMPLAINT_PROGRESS_DUE, OBJECT, Complaint.id,
                                      Reminder.due_at == Complaint.next_progress_due_at)):
        occurrence = _occurrence(c.next_progress_due_at)
        yield from ReminderSpec.for_users(COMPLAINT_PROGRESS_DUE, OBJECT, c.id, _handler_or_center(c),
                                          due_at=c.next_progress_due_at, occurrence=occurrence)


@reminders.message(COMPLAINT_PROGRESS_DUE)
def _progress_due_message(r) -> Message | None:
    c = _open_complaint(r)
    # a contact since then moved the clock: this interval's reminder is no longer due
    if c is None or c.next_progress_due_at is None or _occurrence(c.next_progress_due_at) != r.occurrence:
        return None
    with recipient_locale(r):
        return _message(c, _("Complaint %(serial)s: tell the customer of the progress (due %(when)s)",
                              serial=c.serial, when=_when(c.next_progress_due_at)), _about(c))


# --- escalation ---------------------------------------------------------------------------------

# complaint.major_created rows are written by complaints._escalate (reminders.schedule, due at
# once, in the transaction of the escalation); only the message is built here.

@reminders.message(COMPLAINT_MAJOR_CREATED)
def _major_created_message(r) -> Message | None:
    c = _complaint(r)
    if c is None or c.severity != Severity.MAJOR:  # overridden down before it went out
        return None
    with recipient_locale(r):
        return _message(c, _("Major complaint %(serial)s: %(about)s", serial=c.serial, about=_about(c)),
                        _("Reason: %(reason)s. Received %(when)s.", reason=describe_reason(c.severity_reason),
                          when=_when(c.received_at)))


@reminders.sweeper(COMPLAINT_IMPORTANT_NOT_REPORTED)
def _important_not_reported(now: datetime):
    for c in _complaints(unreported_past_due_clause(now),
                         not_reminded(COMPLAINT_IMPORTANT_NOT_REPORTED, OBJECT, Complaint.id)):
        yield from ReminderSpec.for_users(COMPLAINT_IMPORTANT_NOT_REPORTED, OBJECT, c.id, _handler_and_managers(c),
                                          due_at=c.leader_report_due_at)


@reminders.message(COMPLAINT_IMPORTANT_NOT_REPORTED)
def _important_not_reported_message(r) -> Message | None:
    c = _complaint(r)
    if c is None or c.severity != Severity.IMPORTANT or c.reported_to_leaders_at is not None:
        return None
    with recipient_locale(r):
        return _message(c, _("Important complaint %(serial)s not reported to a leader within 1 working day",
                              serial=c.serial),
                        _("%(about)s. The report was due by %(when)s.", about=_about(c),
                          when=_when(c.leader_report_due_at)) if c.leader_report_due_at else _about(c))


# --- branch filing ------------------------------------------------------------------------------

def _filing_recipients(c: Complaint) -> list:
    unit_staff = org.members_of(c.filed_by_unit) if c.filed_by_unit else []
    reviewers = [u for u in center_users() if u.can(Perm.COMPLAINT_ACCEPT_FILING)]
    return _who_may_open(c, unique_users(unit_staff, reviewers))


@reminders.sweeper(COMPLAINT_FILING_OVERDUE)
def _filing_overdue(now: datetime):
    # once per deadline: a returned record has a new one (its correction), reminded again if missed
    for c in _complaints(filing_overdue_clause(now), not_reminded(COMPLAINT_FILING_OVERDUE, OBJECT, Complaint.id,
                                                                  Reminder.due_at == Complaint.filing_due_at)):
        yield from ReminderSpec.for_users(COMPLAINT_FILING_OVERDUE, OBJECT, c.id, _filing_recipients(c),
                                          due_at=c.filing_due_at, occurrence=_occurrence(c.filing_due_at))


@reminders.message(COMPLAINT_FILING_OVERDUE)
def _filing_overdue_message(r) -> Message | None:
    c = _complaint(r)
    if c is None or c.filing_status not in (FilingStatus.DRAFT, FilingStatus.RETURNED):
        return None
    with recipient_locale(r):
        unit = c.filed_by_unit.name if c.filed_by_unit else ""
        return _message(c, _("Complaint %(serial)s: the record of %(unit)s is not filed with the center "
                              "(due %(when)s)", serial=c.serial, unit=unit, when=_when(c.filing_due_at)), _about(c))
