"""Where revisits meet the other areas (DOMAIN.md §4):

- a purchase added, corrected or deleted in the archives moves or cancels its routine plans;
- a resolved complaint gets its complaint revisit (due within 2 days of the resolution);
- completing that revisit moves the complaint to "revisited"; a revisit recorded on the
  complaint itself closes the open plan, so the rates count it;
- a customer's archive page lists the customer's revisits.

Imported by the revisits blueprint, so the web processes and the worker both register it.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import Complaint, Purchase, RevisitMethod, RevisitPlan, RevisitStatus
from portal.services.revisit_rules import RevisitKind
from portal.services import archives, complaints, revisits
from portal.services.archive_links import LinkedItem, LinkedSection, link_provider


@archives.purchase_hook
def follow_purchases(action: str, purchase_ids: list[int]) -> None:
    """A purchase entered on the form still owes the revisits of the last year; an import, or an
    edit (of an imported purchase's floor area, say), plans only windows closed within 31 days."""
    if action == "deleted":
        for purchase_id in purchase_ids:
            revisits.cancel_purchase_plans(purchase_id)
    elif len(purchase_ids) == 1:
        purchase = db.session.get(Purchase, purchase_ids[0])
        if purchase is not None:
            revisits.sync_purchase_plans(purchase, grace_days=revisits.STALE_GRACE_DAYS_ONE_PURCHASE
                                         if action == "added" else revisits.STALE_GRACE_DAYS)
    else:  # an import: one query and one INSERT per chunk of purchases
        revisits.sync_purchase_plans_bulk(purchase_ids)


@complaints.on_transition("resolve")
def plan_complaint_revisit(complaint: Complaint, by) -> None:
    revisits.sync_complaint_plan(complaint.id, complaint.customer_id, complaint.project_id, complaint.resolved_at,
                                 contact_name=complaint.complainant_name, contact_phone=complaint.complainant_phone)


@complaints.on_transition("accept_filing")
def plan_revisit_of_filed_complaint(complaint: Complaint, by) -> None:
    """A complaint a branch handled and filed is resolved too, and every resolved complaint gets
    its revisit (DOMAIN.md §4, 客户投诉回访率100%). The center learns of the resolution when it
    accepts the record, so the two days run from the acceptance, not from the closing date the
    branch reports (up to two working days earlier, which would make it overdue on arrival)."""
    revisits.sync_complaint_plan(complaint.id, complaint.customer_id, complaint.project_id,
                                 complaint.filing_reviewed_at, contact_name=complaint.complainant_name,
                                 contact_phone=complaint.complainant_phone)


def _record_on_complaint(complaint: Complaint, *, summary: str, satisfaction: int, by, at=None,
                         method: str | None = None) -> None:
    # Completing the plan calls back here; a complaint already revisited (the revisit was
    # recorded on the complaint page) is left as it is.
    if complaint.status.value == "resolved":
        complaints.record_revisit(complaint, summary, satisfaction, by, now=at, method=method)


revisits.link_complaints(lambda cid: db.session.get(Complaint, cid), _record_on_complaint)


@complaints.on_transition("revisit")
def close_plan_of_complaint(complaint: Complaint, by) -> None:
    plan = db.session.scalar(select(RevisitPlan).where(
        RevisitPlan.kind == RevisitKind.COMPLAINT, RevisitPlan.complaint_id == complaint.id,
        RevisitPlan.status == RevisitStatus.OPEN).order_by(RevisitPlan.id.desc()))
    if plan is None:
        return
    method = RevisitMethod(complaint.revisit_method) if complaint.revisit_method else RevisitMethod.PHONE
    revisits.complete_revisit(plan, by=by, method=method, at=complaint.revisited_at,
                              answers=[], satisfaction=complaint.revisit_satisfaction,
                              summary=complaint.revisit_summary)


@link_provider
def revisits_of(customer, user) -> list[LinkedSection]:
    # Revisits are the center's work (their pages are the center's): a grant holder sees none,
    # and nobody sees the revisit of a complaint about himself.
    if not user.is_center_member:
        return []
    stmt = select(RevisitPlan).where(RevisitPlan.customer_id == customer.id,
                                     or_(RevisitPlan.complaint_id.is_(None), ~revisits.about_user_clause(user.id)))
    plans = db.session.scalars(stmt.order_by(RevisitPlan.due.desc()).limit(20)).all()
    if not plans:
        return []
    return [LinkedSection(title=str(_l("Revisits")), items=[
        LinkedItem(label=f"{revisits.KIND_LABELS[p.kind]} · {p.due.isoformat()}",
                   link=url_for("revisits.detail", plan_id=p.id), status=str(revisits.STATUS_LABELS[p.status]))
        for p in plans])]
