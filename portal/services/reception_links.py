"""A customer's reception contacts, on the customer's archive page (DOMAIN.md §3: linked material)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models.reception import Contact
from portal.services import reception
from portal.services.archive_links import LinkedItem, LinkedSection, link_provider
from portal.services.reception_labels import STATUS_LABELS


@link_provider
def contacts_of(customer, user) -> list[LinkedSection]:
    # Reception's own scope: under an archive grant a branch user sees his unit's contacts only.
    stmt = select(Contact).where(Contact.customer_id == customer.id)
    scope = reception.contact_scope(user)
    if scope is not None:
        stmt = stmt.where(scope)
    # and never a complaint contact whose customer the contact's own page hides from him
    # (reception.shows_person): on the customer's archive page it would tell who complained
    rows = [c for c in db.session.scalars(stmt.order_by(Contact.received_at.desc()).limit(20))
            if reception.may_see_person(user, c)]
    if not rows:
        return []
    return [LinkedSection(title=str(_l("Reception contacts")), items=[
        LinkedItem(label=f"{c.serial} · {reception.category_label(c.category)}", link=reception.contact_link(c),
                   when=c.received_at, status=str(STATUS_LABELS[c.status]))
        for c in rows])]
