"""Reception rules (DOMAIN.md §1, seed 003): reply deadlines, work orders, the 30-day repeat
repair, the daily 16:00 progress check, and who sees which record.

The rules at the top are pure functions of plain values, tested table-driven at their
boundaries. The operations below them change records and only flush; the view commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from werkzeug.datastructures import FileStorage

from portal.auth.permissions import Perm
from portal.extensions import db
from portal.models import Customer, OrgKind, OrgUnit, Project, Purchase, User
from portal.models.reception import (
    Channel, Contact, ContactCategory, ContactEvent, ContactStatus, EventKind, RepairKind, RepairRevisitWay,
    RepairType, ReplyMethod, Urgency, WorkOrder, WorkOrderStatus,
)
from portal.services import attachments, notifications, org, serials
from portal.services.clock import end_of_local_day, local_date, now_utc, start_of_local_day, to_local

ATTACHMENT_OWNER = "reception_contact"

# How long before its deadline an unanswered contact is shown as "due soon".
DUE_SOON = timedelta(hours=4)
GENERAL_REPLY_WITHIN = timedelta(hours=24)
# "短期内同一维修工作发生两次": the same repair in the same room within 30 days (DOMAIN.md §1).
REPEAT_REPAIR_DAYS = 30


# --- pure rules -------------------------------------------------------------------------------

def reply_due(received_at: datetime, urgency: Urgency, tz: ZoneInfo | None = None) -> datetime:
    """When the customer must have had a reply (DOMAIN.md §1; seed 003 "一般来电应在24小时内做出答复,
    重要来电应当天内做出答复").

    Judged from the time the contact was *received*, not when it was typed in: a letter that
    arrived yesterday and is entered today may be overdue the moment it is registered.
    - general: 24 hours after receipt;
    - important: 23:59:59 local time of the day it was received;
    - emergency: at once, which is the end (:59) of the minute it was received in (times are
      typed to the minute). A call or visit answered on the spot is recorded at the receipt time
      and is in time; a letter or message answered when it is entered is answered then, in time
      only if entered within that minute; any later reply is late, however late the contact was
      entered: judging from its entry would hide the time an emergency waited to be registered.
    """
    urgency = Urgency(urgency)
    if urgency == Urgency.EMERGENCY:
        # never before the receipt itself: a time within the 59th second (``now``, to the
        # microsecond, when a closed record is reopened) would otherwise be due before it came
        return max(received_at.replace(second=59, microsecond=0), received_at)
    if urgency == Urgency.IMPORTANT:
        return end_of_local_day(local_date(received_at, tz), tz)
    return received_at + GENERAL_REPLY_WITHIN


def reply_state(due_at: datetime, replied_at: datetime | None, closed: bool, now: datetime) -> str:
    """'replied', 'overdue', 'due_soon' or 'pending': what the list marks next to a deadline."""
    if replied_at is not None or closed:
        return "replied"
    if now > due_at:
        return "overdue"
    if due_at - now <= DUE_SOON:
        return "due_soon"
    return "pending"


def is_repeat_repair(previous_received: datetime, current_received: datetime, tz: ZoneInfo | None = None) -> bool:
    """The same repair again within 30 days, counted in local calendar days: 30 days apart is
    a repeat, 31 is not. The earlier one may be the same day."""
    days = (local_date(current_received, tz) - local_date(previous_received, tz)).days
    return 0 <= days <= REPEAT_REPAIR_DAYS


def normalise_room(room: str | None) -> str:
    """'3-1-502', ' 3－1－502 ' and '3-1-502室' name the same room."""
    if not room:
        return ""
    value = "".join(room.split()).upper()
    for dash in ("－", "—", "–", "_"):
        value = value.replace(dash, "-")
    return value.removesuffix("室")


def revisit_method(repair_kind: RepairKind | None, repeat: bool) -> str | None:
    """Seed 003 §五: an ordinary repair gets a phone revisit, a major one an on-site revisit by
    the person in charge; a repeat within a short time is revisited by the leader in person."""
    if repeat:
        return "leader_in_person"
    if repair_kind == RepairKind.MAJOR:
        return "on_site"
    if repair_kind == RepairKind.ORDINARY:
        return "phone"
    return None


def repair_revisit_problems(repair_kind: RepairKind | None, repeat: bool, way: RepairRevisitWay | None,
                            by_leader: bool, cause: str, measures: str) -> dict[str, str]:
    """What is wrong with a repair's revisit as entered (field → message; empty when it is right).

    Seed 003 §五: "一般问题，负责人可电话回访" (an ordinary repair: a phone revisit is enough, a
    visit will do too); "如遇大型维修…工作完成后进行上门回访" (a major repair: on site only);
    "如短期内同一维修工作发生两次，负责人也要亲自回访客户，分析原因，制定处理措施" (a repeat:
    the responsible leader himself, with the cause and the measures). A major repeat needs both."""
    problems: dict[str, str] = {}
    if way is None:
        problems["way"] = _l("Say how the customer was revisited.")
    elif repair_kind == RepairKind.MAJOR and way != RepairRevisitWay.ON_SITE:
        problems["way"] = _l("A major repair is revisited on site.")
    if repeat:
        if not by_leader:
            problems["way"] = _l("A repeat repair is revisited by the responsible leader in person.")
        if not (cause or "").strip():
            problems["cause"] = _l("Give the cause of the repeat repair.")
        if not (measures or "").strip():
            problems["measures"] = _l("Give the measures taken so that it does not happen again.")
    return problems


def progress_check_window(now: datetime, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """Today in local time (Asia/Shanghai) as a UTC [start, end) window."""
    today = local_date(now, tz)
    return start_of_local_day(today, tz), start_of_local_day(today + timedelta(days=1), tz)


# --- who sees what ------------------------------------------------------------------------------

def sees_all(user: User) -> bool:
    """Center staff and managers, and users of the group or the center, see every record;
    department and branch users see their own unit's."""
    if user.is_center_member:
        return True
    return user.org_unit is not None and user.org_unit.kind in (OrgKind.GROUP, OrgKind.CENTER)


def sees_people(user: User) -> bool:
    """May the user learn who made a complaint or a report (举报)? The center and the group's
    leaders, as in the complaints area (``complaint_rules.viewer_for``): DOMAIN.md §2 keeps a
    report to the center and leaders, so a group-unit user who is no leader sees every contact
    (``sees_all``) but not who complained."""
    return bool(user.is_center_member or user.is_group_leader)


def scope_units(user: User) -> set[int]:
    """The user's unit, and the unit he leads with the units under it (a leader sees his
    subtree: the leader a repeat repair of a sub-unit is reported to must be able to open it)."""
    units = {user.org_unit_id}
    led: set[int] = set()
    todo = [user.leads_org_unit] if user.leads_org_unit is not None else []
    while todo:
        unit = todo.pop()
        if unit.id not in led:
            led.add(unit.id)
            todo.extend(unit.children)
    return units | led


def shows_person(viewer_sees_all: bool, category: ContactCategory, linked_to_complaint: bool) -> bool:
    """May the viewer learn who the customer is (name, phone, room, a letter's sender and scan)?

    DOMAIN.md §2: the complainant's identity is hidden from the department or staff member
    complained about. As in the complaints area (``complaint_rules.can_see_complainant``), a unit
    outside the center that handles a complaint contact gets the matter, not the person; the
    center and the group see him. Other contacts (a repair, an inquiry) show the customer to the
    unit that works on them, unless the contact became a complaint."""
    if viewer_sees_all:
        return True
    return ContactCategory(category) != ContactCategory.COMPLAINT and not linked_to_complaint


def may_see_person(user: User, contact: Contact) -> bool:
    return shows_person(sees_people(user), contact.category, contact.complaint_id is not None)


def is_complaint_contact(category: ContactCategory, linked_to_complaint: bool) -> bool:
    """Its customer is a complainant (DOMAIN.md §2: every view of his details is logged)."""
    return ContactCategory(category) == ContactCategory.COMPLAINT or linked_to_complaint


def record_complainant_view(contact: Contact, *, by: User, where: str) -> None:
    """A display of a complaint contact's customer (name, phone, room) in full, as the complaint
    page records one (``complaints.record_complainant_view``), masked values only. In a
    transaction of its own: the page may be re-shown after a refused form, whose changes are
    not committed."""
    from portal.services import audit
    from portal.services.masking import mask_name, mask_phone

    audit.record_now("complaint.complainant_viewed", object_type="reception_contact", object_id=contact.id,
                     user=by, detail={"serial": contact.serial, "where": where, "complaint_id": contact.complaint_id,
                                      "name": mask_name(contact.customer_name),
                                      "phone": mask_phone(contact.customer_phone)})


def _hidden_complaint(user: User):
    """A condition on Complaint: a complaint whose contact this user must not open. One about him
    (he may not learn who complained, DOMAIN.md §2); and, for all but the center and the group's
    leaders, a report (举报, confidential to them) unless it was reported to him (a leader asked to
    comment, as ``complaints.was_reported_to``)."""
    from portal.models.complaint import Complaint
    from portal.services.complaints import reported_to_clause

    about_him = Complaint.complained_staff_id == user.id
    if sees_people(user):
        return about_him
    return or_(about_him, and_(Complaint.is_report.is_(True), ~reported_to_clause(user.id)))


def _contact_hidden(user: User):
    from portal.models.complaint import Complaint

    return and_(Contact.complaint_id.is_not(None), exists().where(
        Complaint.id == Contact.complaint_id, _hidden_complaint(user)))


def contact_scope(user: User):
    """A WHERE clause limiting contacts to those the user may see (mirrors can_see_contact)."""
    if sees_all(user):
        return ~_contact_hidden(user)
    units = scope_units(user)
    dispatched_here = exists().where(WorkOrder.contact_id == Contact.id, WorkOrder.unit_id.in_(units))
    return and_(or_(Contact.handling_unit_id.in_(units), Contact.praised_unit_id.in_(units), dispatched_here),
                ~_contact_hidden(user))


def work_order_scope(user: User):
    """A WHERE clause limiting work orders to those the user may open (mirrors can_see_work_order):
    his units' (everything for the center and the group), never one of a contact hidden from him."""
    from portal.models.complaint import Complaint

    hidden = exists().where(Contact.id == WorkOrder.contact_id, Contact.complaint_id.is_not(None),
                            Complaint.id == Contact.complaint_id, _hidden_complaint(user))
    if sees_all(user):
        return ~hidden
    return and_(WorkOrder.unit_id.in_(scope_units(user)), ~hidden)


def hidden_by_complaint(user: User, contact: Contact) -> bool:
    """The contact became a complaint this user must not learn of (``_hidden_complaint``)."""
    from portal.models.complaint import Complaint
    from portal.services.complaints import was_reported_to

    if contact.complaint_id is None:
        return False
    row = db.session.execute(select(Complaint.complained_staff_id, Complaint.is_report)
                             .where(Complaint.id == contact.complaint_id)).first()
    if row is None:
        return False
    if row.complained_staff_id == user.id:
        return True
    if row.is_report and not sees_people(user):
        return not was_reported_to(contact.complaint_id, user)
    return False


def can_see_contact(user: User, contact: Contact) -> bool:
    """Everything for the center and the group; else what was given to the user's units, or
    praises their staff (the praised unit is told, and opens the letter). Never a contact that
    became a complaint about the user himself, nor, outside the center, one that became a report
    (举报) not reported to him."""
    if hidden_by_complaint(user, contact):
        return False
    if sees_all(user):
        return True
    units = scope_units(user)
    return (contact.handling_unit_id in units or contact.praised_unit_id in units
            or any(wo.unit_id in units for wo in contact.work_orders))


def can_see_work_order(user: User, work_order: WorkOrder) -> bool:
    """The unit's own work orders (all for the center and the group), never one whose contact is
    hidden from the user (a complaint about him: commit d6514ad closed the contact page only)."""
    if hidden_by_complaint(user, work_order.contact):
        return False
    return sees_all(user) or work_order.unit_id in scope_units(user)


def can_handle(user: User, contact: Contact) -> bool:
    """First-responder rule (首问负责制): the responsible person handles the contact until it is
    closed; a manager (who may reassign) may act too."""
    return contact.responsible_id == user.id or user.can(Perm.RECEPTION_ASSIGN)


def may_reveal_phone(user: User, contact: Contact) -> bool:
    """Who may read the customer's full number to call back (seed 003: 须请客户留下电话号码，以便我们
    找到答案后迅速回复客户): those who handle the contact (its first responder, a manager), never
    a viewer from whom the person is hidden."""
    return (bool(contact.customer_phone) and user.can(Perm.RECEPTION_WRITE) and can_handle(user, contact)
            and may_see_person(user, contact))


def record_phone_reveal(contact: Contact, *, by: User, where: str) -> str | None:
    """A display of the contact's full phone: an audit event (the number masked in it), and an
    archive read when the number came from the customer's archive record. Returns the number."""
    from portal.services import archives, audit
    from portal.services.masking import mask_phone

    audit.record("reception.phone_revealed", object_type="reception_contact", object_id=contact.id, user=by,
                 detail={"serial": contact.serial, "where": where, "phone": mask_phone(contact.customer_phone)})
    if contact.customer is not None:
        archives.log_reads(by, [contact.customer], where[:20], via_role=archives.reading_role(by))
    return contact.customer_phone


# --- registering --------------------------------------------------------------------------------

@dataclass
class ContactData:
    channel: Channel
    received_at: datetime
    category: ContactCategory
    urgency: Urgency
    content: str
    customer_name: str
    customer: Customer | None = None
    customer_phone: str | None = None
    project: Project | None = None
    room: str | None = None
    handling_unit: OrgUnit | None = None
    visitor_count: int | None = None
    identity_checked: bool | None = None
    letter_sender: str | None = None
    letter_date: date | None = None
    praised_name: str | None = None
    praised_unit: OrgUnit | None = None
    # the answer given during the call or visit itself, recorded as the reply (it meets any deadline
    # not already past, an emergency's "at once" included)
    reply_on_the_spot: str | None = None
    reply_method: ReplyMethod | None = None


def _event(contact: Contact, kind: EventKind, by: User | None, *, text: str | None = None,
           work_order: WorkOrder | None = None, detail: dict | None = None, at: datetime | None = None) -> ContactEvent:
    event = ContactEvent(contact=contact, kind=kind, user_id=getattr(by, "id", None), text=text,
                         work_order=work_order, detail=detail, at=at or now_utc())
    db.session.add(event)
    return event


def contact_link(contact: Contact) -> str:
    return f"/reception/{contact.id}"


def work_order_link(work_order: WorkOrder) -> str:
    return f"/reception/work-orders/{work_order.id}"


def place_label(contact: Contact) -> str:
    """Project and room for a notification title: never the customer's phone or ID number, and
    no room for a complaint contact, whose titles reach units from which the person is hidden
    (``shows_person``)."""
    room = contact.room if shows_person(False, contact.category, contact.complaint_id is not None) else None
    parts = [contact.project.name if contact.project else "", room or ""]
    return " ".join(p for p in parts if p)


def register_contact(data: ContactData, *, by: User, scan: FileStorage | None = None,
                     now: datetime | None = None) -> Contact:
    """Register a contact: serial number, reply deadline, the first responder, the timeline's
    first entry, a letter's scan, and the notifications emergencies and praise require."""
    now = now or now_utc()
    received_local_year = to_local(data.received_at).year
    contact = Contact(
        serial=serials.next_serial("JD", received_local_year),
        channel=data.channel, received_at=data.received_at, customer=data.customer,
        customer_name=data.customer_name, customer_phone=data.customer_phone or None,
        project=data.project, room=(data.room or None), category=data.category, urgency=data.urgency,
        content=data.content, responsible_id=by.id, created_by_id=by.id, created_at=now,
        handling_unit=data.handling_unit, status=ContactStatus.OPEN,
        reply_due_at=reply_due(data.received_at, data.urgency),
        visitor_count=data.visitor_count if data.channel == Channel.VISIT else None,
        identity_checked=data.identity_checked if data.channel == Channel.VISIT else None,
        letter_sender=(data.letter_sender or None) if data.channel == Channel.LETTER else None,
        letter_date=data.letter_date if data.channel == Channel.LETTER else None,
        praised_name=(data.praised_name or None) if data.category == ContactCategory.PRAISE else None,
        praised_unit=data.praised_unit if data.category == ContactCategory.PRAISE else None,
    )
    db.session.add(contact)
    db.session.flush()
    _event(contact, EventKind.CREATED, by, at=now, detail={"responsible": by.display_name})
    if (data.reply_on_the_spot or "").strip():
        # a call or a visit answered on the spot was answered when it took place (it may be
        # entered later); a letter or message answered while registering it, now
        at = data.received_at if data.channel in (Channel.PHONE, Channel.VISIT) else now
        _mark_replied(contact, at)
        _event(contact, EventKind.REPLY, by, text=data.reply_on_the_spot.strip(), at=at,
               detail={"method": ReplyMethod(data.reply_method or ReplyMethod.PHONE).value, "on_the_spot": True})
    if scan is not None and scan.filename:
        attachments.store(scan, owner_type=ATTACHMENT_OWNER, owner_id=contact.id, user=by)

    if contact.urgency == Urgency.EMERGENCY and contact.handling_unit is not None:
        # "紧急 at once — the responsible department and a leader are notified immediately":
        # a reminder due now, delivered in the portal, by e-mail and to the group webhook.
        from portal.services.reception_reminders import schedule_emergency

        schedule_emergency(contact, now)
    elif contact.urgency == Urgency.IMPORTANT:
        # Seed 003: "来电涉及重要事项时，应及时向相关领导报告": the leaders of the unit handling it,
        # or the center's managers (客户服务中心主任) when the center answers it itself.
        leaders = org.leaders_for(contact.handling_unit) if contact.handling_unit is not None else org.center_managers()
        notifications.notify(
            [u for u in leaders if u.id != by.id], kind="reception.important",
            title=lambda: _("Important %(serial)s: %(category)s %(place)s, to be answered today", serial=contact.serial,
                            category=category_label(contact.category), place=place_label(contact)),
            link=contact_link(contact), object_type="reception_contact", object_id=contact.id)
    if contact.category == ContactCategory.PRAISE and contact.praised_unit is not None:
        # Seed 003 §3.3.3: the praise letter is posted in the praised employee's department.
        notifications.notify(
            org.members_of(contact.praised_unit), kind="reception.praise",
            title=lambda: _("Praise %(serial)s for %(name)s", serial=contact.serial,
                            name=contact.praised_name or contact.praised_unit.name),
            link=contact_link(contact), object_type="reception_contact", object_id=contact.id)
    return contact


def category_label(category: ContactCategory) -> str:
    from portal.services.reception_labels import CATEGORY_LABELS

    return str(CATEGORY_LABELS[ContactCategory(category)])


# --- handling -----------------------------------------------------------------------------------

class ReceptionError(ValueError):
    """An operation that the record's state does not allow; ``message`` says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _require_open(contact: Contact) -> None:
    if contact.is_closed:
        raise ReceptionError(_("This record is closed; reopen it first."))


def reassign(contact: Contact, new_responsible: User, *, by: User, reason: str, now: datetime | None = None) -> None:
    _require_open(contact)
    if new_responsible.id == contact.responsible_id:
        raise ReceptionError(_("This person is responsible already."))
    old = contact.responsible
    contact.responsible = new_responsible
    _event(contact, EventKind.REASSIGNED, by, text=reason, at=now,
           detail={"from": old.display_name, "to": new_responsible.display_name})
    notifications.notify([new_responsible], kind="reception.assigned",
                         title=lambda: _("%(serial)s is now yours to handle", serial=contact.serial),
                         link=contact_link(contact), object_type="reception_contact", object_id=contact.id)


def record_reply(contact: Contact, text: str, method: ReplyMethod, *, by: User, now: datetime | None = None) -> None:
    """A reply to the customer (an answer, or the progress so far); the first one meets the deadline."""
    _require_open(contact)
    now = now or now_utc()
    _mark_replied(contact, now)
    _event(contact, EventKind.REPLY, by, text=text, at=now, detail={"method": ReplyMethod(method).value})


def _mark_replied(contact: Contact, at: datetime) -> None:
    """The first reply since the deadline was set meets it; the first reply ever is kept apart
    (reopening clears the one, never the other)."""
    if contact.replied_at is None:
        contact.replied_at = at
    if contact.first_replied_at is None:
        contact.first_replied_at = at


def close_contact(contact: Contact, reply_text: str, method: ReplyMethod, satisfaction: int | None, *,
                  by: User, now: datetime | None = None) -> None:
    _require_open(contact)
    open_orders = [wo for wo in contact.work_orders if wo.is_open]
    if open_orders:
        raise ReceptionError(_("Work order %(serial)s is still open; it needs its result before closing.",
                               serial=open_orders[0].serial))
    waiting = awaiting_repair_revisit(contact)
    if waiting:
        raise ReceptionError(_("The customer of work order %(serial)s has not been revisited yet (%(way)s).",
                               serial=waiting[0].serial, way=_revisit_label(waiting[0])))
    without_complaint = contact.category == ContactCategory.COMPLAINT and contact.complaint_id is None
    if without_complaint and not by.can(Perm.RECEPTION_ASSIGN):
        # DOMAIN.md §1: a complaint contact becomes a complaint record; closed without one it would
        # escape the complaint register, its 48-hour reply and the monthly figures. A manager may
        # still close one registered under the wrong category (the category cannot be changed),
        # and the timeline says so.
        raise ReceptionError(_("This contact is a complaint: register it as a complaint before closing it "
                               "(a center manager may close one that is not a complaint after all)."))
    now = now or now_utc()
    _mark_replied(contact, now)
    contact.reply_content, contact.reply_method = reply_text, ReplyMethod(method)
    contact.satisfaction = satisfaction
    contact.status, contact.closed_at = ContactStatus.CLOSED, now
    detail = {"method": ReplyMethod(method).value, "satisfaction": satisfaction}
    if without_complaint:
        detail["without_complaint"] = True
    _event(contact, EventKind.CLOSED, by, text=reply_text, at=now, detail=detail)


def reopen(contact: Contact, reason: str, *, by: User, now: datetime | None = None) -> None:
    """A closed record comes back: the customer is owed a new reply, due as for a new contact of
    the same urgency counted from now. The first reply it ever had (``first_replied_at``) stays:
    the response-time figure is not stretched by a reopening."""
    if not contact.is_closed:
        raise ReceptionError(_("Only a closed record can be reopened."))
    now = now or now_utc()
    contact.status = ContactStatus.DISPATCHED if any(wo.is_open for wo in contact.work_orders) else ContactStatus.OPEN
    contact.closed_at = None
    contact.replied_at = None
    contact.reply_due_at = reply_due(now, contact.urgency)
    _event(contact, EventKind.REOPENED, by, text=reason, at=now)


def previous_same_repair(contact: Contact, repair_type: RepairType, *, exclude_id: int | None = None,
                         now: datetime | None = None) -> WorkOrder | None:
    """The latest earlier repair work order of the same type in the same room within 30 days.

    First the contact's own finished work orders of that type: a contact reopened because "it
    leaks again" and sent out again is the same repair twice (counted from the earlier dispatch to
    ``now``, the new one). Then other contacts of the same project and room, counted between
    their receipts."""
    now = now or now_utc()
    for earlier in sorted(contact.work_orders, key=lambda wo: wo.dispatched_at, reverse=True):
        if (earlier.id != exclude_id and earlier.repair_type == RepairType(repair_type)
                and earlier.status == WorkOrderStatus.DONE and is_repeat_repair(earlier.dispatched_at, now)):
            return earlier
    room = normalise_room(contact.room)
    if contact.project_id is None or not room:
        return None
    since = contact.received_at - timedelta(days=REPEAT_REPAIR_DAYS + 2)  # a coarse window; the rule decides
    stmt = (
        select(WorkOrder).join(Contact, WorkOrder.contact_id == Contact.id)
        .where(Contact.project_id == contact.project_id, Contact.category == ContactCategory.REPAIR,
               WorkOrder.repair_type == RepairType(repair_type), Contact.id != contact.id,
               Contact.received_at >= since, Contact.received_at <= contact.received_at)
        .order_by(Contact.received_at.desc(), WorkOrder.id.desc())
    )
    if exclude_id is not None:
        stmt = stmt.where(WorkOrder.id != exclude_id)
    for candidate in db.session.scalars(stmt):
        if normalise_room(candidate.contact.room) == room and is_repeat_repair(candidate.contact.received_at,
                                                                               contact.received_at):
            return candidate
    return None


def dispatch(contact: Contact, unit: OrgUnit, instructions: str, due_at: datetime, *, by: User,
             repair_type: RepairType | None = None, now: datetime | None = None) -> WorkOrder:
    """Send the contact to a department or branch as a work order (派工单)."""
    _require_open(contact)
    now = now or now_utc()
    work_order = WorkOrder(
        serial=serials.next_serial("PG", to_local(now).year), contact=contact, unit=unit,
        instructions=instructions, due_at=due_at, dispatched_at=now, dispatched_by_id=by.id,
        repair_type=RepairType(repair_type) if repair_type else None,
    )
    db.session.add(work_order)
    db.session.flush()
    contact.status = ContactStatus.DISPATCHED
    _event(contact, EventKind.DISPATCHED, by, text=instructions, work_order=work_order, at=now,
           detail={"unit": unit.name, "serial": work_order.serial})
    notifications.notify(org.members_of(unit), kind="reception.work_order",
                         title=lambda: _("Work order %(serial)s for %(unit)s", serial=work_order.serial,
                                         unit=unit.name),
                         link=work_order_link(work_order), object_type="work_order", object_id=work_order.id)
    if work_order.repair_type is not None and contact.category == ContactCategory.REPAIR:
        earlier = previous_same_repair(contact, work_order.repair_type, exclude_id=work_order.id, now=now)
        if earlier is not None:
            work_order.repeat_repair, work_order.repeat_of = True, earlier
            _event(contact, EventKind.REPEAT_FLAGGED, None, work_order=work_order, at=now,
                   detail={"previous": earlier.serial})
            notifications.notify(
                org.leaders_for(unit), kind="reception.repeat_repair",
                title=lambda: _("Repeat repair %(serial)s: %(place)s again within 30 days; please revisit in person",
                                serial=work_order.serial, place=place_label(contact)),
                # the contact page: a leader reads the contacts of his unit's work orders, while the
                # work order page is for the unit's staff who work on it
                link=contact_link(contact), object_type="work_order", object_id=work_order.id)
    return work_order


def add_progress(work_order: WorkOrder, text: str, *, by: User, now: datetime | None = None,
                 handover_to: str | None = None, customer_told: bool = False) -> ContactEvent:
    """A day's progress note; ``handover_to`` when the work goes on tomorrow (the hand-over),
    ``customer_told`` when the customer has been told the progress (seed 003)."""
    if not work_order.is_open:
        raise ReceptionError(_("This work order is finished."))
    detail = {}
    if (handover_to or "").strip():
        detail["handover_to"] = handover_to.strip()[:100]
    if customer_told:
        detail["customer_told"] = True
    return _event(work_order.contact, EventKind.PROGRESS, by, text=text, work_order=work_order, at=now,
                  detail=detail or None)


def complete_work_order(work_order: WorkOrder, result: str, *, by: User, repair_kind: RepairKind | None = None,
                        now: datetime | None = None) -> None:
    if not work_order.is_open:
        raise ReceptionError(_("This work order is finished."))
    contact = work_order.contact
    if contact.category == ContactCategory.REPAIR and repair_kind is None:
        raise ReceptionError(_("Say whether it was an ordinary or a major repair."))
    now = now or now_utc()
    work_order.result, work_order.status = result, WorkOrderStatus.DONE
    work_order.completed_at, work_order.completed_by_id = now, by.id
    # only a repair has a size (and, with it, a revisit): a size posted for another contact is ignored
    is_repair = contact.category == ContactCategory.REPAIR
    work_order.repair_kind = RepairKind(repair_kind) if repair_kind and is_repair else None
    _event(contact, EventKind.WORK_DONE, by, text=result, work_order=work_order, at=now,
           detail={"repair_kind": work_order.repair_kind.value if work_order.repair_kind else None})
    def title():
        if work_order.repair_kind is None:
            return _("Work order %(serial)s is done", serial=work_order.serial)
        return _("Work order %(serial)s is done; now the revisit: %(way)s", serial=work_order.serial,
                 way=_revisit_label(work_order))
    notifications.notify([contact.responsible], kind="reception.work_done", title=title,
                         link=contact_link(contact), object_type="reception_contact", object_id=contact.id)
    if work_order.repeat_repair:
        notifications.notify(repair_revisit_leaders(work_order), kind="reception.repair_revisit_due",
                             title=lambda: _("Repeat repair %(serial)s is done: please revisit the customer in person",
                                             serial=work_order.serial),
                             link=contact_link(contact), object_type="reception_contact", object_id=contact.id)


def _revisit_label(work_order: WorkOrder) -> str:
    from portal.services.reception_labels import REVISIT_LABELS

    return str(REVISIT_LABELS[revisit_method(work_order.repair_kind, work_order.repeat_repair)])


def awaiting_repair_revisit(contact: Contact) -> list[WorkOrder]:
    """The contact's finished repairs whose customer has not yet been revisited."""
    if contact.category != ContactCategory.REPAIR:
        return []
    return [wo for wo in contact.work_orders
            if wo.status == WorkOrderStatus.DONE and wo.repair_kind is not None and wo.revisited_at is None]


