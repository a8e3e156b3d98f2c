"""Revisits (客户回访): the plans generated from archive dates and complaints, the attempts to
reach the customer, the result, the scripts (统一说辞) and the follow-up of problems raised.

A plan is unique by ``plan_key`` (e.g. ``handover_1m:purchase:12``,
``old_customer:customer:7:2026``, ``complaint:45:1790000000``), so generating plans is an
``INSERT … ON CONFLICT DO NOTHING`` that can run any number of times.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.archive import Customer, Purchase
from portal.models.base import UTCDateTime, str_enum, utcnow
from portal.models.org import Project
from portal.models.user import User
from portal.services.revisit_rules import RevisitKind, Window


class RevisitStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class RevisitMethod(str, enum.Enum):
    PHONE = "phone"  # 电话
    VISIT = "visit"  # 上门
    SMS = "sms"  # 短信
    SURVEY = "survey"  # 问卷


class CancelReason(str, enum.Enum):
    PURCHASE_DELETED = "purchase_deleted"
    DATE_REMOVED = "date_removed"  # the signing/handover date was cleared
    SUPERSEDED = "superseded"  # a complaint resolved again gets a new revisit


class FollowUpStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"


class RevisitPlan(db.Model):
    __tablename__ = "revisit_plan"
    __table_args__ = (
        Index("ix_revisit_plan_status_due", "status", "due"),
        Index("ix_revisit_plan_assignee_status_due", "assignee_id", "status", "due"),
        Index("ix_revisit_plan_project_due", "project_id", "due"),
        # the revisit rates of a month (plans due in it, by kind, status, on time): index-only
        Index("ix_revisit_plan_due_tally", "due", "kind", "status", "on_time"),
        CheckConstraint("satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5)", name="satisfaction_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[RevisitKind] = mapped_column(str_enum(RevisitKind, 20), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchase.id", ondelete="SET NULL"), index=True)
    # The complaints table is another area's; the id is kept without a foreign key.
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id", ondelete="SET NULL"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    # A complainant not in the archive: who to call (the phone is shown masked like any other).
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(20))

    window_start: Mapped[date]
    due: Mapped[date]  # the last local date of the window
    status: Mapped[RevisitStatus] = mapped_column(str_enum(RevisitStatus, 16), default=RevisitStatus.OPEN)
    cancel_reason: Mapped[CancelReason | None] = mapped_column(str_enum(CancelReason, 20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    attempts: Mapped[int] = mapped_column(default=0)  # tries that did not reach the customer
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    # the record of the revisit, once done
    method: Mapped[RevisitMethod | None] = mapped_column(str_enum(RevisitMethod, 16))
    revisited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    on_time: Mapped[bool | None]  # done within the window (kept for the rates)
    answers: Mapped[list | None] = mapped_column(JSON)  # [{"question": …, "answer": …}], the script as asked
    satisfaction: Mapped[int | None]
    summary: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(Text)
    problem_reply: Mapped[str | None] = mapped_column(Text)  # answered on the spot

    customer: Mapped[Customer | None] = relationship()
    purchase: Mapped[Purchase | None] = relationship()
    project: Mapped[Project | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
    attempt_rows: Mapped[list[RevisitAttempt]] = relationship(
        back_populates="plan", order_by="RevisitAttempt.at", cascade="all, delete-orphan")
    follow_ups: Mapped[list[RevisitFollowUp]] = relationship(
        back_populates="plan", order_by="RevisitFollowUp.id", cascade="all, delete-orphan")

    @property
    def window(self) -> Window:
        return Window(self.window_start, self.due)

    @property
    def person_name(self) -> str:
        if self.customer is not None:
            return self.customer.name
        return self.contact_name or ""

    @property
    def phones(self) -> list[str]:
        if self.customer is not None:
            return [p for p in (self.customer.phone1, self.customer.phone2) if p]
        return [self.contact_phone] if self.contact_phone else []


class RevisitAttempt(db.Model):
    """One try to revisit: "customer unreachable" (the plan stays open) or the completed revisit."""

    __tablename__ = "revisit_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("revisit_plan.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    method: Mapped[RevisitMethod] = mapped_column(str_enum(RevisitMethod, 16))
    reached: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(String(500))

    plan: Mapped[RevisitPlan] = relationship(back_populates="attempt_rows")
    by: Mapped[User | None] = relationship()


class RevisitFollowUp(db.Model):
    """A problem raised in a revisit that could not be answered on the spot: the customer was
    promised a reply by ``promised_at``; the owner follows it until it is done (seed 000 §6)."""

    __tablename__ = "revisit_follow_up"
    __table_args__ = (Index("ix_revisit_follow_up_owner_status", "owner_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("revisit_plan.id", ondelete="CASCADE"), index=True)
    problem: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    promised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[FollowUpStatus] = mapped_column(str_enum(FollowUpStatus, 16), default=FollowUpStatus.OPEN)
    reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    plan: Mapped[RevisitPlan] = relationship(back_populates="follow_ups")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])


class RevisitScript(db.Model):
    """The unified script (统一说辞) of one kind of revisit: an opening and the questions.
    Without a row the built-in default of ``portal.services.revisits.DEFAULT_SCRIPTS`` applies."""

    __tablename__ = "revisit_script"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RevisitKind] = mapped_column(str_enum(RevisitKind, 20), unique=True)
    opening: Mapped[str] = mapped_column(Text)
    questions: Mapped[list] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
