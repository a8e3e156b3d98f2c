"""The staff member a complaint is about never learns who complained (DOMAIN.md §2 confidentiality):
not from the complainant's archive page, not from the room, and each display of the complainant
elsewhere is in the audit log."""
from __future__ import annotations

from datetime import date, timedelta

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import AuditEvent
from portal.services import complaints as svc
from portal.services.clock import now_utc
from tests import factories as f
from tests.archives.factories import make_customer, make_grant
from tests.complaints.factories import complaint_input, make_complaint


def _viewed() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "complaint.complainant_viewed")) or 0


def test_the_complainants_archive_page_does_not_list_the_complaint_to_the_center_staff_it_is_about(
        client, login, org):
    about_him = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_about")
    colleague = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_colleague")
    customer = make_customer(org.project1, name="欧阳明月")
    about = make_complaint(org, colleague, customer_id=customer.id, complained_staff_id=about_him.id,
                           subject="客服人员态度恶劣", received_at=now_utc() - timedelta(hours=2))
    other = make_complaint(org, colleague, customer_id=customer.id, subject="电梯故障",
                           received_at=now_utc() - timedelta(hours=1))
    login(client, about_him)
    html = client.get(f"/archives/customers/{customer.id}").get_data(as_text=True)
    assert "欧阳明月" in html and other.serial in html  # he reads the archive, as center staff do
    assert about.serial not in html and "客服人员态度恶劣" not in html
    login(client, colleague)
    assert about.serial in client.get(f"/archives/customers/{customer.id}").get_data(as_text=True)


def test_a_branch_user_complained_about_reading_the_customer_under_a_grant_does_not_see_the_complaint(
        client, login, org):
    center = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_grant")
    seller = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_grant")
    customer = make_customer(org.project1, name="欧阳明月")
    about = make_complaint(org, center, customer_id=customer.id, complained_staff_id=seller.id,
                           responsible_unit_id=org.branch1.id, subject="销售人员承诺未兑现",
                           received_at=now_utc() - timedelta(hours=2))
    make_grant(seller, customer=customer)
    login(client, seller)
    resp = client.get(f"/archives/customers/{customer.id}")
    assert resp.status_code == 200 and "欧阳明月" in resp.get_data(as_text=True)
    assert about.serial not in resp.get_data(as_text=True)


def test_a_unit_only_responsible_reading_the_customer_under_a_grant_does_not_see_his_complaints(
        client, login, org):
    """The complaint page hides the complainant from a unit merely responsible; the complainant's
    archive page must not list his complaints or complaint contacts to it either, while his repair
    is still listed (the unit works on it)."""
    from portal.models.reception import ContactCategory
    from tests.reception.factories import make_contact

    center = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_resp")
    branch_user = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_resp_grant")
    customer = make_customer(org.project1, name="南宫明")
    contact = make_contact(center, category=ContactCategory.COMPLAINT, customer=customer, handling_unit=org.branch1,
                           content="投诉物业维修拖延")
    repair = make_contact(center, category=ContactCategory.REPAIR, customer=customer, handling_unit=org.branch1,
                          project=org.project1, room="1-1-101", content="水管漏水")
    c = make_complaint(org, center, customer_id=customer.id, responsible_unit_id=org.branch1.id,
                       source_contact_id=contact.id, subject="物业维修拖延", received_at=now_utc() - timedelta(hours=2))
    make_grant(branch_user, customer=customer)
    db.session.commit()
    login(client, branch_user)
    assert client.get(f"/complaints/{c.id}").status_code == 200  # the matter is his unit's to handle
    html = client.get(f"/archives/customers/{customer.id}").get_data(as_text=True)
    assert "南宫明" in html and repair.serial in html
    assert c.serial not in html and "物业维修拖延" not in html and contact.serial not in html
    login(client, center)
    html = client.get(f"/archives/customers/{customer.id}").get_data(as_text=True)
    assert c.serial in html and contact.serial in html


def test_the_room_is_hidden_from_the_staff_member_complained_about(client, login, org):
    """The room names the household that complained: not on the complaint's page, the print form
    or the register for him, and he cannot find the complaint by searching for it."""
    about_him = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_room")
    colleague = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_room2")
    c = make_complaint(org, colleague, complained_staff_id=about_him.id, room="9-9-909",
                       subject="客服人员态度恶劣", received_at=now_utc() - timedelta(hours=2))
    login(client, about_him)
    for path in (f"/complaints/{c.id}", f"/complaints/{c.id}/print", "/complaints/"):
        html = client.get(path).get_data(as_text=True)
        assert c.serial in html and "9-9-909" not in html, path
    assert c.serial not in client.get("/complaints/?q=9-9-909").get_data(as_text=True)
    login(client, colleague)
    for path in (f"/complaints/{c.id}", f"/complaints/{c.id}/print", "/complaints/", "/complaints/?q=9-9-909"):
        assert "9-9-909" in client.get(path).get_data(as_text=True), path


def test_the_room_goes_with_the_complainant_to_units_outside_the_center(client, login, org):
    """A unit merely responsible for a complaint gets the matter, not the household: no room on the
    page, the print form or the register, nor a hit when it searches for it (as reception hides a
    complaint contact's room); the unit that took the complaint itself sees it."""
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_room3")
    responsible = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_room_resp")
    c = make_complaint(org, staff, responsible_unit_id=org.branch1.id, room="8-8-808", complainant_name="陈八",
                       subject="物业维修拖延", received_at=now_utc() - timedelta(hours=2))
    filer = f.make_user(org.branch2, Role.BRANCH_STAFF, username="fgs_room_filer")
    filed = svc.register_filing(complaint_input(org, received_at=now_utc() - timedelta(days=2), room="6-6-606"),
                                svc.FilingRecord(date.today() - timedelta(days=1), "已修", "老化"),
                                unit=org.branch2, by=filer)
    db.session.commit()
    login(client, responsible)
    for path in (f"/complaints/{c.id}", f"/complaints/{c.id}/print", "/complaints/"):
        html = client.get(path).get_data(as_text=True)
        assert c.serial in html and "8-8-808" not in html and "陈八" not in html, path
    assert c.serial not in client.get("/complaints/?q=8-8-808").get_data(as_text=True)
    login(client, filer)
    for path in (f"/complaints/{filed.id}", "/complaints/", "/complaints/?q=6-6-606"):
        assert "6-6-606" in client.get(path).get_data(as_text=True), path


def test_the_filing_edit_page_logs_the_display_of_the_complainant(client, login, org):
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_log")
    c = svc.register_filing(complaint_input(org, received_at=now_utc() - timedelta(days=2), complainant_name="王五"),
                            svc.FilingRecord(date.today() - timedelta(days=1), "已修", "老化"), unit=org.branch1,
                            by=clerk)
    db.session.commit()
    login(client, clerk)
    before = _viewed()
    resp = client.get(f"/complaints/{c.id}/filing/edit")
    assert resp.status_code == 200 and "王五" in resp.get_data(as_text=True)
    assert _viewed() == before + 1
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "complaint.complainant_viewed")
                              .order_by(AuditEvent.id.desc()))
    assert event.detail["where"] == "filing_edit" and "王五" not in str(event.detail)
