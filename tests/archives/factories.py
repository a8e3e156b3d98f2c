"""Archive test data: customers with valid-checksum ID numbers, purchases, grants."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from portal.extensions import db
from portal.models import AccessScope, AccessStatus, ArchiveAccessRequest, Customer, Purchase
from portal.models.base import utcnow

_seq = itertools.count(1)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(n: int | None = None, region: str = "110101", birthday: date | None = None) -> str:
    """A GB 11643 number with a correct check digit (ISO 7064 MOD 11-2); distinct for distinct ``n``."""
    n = next(_seq) if n is None else n
    birthday = birthday or date(1980, 1, 1) + timedelta(days=n // 1000)
    body = f"{region}{birthday:%Y%m%d}{n % 1000:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]
    return body + check


def phone(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    return f"139{n % 100000000:08d}"


def make_customer(project=None, *, room: str | None = None, commit: bool = True, **kw) -> Customer:
    n = next(_seq)
    customer = Customer(name=kw.pop("name", f"客户{n}"), phone1=kw.pop("phone1", phone(n)),
                        id_number=kw.pop("id_number", id_number(n)), **kw)
    db.session.add(customer)
    if project is not None:
        db.session.add(Purchase(customer=customer, project=project, building="1栋", room=room or f"{n}01",
                                signing_date=date(2025, 5, 1)))
    if commit:
        db.session.commit()
    return customer


def make_grant(user, *, scope=AccessScope.CUSTOMER, customer=None, project=None, year=None, days=7,
               export=False, status=AccessStatus.APPROVED, expires_at=None) -> ArchiveAccessRequest:
    now = utcnow()
    grant = ArchiveAccessRequest(
        requester_id=user.id, requester_unit_id=user.org_unit_id, reason="核实投诉人购房信息", scope=scope,
        customer_id=customer.id if customer else None, project_id=project.id if project else None,
        volume_year=year, period_days=days, wants_export=export, status=status, decided_at=now,
        expires_at=expires_at or (now + timedelta(days=days) if status == AccessStatus.APPROVED else None))
    db.session.add(grant)
    db.session.commit()
    return grant
