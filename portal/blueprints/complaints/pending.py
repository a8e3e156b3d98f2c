"""The complaints' cards on the home page ("my work")."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.auth.permissions import Perm
from portal.extensions import db
from portal.models.complaint import Complaint, FilingStatus, LeaderReport, WorkContactForm
from portal.services import complaints as svc
from portal.services.clock import now_utc
from portal.services.complaint_rules import viewer_for
from portal.services.pending import PendingItem, provider


def _count(viewer, *where) -> int:
    stmt = svc.scope_filter(select(func.count()).select_from(Complaint).where(*where), viewer)
    return db.session.scalar(stmt) or 0


@provider
def complaint_work(user) -> list[PendingItem]:
    now = now_utc()
    viewer = viewer_for(user)
    items: list[PendingItem] = []
    if user.can(Perm.COMPLAINT_WRITE):
        items += [
            PendingItem(_("Complaints: first reply overdue"), _count(viewer, svc.overdue_first_reply_clause(now)),
                        url_for("complaints.index", due="first_reply_overdue"), urgent=True),
            PendingItem(_("Complaints: first reply due within 12 hours"),
                        _count(viewer, svc.first_reply_due_soon_clause(now)),
                        url_for("complaints.index", due="first_reply_soon")),
            PendingItem(_("Complaints: progress contact due today"), _count(viewer, svc.progress_due_clause(now)),
                        url_for("complaints.index", due="progress")),
            PendingItem(_("Important complaints not yet reported to a leader"),
                        _count(viewer, svc.unreported_important_clause()),
                        url_for("complaints.index", due="unreported"), urgent=True),
        ]
    if user.can(Perm.COMPLAINT_ACCEPT_FILING):
        items.append(PendingItem(_("Branch complaint records to review"),
                                 _count(viewer, Complaint.filing_status == FilingStatus.SUBMITTED),
                                 url_for("complaints.index", filing="submitted")))
    if user.can(Perm.COMPLAINT_COMMENT):
        waiting = db.session.scalar(select(func.count(func.distinct(LeaderReport.complaint_id))).where(
            LeaderReport.leader_id == user.id, LeaderReport.commented_at.is_(None))) or 0
        items.append(PendingItem(_("Complaints reported to you, awaiting your comment"), waiting,
                                 url_for("complaints.index", due="awaiting_me")))
    if user.can(Perm.COMPLAINT_FILE) and not user.is_center_member:
        unit_id = viewer.unit_id
        items.append(PendingItem(
            _("Complaint records to submit to the center"),
            _count(viewer, Complaint.filed_by_unit_id == unit_id,
                   Complaint.filing_status.in_([FilingStatus.DRAFT, FilingStatus.RETURNED])),
            url_for("complaints.index", filing="to_submit"),
            urgent=bool(_count(viewer, Complaint.filed_by_unit_id == unit_id, svc.filing_overdue_clause(now)))))
    answering_unit = svc.contact_form_unit(user)  # its staff and its leader, who are told of each form
    if answering_unit is not None:
        forms = db.session.scalar(select(func.count()).select_from(WorkContactForm).where(
            WorkContactForm.to_unit_id == answering_unit, WorkContactForm.replied_at.is_(None))) or 0
        items.append(PendingItem(_("Work contact forms awaiting your answer"), forms,
                                 url_for("complaints.contact_forms")))
    return items
