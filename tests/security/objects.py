"""Objects of the demo data (plus a few the demo lacks: attachments of every kind, a work contact
form, another unit's access request, an import) and, for a given user, the ones that belong to
ANOTHER unit or another person — with the text that identifies each (serial, name, reason).

"Foreign" is decided from the data itself (which unit filed, forwarded, handles, was dispatched,
was addressed; who requested; whose notification), never by calling the portal's own scope
functions, so the IDOR test checks the portal against an independent statement of the rule."""
from __future__ import annotations

from datetime import date
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.models import (
    AccessScope, ArchiveAccessRequest, ArchiveImport, Attachment, Customer, ImportSource, Notification, OrgUnit,
    Purchase, QualityBasis, User,
)
from portal.models.complaint import Complaint, ComplaintStatus, WorkContactForm
from portal.models.reception import Contact, WorkOrder
from portal.models.revisit import RevisitFollowUp, RevisitPlan
from portal.services import archive_access, attachments
from portal.services import complaints as complaint_svc
from portal.services.reception import ATTACHMENT_OWNER as SCAN_OWNER

PDF_MARK = "IDOR-PDF-CONTENT-7f3a"


def _pdf(name: str) -> FileStorage:
    body = f"%PDF-1.4\n% {PDF_MARK}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()
    return FileStorage(stream=io.BytesIO(body), filename=name, content_type="application/pdf")


def user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def unit(name: str) -> OrgUnit:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.name == name))


def add_missing_objects() -> None:
    """What the demo does not have, owned by branch 2, 营销部 and fgs2_kefu."""
    kefu, fgs2 = user("kefu"), user("fgs2_kefu")
    branch2, marketing = unit("第二房产分公司"), unit("营销部")
    complaint = db.session.scalar(sa.select(Complaint).where(Complaint.filed_by_unit_id == branch2.id)
                                  .order_by(Complaint.id))
    attachments.store(_pdf("branch2-letter.pdf"), owner_type="complaint", owner_id=complaint.id, user=fgs2)
    closed = db.session.scalar(sa.select(Complaint).where(
        Complaint.status.in_([ComplaintStatus.RESOLVED, ComplaintStatus.REVISITED]),
        Complaint.filed_by_unit_id.is_(None), Complaint.forwarded_by_unit_id.is_(None),
        Complaint.responsible_unit_id.not_in([unit("工程部").id, unit("第一房产分公司").id])
        | Complaint.responsible_unit_id.is_(None)).order_by(Complaint.id))
    complaint_svc.send_contact_form(closed, to_unit=marketing, proposal="营销部改进样板间说明", reply_due_on=None,
                                    by=kefu)
    contact = db.session.scalar(sa.select(Contact).where(Contact.handling_unit_id.is_(None)).order_by(Contact.id))
    attachments.store(_pdf("letter-scan.pdf"), owner_type=SCAN_OWNER, owner_id=contact.id, user=kefu)
    customer = db.session.scalar(sa.select(Customer).order_by(Customer.id))
    attachments.store(_pdf("customer-file.pdf"), owner_type="customer", owner_id=customer.id, user=kefu)
    archive_access.create_request(fgs2, reason="二分公司查阅客户的理由-IDOR", scope=AccessScope.CUSTOMER,
                                  customer=customer, period_days=7)
    db.session.add(ArchiveImport(source=ImportSource.MARKETING, year=2026, filename="marketing-owners-IDOR.xlsx",
                                 stored_name="idor-import.xlsx", size=10, created_by_id=kefu.id))
    from portal.models.report import MonthlyReport, ReportExport

    db.session.add(ReportExport(requester_id=user("zhuren").id, kind="kpis", params={"year": 2026},
                                download_name="kpis-IDOR.xlsx"))
    if not db.session.scalar(sa.select(MonthlyReport.id).where(MonthlyReport.branch_id == branch2.id)):
        db.session.add(MonthlyReport(month=date(2026, 10, 1), branch_id=branch2.id,
                                     scope_key=f"b{branch2.id}", narrative="第二分公司十月分析-IDOR"))
    db.session.commit()


@dataclass
class Obj:
    ids: dict[str, int]
    texts: list[str] = field(default_factory=list)
    strict: bool = False  # administration objects: the answer must be 403/404, whatever the body


def _first(rows, n=3):
    return list(rows)[:n]


