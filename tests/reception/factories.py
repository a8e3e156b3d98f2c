"""Reception test data: archive customers and contacts registered through the service."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from portal.extensions import db
from portal.models import Customer, Purchase
from portal.models.reception import Channel, ContactCategory, Urgency
from portal.services import reception
from portal.services.clock import now_utc

_seq = itertools.count(1)


def make_customer(name="张三", phone="13812345678", project=None, room="3-1-502", **extra) -> Customer:
    customer = Customer(name=name, phone1=phone, **extra)
    db.session.add(customer)
    if project is not None:
        db.session.add(Purchase(customer=customer, project=project, room=room))
    db.session.commit()
    return customer


def make_contact(by, *, received_at: datetime | None = None, commit=True, **overrides):
    n = next(_seq)
    fields = dict(
        channel=Channel.PHONE, received_at=received_at or now_utc() - timedelta(minutes=5),
        category=ContactCategory.INQUIRY, urgency=Urgency.GENERAL, content=f"来电咨询第{n}号",
        customer_name=f"客户{n}", customer_phone="13900001111",
    )
    fields.update(overrides)
    contact = reception.register_contact(reception.ContactData(**fields), by=by)
    if commit:
        db.session.commit()
    return contact