def repair_revisit_leaders(work_order: WorkOrder) -> list[User]:
    """Who revisits a repeat repair in person: the leaders the repeat was reported to."""
    return org.leaders_for(work_order.unit)


def may_record_repair_revisit(user: User, work_order: WorkOrder) -> bool:
    """A repeat: only its responsible leaders. Otherwise the center (the first responder and his
    colleagues), the unit that did the repair (its 负责人), or those leaders."""
    leaders = {u.id for u in repair_revisit_leaders(work_order)}
    if work_order.repeat_repair:
        return user.id in leaders
    return (user.can(Perm.RECEPTION_WRITE) or work_order.unit_id in scope_units(user)
            or user.id in leaders) and can_see_contact(user, work_order.contact)


class RepairRevisitRejected(ReceptionError):
    def __init__(self, problems: dict[str, str]):
        super().__init__(next(iter(problems.values())))
        self.problems = problems


def record_repair_revisit(work_order: WorkOrder, *, by: User, way: RepairRevisitWay | None, at: datetime,
                          result: str, satisfaction: int | None, cause: str = "", measures: str = "",
                          now: datetime | None = None) -> None:
    """Record the revisit of a finished repair; a repair contact closes only after it."""
    now = now or now_utc()
    if work_order.status != WorkOrderStatus.DONE or work_order.repair_kind is None:
        raise ReceptionError(_("Only a finished repair is revisited."))
    if work_order.revisited_at is not None:
        raise ReceptionError(_("This repair has been revisited already."))
    problems = repair_revisit_problems(work_order.repair_kind, work_order.repeat_repair, way,
                                       by.id in {u.id for u in repair_revisit_leaders(work_order)}, cause, measures)
    if at > now:
        problems["revisited_at"] = _l("The revisit cannot be in the future.")
    # times are entered to the minute: a revisit in the minute the repair was finished is after it
    elif work_order.completed_at is not None and at < work_order.completed_at.replace(second=0, microsecond=0):
        problems["revisited_at"] = _l("The revisit comes after the repair was finished.")
    if problems:
        raise RepairRevisitRejected({k: str(v) for k, v in problems.items()})
    work_order.revisit_way, work_order.revisited_at, work_order.revisited_by_id = RepairRevisitWay(way), at, by.id
    work_order.revisit_result, work_order.revisit_satisfaction = result.strip(), satisfaction
    work_order.revisit_cause = (cause or "").strip() or None
    work_order.revisit_measures = (measures or "").strip() or None
    contact = work_order.contact
    _event(contact, EventKind.REPAIR_REVISITED, by, text=work_order.revisit_result, work_order=work_order, at=at,
           detail={"way": work_order.revisit_way.value, "satisfaction": satisfaction, "serial": work_order.serial})
    if contact.responsible is not None and contact.responsible.id != by.id:
        notifications.notify([contact.responsible], kind="reception.repair_revisited",
                             title=lambda: _("Work order %(serial)s: the customer has been revisited",
                                             serial=work_order.serial),
                             link=contact_link(contact), object_type="reception_contact", object_id=contact.id)


