"""The first reply to the customer (DOMAIN.md §2 deadlines; seed 000 §7): the revisit that tells
the result of a complaint resolved within two days is that reply, and the complaint's reply
answers the reception record it was registered from (DOMAIN.md §1: the contact became it)."""
from __future__ import annotations

from datetime import timedelta

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models.complaint import ContactWay
from portal.models.reception import Contact, ContactCategory
from portal.services import complaints as svc
from portal.services import reception, report_figures
from portal.services.clock import now_utc, to_local
from tests import factories as f
from tests.complaints.factories import make_complaint
from tests.reception.factories import make_contact


def test_the_revisit_telling_the_result_within_two_days_is_the_first_reply(client, login, org):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_fr")
    received = now_utc() - timedelta(hours=60)
    c = make_complaint(org, staff, received_at=received)
    svc.transition(c, "start", by=staff, now=received + timedelta(hours=1))
    svc.transition(c, "resolve", {"resolution": "已更换门锁", "cause_analysis": "配件质量"}, by=staff,
                   now=received + timedelta(hours=5))
    revisited = received + timedelta(hours=24)
    svc.record_revisit(c, "已告知处理结果，客户满意", 5, staff, now=revisited, method="phone")
    db.session.commit()
    assert c.first_replied_at == revisited and c.last_contact_at == revisited
    assert c.next_progress_due_at is None  # resolved: no progress contact owed
    login(client, staff)
    html = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert "已逾期" not in html


def test_an_earlier_reply_stays_the_first_reply_after_the_revisit(org):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_fr2")
    received = now_utc() - timedelta(hours=60)
    c = make_complaint(org, staff, received_at=received)
    told = received + timedelta(hours=3)
    svc.add_contact(c, contacted_at=told, way=ContactWay.PHONE, content="告知处理方案", by=staff, now=told)
    svc.transition(c, "start", by=staff, now=received + timedelta(hours=4))
    svc.transition(c, "resolve", {"resolution": "已修", "cause_analysis": "老化"}, by=staff,
                   now=received + timedelta(hours=30))
    svc.record_revisit(c, "客户满意", 5, staff, now=received + timedelta(hours=50))
    assert c.first_replied_at == told


def test_the_complaints_first_reply_answers_its_reception_record(client, login, org):
    """The customer is answered once, in the complaint: the contact it came from is no longer
    overdue on its page, in the reminders or in the report's overdue figure."""
    from portal.services import reception_reminders

    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_r4")
    f.make_user(org.center, Role.CENTER_MANAGER, username="zr_r4")
    t0 = now_utc() - timedelta(hours=30)  # a general contact: its reply was due 24 hours later
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, received_at=t0, content="投诉物业乱收费")
    unrelated = make_contact(staff, category=ContactCategory.COMPLAINT, received_at=t0, content="投诉停车费")
    c = make_complaint(org, staff, source_contact_id=contact.id, received_at=t0, now=t0 + timedelta(minutes=10))
    told = t0 + timedelta(hours=2)
    svc.add_contact(c, contacted_at=told, way=ContactWay.PHONE, content="已告知处理方案", by=staff,
                    now=told)
    db.session.commit()
    contact = db.session.get(Contact, contact.id)
    assert contact.replied_at == told and contact.first_replied_at == told  # the KPI reads the first
    assert any(e.kind.value == "reply" and (e.detail or {}).get("complaint") == c.serial for e in contact.events)
    overdue_ids = {s.object_id for s in reception_reminders._find_overdue(now_utc())}
    assert contact.id not in overdue_ids and unrelated.id in overdue_ids
    assert db.session.scalar(db.select(db.func.count()).select_from(Contact)
                             .where(reception.overdue_clause(now_utc()))) == 1
    login(client, staff)
    page = client.get(f"/reception/{contact.id}").get_data(as_text=True)
    assert "已逾期" not in page and c.serial in page
    figures = report_figures.overdue(report_figures.month_period(to_local(t0).date()), report_figures.Scope(),
                                     now_utc())
    assert (figures["contacts"], figures["contacts_total"]) == (1, 2)  # the unrelated one only
    # a later contact of the complaint leaves the contact's first reply where it was
    later = told + timedelta(hours=3)
    svc.add_contact(c, contacted_at=later, way=ContactWay.PHONE, content="告知进度", by=staff, now=later)
    assert db.session.get(Contact, contact.id).replied_at == told


def test_a_revisit_answers_a_reception_record_still_waiting(org):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_r4b")
    t0 = now_utc() - timedelta(hours=40)
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, received_at=t0, content="投诉门禁损坏")
    c = make_complaint(org, staff, source_contact_id=contact.id, received_at=t0, now=t0 + timedelta(minutes=10))
    svc.transition(c, "start", by=staff, now=t0 + timedelta(hours=1))
    svc.transition(c, "resolve", {"resolution": "已修", "cause_analysis": "老化"}, by=staff, now=t0 + timedelta(hours=5))
    revisited = t0 + timedelta(hours=20)
    svc.record_revisit(c, "已告知处理结果", 5, staff, now=revisited)
    db.session.commit()
    assert db.session.get(Contact, contact.id).replied_at == revisited
