"""The complaints a customer made, on the customer's archive page (DOMAIN.md §3: linked material)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import Complaint
from portal.services.archive_links import LinkedItem, LinkedSection, link_provider
from portal.services.complaint_rules import can_see_complainant, viewer_for
from portal.services.complaints import not_about, scope_filter


def _status_label(status) -> str:
    from portal.blueprints.complaints.views import _status_label as label

    return label(status)


@link_provider
def complaints_of(customer, user) -> list[LinkedSection]:
    # The complaints area's own scope: a branch user reading the customer under a grant must not
    # learn the serial and subject of a report (举报) about him, or another branch's complaint.
    # And never a complaint about the reader himself: on the complainant's archive page it would
    # tell him who complained, which the complaint's own page hides from him.
    # Nor, to a unit that is only responsible, any complaint of his: the complaint's page hides the
    # complainant from that unit (can_see_complainant), and this page is the complainant's.
    viewer = viewer_for(user)
    stmt = scope_filter(select(Complaint).where(Complaint.customer_id == customer.id), viewer)
    stmt = stmt.where(not_about(user.id))
    rows = [c for c in db.session.scalars(stmt.order_by(Complaint.received_at.desc()).limit(20))
            if can_see_complainant(viewer, c)]
    if not rows:
        return []
    return [LinkedSection(title=str(_l("Complaints")), items=[
        LinkedItem(label=f"{c.serial} · {c.subject}", link=url_for("complaints.detail", complaint_id=c.id),
                   when=c.received_at, status=_status_label(c.status))
        for c in rows])]
