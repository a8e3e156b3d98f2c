"""Home-page cards for reception: the contacts a center member is responsible for and the
replies overdue; for department and branch staff, their unit's open work orders."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.auth.permissions import Perm
from portal.extensions import db
from portal.models.reception import OPEN_CONTACT_STATUSES, Contact, WorkOrder, WorkOrderStatus
from portal.services import reception
from portal.services.clock import now_utc
from portal.services.pending import PendingItem, provider


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


@provider
def reception_pending(user) -> list[PendingItem]:
    items: list[PendingItem] = []
    now = now_utc()
    if user.is_center_member and user.can(Perm.RECEPTION_WRITE):
        mine = select(func.count()).select_from(Contact).where(
            Contact.responsible_id == user.id, Contact.status.in_(OPEN_CONTACT_STATUSES))
        items.append(PendingItem(_("My open contacts"), _count(mine),
                                 f"/reception/?responsible={user.id}&status=active"))
        overdue = mine.where(reception.overdue_clause(now))
        items.append(PendingItem(_("My replies overdue"), _count(overdue),
                                 f"/reception/?responsible={user.id}&overdue=y", urgent=True))
        if user.can(Perm.RECEPTION_ASSIGN):
            all_overdue = select(func.count()).select_from(Contact).where(reception.overdue_clause(now))
            items.append(PendingItem(_("Replies overdue (all staff)"), _count(all_overdue),
                                     "/reception/?overdue=y", urgent=True))
    elif user.can(Perm.WORKORDER_READ) and not reception.sees_all(user):
        scope = reception.work_order_scope(user)
        open_orders = select(func.count()).select_from(WorkOrder).where(
            WorkOrder.status == WorkOrderStatus.OPEN, scope)
        items.append(PendingItem(_("Open work orders of my unit"), _count(open_orders),
                                 "/reception/work-orders?status=open"))
        no_note = select(func.count()).select_from(
            reception.work_orders_without_progress_today(now, user=user).order_by(None).subquery())
        items.append(PendingItem(_("Work orders without progress today"), _count(no_note),
                                 "/reception/work-orders/check", urgent=True))
    return items
