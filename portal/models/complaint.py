"""Complaints (客户投诉, DOMAIN.md §2): the complaint handling form (投诉处理单), the *matter*
several complaints share, the timeline, the log of contacts with the customer, reports to and
comments from leaders, and work contact forms (工作联系单) to departments.

The rules (severity, clocks, permitted transitions, confidentiality) live in
``portal/services/severity.py`` and ``portal/services/complaints*.py``; the models only hold facts.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, str_enum, utcnow
from portal.models.org import OrgUnit, Project
from portal.models.settings import ComplaintCategory
from portal.models.shared import Channel  # noqa: F401  (re-exported: one list for both areas)
from portal.models.user import User


class Severity(str, enum.Enum):
    MAJOR = "major"  # 重大
    IMPORTANT = "important"  # 重要
    GENERAL = "general"  # 一般


SEVERITY_RANK = {Severity.GENERAL: 0, Severity.IMPORTANT: 1, Severity.MAJOR: 2}


class ComplaintStatus(str, enum.Enum):
    """Seed 002 §4.2. Classification happens at registration (a category is required) and
    escalation is a recorded step (reports to leaders), so neither is a status of its own."""

    RECEIVED = "received"  # 接收
    IN_HANDLING = "in_handling"  # 初步处理 / 处理中
    RESOLVED = "resolved"  # 解决
    REVISITED = "revisited"  # 跟进反馈 (回访)
    ARCHIVED = "archived"  # 归档


OPEN_STATUSES = (ComplaintStatus.RECEIVED, ComplaintStatus.IN_HANDLING)


class FilingStatus(str, enum.Enum):
    """Branch filing (备案) of a complaint a branch or department handled itself."""

    DRAFT = "draft"  # registered, not yet submitted to the center
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"  # the center sent it back for correction


class ContactWay(str, enum.Enum):
    PHONE = "phone"
    VISIT = "visit"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    WECHAT = "wechat"
    OTHER = "other"


class Matter(db.Model):
    """相同投诉: the complaints about one matter (same project + category + subject)."""

    __tablename__ = "complaint_matter"
    __table_args__ = (Index("ix_complaint_matter_lookup", "project_id", "category_id", "last_complaint_at"),
                      Index("ix_complaint_matter_subject", "project_id", "category_id", "subject"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("complaint_category.id"))
    subject: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_complaint_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when every complaint of the matter is archived; a new complaint opens it again.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    project: Mapped[Project] = relationship()
    category: Mapped[ComplaintCategory] = relationship()
    complaints: Mapped[list[Complaint]] = relationship(back_populates="matter", order_by="Complaint.received_at")


class Complaint(db.Model):
    """One complaint: the 投诉处理单."""

    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_received", "received_at", "id"),
        Index("ix_complaint_status_severity", "status", "severity"),
        Index("ix_complaint_first_reply", "first_replied_at", "first_reply_due_at"),
        Index("ix_complaint_filing", "filed_by_unit_id", "filing_status", "filing_due_at"),
        # migration 0010_bench_indexes (bench/HISTORY.md)
        Index("ix_complaint_reopened_from_id", "reopened_from_id"),
        Index("ix_complaint_project_received", "project_id", "received_at", "id"),
        Index("ix_complaint_severity_received", "severity", "received_at", "id"),
        # migration 0012_home_indexes: the home page's counts (bench/HISTORY.md), read from the
        # index alone with the confidentiality scope's two columns
        Index("ix_complaint_unreported", "severity", "reported_to_leaders_at",
              postgresql_include=["is_report", "complained_staff_id"]),
        Index("ix_complaint_open_progress", "status", "next_progress_due_at",
              postgresql_include=["is_report", "complained_staff_id"]),
        # migration 0022_revisits_reports: the reports to a leader still owed (the reminder sweep's)
        Index("ix_complaint_leader_report_owed", "leader_report_due_at",
              postgresql_where=text("reported_to_leaders_at IS NULL AND leader_report_due_at IS NOT NULL"),
              sqlite_where=text("reported_to_leaders_at IS NULL AND leader_report_due_at IS NOT NULL")),
        # migration 0024_leader_report_due_index: the monthly report's "not reported to a leader
        # within 1 working day", owed or reported late, by due time (the due time stays on reporting)
        Index("ix_complaint_leader_report_due", "leader_report_due_at",
              postgresql_include=["reported_to_leaders_at", "severity", "project_id"],
              postgresql_where=text("leader_report_due_at IS NOT NULL"),
              sqlite_where=text("leader_report_due_at IS NOT NULL")),
        # migration 0023_report_filing_index: the monthly report's "branch records filed late",
        # by due time, from the index alone (the branch-filed complaints only)
        Index("ix_complaint_filing_due", "filing_due_at",
              postgresql_include=["filing_status", "filing_submitted_at", "project_id"],
              postgresql_where=text("filed_by_unit_id IS NOT NULL"), sqlite_where=text("filed_by_unit_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 16))
    # the complainant: a linked archive customer, else name + phone
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    complainant_name: Mapped[str] = mapped_column(String(100))
    complainant_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    room: Mapped[str | None] = mapped_column(String(30))
    category_id: Mapped[int] = mapped_column(ForeignKey("complaint_category.id"), index=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("complaint_matter.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    # the facts the severity is computed from
    people_count: Mapped[int] = mapped_column(default=1)
    lawsuit_filed: Mapped[bool] = mapped_column(default=False)
    media_exposed: Mapped[bool] = mapped_column(default=False)
    is_second_complaint: Mapped[bool] = mapped_column(default=False)
    # distinct complainants of the matter within 30 days, as last established for this complaint
    matter_complainants: Mapped[int] = mapped_column(default=1)
    is_report: Mapped[bool] = mapped_column(default=False)  # 举报: center and group leaders only
    # the staff member complained about, if any: never sees who complained
    complained_staff_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # severity: the effective value; the rule's own answer; a manager's override
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, 16), default=Severity.GENERAL)
    severity_reason: Mapped[str] = mapped_column(String(300), default="")
    rule_severity: Mapped[Severity] = mapped_column(str_enum(Severity, 16), default=Severity.GENERAL)
    rule_severity_reason: Mapped[str] = mapped_column(String(300), default="")
    severity_override: Mapped[Severity | None] = mapped_column(str_enum(Severity, 16))
    severity_override_reason: Mapped[str | None] = mapped_column(String(500))
    severity_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    severity_override_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # what the rules said when the manager overrode (migration 0018): only graver facts than
    # those he judged lift his override
    severity_override_rule: Mapped[Severity | None] = mapped_column(str_enum(Severity, 16))
    # and every reason the facts gave then, of every level (migration 0021): a reason he had not
    # seen (a lawsuit after "twelve people are one family") lifts it even at the same level
    severity_override_reasons: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[ComplaintStatus] = mapped_column(str_enum(ComplaintStatus, 16), default=ComplaintStatus.RECEIVED)
    # handling
    responsible_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    plan: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    cause_analysis: Mapped[str | None] = mapped_column(Text)
    corrective_measures: Mapped[str | None] = mapped_column(Text)
    preventive_measures: Mapped[str | None] = mapped_column(Text)
    revisit_summary: Mapped[str | None] = mapped_column(Text)
    revisit_satisfaction: Mapped[int | None]
    # how the revisit was made (the revisits area's RevisitMethod value: phone, visit, sms, survey)
    revisit_method: Mapped[str | None] = mapped_column(String(16))
    revisited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # clocks
    first_reply_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_progress_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    leader_report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_to_leaders_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_from_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    # branch filing (备案) and forwarding
    filed_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    forwarded_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    handled_closed_on: Mapped[date | None]
    filing_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    filing_status: Mapped[FilingStatus | None] = mapped_column(str_enum(FilingStatus, 16))
    filing_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    filing_return_reason: Mapped[str | None] = mapped_column(String(500))
    filing_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    filing_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The reception record it came from. A plain integer for now: the reception area is built
    # in parallel and the foreign key to its table is added when both are merged.
    source_contact_id: Mapped[int | None] = mapped_column(ForeignKey("reception_contact.id", ondelete="SET NULL"),
                                                          index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship()
    category: Mapped[ComplaintCategory] = relationship()
    matter: Mapped[Matter] = relationship(back_populates="complaints")
    responsible_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[responsible_unit_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    filed_by_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[filed_by_unit_id])
    forwarded_by_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[forwarded_by_unit_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    reopened_from: Mapped[Complaint | None] = relationship(remote_side=[id])
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan")
    contacts: Mapped[list[CustomerContact]] = relationship(
        back_populates="complaint", order_by="CustomerContact.contacted_at", cascade="all, delete-orphan")
    leader_reports: Mapped[list[LeaderReport]] = relationship(
        back_populates="complaint", order_by="LeaderReport.id", cascade="all, delete-orphan")
    leader_comments: Mapped[list[LeaderComment]] = relationship(
        back_populates="complaint", order_by="LeaderComment.id", cascade="all, delete-orphan")
    contact_forms: Mapped[list[WorkContactForm]] = relationship(
        back_populates="complaint", order_by="WorkContactForm.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Complaint {self.serial} {self.status.value} {self.severity.value}>"

    @hybrid_property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        """The same in SQL: the register reads it as a column of its plain rows."""
        return cls.status.in_(OPEN_STATUSES)


class ComplaintEvent(db.Model):
    """One line of the complaint's timeline (severity changes, reports, contacts, transitions…)."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict | None] = mapped_column(JSON)

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    by: Mapped[User | None] = relationship()


