"""Reception (来电、来访、来函): the register of customer contacts, the work orders (派工单)
they are dispatched as, and the timeline of everything that happened to them.

Seed 003 (客户来电、来访、来函处理作业规定, 接待记录本, 派工单) and DOMAIN.md §1.
The rules (reply deadlines, repeat repairs, the 16:00 check) live in
``portal/services/reception.py``; these classes only hold the data.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.archive import Customer
from portal.models.base import UTCDateTime, str_enum, utcnow
from portal.models.org import OrgUnit, Project
from portal.models.shared import Channel  # noqa: F401  (re-exported: one list for both areas)
from portal.models.user import User


class ContactCategory(str, enum.Enum):
    INQUIRY = "inquiry"  # 咨询
    REPAIR = "repair"  # 报修
    COMPLAINT = "complaint"  # 投诉
    SUGGESTION = "suggestion"  # 建议
    PRAISE = "praise"  # 表扬
    OTHER = "other"  # 其他


class Urgency(str, enum.Enum):
    GENERAL = "general"  # 一般: reply within 24 hours
    IMPORTANT = "important"  # 重要: reply the same day
    EMERGENCY = "emergency"  # 紧急: at once


class ContactStatus(str, enum.Enum):
    OPEN = "open"  # 处理中
    DISPATCHED = "dispatched"  # 已派工
    CLOSED = "closed"  # 已办结


# Every status but closed, spelled out: ``status IN (…)`` can seek (responsible_id, status),
# ``status != 'closed'`` reads every contact the person ever had.
OPEN_CONTACT_STATUSES = tuple(s for s in ContactStatus if s != ContactStatus.CLOSED)


class ReplyMethod(str, enum.Enum):
    PHONE = "phone"
    SMS = "sms"
    IN_PERSON = "in_person"
    LETTER = "letter"
    EMAIL = "email"


class WorkOrderStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"


class RepairKind(str, enum.Enum):
    ORDINARY = "ordinary"  # 一般维修: phone revisit
    MAJOR = "major"  # 大型维修: on-site revisit


class RepairRevisitWay(str, enum.Enum):
    """How a finished repair's customer was revisited (seed 003 §五)."""
    PHONE = "phone"  # 电话回访: enough for an ordinary repair
    ON_SITE = "on_site"  # 上门回访: required after a major repair


class RepairType(str, enum.Enum):
    """What was repaired: "the same repair" twice in a room within 30 days is the same type."""

    WATER_LEAK = "water_leak"
    PLUMBING = "plumbing"
    ELECTRICAL = "electrical"
    DOORS_WINDOWS = "doors_windows"
    WALLS_FLOORS = "walls_floors"
    HEATING = "heating"
    FIXTURES = "fixtures"
    PUBLIC_AREA = "public_area"
    OTHER = "other"


class EventKind(str, enum.Enum):
    CREATED = "created"
    REASSIGNED = "reassigned"
    DISPATCHED = "dispatched"
    PROGRESS = "progress"
    WORK_DONE = "work_done"
    REPLY = "reply"
    CLOSED = "closed"
    REOPENED = "reopened"
    COMPLAINT_LINKED = "complaint_linked"
    REPEAT_FLAGGED = "repeat_flagged"
    REPAIR_REVISITED = "repair_revisited"


