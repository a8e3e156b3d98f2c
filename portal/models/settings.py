"""Administrator-edited reference data: complaint categories, calendar overrides, settings."""
from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class ComplaintCategory(db.Model):
    """投诉类别. Seed 000's five by default; administrators add, rename and retire them."""

    __tablename__ = "complaint_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(String(300))
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class CalendarOverride(db.Model):
    """An administrator's word on one date: a working day or a day off, whatever the calendar says."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_working_day: Mapped[bool]
    note: Mapped[str | None] = mapped_column(String(200))


class Setting(db.Model):
    """A portal-wide setting an administrator may change at run time (key → text value)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
