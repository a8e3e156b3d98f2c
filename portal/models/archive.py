"""Customer archives (客户档案): customers and their purchases.

The foundation holds only what other areas link to (a customer, the rooms bought);
the archives issue extends these records with every field of DOMAIN.md §3.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.org import Project


class Customer(db.Model):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    phone1: Mapped[str | None] = mapped_column(String(20), index=True)
    phone2: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    purchases: Mapped[list[Purchase]] = relationship(back_populates="customer", order_by="Purchase.id")


class Purchase(db.Model):
    """A room a customer bought: the dates here drive the routine revisits."""

    __tablename__ = "purchase"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    building: Mapped[str | None] = mapped_column(String(30))
    room: Mapped[str] = mapped_column(String(30))
    signing_date: Mapped[date | None]
    handover_date: Mapped[date | None]

    customer: Mapped[Customer] = relationship(back_populates="purchases")
    project: Mapped[Project] = relationship()