class Contact(db.Model):
    """One call, visit or letter (接待记录本 row)."""

    __tablename__ = "reception_contact"
    __table_args__ = (
        Index("ix_reception_contact_received", "received_at", "id"),
        Index("ix_reception_contact_status_due", "status", "reply_due_at"),
        Index("ix_reception_contact_responsible_status", "responsible_id", "status"),
        Index("ix_reception_contact_project_room", "project_id", "room"),
        # migration 0012_home_indexes: replies overdue, per responsible person and in all; only
        # the few unreplied contacts are in it
        Index("ix_reception_contact_unreplied", "responsible_id", "reply_due_at", postgresql_include=["status"],
              postgresql_where=text("replied_at IS NULL"), sqlite_where=text("replied_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 16), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A linked archive record, or None for an unknown caller (name + phone typed in).
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    customer_name: Mapped[str] = mapped_column(String(100))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    room: Mapped[str | None] = mapped_column(String(30))
    category: Mapped[ContactCategory] = mapped_column(str_enum(ContactCategory, 16), index=True)
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency, 16), index=True)
    content: Mapped[str] = mapped_column(Text)
    # 首问负责: the receiving staff member stays responsible until it is closed.
    responsible_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The department or branch that handles it (notified at once for emergencies).
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    status: Mapped[ContactStatus] = mapped_column(str_enum(ContactStatus, 16), default=ContactStatus.OPEN)
    reply_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The reply that meets the current deadline (cleared on reopening: a new reply is owed) …
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # … and the first reply the customer ever had, kept on reopening: the response-time KPI
    # (report_figures.inquiry_reply_time) measures from receipt to it (migration 0020).
    first_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_content: Mapped[str | None] = mapped_column(Text)
    reply_method: Mapped[ReplyMethod | None] = mapped_column(str_enum(ReplyMethod, 16))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    # Visits
    visitor_count: Mapped[int | None] = mapped_column(Integer)
    identity_checked: Mapped[bool | None]
    # Letters
    letter_sender: Mapped[str | None] = mapped_column(String(100))
    letter_date: Mapped[date | None]
    # Praise: who was praised, and the department to tell
    praised_name: Mapped[str | None] = mapped_column(String(100))
    praised_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    # The complaint this contact became. A plain integer for now: the complaints area is
    # built in parallel and the foreign key is added when both are merged.
    # The complaint registered from this contact. use_alter: complaint and contact point at each other.
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint.id", ondelete="SET NULL", use_alter=True), index=True)

    customer: Mapped[Customer | None] = relationship()
    project: Mapped[Project | None] = relationship()
    responsible: Mapped[User] = relationship(foreign_keys=[responsible_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    handling_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[handling_unit_id])
    praised_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[praised_unit_id])
    work_orders: Mapped[list[WorkOrder]] = relationship(back_populates="contact", order_by="WorkOrder.id")
    events: Mapped[list[ContactEvent]] = relationship(
        back_populates="contact", order_by=lambda: (ContactEvent.at, ContactEvent.id))

    def __repr__(self) -> str:
        return f"<Contact {self.serial}>"

    @hybrid_property
    def is_closed(self) -> bool:
        return self.status == ContactStatus.CLOSED

    @is_closed.inplace.expression
    @classmethod
    def _is_closed_expression(cls):
        """The same in SQL: the register reads it as a column of its plain rows."""
        return cls.status == ContactStatus.CLOSED


class WorkOrder(db.Model):
    """A 派工单: the contact sent to a department or branch with instructions and a due time."""

    __tablename__ = "work_order"
    __table_args__ = (
        Index("ix_work_order_unit_status", "unit_id", "status"),
        Index("ix_work_order_dispatched", "dispatched_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("reception_contact.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    instructions: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[WorkOrderStatus] = mapped_column(str_enum(WorkOrderStatus, 16), default=WorkOrderStatus.OPEN,
                                                    index=True)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    result: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Repairs: what was repaired (for the 30-day repeat rule) and how big the repair was.
    repair_type: Mapped[RepairType | None] = mapped_column(str_enum(RepairType, 20))
    repair_kind: Mapped[RepairKind | None] = mapped_column(str_enum(RepairKind, 16))
    # The same room's same repair within 30 days: the responsible leader revisits in person.
    repeat_repair: Mapped[bool] = mapped_column(default=False, index=True)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    # The revisit after the repair (seed 003 §五, migration 0017): by phone after an ordinary repair,
    # on site after a major one, by the responsible leader in person after a repeat, who also
    # records its cause and the measures taken.
    revisit_way: Mapped[RepairRevisitWay | None] = mapped_column(str_enum(RepairRevisitWay, 16))
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revisited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revisit_result: Mapped[str | None] = mapped_column(Text)
    revisit_satisfaction: Mapped[int | None] = mapped_column(Integer)
    revisit_cause: Mapped[str | None] = mapped_column(Text)
    revisit_measures: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact] = relationship(back_populates="work_orders")
    unit: Mapped[OrgUnit] = relationship()
    dispatched_by: Mapped[User] = relationship(foreign_keys=[dispatched_by_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    revisited_by: Mapped[User | None] = relationship(foreign_keys=[revisited_by_id])
    repeat_of: Mapped[WorkOrder | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<WorkOrder {self.serial}>"

    @property
    def is_open(self) -> bool:
        return self.status == WorkOrderStatus.OPEN


class ContactEvent(db.Model):
    """The timeline: every change to a contact or its work orders, with who and when."""

    __tablename__ = "reception_event"
    __table_args__ = (
        Index("ix_reception_event_work_order", "work_order_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("reception_contact.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str | None] = mapped_column(Text)
    # Small structured facts for display (names of the old/new responsible person, the unit…).
    # Never phones or ID numbers.
    detail: Mapped[dict | None] = mapped_column(JSON)

    contact: Mapped[Contact] = relationship(back_populates="events")
    work_order: Mapped[WorkOrder | None] = relationship()
    user: Mapped[User | None] = relationship()
