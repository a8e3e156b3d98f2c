"""Reminders: one row per (kind, object, recipient, occurrence), delivered once.

A reminder is written in the same transaction as the business change that makes it due, or
found later by a sweep; either way the UNIQUE ``dedupe_key`` makes a second insert a no-op.
Delivery claims the row atomically (pending → claimed) and records the outcome of each
channel in ``reminder_delivery`` so a retried or recovered job never repeats a channel that
already went out. See README "Reminders" for the guarantee.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, str_enum, utcnow
from portal.models.user import User


class ReminderStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for its due time or for a worker
    CLAIMED = "claimed"  # a worker holds it (until claimed_at + lease)
    SENT = "sent"  # every channel it wanted went out (or had nothing to do)
    FAILED = "failed"  # a channel failed for good, or kept failing; the admin sees it
    CANCELLED = "cancelled"  # no longer due when its turn came (e.g. already answered)


class Reminder(db.Model):
    __tablename__ = "reminder"
    __table_args__ = (
        Index("ix_reminder_status_due", "status", "due_at"),
        Index("ix_reminder_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # Which time this is for the same object: "once", a due date, a week, a year...
    occurrence: Mapped[str] = mapped_column(String(64), default="once")
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[ReminderStatus] = mapped_column(str_enum(ReminderStatus, 16), default=ReminderStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # The RQ job currently meant to deliver it (so a sweep does not enqueue it twice).
    job_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))

    recipient: Mapped[User] = relationship()
    deliveries: Mapped[list[ReminderDelivery]] = relationship(
        back_populates="reminder", cascade="all, delete-orphan", order_by="ReminderDelivery.channel")


class ReminderDelivery(db.Model):
    """The outcome of one channel for one reminder: the idempotency key of the channel send."""

    __tablename__ = "reminder_delivery"
    __table_args__ = (UniqueConstraint("reminder_id", "channel", name="uq_reminder_delivery_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminder.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # sent | retrying | failed | skipped
    attempts: Mapped[int] = mapped_column(default=0)
    detail: Mapped[str | None] = mapped_column(String(500))
    # A group message (webhook) is sent once per kind+object+occurrence, not once per recipient.
    group_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    reminder: Mapped[Reminder] = relationship(back_populates="deliveries")


class ReminderEmailPreference(db.Model):
    """A user's choice whether one kind of reminder also reaches him by e-mail."""

    __tablename__ = "reminder_email_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[bool]


class PeriodicRun(db.Model):
    """When each periodic job (the sweep, the 16:00 work-order check) last ran: the admin's view."""

    __tablename__ = "periodic_run"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(500))