def link_complaint(contact: Contact, complaint_id: int, *, by: User | None, now: datetime | None = None) -> None:
    """Called by the complaints area when it registers a complaint from this contact. The timeline
    names the complaint by its serial (TS-…), as everyone knows it, not by its database id."""
    from portal.models.complaint import Complaint

    complaint = db.session.get(Complaint, complaint_id)
    contact.complaint_id = complaint_id
    _event(contact, EventKind.COMPLAINT_LINKED, by, at=now,
           detail={"complaint_id": complaint_id, "serial": complaint.serial if complaint else None})


def complaint_serials(events) -> dict[int, str]:
    """Serials of the complaints a timeline's links name without one (recorded before it was kept)."""
    from portal.models.complaint import Complaint

    ids = {e.detail["complaint_id"] for e in events if e.kind == EventKind.COMPLAINT_LINKED and e.detail
           and not e.detail.get("serial") and e.detail.get("complaint_id")}
    if not ids:
        return {}
    return dict(db.session.execute(select(Complaint.id, Complaint.serial).where(Complaint.id.in_(ids))).all())


def answer_through_complaint(contact: Contact, at: datetime, *, serial: str, by: User | None) -> None:
    """The complaint registered from this contact told the customer something (its first reply,
    a progress contact, the revisit): a contact still unanswered is answered then, so its reply
    clock, the overdue list and card, the reminders and the report's overdue figure agree with
    the complaint's (the customer was answered once, in the complaint)."""
    if contact.replied_at is not None:
        return
    at = max(at, contact.received_at)  # the complaint's times are typed in: never before the contact
    _mark_replied(contact, at)  # the first reply ever too (the response-time KPI reads it)
    _event(contact, EventKind.REPLY, by, at=at, detail={"complaint": serial})


