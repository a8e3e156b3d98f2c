"""Registering a complaint from a reception record (DOMAIN.md §1: a complaint contact becomes one
complaint record): the record's id travels in a hidden field, so the form checks it again."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models.complaint import Complaint
from portal.models.reception import Contact, ContactCategory
from portal.services import complaints as svc
from portal.services.clock import now_utc, to_local
from tests import factories as f
from tests.complaints.factories import category, complaint_input, make_complaint
from tests.reception.factories import make_contact


def _form(org, contact_id, **kw):
    data = {"received_at": to_local(now_utc() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"), "channel": "phone",
            "complainant_name": "钱多多", "complainant_phone": "13912345678", "project_id": org.project1.id,
            "room": "5-2-301", "category_id": category().id, "subject": "物业乱收费", "description": "物业乱收费",
            "people_count": "1", "responsible_unit_id": 0, "handler_id": 0, "complained_staff_id": 0, "plan": "",
            "source_contact_id": str(contact_id)}
    data.update(kw)
    return data


def _count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Complaint)) or 0


def test_a_double_submit_registers_one_complaint(client, login, org, csrf_off):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_h1")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="钱多多", content="物业乱收费")
    login(client, staff)
    assert client.post("/complaints/new", data=_form(org, contact.id)).status_code == 302
    again = client.post("/complaints/new", data=_form(org, contact.id))  # a second tab, a double click
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and "该接待记录已登记为投诉" in html
    assert "物业乱收费" in html  # the form is kept, without the record
    assert f'name="source_contact_id" type="hidden" value="{contact.id}"' not in html
    assert _count() == 1
    first = db.session.scalar(db.select(Complaint))
    assert db.session.get(Contact, contact.id).complaint_id == first.id


def test_the_staff_member_complained_about_cannot_take_over_the_record(client, login, org, csrf_off):
    """He may not open the record (it is about him); posting its id on a complaint of his own
    must not relink it to that complaint, which would open the record and its complainant to him."""
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_h2")
    about_him = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_h2_about")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="诸葛明",
                           customer_phone="13911112222", content="投诉客服小李态度恶劣")
    original = make_complaint(org, staff, complained_staff_id=about_him.id, source_contact_id=contact.id,
                              received_at=now_utc() - timedelta(hours=1))
    login(client, about_him)
    resp = client.post("/complaints/new", data=_form(org, contact.id, subject="随便"))
    assert resp.status_code == 200 and "未找到接待记录" in resp.get_data(as_text=True)
    assert _count() == 1
    assert db.session.get(Contact, contact.id).complaint_id == original.id
    assert client.get(f"/reception/{contact.id}").status_code == 403


@pytest.mark.parametrize("kind", [ContactCategory.INQUIRY, ContactCategory.PRAISE])
def test_a_record_that_is_not_a_complaint_is_not_handed_off(client, login, org, csrf_off, kind):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_h3")
    extra = {"praised_unit": org.center} if kind == ContactCategory.PRAISE else {}
    contact = make_contact(staff, category=kind, content="表扬客服" if extra else "咨询交房时间", **extra)
    login(client, staff)
    page = client.get(f"/complaints/new?contact_id={contact.id}").get_data(as_text=True)
    assert "该接待记录不是投诉" in page and f'name="source_contact_id" type="hidden" value="{contact.id}"' not in page
    resp = client.post("/complaints/new", data=_form(org, contact.id))
    assert resp.status_code == 200 and "该接待记录不是投诉" in resp.get_data(as_text=True)
    assert _count() == 0 and db.session.get(Contact, contact.id).complaint_id is None


def test_the_service_refuses_a_second_complaint_for_one_record(org):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_h4")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, content="物业乱收费")
    first = make_complaint(org, staff, source_contact_id=contact.id, received_at=now_utc() - timedelta(hours=1))
    with pytest.raises(svc.ComplaintError) as refused:
        svc.register_complaint(complaint_input(org, source_contact_id=contact.id,
                                               received_at=now_utc() - timedelta(hours=1)), by=staff)
    assert refused.value.code == "contact_linked"
    db.session.rollback()
    assert _count() == 1 and db.session.get(Contact, contact.id).complaint_id == first.id


@pytest.mark.parametrize("channel, registered", [
    ("letter", True), ("email", True), ("online", True),  # the message carries its own way back
    ("phone", False), ("visit", False),  # a caller or visitor leaves a number (seed 003)
])
def test_a_complaint_without_a_phone_is_registered_as_reception_takes_it(client, login, org, csrf_off, channel,
                                                                         registered):
    """Reception takes a letter, e-mail or online message from an unknown customer without a
    phone; the complaint it becomes must be registrable on the same terms, or the complaint
    contact could never be closed (it needs its complaint) and would turn overdue."""
    staff = f.make_user(org.center, Role.CENTER_STAFF, username=f"kefu_np_{channel}")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="钱多多", content="物业乱收费")
    login(client, staff)
    resp = client.post("/complaints/new", data=_form(org, contact.id, channel=channel, complainant_phone=""))
    assert (resp.status_code == 302) is registered
    assert _count() == (1 if registered else 0)
    if registered:
        complaint = db.session.scalar(db.select(Complaint))
        assert complaint.complainant_phone is None and db.session.get(Contact, contact.id).complaint_id == complaint.id
    else:
        assert "请选择档案客户，或填写投诉人姓名和电话。" in resp.get_data(as_text=True)
