"""A small fixed data set for the reports, with every figure computed by hand in
``test_figures.py``. Rows are written directly (not through the other areas' services) so each
timestamp is exactly what the hand computation assumes. Times are Asia/Shanghai local."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.extensions import db
from portal.models import ComplaintCategory, Matter
from portal.models.complaint import Channel, Complaint, ComplaintStatus, Severity
from portal.models.reception import Channel as KChannel
from portal.models.reception import Contact, ContactCategory, ContactStatus, Urgency, WorkOrder, WorkOrderStatus
from portal.models.revisit import RevisitMethod, RevisitPlan, RevisitStatus
from portal.services.revisit_rules import RevisitKind

SH = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)
OCTOBER = date(2026, 10, 1)
# The report is computed at 2026-11-01 10:00 local.
NOW = datetime(2026, 11, 1, 10, 0, tzinfo=SH)


def local(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def category(code: str) -> ComplaintCategory:
    return db.session.scalar(db.select(ComplaintCategory).where(ComplaintCategory.code == code))


def complaint(project, cat, received, *, replied=None, resolved=None, severity=Severity.GENERAL, name="甲",
              phone="13800000001", customer_id=None, status=None, matter=None, **kw) -> Complaint:
    n = next(_seq)
    if matter is None:
        matter = Matter(project=project, category=cat, subject=f"事项{n}", created_at=received, last_complaint_at=received)
        db.session.add(matter)
    c = Complaint(serial=f"TS-T-{n:06d}", received_at=received, channel=Channel.PHONE, complainant_name=name,
                  complainant_phone=phone, customer_id=customer_id, project=project, category=cat, matter=matter,
                  subject=matter.subject, description="描述", severity=severity, rule_severity=severity,
                  first_reply_due_at=received + timedelta(hours=48), first_replied_at=replied, resolved_at=resolved,
                  status=status or (ComplaintStatus.RESOLVED if resolved else ComplaintStatus.RECEIVED), **kw)
    db.session.add(c)
    return c


def contact(user, project, category, received, *, phone, name="客户", replied=None, closed=None, satisfaction=None,
            reply_hours=24) -> Contact:
    n = next(_seq)
    k = Contact(serial=f"JD-T-{n:06d}", channel=KChannel.PHONE, received_at=received, customer_name=name,
                customer_phone=phone, project=project, category=category, urgency=Urgency.GENERAL,
                content=f"内容{n}", responsible=user, created_by=user, reply_due_at=received + timedelta(hours=reply_hours),
                replied_at=replied, first_replied_at=replied, closed_at=closed, satisfaction=satisfaction,
                status=ContactStatus.CLOSED if closed else ContactStatus.OPEN)
    db.session.add(k)
    return k


def work_order(k, unit, user, due, completed=None) -> WorkOrder:
    n = next(_seq)
    w = WorkOrder(serial=f"PG-T-{n:06d}", contact=k, unit=unit, instructions="处理", due_at=due, dispatched_by=user,
                  dispatched_at=due - timedelta(days=1), completed_at=completed,
                  status=WorkOrderStatus.DONE if completed else WorkOrderStatus.OPEN)
    db.session.add(w)
    return w


def plan(kind, project, due, *, done_at=None, method=None, satisfaction=None, on_time=None) -> RevisitPlan:
    n = next(_seq)
    p = RevisitPlan(plan_key=f"test:{n}", kind=kind, project=project, window_start=due - timedelta(days=7), due=due,
                    status=RevisitStatus.DONE if done_at else RevisitStatus.OPEN, revisited_at=done_at, method=method,
                    satisfaction=satisfaction, on_time=on_time, contact_name="客户")
    db.session.add(p)
    return p


def october_data(org, staff) -> dict:
    """The data set of the hand computation (see test_figures.py)."""
    p1, p2 = org.project1, org.project2
    eng, prop = category("engineering_quality"), category("property_management")
    d = {}
    d["A"] = complaint(p1, eng, local(2026, 10, 2, 10), replied=local(2026, 10, 3, 10), resolved=local(2026, 10, 4, 10),
                       cause_analysis="施工不规范", corrective_measures="返修外墙")
    d["B"] = complaint(p1, eng, local(2026, 10, 10, 9), replied=local(2026, 10, 13, 9), resolved=local(2026, 10, 20, 9),
                       severity=Severity.IMPORTANT, is_second_complaint=True, matter_complainants=3)
    # 23:30 on 31 October local is 15:30 UTC: October.
    d["C"] = complaint(p2, prop, local(2026, 10, 31, 23, 30), replied=local(2026, 11, 1, 8, 30), name="乙",
                       phone="13800000002", status=ComplaintStatus.IN_HANDLING,
                       next_progress_due_at=local(2026, 11, 3, 8, 30))
    d["D"] = complaint(p2, prop, local(2026, 11, 1, 0, 0), name="戌", phone="13800000099")  # November
    d["E"] = complaint(p1, eng, local(2026, 9, 30, 23, 59), replied=local(2026, 10, 1, 9), resolved=local(2026, 10, 2, 11, 59),
                       name="己", phone="13800000098")  # September, resolved in October after 36 h
    d["F"] = complaint(p2, prop, local(2026, 10, 20, 12), severity=Severity.MAJOR, name="丙", phone=None)
    d["G"] = complaint(p1, eng, local(2026, 10, 30, 12))  # first reply due 11-01 12:00: pending at NOW
    d["H"] = complaint(p2, prop, local(2026, 10, 5, 8), replied=local(2026, 10, 5, 10), resolved=local(2026, 10, 5, 20),
                       name="丁", phone="13800000003")
    d["Z"] = complaint(p1, eng, local(2025, 10, 15, 12), name="庚", phone="13800000097")  # October last year

    d["K1"] = contact(staff, p1, ContactCategory.INQUIRY, local(2026, 10, 3, 10), phone="13800000001",
                      replied=local(2026, 10, 3, 12), closed=local(2026, 10, 4, 9), satisfaction=5)
    d["K2"] = contact(staff, p2, ContactCategory.SUGGESTION, local(2026, 10, 15, 9), phone="13800000005")
    d["K3"] = contact(staff, p1, ContactCategory.PRAISE, local(2026, 10, 31, 23, 30), phone="13800000006")
    d["K4"] = contact(staff, p1, ContactCategory.REPAIR, local(2026, 10, 12, 9), phone="13800000007",
                      replied=local(2026, 10, 14, 9), closed=local(2026, 10, 14, 18), satisfaction=3)
    d["K5"] = contact(staff, p1, ContactCategory.INQUIRY, local(2026, 11, 1, 0, 0), phone="13800000008")

    unit = org.engineering
    d["W1"] = work_order(d["K4"], unit, staff, local(2026, 10, 13, 12), completed=local(2026, 10, 13, 11))
    d["W2"] = work_order(d["K4"], unit, staff, local(2026, 10, 20, 12), completed=local(2026, 10, 21, 12))
    d["W3"] = work_order(d["K4"], unit, staff, local(2026, 10, 31, 23))
    d["W5"] = work_order(d["K1"], unit, staff, local(2026, 10, 5, 12), completed=local(2026, 10, 6, 12))

    d["R1"] = plan(RevisitKind.SIGNING, p1, date(2026, 10, 10), done_at=local(2026, 10, 8, 15),
                   method=RevisitMethod.PHONE, satisfaction=4, on_time=True)
    d["R2"] = plan(RevisitKind.COMPLAINT, p2, date(2026, 10, 26), done_at=local(2026, 10, 25, 15),
                   method=RevisitMethod.VISIT, satisfaction=2, on_time=True)
    d["R3"] = plan(RevisitKind.HANDOVER_1M, p1, date(2026, 10, 31))
    db.session.commit()
    return d
