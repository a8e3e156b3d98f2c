"""The archive and customer-care reminders of DOMAIN.md §6, plugged into the reminders framework.

- ``archive.request_waiting``: an access request still undecided after 1 working day (by the
  end of the 1st working day after the request: one made on 30 September 2026 waits until the
  end of 8 October) → the leaders it is routed to (``archive_access.approvers_for``);
- ``archive.grant_expiring``: 09:00 local the day before the grant's last day → the grantee.
  A grant approved after that moment (a one-day grant) gets no notice: the approval itself
  told the period;
- ``care.birthday``: one digest a day per center staff member at 08:00 ("N customers have
  birthdays today", names only, linking to the archive list of the day's birthdays) rather than
  one reminder per customer: with 200,000 records that is some 550 birthdays a day;
- ``care.festival``: 08:00 on a festival (元旦, 劳动节, 国庆节 and the lunar 春节, 元宵节, 端午节,
  中秋节, 重阳节; ``reminders_rules.festivals_on``) → the center staff, linking to the
  special-owner care list.

Due times come from ``reminders_rules``; a sweeper writes a row only once its moment has come,
and a builder that finds the request decided, the grant ended or the list empty returns None
(the framework cancels the row). Messages carry no ID or phone numbers.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AccessStatus, ArchiveAccessRequest, Customer, Reminder
from portal.services import archive_access, reminders
from portal.services import reminders_rules as rules
from portal.services.archives import birthday_on_clause
from portal.services.clock import end_of_local_day, local_date, now_utc, to_local
from portal.services.reminder_helpers import center_staff, day_from_id, day_id, not_reminded, recipient_locale
from portal.services.reminders import Message, ReminderSpec
from portal.services.reminders_catalogue import (
    ARCHIVE_GRANT_EXPIRING, ARCHIVE_REQUEST_WAITING, CARE_BIRTHDAY, CARE_FESTIVAL,
)
from portal.services.workdays import calendar_from_db

REQUEST = "archive_access_request"
BIRTHDAY_DAY = "care_birthday_day"
FESTIVAL_DAY = "care_festival_day"
NAMES_IN_DIGEST = 20

FESTIVAL_LABELS = {"new_year": _l("New Year's Day"), "labour_day": _l("Labour Day"),
                   "national_day": _l("National Day"), "spring_festival": _l("Spring Festival"),
                   "lantern_festival": _l("Lantern Festival"), "dragon_boat": _l("Dragon Boat Festival"),
                   "mid_autumn": _l("Mid-Autumn Festival"), "double_ninth": _l("Double Ninth Festival")}


def _when(at: datetime) -> str:
    return to_local(at).strftime("%Y-%m-%d %H:%M")


# --- access requests waiting for a leader ---------------------------------------------------------

@reminders.sweeper(ARCHIVE_REQUEST_WAITING)
def _request_waiting(now: datetime):
    cal = calendar_from_db()
    # 1 working day ends no earlier than the end of the next calendar day: an index-friendly bound
    rows = db.session.scalars(select(ArchiveAccessRequest).where(
        ArchiveAccessRequest.status == AccessStatus.PENDING, ArchiveAccessRequest.created_at < now - timedelta(days=1),
        not_reminded(ARCHIVE_REQUEST_WAITING, REQUEST, ArchiveAccessRequest.id)).order_by(ArchiveAccessRequest.id))
    for req in rows:
        due = rules.access_request_waiting_at(req.created_at, cal)
        if due < now:  # waiting *more than* 1 working day
            yield from ReminderSpec.for_users(ARCHIVE_REQUEST_WAITING, REQUEST, req.id,
                                              archive_access.approvers_for(req.requester), due_at=due)


@reminders.message(ARCHIVE_REQUEST_WAITING)
def _request_waiting_message(r) -> Message | None:
    req = db.session.get(ArchiveAccessRequest, r.object_id)
    if req is None or req.status != AccessStatus.PENDING or not archive_access.can_decide(r.recipient, req):
        return None
    with recipient_locale(r):
        return Message(title=_("Archive access request from %(name)s has waited more than 1 working day",
                               name=req.requester.display_name),
                       body=_("Requested %(when)s. Please approve or reject it.", when=_when(req.created_at)),
                       link=f"/archives/requests/{req.id}")


# --- grants expiring tomorrow ---------------------------------------------------------------------

@reminders.sweeper(ARCHIVE_GRANT_EXPIRING)
def _grant_expiring(now: datetime):
    last_day_at_latest = end_of_local_day(local_date(now) + timedelta(days=1))
    rows = db.session.scalars(select(ArchiveAccessRequest).where(
        ArchiveAccessRequest.status == AccessStatus.APPROVED, ArchiveAccessRequest.expires_at > now,
        ArchiveAccessRequest.expires_at <= last_day_at_latest,
        not_reminded(ARCHIVE_GRANT_EXPIRING, REQUEST, ArchiveAccessRequest.id)).order_by(ArchiveAccessRequest.id))
    for grant in rows:
        notice = rules.grant_expiring_notice_at(grant.expires_at, grant.decided_at)
        if notice <= now:
            yield ReminderSpec(ARCHIVE_GRANT_EXPIRING, REQUEST, grant.id, grant.requester_id, notice)


@reminders.message(ARCHIVE_GRANT_EXPIRING)
def _grant_expiring_message(r) -> Message | None:
    grant = db.session.get(ArchiveAccessRequest, r.object_id)
    if grant is None or not archive_access.grant_is_live(grant.status, grant.expires_at, now_utc()):
        return None  # revoked, or already over
    with recipient_locale(r):
        return Message(title=_("Your archive access grant expires on %(when)s", when=_when(grant.expires_at)),
                       body=_("Request access again if you still need it after then."),
                       link=f"/archives/requests/{grant.id}")


# --- customer care: birthdays and festivals -------------------------------------------------------

def _digest_written(kind: str, object_type: str, object_id: int) -> bool:
    return db.session.scalar(select(Reminder.id).where(
        Reminder.kind == kind, Reminder.object_type == object_type, Reminder.object_id == object_id).limit(1)) is not None


@reminders.sweeper(CARE_BIRTHDAY)
def _birthdays(now: datetime):
    today = local_date(now)
    due = rules.care_notice_at(today)
    if now < due:
        return
    oid = day_id(today)
    # the birthday scan runs until the day's digest exists; afterwards only late-added staff are new
    if not _digest_written(CARE_BIRTHDAY, BIRTHDAY_DAY, oid) and db.session.scalar(
            select(Customer.id).where(birthday_on_clause(today)).limit(1)) is None:
        return
    yield from ReminderSpec.for_users(CARE_BIRTHDAY, BIRTHDAY_DAY, oid, center_staff(), due_at=due,
                                      occurrence=today.isoformat())


@reminders.message(CARE_BIRTHDAY)
def _birthdays_message(r) -> Message | None:
    day = day_from_id(r.object_id)
    clause = birthday_on_clause(day)
    count = db.session.scalar(select(func.count()).select_from(Customer).where(clause)) or 0
    if not count:
        return None
    names = list(db.session.scalars(select(Customer.name).where(clause).order_by(Customer.name, Customer.id)
                                    .limit(NAMES_IN_DIGEST)))
    with recipient_locale(r):
        listed = "、".join(names) + ("…" if count > len(names) else "")
        return Message(title=_("Customers with a birthday on %(day)s: %(num)d", num=count, day=day.isoformat()),
                       body=listed, link=f"/archives/?birthday={day.isoformat()}")


@reminders.sweeper(CARE_FESTIVAL)
def _festival(now: datetime):
    today = local_date(now)
    if not rules.festivals_on(today):
        return
    due = rules.care_notice_at(today)
    if now < due:
        return
    yield from ReminderSpec.for_users(CARE_FESTIVAL, FESTIVAL_DAY, day_id(today), center_staff(), due_at=due,
                                      occurrence=str(today.year))


@reminders.message(CARE_FESTIVAL)
def _festival_message(r) -> Message | None:
    day = day_from_id(r.object_id)
    codes = rules.festivals_on(day)
    if not codes:
        return None
    special = db.session.scalar(select(func.count()).select_from(Customer).where(
        Customer.special_kind.is_not(None))) or 0
    quality = db.session.scalar(select(func.count()).select_from(Customer).where(Customer.is_quality.is_(True))) or 0
    with recipient_locale(r):
        return Message(title=_("%(festival)s: festival greetings for the customer-care lists",
                               festival=_(", ").join(str(FESTIVAL_LABELS[code]) for code in codes)),
                       body=_("Special owners: %(special)d; quality customers: %(quality)d.", special=special,
                              quality=quality),
                       link="/archives/special")
