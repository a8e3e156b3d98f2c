"""Reception's reminders (DOMAIN.md §1 and §6): reply due soon and overdue, emergencies at
once, and the 16:00 check of work orders without today's progress.

Registered when the reception blueprint is imported, so the web processes and the worker both
know them. Messages name the record (serial, project and room), never the customer's phone.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, select

from portal.extensions import db
from portal.models.reception import Contact, ContactStatus, WorkOrder, WorkOrderStatus
from portal.services import org, reception, reminders
from portal.services.clock import local_date
from portal.services.reminders import Message, ReminderSpec
from portal.services.reminders_catalogue import (
    RECEPTION_EMERGENCY, RECEPTION_REPLY_DUE_SOON, RECEPTION_REPLY_OVERDUE, WORKORDER_NO_PROGRESS_TODAY,
)
from portal.services.reminders_rules import RECEPTION_WARNING_HOURS, reception_reply_due_soon_at

OBJECT = "reception_contact"


def _waiting_for_reply(contact: Contact | None) -> bool:
    return contact is not None and contact.status != ContactStatus.CLOSED and contact.replied_at is None


def _fields(contact: Contact) -> dict:
    return {"serial": contact.serial, "category": reception.category_label(contact.category),
            "place": reception.place_label(contact)}


# --- emergency: at once, to the responsible department and a leader ----------------------------

def schedule_emergency(contact: Contact, now: datetime) -> None:
    """Called by ``register_contact`` in the same transaction (DOMAIN.md §1: 紧急 at once)."""
    unit = contact.handling_unit
    recipients = [*org.members_of(unit), *org.leaders_for(unit)]
    reminders.schedule(RECEPTION_EMERGENCY, OBJECT, contact.id, recipients, due_at=now)


@reminders.message(RECEPTION_EMERGENCY)
def _emergency_message(r) -> Message | None:
    contact = db.session.get(Contact, r.object_id)
    if contact is None:
        return None
    return Message(title=_("Emergency %(serial)s: %(category)s %(place)s", **_fields(contact)),
                   link=reception.contact_link(contact))


# --- reply due soon / overdue ------------------------------------------------------------------

@reminders.sweeper(RECEPTION_REPLY_DUE_SOON)
def _find_due_soon(now: datetime):
    horizon = now + timedelta(hours=RECEPTION_WARNING_HOURS)
    rows = db.session.scalars(select(Contact).where(
        Contact.status != ContactStatus.CLOSED, Contact.replied_at.is_(None),
        Contact.reply_due_at > now, Contact.reply_due_at <= horizon))
    for c in rows:
        # occurrence: the deadline, so a reopened contact (new deadline) is reminded again
        yield ReminderSpec(RECEPTION_REPLY_DUE_SOON, OBJECT, c.id, c.responsible_id,
                           reception_reply_due_soon_at(c.received_at, c.urgency.value), c.reply_due_at.isoformat())


@reminders.message(RECEPTION_REPLY_DUE_SOON)
def _due_soon_message(r) -> Message | None:
    contact = db.session.get(Contact, r.object_id)
    if not _waiting_for_reply(contact):
        return None
    return Message(title=_("Reply due soon for %(serial)s: %(category)s %(place)s", **_fields(contact)),
                   link=reception.contact_link(contact))


@reminders.sweeper(RECEPTION_REPLY_OVERDUE)
def _find_overdue(now: datetime):
    managers = org.center_managers()
    for c in db.session.scalars(select(Contact).where(reception.overdue_clause(now))):
        recipients = {c.responsible_id, *(m.id for m in managers)}
        for user_id in recipients:
            yield ReminderSpec(RECEPTION_REPLY_OVERDUE, OBJECT, c.id, user_id, c.reply_due_at,
                               c.reply_due_at.isoformat())


@reminders.message(RECEPTION_REPLY_OVERDUE)
def _overdue_message(r) -> Message | None:
    contact = db.session.get(Contact, r.object_id)
    if not _waiting_for_reply(contact):
        return None
    return Message(title=_("Reply overdue for %(serial)s: %(category)s %(place)s", **_fields(contact)),
                   link=reception.contact_link(contact))


# --- 16:00: open work orders without a progress note today -------------------------------------

@reminders.sweeper(WORKORDER_NO_PROGRESS_TODAY)
def _find_without_progress(now: datetime):
    day = local_date(now).isoformat()
    for wo in db.session.scalars(reception.work_orders_without_progress_today(now)):
        # not to a member who may not open it (a report, a complaint about himself)
        staff = [u for u in org.members_of(wo.unit) if reception.can_see_work_order(u, wo)]
        recipients = {u.id for u in staff} or {wo.contact.responsible_id}
        for user_id in recipients:
            yield ReminderSpec(WORKORDER_NO_PROGRESS_TODAY, "work_order", wo.id, user_id, now, day)


@reminders.message(WORKORDER_NO_PROGRESS_TODAY)
def _without_progress_message(r) -> Message | None:
    wo = db.session.get(WorkOrder, r.object_id)
    if wo is None or wo.status != WorkOrderStatus.OPEN:
        return None
    still_missing = db.session.scalar(
        reception.work_orders_without_progress_today(r.due_at).where(and_(WorkOrder.id == wo.id)).limit(1))
    if still_missing is None:
        return None
    return Message(title=_("Work order %(serial)s has no progress note today (16:00 check)", serial=wo.serial),
                   link=reception.contact_link(wo.contact))