class CustomerContact(db.Model):
    """A contact with the complainant (reply, progress, result): time, way, content."""

    __tablename__ = "complaint_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    way: Mapped[ContactWay] = mapped_column(str_enum(ContactWay, 16))
    content: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="contacts")
    by: Mapped[User | None] = relationship()


class LeaderReport(db.Model):
    """A report of the complaint to one leader (automatic for major, by staff for important).
    ``commented_at`` is set when that leader answers, so "comments awaited" is one query."""

    __tablename__ = "complaint_leader_report"
    __table_args__ = (Index("ix_complaint_leader_report_waiting", "leader_id", "commented_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, 16))
    automatic: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    commented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    complaint: Mapped[Complaint] = relationship(back_populates="leader_reports")
    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])


class LeaderComment(db.Model):
    """A leader's comment or instruction (批示) on a complaint."""

    __tablename__ = "complaint_leader_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_instruction: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)

    complaint: Mapped[Complaint] = relationship(back_populates="leader_comments")
    leader: Mapped[User] = relationship()


class WorkContactForm(db.Model):
    """工作联系单: an improvement proposal to a department after closing, and its answer.
    The department sees the matter (project, category, subject, cause), never the complainant."""

    __tablename__ = "complaint_contact_form"
    __table_args__ = (Index("ix_complaint_contact_form_unit", "to_unit_id", "replied_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    proposal: Mapped[str] = mapped_column(Text)
    reply_due_on: Mapped[date | None]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    complaint: Mapped[Complaint] = relationship(back_populates="contact_forms")
    to_unit: Mapped[OrgUnit] = relationship()
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])
