"""Customers and purchases for the revisit tests (the archives area owns the real forms)."""
from __future__ import annotations

import itertools

from portal.extensions import db
from portal.models import Customer, Purchase

_seq = itertools.count(1)


def make_customer(name: str = "王建国", phone1: str | None = "13812345678", phone2: str | None = None) -> Customer:
    customer = Customer(name=name, phone1=phone1, phone2=phone2)
    db.session.add(customer)
    db.session.flush()
    return customer


def make_purchase(project, customer=None, *, signing=None, handover=None, room: str | None = None) -> Purchase:
    purchase = Purchase(customer=customer or make_customer(), project_id=project.id, building="3号楼",
                        room=room or f"{next(_seq)}01", signing_date=signing, handover_date=handover)
    db.session.add(purchase)
    db.session.flush()
    return purchase


def complaint_id(org) -> int:
    """A real complaint row (revisit plans reference complaints by foreign key)."""
    from portal.auth.permissions import Role
    from tests import factories as f
    from tests.complaints.factories import make_complaint

    return make_complaint(org, f.make_user(org.center, Role.CENTER_STAFF)).id
