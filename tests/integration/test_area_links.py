"""The areas working together: archives ↔ revisits ↔ complaints, and the customer page."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from portal.auth.permissions import Role
from portal.models import Complaint, RevisitMethod, RevisitPlan, RevisitStatus
from portal.services import archives, complaints, revisits
from portal.services.revisit_rules import RevisitKind
from tests import factories as f
from tests.archives.factories import make_customer
from tests.complaints.factories import make_complaint

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai


@pytest.fixture()
def staff(org):
    return f.make_user(org.center, Role.CENTER_STAFF)


def _plans(db, **where):
    stmt = select(RevisitPlan)
    for key, value in where.items():
        stmt = stmt.where(getattr(RevisitPlan, key) == value)
    return db.session.scalars(stmt.order_by(RevisitPlan.id)).all()


def test_a_purchase_added_and_corrected_in_the_archive_moves_its_revisit_plans(db, org, staff):
    customer = make_customer()
    with time_machine.travel(NOW, tick=False):
        purchase = archives.add_purchase(customer, {"project_id": org.project1.id, "building": "2栋", "room": "801",
                                                    "signing_date": date(2026, 11, 10),
                                                    "handover_date": date(2026, 11, 12)}, by=staff)
        db.session.commit()
        one_month = _plans(db, purchase_id=purchase.id, kind=RevisitKind.HANDOVER_1M)
        assert len(one_month) == 1 and one_month[0].due == date(2026, 12, 12)
        archives.update_purchase(purchase, {"handover_date": date(2026, 11, 14)}, by=staff)
        db.session.commit()
        db.session.refresh(one_month[0])
        assert one_month[0].due == date(2026, 12, 14)
        archives.delete_purchase(purchase, by=staff)
        db.session.commit()
    left = _plans(db, customer_id=customer.id)
    assert left and all(p.status == RevisitStatus.CANCELLED for p in left)


def test_resolving_a_complaint_plans_its_revisit_and_doing_it_closes_the_complaint(db, org, staff):
    c = make_complaint(org, staff)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        complaints.transition(c, "start", by=staff)
        complaints.transition(c, "resolve", {"resolution": "已修复外墙", "cause_analysis": "施工缝处理不当"}, by=staff)
        db.session.commit()
    plan = _plans(db, complaint_id=c.id)[0]
    assert plan.kind == RevisitKind.COMPLAINT and plan.status == RevisitStatus.OPEN
    assert plan.due == date(2026, 11, 18)  # within 2 days of the resolution
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        revisits.complete_revisit(plan, by=staff, method=RevisitMethod.PHONE, at=NOW + timedelta(days=1),
                                  answers=[("对处理结果是否满意？", "满意")], satisfaction=5, summary="客户满意")
        db.session.commit()
    c = db.session.get(Complaint, c.id)
    assert c.status.value == "revisited" and c.revisit_satisfaction == 5


def test_a_revisit_entered_later_is_the_complaints_revisit_and_first_reply_at_its_own_time(db, org, staff):
    """Seed 000 §7: resolved within two days, the customer is told the result on the revisit —
    the first reply, timed when the call was made, not when it was typed in."""
    c = make_complaint(org, staff)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        complaints.transition(c, "start", by=staff)
        complaints.transition(c, "resolve", {"resolution": "已修复外墙", "cause_analysis": "施工缝处理不当"}, by=staff)
        db.session.commit()
    plan = _plans(db, complaint_id=c.id)[0]
    called = NOW + timedelta(hours=20)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):  # typed in after the 48 hours
        revisits.complete_revisit(plan, by=staff, method=RevisitMethod.VISIT, at=called,
                                  answers=[("对处理结果是否满意？", "满意")], satisfaction=5, summary="已告知处理结果")
        db.session.commit()
    c = db.session.get(Complaint, c.id)
    assert c.revisited_at == called and c.revisit_method == "visit"
    assert c.first_replied_at == called and c.first_replied_at <= c.first_reply_due_at


def test_a_revisit_recorded_on_the_complaint_closes_the_open_plan(db, org, staff):
    c = make_complaint(org, staff)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        complaints.transition(c, "start", by=staff)
        complaints.transition(c, "resolve", {"resolution": "已修复", "cause_analysis": "材料问题"}, by=staff)
        db.session.commit()
        complaints.record_revisit(c, "电话回访，客户满意", 4, by=staff)
        db.session.commit()
    plan = _plans(db, complaint_id=c.id)[0]
    assert plan.status == RevisitStatus.DONE and plan.satisfaction == 4


def test_the_customer_page_lists_complaints_and_revisits(app, client, db, org, staff, login):
    customer = make_customer(org.project1)
    c = make_complaint(org, staff, customer_id=customer.id)
    revisits.sync_annual_plans(2026, date(2026, 11, 16))
    with time_machine.travel(NOW, tick=False):
        archives.add_purchase(customer, {"project_id": org.project1.id, "room": "902",
                                         "signing_date": date(2026, 11, 10)}, by=staff)
    db.session.commit()
    login(client, staff)
    html = client.get(f"/archives/customers/{customer.id}").get_data(as_text=True)
    assert c.serial in html
    signing = _plans(db, customer_id=customer.id, kind=RevisitKind.SIGNING)[0]
    with app.test_request_context():
        label = f"{revisits.KIND_LABELS[RevisitKind.SIGNING]} · {signing.due.isoformat()}"
    assert label in html


def test_a_purchase_on_the_form_owes_last_years_revisits_an_edit_or_a_one_row_import_does_not(org, db):
    """Signed 50 days ago: entered on the form, its signing revisit is planned (overdue); the same
    purchase arriving by an import of one row, or an old imported one edited, is not planned."""
    from datetime import timedelta

    import sqlalchemy as sa

    from portal.auth.permissions import Role
    from portal.models import Customer, Purchase
    from portal.models.revisit import RevisitPlan
    from portal.services import archives, revisits
    from tests import factories as f

    staff = f.user_with_role(org, Role.CENTER_STAFF)
    signed = revisits.local_today() - timedelta(days=50)

    def plans_of(purchase):
        return db.session.scalars(sa.select(RevisitPlan.kind).where(RevisitPlan.purchase_id == purchase.id)).all()

    by_hand = archives.add_purchase(Customer(name="表单业主", phone1="13900005001"),
                                    {"project_id": org.project1.id, "room": "7-701", "signing_date": signed}, staff)
    assert [k.value for k in plans_of(by_hand)] == ["signing"]
    imported = Purchase(customer=Customer(name="导入业主", phone1="13900005002"), project_id=org.project1.id,
                        room="7-702", signing_date=signed)
    db.session.add(imported)
    db.session.flush()
    archives._run_hooks("imported", [imported.id])  # what an import of one row does
    assert plans_of(imported) == []
    archives.update_purchase(imported, {"floor_area": 98.5}, staff)
    assert plans_of(imported) == []
