"""Who learns the customer of a reception contact (DOMAIN.md §2 confidentiality): a unit handling
a complaint contact gets the matter, not the person; a report (举报) stays with the center and
the leaders it was reported to; the staff member complained about opens neither the contact nor
its work orders; the full phone is read only through an audited reveal."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.permissions import Role
from portal.models import AuditEvent
from portal.models.archive import ArchiveReadLog
from portal.models.complaint import LeaderReport, Severity
from portal.models.reception import ContactCategory, RepairType
from portal.services import reception
from portal.services.clock import now_utc
from tests import factories as f
from tests.reception.factories import make_contact, make_customer


@pytest.fixture()
def staff(org):
    return f.make_user(org.center, Role.CENTER_STAFF, username="kefu_conf", display_name="王客服")


# --- the rule -------------------------------------------------------------------------------------

@pytest.mark.parametrize("sees_all, category, linked, shown", [
    (True, ContactCategory.COMPLAINT, True, True),  # the center and the group see the complainant
    (True, ContactCategory.COMPLAINT, False, True),
    (False, ContactCategory.COMPLAINT, False, False),  # a complaint contact, before it is registered
    (False, ContactCategory.COMPLAINT, True, False),
    (False, ContactCategory.INQUIRY, True, False),  # an inquiry that became a complaint
    (False, ContactCategory.REPAIR, False, True),  # the unit doing a repair sees whose home it is
    (False, ContactCategory.PRAISE, False, True),
])
def test_shows_person(sees_all, category, linked, shown):
    assert reception.shows_person(sees_all, category, linked) is shown


# --- a complaint contact: the matter, not the person ----------------------------------------------

def test_the_responsible_unit_gets_the_matter_not_the_person(client, login, db, org, staff):
    from tests.complaints.factories import make_complaint

    branch_user = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_conf")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="欧阳明月",
                           customer_phone="13912345678", project=org.project1, room="5-2-301",
                           content="投诉分公司销售承诺的车位不兑现", handling_unit=org.branch1)
    wo = reception.dispatch(contact, org.branch1, "请核实", now_utc() + timedelta(days=1), by=staff)
    make_complaint(org, staff, source_contact_id=contact.id, responsible_unit_id=org.branch1.id,
                   complainant_name="欧阳明月", complainant_phone="13912345678", room="5-2-301",
                   received_at=now_utc() - timedelta(hours=1))
    db.session.commit()
    login(client, branch_user)
    pages = {url: client.get(url) for url in (f"/reception/{contact.id}", f"/reception/work-orders/{wo.id}",
                                              "/reception/", "/reception/work-orders", "/reception/work-orders/check")}
    for url, resp in pages.items():
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, url
        assert "欧阳明月" not in html and "139****5678" not in html and "5-2-301" not in html, url
    assert "车位不兑现" in pages[f"/reception/{contact.id}"].get_data(as_text=True)  # the matter itself
    assert contact.serial in pages["/reception/"].get_data(as_text=True)
    assert "投诉人身份及联系方式保密" in pages[f"/reception/{contact.id}"].get_data(as_text=True)
    login(client, staff)
    html = client.get(f"/reception/{contact.id}").get_data(as_text=True)
    assert "欧阳明月" in html and "139****5678" in html and "5-2-301" in html


def test_a_complaint_contact_before_registration_hides_the_person_from_the_unit(client, login, db, org, staff):
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_conf")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="诸葛亮",
                           content="投诉工程部维修人员态度恶劣", handling_unit=org.engineering)
    login(client, engineer)
    resp = client.get(f"/reception/{contact.id}")
    assert resp.status_code == 200 and "诸葛亮" not in resp.get_data(as_text=True)
    assert "诸葛亮" not in client.get("/reception/").get_data(as_text=True)


def test_a_repair_shows_the_customer_to_the_unit_doing_it(client, login, db, org, staff):
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_conf2")
    contact = make_contact(staff, category=ContactCategory.REPAIR, customer_name="赵大爷", project=org.project1,
                           room="3-1-502", content="卫生间漏水")
    wo = reception.dispatch(contact, org.engineering, "上门维修", now_utc() + timedelta(days=1), by=staff,
                            repair_type=RepairType.WATER_LEAK)
    db.session.commit()
    login(client, engineer)
    assert "赵大爷" in client.get(f"/reception/work-orders/{wo.id}").get_data(as_text=True)
    assert "3-1-502" in client.get("/reception/work-orders").get_data(as_text=True)


def test_the_scan_of_a_complaint_letter_is_not_served_to_the_unit(client, login, db, org, staff, csrf_off):
    from portal.models import Attachment

    login(client, staff)
    client.post("/reception/new", data={
        "channel": "letter", "received_at": now_utc().astimezone().strftime("%Y-%m-%dT%H:%M"), "customer_id": "",
        "customer_name": "欧阳明月", "customer_phone": "13912345678", "project_id": str(org.project1.id),
        "room": "5-2-301", "category": "complaint", "urgency": "general", "content": "来函投诉物业",
        "handling_unit_id": str(org.branch1.id), "praised_unit_id": "0", "letter_sender": "欧阳明月",
        "letter_date": "", "visitor_count": "", "scan": (io.BytesIO(b"%PDF-1.4 a letter"), "来函.pdf")})
    att = db.session.scalar(select(Attachment))
    url = f"/reception/{att.owner_id}/scans/{att.id}"
    assert client.get(url).status_code == 200
    login(client, f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_scan"))
    assert client.get(f"/reception/{att.owner_id}").status_code == 200
    assert client.get(url).status_code == 403


# --- a report (举报) -------------------------------------------------------------------------------

def test_a_report_contact_is_closed_to_the_unit_it_was_given_to(client, login, db, org, staff):
    from tests.complaints.factories import make_complaint

    branch_user = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_rep")
    branch_leader = f.make_user(org.branch1, Role.LEADER, username="fgsld_rep")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="匿名举报人",
                           content="举报分公司销售经理收受回扣", handling_unit=org.branch1)
    wo = reception.dispatch(contact, org.branch1, "请核实", now_utc() + timedelta(days=1), by=staff)
    c = make_complaint(org, staff, is_report=True, responsible_unit_id=org.branch1.id, source_contact_id=contact.id,
                       complainant_name="匿名举报人", received_at=now_utc() - timedelta(hours=1))
    db.session.commit()
    for who in (branch_user, branch_leader):
        login(client, who)
        assert client.get(f"/reception/{contact.id}").status_code == 403
        assert client.get(f"/reception/work-orders/{wo.id}").status_code == 403
        for url in ("/reception/", "/reception/work-orders", "/reception/work-orders/check"):
            html = client.get(url).get_data(as_text=True)
            assert contact.serial not in html and wo.serial not in html, url
    # reported to the branch's leader: he is asked to comment, and opens it (not the person)
    db.session.add(LeaderReport(complaint_id=c.id, leader_id=branch_leader.id, severity=Severity.GENERAL))
    db.session.commit()
    login(client, branch_leader)
    resp = client.get(f"/reception/{contact.id}")
    assert resp.status_code == 200 and "匿名举报人" not in resp.get_data(as_text=True)
    assert contact.serial in client.get("/reception/").get_data(as_text=True)
    login(client, branch_user)
    assert client.get(f"/reception/{contact.id}").status_code == 403
    login(client, staff)
    assert "匿名举报人" in client.get(f"/reception/{contact.id}").get_data(as_text=True)


def test_a_report_dispatched_to_a_department_stays_with_the_center(client, login, db, org, staff):
    from tests.complaints.factories import make_complaint

    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_rep")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="举报人甲",
                           content="举报工程部监理收受施工方好处")
    wo = reception.dispatch(contact, org.engineering, "请核实", now_utc() + timedelta(days=1), by=staff)
    make_complaint(org, staff, is_report=True, source_contact_id=contact.id, complainant_name="举报人甲",
                   received_at=now_utc() - timedelta(hours=1))
    db.session.commit()
    login(client, engineer)
    assert client.get(f"/reception/{contact.id}").status_code == 403
    assert client.get(f"/reception/work-orders/{wo.id}").status_code == 403
    assert db.session.scalar(reception.work_orders_without_progress_today(user=engineer).limit(1)) is None


def test_a_group_user_who_is_no_leader_sees_the_register_but_not_who_complained_or_reported(
        client, login, db, org, staff):
    """DOMAIN.md §2: a report is confidential to the center and the leaders; the group unit's
    other users see every contact (as before) but learn no complainant and open no report."""
    from tests.complaints.factories import make_complaint

    group_clerk = f.make_user(org.group, Role.DEPARTMENT_STAFF, username="jt_clerk")
    group_leader = f.make_user(org.group, Role.LEADER, username="jt_leader_conf")
    complaint = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="上官投诉",
                             content="物业费收取不合理", project=org.project1, room="7-1-101")
    report = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="司马举报",
                          content="举报物业经理私收停车费")
    make_complaint(org, staff, is_report=True, source_contact_id=report.id, complainant_name="司马举报",
                   received_at=now_utc() - timedelta(hours=1))
    repair = make_contact(staff, category=ContactCategory.REPAIR, customer_name="欧阳报修", project=org.project1,
                          room="7-1-102", content="卫生间漏水")
    db.session.commit()
    login(client, group_clerk)
    html = client.get("/reception/").get_data(as_text=True)
    assert complaint.serial in html and repair.serial in html and report.serial not in html
    assert "上官投诉" not in html and "7-1-101" not in html and "欧阳报修" in html
    assert client.get(f"/reception/{report.id}").status_code == 403
    assert "上官投诉" not in client.get(f"/reception/{complaint.id}").get_data(as_text=True)
    login(client, group_leader)
    html = client.get("/reception/").get_data(as_text=True)
    # the register names a complainant masked; his page in full, and that view is logged
    assert "上**" in html and "上官投诉" not in html and report.serial in html
    assert "司马举报" in client.get(f"/reception/{report.id}").get_data(as_text=True)
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "complaint.complainant_viewed",
                                                        AuditEvent.object_id == str(report.id))).all()
    assert [(e.user_id, e.detail["where"], e.detail["name"]) for e in views] == [(group_leader.id, "reception", "司***")]
    # a work order of a complaint contact shows the complainant too: logged as such
    wo = reception.dispatch(report, org.engineering, "核实", now_utc() + timedelta(days=1), by=staff)
    db.session.commit()
    login(client, staff)
    assert "司马举报" in client.get(f"/reception/work-orders/{wo.id}").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.detail).where(
        AuditEvent.action == "complaint.complainant_viewed", AuditEvent.object_id == str(report.id))
        .order_by(AuditEvent.id.desc()).limit(1))["where"] == "work_order"
    # a repair's customer is no complainant: named in full, no such log
    assert "欧阳报修" in html
    client.get(f"/reception/{repair.id}")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "complaint.complainant_viewed", AuditEvent.object_id == str(repair.id))) == 0


def test_the_register_is_searched_by_name_only_where_it_shows_the_name(client, login, db, org, staff):
    """A hit on a row that hides its customer would tell the unit who complained."""
    branch_user = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_search")
    complaint = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="东方不败",
                             content="投诉销售人员态度恶劣", handling_unit=org.branch1)
    repair = make_contact(staff, category=ContactCategory.REPAIR, customer_name="东方明", content="门锁坏了",
                          handling_unit=org.branch1, project=org.project1, room="1-1-101")
    db.session.commit()
    login(client, branch_user)
    html = client.get("/reception/?q=东方").get_data(as_text=True)
    assert repair.serial in html and complaint.serial not in html
    assert complaint.serial in client.get("/reception/?q=态度恶劣").get_data(as_text=True)  # the matter
    login(client, staff)
    html = client.get("/reception/?q=东方").get_data(as_text=True)
    assert repair.serial in html and complaint.serial in html


# --- the staff member complained about -------------------------------------------------------------

def test_the_staff_member_complained_about_opens_no_work_order_of_that_contact(client, login, db, org, staff):
    from tests.complaints.factories import make_complaint

    about_him = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_about_wo")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="诸葛明",
                           customer_phone="13911112222", content="投诉客服小李态度恶劣，挂我电话")
    wo = reception.dispatch(contact, org.engineering, "请配合核实", now_utc() + timedelta(days=1), by=staff)
    contact.complaint_id = make_complaint(org, staff, complained_staff_id=about_him.id,
                                          received_at=now_utc() - timedelta(hours=1)).id
    db.session.commit()
    login(client, about_him)
    assert client.get(f"/reception/{contact.id}").status_code == 403
    assert client.get(f"/reception/work-orders/{wo.id}").status_code == 403
    for url in ("/reception/work-orders", "/reception/work-orders/check"):
        assert wo.serial not in client.get(url).get_data(as_text=True), url
    login(client, staff)
    assert client.get(f"/reception/work-orders/{wo.id}").status_code == 200
    assert wo.serial in client.get("/reception/work-orders").get_data(as_text=True)


# --- the phone: an audited reveal --------------------------------------------------------------------

def _reveals(db, contact_id) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reception.phone_revealed",
                                                            AuditEvent.object_id == str(contact_id))))


def test_the_responsible_person_reveals_an_unknown_callers_phone_and_it_is_audited(client, login, db, org, staff,
                                                                                   csrf_off):
    contact = make_contact(staff, customer_name="过路客", customer_phone="13987654321")
    login(client, staff)
    page = client.get(f"/reception/{contact.id}").get_data(as_text=True)
    assert "13987654321" not in page and "139****4321" in page and "显示完整号码" in page
    resp = client.post(f"/reception/{contact.id}/reveal", headers={"HX-Request": "true"})
    assert resp.status_code == 200 and "13987654321" in resp.get_data(as_text=True)
    assert "<html" not in resp.get_data(as_text=True)
    [event] = _reveals(db, contact.id)
    assert event.user_id == staff.id and "13987654321" not in str(event.detail) and event.detail["phone"] == "139****4321"
    # without htmx: the number in a message on the contact's page
    resp = client.post(f"/reception/{contact.id}/reveal", follow_redirects=True)
    assert "13987654321" in resp.get_data(as_text=True) and len(_reveals(db, contact.id)) == 2


def test_an_archive_customers_phone_revealed_is_an_archive_read(client, login, db, org, staff, csrf_off):
    customer = make_customer("张伟", "13811112222", project=org.project1, room="8-2-1101")
    contact = make_contact(staff, customer=customer, customer_name="张伟", customer_phone="13811112222")
    login(client, staff)
    client.post(f"/reception/{contact.id}/reveal", headers={"HX-Request": "true"})
    assert db.session.scalar(select(ArchiveReadLog).where(ArchiveReadLog.customer_id == customer.id,
                                                          ArchiveReadLog.user_id == staff.id)) is not None
    # the record's "who read it" page says where, in words
    login(client, f.make_user(org.center, Role.ADMIN, username="admin_readers"))
    html = client.get(f"/archives/customers/{customer.id}/readers").get_data(as_text=True)
    assert "来电记录显示完整号码" in html and "reception_reveal" not in html


@pytest.mark.parametrize("who", ["colleague", "engineer"])
def test_only_those_who_handle_the_contact_reveal_the_phone(client, login, db, org, staff, csrf_off, who):
    contact = make_contact(staff, category=ContactCategory.REPAIR, customer_phone="13987654321",
                           project=org.project1, room="1-1-101")
    reception.dispatch(contact, org.engineering, "请上门维修", now_utc() + timedelta(days=1), by=staff,
                       repair_type=RepairType.WATER_LEAK)
    db.session.commit()
    user = (f.make_user(org.center, Role.CENTER_STAFF, username="kefu_other") if who == "colleague"
            else f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_reveal"))
    login(client, user)
    assert "显示完整号码" not in client.get(f"/reception/{contact.id}").get_data(as_text=True)
    assert client.post(f"/reception/{contact.id}/reveal").status_code == 403
    assert _reveals(db, contact.id) == []
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zr_reveal")
    login(client, manager)
    assert client.post(f"/reception/{contact.id}/reveal", headers={"HX-Request": "true"}).status_code == 200


def test_the_complaint_form_filled_in_from_a_contact_records_the_reveal(client, login, db, org, staff):
    customer = make_customer("张伟", "13811112222", project=org.project1, room="8-2-1101")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer=customer, customer_name="张伟",
                           customer_phone="13811112222")
    login(client, staff)
    html = client.get(f"/complaints/new?contact_id={contact.id}").get_data(as_text=True)
    assert "13811112222" in html  # the form needs it; the display is a reveal
    [event] = _reveals(db, contact.id)
    assert event.detail["where"] == "complaint_prefill" and event.user_id == staff.id
    assert db.session.scalar(select(ArchiveReadLog).where(ArchiveReadLog.customer_id == customer.id,
                                                          ArchiveReadLog.context == "complaint_prefill")) is not None
    login(client, f.make_user(org.center, Role.ADMIN, username="admin_readers2"))
    html = client.get(f"/archives/customers/{customer.id}/readers").get_data(as_text=True)
    assert "由来电记录填写投诉单" in html and "complaint_prefill" not in html


def test_notifications_about_a_complaint_contact_name_no_room(db, org, staff):
    """Titles reach the handling unit's members and leaders: the project, not the room."""
    from portal.models import Notification
    from portal.models.reception import Urgency

    f.make_user(org.engineering, Role.LEADER, username="gc_leader_note")
    make_contact(staff, category=ContactCategory.COMPLAINT, urgency=Urgency.IMPORTANT, handling_unit=org.engineering,
                 project=org.project1, room="5-2-301", content="投诉维修人员")
    make_contact(staff, category=ContactCategory.REPAIR, urgency=Urgency.IMPORTANT, handling_unit=org.engineering,
                 project=org.project1, room="6-1-101", content="漏水")
    titles = [n.title for n in db.session.scalars(select(Notification).where(Notification.kind == "reception.important"))]
    assert len(titles) == 2 and all(org.project1.name in t for t in titles)
    assert not any("5-2-301" in t for t in titles) and any("6-1-101" in t for t in titles)
