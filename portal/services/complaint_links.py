"""The complaints a customer made, on the customer's archive page (DOMAIN.md §3: linked material)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import Complaint
from portal.services.archive_links import LinkedItem, LinkedSection, link_provider


def _status_label(status) -> str:
    from portal.blueprints.complaints.views import _status_label as label

    return label(status)


@link_provider
def complaints_of(customer) -> list[LinkedSection]:
    rows = db.session.scalars(select(Complaint).where(Complaint.customer_id == customer.id)
                              .order_by(Complaint.received_at.desc()).limit(20)).all()
    if not rows:
        return []
    # The complaint page applies its own rules (reports, confidentiality) when opened.
    return [LinkedSection(title=str(_l("Complaints")), items=[
        LinkedItem(label=f"{c.serial} · {c.subject}", link=url_for("complaints.detail", complaint_id=c.id),
                   when=c.received_at, status=_status_label(c.status))
        for c in rows])]