def foreign_objects(u: User) -> dict[frozenset, list[Obj]]:
    """For each set of URL arguments, up to three objects the user has no business with."""
    home = u.leads_org_unit_id or u.org_unit_id
    out: dict[frozenset, list[Obj]] = {}

    def put(args, objs):
        out[frozenset(args)] = objs

    complaints = [c for c in db.session.scalars(sa.select(Complaint).order_by(Complaint.id))
                  if c.is_report or home not in (c.filed_by_unit_id, c.forwarded_by_unit_id, c.responsible_unit_id)]
    put({"complaint_id"}, [Obj({"complaint_id": c.id}, [c.serial]) for c in _first(complaints, 4)])
    foreign_complaint_ids = {c.id for c in complaints}
    atts = db.session.scalars(sa.select(Attachment).where(Attachment.owner_type == "complaint")).all()
    put({"complaint_id", "attachment_id"}, [Obj({"complaint_id": a.owner_id, "attachment_id": a.id}, [PDF_MARK])
                                            for a in atts if a.owner_id in foreign_complaint_ids])

    contacts = [c for c in db.session.scalars(sa.select(Contact).order_by(Contact.id))
                if c.handling_unit_id != home and all(wo.unit_id != home for wo in c.work_orders)]
    put({"contact_id"}, [Obj({"contact_id": c.id}, [c.serial]) for c in _first(contacts)])
    foreign_contact_ids = {c.id for c in contacts}
    scans = db.session.scalars(sa.select(Attachment).where(Attachment.owner_type == SCAN_OWNER)).all()
    put({"contact_id", "attachment_id"}, [Obj({"contact_id": a.owner_id, "attachment_id": a.id}, [PDF_MARK])
                                          for a in scans if a.owner_id in foreign_contact_ids])
    orders = db.session.scalars(sa.select(WorkOrder).where(WorkOrder.unit_id != home).order_by(WorkOrder.id)).all()
    put({"work_order_id"}, [Obj({"work_order_id": w.id}, [w.serial]) for w in _first(orders)])

    # none of the three users holds a grant: every customer is foreign
    customers = _first(db.session.scalars(sa.select(Customer).order_by(Customer.id)))
    put({"customer_id"}, [Obj({"customer_id": c.id}, [c.name, c.phone1]) for c in customers])
    purchases = _first(db.session.scalars(sa.select(Purchase).order_by(Purchase.id)))
    put({"purchase_id"}, [Obj({"purchase_id": p.id}, [p.customer.name]) for p in purchases])
    bases = _first(db.session.scalars(sa.select(QualityBasis).order_by(QualityBasis.id)))
    put({"basis_id"}, [Obj({"basis_id": b.id}, [b.evidence]) for b in bases])
    files = db.session.scalars(sa.select(Attachment).where(Attachment.owner_type == "customer")).all()
    put({"attachment_id"}, [Obj({"attachment_id": a.id}, [PDF_MARK]) for a in files])
    requests = db.session.scalars(sa.select(ArchiveAccessRequest).where(
        ArchiveAccessRequest.requester_unit_id != home, ArchiveAccessRequest.requester_id != u.id)).all()
    put({"request_id"}, [Obj({"request_id": r.id}, [r.reason]) for r in requests])
    imports = db.session.scalars(sa.select(ArchiveImport)).all()
    put({"import_id"}, [Obj({"import_id": i.id}, [i.filename]) for i in imports])

    forms = db.session.scalars(sa.select(WorkContactForm).where(WorkContactForm.to_unit_id != home)).all()
    put({"form_id"}, [Obj({"form_id": f.id}, [f.serial, f.proposal]) for f in forms])
    notes = _first(db.session.scalars(sa.select(Notification).where(Notification.user_id != u.id)
                                      .order_by(Notification.id)))
    put({"notification_id"}, [Obj({"notification_id": n.id}, [n.title]) for n in notes])
    plans = _first(db.session.scalars(sa.select(RevisitPlan).where(RevisitPlan.contact_name.is_not(None))
                                      .order_by(RevisitPlan.id)))
    plans += _first(db.session.scalars(sa.select(RevisitPlan).where(RevisitPlan.customer_id.is_not(None))
                                       .order_by(RevisitPlan.id)), 2)
    put({"plan_id"}, [Obj({"plan_id": p.id}, [p.person_name]) for p in plans])
    follow_ups = db.session.scalars(sa.select(RevisitFollowUp)).all()
    put({"follow_up_id"}, [Obj({"follow_up_id": f.id}, [f.problem]) for f in follow_ups])

    from portal.models.report import MonthlyReport, ReportExport

    # reports of another branch (or of the whole company, for a branch user): their narrative
    # must not show; exports someone else asked for must not download
    reports = [r for r in db.session.scalars(sa.select(MonthlyReport).order_by(MonthlyReport.id))
               if r.branch_id != home]
    put({"report_id"}, [Obj({"report_id": r.id}, [r.narrative] if r.narrative else []) for r in _first(reports)])
    exports = db.session.scalars(sa.select(ReportExport).where(ReportExport.requester_id != u.id)).all()
    put({"export_id"}, [Obj({"export_id": e.id}, [e.download_name] if e.download_name else [], strict=True)
                        for e in _first(exports)])

    others = _first(db.session.scalars(sa.select(User).where(User.id != u.id).order_by(User.id)), 4)
    put({"user_id"}, [Obj({"user_id": o.id}, [o.email], strict=True) for o in others])
    for arg in ("unit_id", "project_id", "category_id", "reminder_id"):
        put({arg}, [Obj({arg: 1}, [], strict=True), Obj({arg: 2}, [], strict=True)])
    return out