# --- lists and checks -----------------------------------------------------------------------------

def work_orders_without_progress_today(now: datetime | None = None, *, user: User | None = None):
    """The 16:00 check (seed 003 §四): open work orders with no progress note so far today
    (Asia/Shanghai). Returns a SELECT of WorkOrder, oldest due first."""
    now = now or now_utc()
    start, end = progress_check_window(now)
    noted_today = exists().where(
        ContactEvent.work_order_id == WorkOrder.id, ContactEvent.kind == EventKind.PROGRESS,
        ContactEvent.at >= start, ContactEvent.at < end)
    stmt = select(WorkOrder).where(WorkOrder.status == WorkOrderStatus.OPEN, ~noted_today)
    if user is not None and (clause := work_order_scope(user)) is not None:
        stmt = stmt.where(clause)
    return stmt.order_by(WorkOrder.due_at, WorkOrder.id)


def overdue_clause(now: datetime):
    return and_(Contact.status != ContactStatus.CLOSED, Contact.replied_at.is_(None), Contact.reply_due_at < now)


def search_customers(q: str, limit: int = 10) -> list[Customer]:
    """Archive customers whose name, phone or room contains ``q`` (the live search)."""
    q = (q or "").strip()[:50]
    if not q:
        return []
    by_room = select(Purchase.customer_id).where(Purchase.room.contains(q, autoescape=True))
    stmt = select(Customer).where(or_(
        Customer.name.contains(q, autoescape=True),
        Customer.phone1.contains(q, autoescape=True),
        Customer.phone2.contains(q, autoescape=True),
        Customer.id.in_(by_room),
    )).order_by(Customer.name, Customer.id).limit(limit)
    return list(db.session.scalars(stmt))


def count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
