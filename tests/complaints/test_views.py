"""The complaints pages: registering, bad input on every form, confidentiality, scope,
branch filing, the register's filters, the home-page cards and the reception hand-off."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import Attachment, AuditEvent
from portal.models.complaint import (
    Channel, Complaint, ComplaintStatus, FilingStatus, LeaderComment, Severity, WorkContactForm,
)
from portal.services import complaints as svc
from portal.services.clock import now_utc, to_local
from portal.services.complaint_rules import viewer_for
from portal.services.masking import mask_name, mask_phone
from tests import factories as f
from tests.complaints.factories import category, make_complaint


@pytest.fixture()
def people(org):
    return SimpleNamespace(
        staff=f.make_user(org.center, Role.CENTER_STAFF, username="kefu_v"),
        manager=f.make_user(org.center, Role.CENTER_MANAGER, username="zhuren_v"),
        leader=f.make_user(org.group, Role.LEADER, username="lingdao_v"),
        branch_leader=f.make_user(org.branch1, Role.LEADER, username="fgs1_lingdao_v"),
        engineer=f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gongcheng_v"),
        branch1=f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs1_v"),
        branch2=f.make_user(org.branch2, Role.BRANCH_STAFF, username="fgs2_v"),
    )


def _local(dt: datetime) -> str:
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def _new_form(org, **kw):
    data = {"received_at": _local(now_utc() - timedelta(hours=1)), "channel": "phone",
            "complainant_name": "欧阳明月", "complainant_phone": "13912345678", "project_id": org.project1.id,
            "room": "5-2-301", "category_id": category().id, "subject": "电梯频繁故障",
            "description": "五号楼电梯一周内停运三次。", "people_count": "1", "responsible_unit_id": org.engineering.id,
            "handler_id": 0, "complained_staff_id": 0, "plan": ""}
    data.update(kw)
    return data


def test_register_a_complaint(client, login, org, people, csrf_off):
    login(client, people.staff)
    resp = client.post("/complaints/new", data=_new_form(org))
    assert resp.status_code == 302
    c = db.session.scalar(db.select(Complaint))
    assert resp.headers["Location"].endswith(f"/complaints/{c.id}")
    assert c.subject == "电梯频繁故障" and c.responsible_unit_id == org.engineering.id
    assert c.created_by_id == people.staff.id and c.matter.subject == "电梯频繁故障"


def test_register_links_to_a_chosen_matter(client, login, org, people, csrf_off):
    first = make_complaint(org, people.staff, received_at=now_utc() - timedelta(days=1))
    login(client, people.staff)
    resp = client.post("/complaints/new", data=_new_form(org, matter_id=first.matter_id))
    assert resp.status_code == 302
    assert db.session.scalar(db.select(Complaint).where(Complaint.id != first.id)).matter_id == first.matter_id


def test_matter_proposals_fragment(client, login, org, people):
    first = make_complaint(org, people.staff, subject="电梯故障", received_at=now_utc() - timedelta(days=1))
    login(client, people.staff)
    html = client.get(f"/complaints/matters?project_id={org.project1.id}&category_id={category().id}&subject=电梯",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'value="{first.matter_id}"' in html and "<html" not in html


@pytest.mark.parametrize("changes, message", [
    ({"subject": ""}, "必填"),
    ({"subject": "长" * 201}, "200"),
    ({"description": ""}, "必填"),
    ({"complainant_phone": "12345"}, "电话号码"),
    ({"complainant_name": "", "complainant_phone": ""}, "档案客户"),
    ({"people_count": "0"}, "1"),
    ({"people_count": "many"}, "人数"),
    ({"received_at": "yesterday"}, "2026-10-08"),
    ({"received_at": (to_local(now_utc()) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}, "将来"),
    ({"project_id": "0"}, "项目"),
    ({"matter_id": "99999"}, "事项"),
])
def test_bad_registration_input_keeps_what_was_typed(client, login, org, people, csrf_off, changes, message):
    login(client, people.staff)
    resp = client.post("/complaints/new", data=_new_form(org, **changes))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in html
    assert "五号楼电梯一周内停运三次" in html or changes.get("description") == ""
    assert db.session.scalar(db.select(Complaint)) is None


@pytest.fixture()
def open_complaint(org, people):
    return make_complaint(org, people.staff, received_at=now_utc() - timedelta(hours=2),
                          responsible_unit_id=org.engineering.id, complainant_name="欧阳明月",
                          complainant_phone="13912345678", people_count=4)


@pytest.fixture()
def resolved_complaint(org, people):
    c = make_complaint(org, people.staff, received_at=now_utc() - timedelta(hours=5),
                       responsible_unit_id=org.engineering.id, complainant_name="欧阳明月",
                       complainant_phone="13912345678")
    svc.transition(c, "start", by=people.staff)
    svc.transition(c, "resolve", {"resolution": "已维修", "cause_analysis": "配件老化"}, by=people.staff)
    db.session.commit()
    return c


def _action_cases():
    return [
        # (who, path template, fixture, data, expected message)
        ("staff", "/complaints/{id}/contacts", "open_complaint", {"contacted_at": "", "way": "phone", "content": "已告知处理方案"}, "必填"),
        ("staff", "/complaints/{id}/contacts", "open_complaint", {"contacted_at": (to_local(now_utc()) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"), "way": "phone", "content": "已告知处理方案"}, "将来"),
        ("staff", "/complaints/{id}/contacts", "open_complaint", {"contacted_at": "2020-01-01T10:00", "way": "phone", "content": "已告知处理方案"}, "受理之前"),
        ("staff", "/complaints/{id}/report", "open_complaint", {"note": "请领导关注此事"}, "领导"),
        ("leader", "/complaints/{id}/comment", "open_complaint", {"body": ""}, "必填"),
        ("manager", "/complaints/{id}/severity", "open_complaint", {"severity": "major", "reason": ""}, "书面"),
        ("staff", "/complaints/{id}/edit", "open_complaint", {"channel": "phone", "description": "电梯停运", "people_count": "0", "responsible_unit_id": 0, "handler_id": 0, "complained_staff_id": 0}, "100000"),
        ("staff", "/complaints/{id}/reopen", "resolved_complaint", {"received_at": "", "channel": "phone", "description": "电梯又坏了"}, "必填"),
        ("staff", "/complaints/{id}/revisit", "resolved_complaint", {"revisit_summary": "客户表示满意", "revisit_satisfaction": "0"}, "满意度"),
        ("staff", "/complaints/{id}/contact-forms/new", "resolved_complaint", {"to_unit_id": "0", "proposal": "建议加强电梯维保"}, "部门"),
    ]


@pytest.mark.parametrize("who, path, fixture, data, message", _action_cases())
def test_bad_input_on_action_forms(request, client, login, people, csrf_off, who, path, fixture, data, message):
    c = request.getfixturevalue(fixture)
    events = len(c.events)
    login(client, getattr(people, who))
    resp = client.post(path.format(id=c.id), data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, resp.status_code
    assert message in html
    for value in data.values():  # what the user typed is still there
        if isinstance(value, str) and len(value) > 3 and value not in ("phone", "major"):
            assert value in html
    db.session.expire_all()
    assert len(c.events) == events  # nothing saved


def test_resolve_requires_resolution_and_cause(client, login, people, open_complaint, csrf_off):
    login(client, people.staff)
    client.post(f"/complaints/{open_complaint.id}/start")
    resp = client.post(f"/complaints/{open_complaint.id}/resolve", data={"resolution": "已维修", "cause_analysis": ""})
    assert resp.status_code == 200 and "必填" in resp.get_data(as_text=True) and "已维修" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert open_complaint.status == ComplaintStatus.IN_HANDLING
    resp = client.post(f"/complaints/{open_complaint.id}/resolve", data={"resolution": "已维修", "cause_analysis": "老化"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert open_complaint.status == ComplaintStatus.RESOLVED


def test_archive_requires_measures(client, login, people, resolved_complaint, csrf_off):
    svc.record_revisit(resolved_complaint, "满意", 4, people.staff)
    db.session.commit()
    login(client, people.manager)
    resp = client.post(f"/complaints/{resolved_complaint.id}/archive",
                       data={"corrective_measures": "更换配件", "preventive_measures": ""})
    assert resp.status_code == 200 and "必填" in resp.get_data(as_text=True)
    resp = client.post(f"/complaints/{resolved_complaint.id}/archive",
                       data={"corrective_measures": "更换配件", "preventive_measures": "定期维保"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert resolved_complaint.status == ComplaintStatus.ARCHIVED


def test_refused_transition_is_not_applied(client, login, people, open_complaint, csrf_off):
    login(client, people.staff)
    resp = client.post(f"/complaints/{open_complaint.id}/revisit",
                       data={"revisit_summary": "满意", "revisit_satisfaction": "5"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert open_complaint.status == ComplaintStatus.RECEIVED


SECRETS = ("欧阳明月", "13912345678", mask_phone("13912345678"), mask_name("欧阳明月"), "5678")


def test_responsible_department_never_sees_the_complainant(client, login, people, resolved_complaint, csrf_off):
    """The department complained about sees the matter, not the person: neither the name nor the
    phone (in any form) appears anywhere in the complaint page, the printable form or its work
    contact form."""
    c = resolved_complaint
    svc.add_contact(c, contacted_at=now_utc() - timedelta(hours=1), way=svc.ContactWay.PHONE,
                    content="已致电欧阳明月 13912345678", by=people.staff)
    form = svc.send_contact_form(c, to_unit=c.responsible_unit, proposal="建议加强电梯维保", reply_due_on=None,
                                 by=people.staff)
    # an attachment named after her: listed with the complainant, so never to the department
    db.session.add(Attachment(owner_type="complaint", owner_id=c.id, filename="欧阳明月来信扫描.pdf", size=3072,
                              stored_name="scan-of-her-letter", content_type="application/pdf", sha256="0" * 64))
    db.session.commit()
    login(client, people.staff)  # the center's page lists the form, its unit and the contact's author
    html = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert form.serial in html and c.responsible_unit.name in html and "已致电欧阳明月" in html
    assert "欧阳明月来信扫描.pdf</a> <small class=\"muted\">3 KB</small>" in html
    assert people.staff.display_name in html
    login(client, people.engineer)
    for url in (f"/complaints/{c.id}", f"/complaints/{c.id}/print", f"/complaints/contact-forms/{form.id}",
                "/complaints/", "/complaints/contact-forms"):
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, url
        assert c.subject in html or url.endswith("contact-forms") or url.endswith("/complaints/")
        for secret in SECRETS:
            assert secret not in html, (url, secret)
    assert client.get(f"/complaints/{c.id}/print").status_code == 200
    assert not db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "complaint.complainant_viewed",
                                                             AuditEvent.user_id == people.engineer.id))
    # and the department answers its contact form
    resp = client.post(f"/complaints/contact-forms/{form.id}", data={"reply": "已安排每周维保"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(WorkContactForm, form.id).reply == "已安排每周维保"


def test_staff_member_complained_about_does_not_see_who(client, login, org, people):
    c = make_complaint(org, people.staff, complained_staff_id=people.staff.id, complainant_name="欧阳明月",
                       complainant_phone="13912345678", received_at=now_utc() - timedelta(hours=1))
    login(client, people.staff)
    html = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert "欧阳明月" not in html and "5678" not in html


def test_center_display_of_the_complainant_is_audited_masked(client, login, people, open_complaint):
    login(client, people.staff)
    html = client.get(f"/complaints/{open_complaint.id}").get_data(as_text=True)
    assert "欧阳明月" in html and "139****5678" in html and "13912345678" not in html
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "complaint.complainant_viewed"))
    assert event.user_id == people.staff.id and event.object_id == str(open_complaint.id)
    assert event.detail["phone"] == "139****5678" and event.detail["name"] == mask_name("欧阳明月")
    assert "13912345678" not in str(event.detail)


def test_reveal_phone_is_audited(client, login, people, open_complaint, csrf_off):
    login(client, people.staff)
    resp = client.post(f"/complaints/{open_complaint.id}/reveal", headers={"HX-Request": "true"})
    assert "13912345678" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "complaint.complainant_viewed"))


@pytest.mark.parametrize("who, status", [("staff", 200), ("leader", 200), ("branch_leader", 403),
                                         ("engineer", 403), ("branch1", 403)])
def test_report_is_only_for_the_center_and_group_leaders(client, login, org, people, who, status):
    c = make_complaint(org, people.staff, is_report=True, responsible_unit_id=org.engineering.id,
                       received_at=now_utc() - timedelta(hours=1))
    login(client, getattr(people, who))
    assert client.get(f"/complaints/{c.id}").status_code == status
    assert (c.serial in client.get("/complaints/").get_data(as_text=True)) is (status == 200)


def test_a_branch_leader_it_was_reported_to_opens_lists_and_comments_on_it(client, login, org, people, csrf_off):
    """The report form offers every leader (第一责任人 included): the one chosen must be able to
    read what he is asked to comment on, though it belongs to another unit."""
    c = make_complaint(org, people.staff, people_count=3, responsible_unit_id=org.engineering.id,
                       received_at=now_utc() - timedelta(hours=1))
    assert c.severity == Severity.IMPORTANT
    login(client, people.branch_leader)
    assert client.get(f"/complaints/{c.id}").status_code == 403

    login(client, people.staff)
    assert client.post(f"/complaints/{c.id}/report", data={"leader_ids": [people.branch_leader.id],
                                                            "note": "请分公司协调"}).status_code == 302
    login(client, people.branch_leader)
    page = client.get(f"/complaints/{c.id}")
    assert page.status_code == 200 and c.complainant_phone not in page.get_data(as_text=True)
    assert c.serial in client.get("/complaints/").get_data(as_text=True)
    assert client.post(f"/complaints/{c.id}/comment", data={"body": "请工程部三日内修复"}).status_code == 302
    assert db.session.scalar(db.select(LeaderComment).where(LeaderComment.complaint_id == c.id)).body == "请工程部三日内修复"
    # another branch leader, not asked, still sees nothing
    other = f.make_user(org.branch2, Role.LEADER, username="fgs2_lingdao_v")
    login(client, other)
    assert client.get(f"/complaints/{c.id}").status_code == 403


def test_the_staff_member_complained_about_can_neither_search_by_nor_edit_his_way_to_the_complainant(
        client, login, org, people, csrf_off):
    about_him = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_about")
    c = make_complaint(org, people.staff, complained_staff_id=about_him.id, complainant_name="司马青云",
                       complainant_phone="13966667777", received_at=now_utc() - timedelta(hours=1))
    login(client, about_him)
    assert client.get(f"/complaints/{c.id}").status_code == 200  # the matter, not the person
    for q in ("13966667777", "司马青云"):
        assert c.serial not in client.get(f"/complaints/?q={q}").get_data(as_text=True)
    assert c.serial in client.get(f"/complaints/?q={c.serial}").get_data(as_text=True)
    assert client.get(f"/complaints/{c.id}/edit").status_code == 403
    assert client.post(f"/complaints/{c.id}/edit", data=_new_form(org, complained_staff_id=0)).status_code == 403
    assert db.session.get(Complaint, c.id).complained_staff_id == about_him.id
    login(client, people.staff)
    assert c.serial in client.get("/complaints/?q=13966667777").get_data(as_text=True)


def test_the_timeline_tells_when_new_facts_lift_an_override(client, login, org, people):
    c = make_complaint(org, people.staff, people_count=3, received_at=now_utc() - timedelta(hours=2))
    svc.override_severity(c, Severity.GENERAL, "同一家庭", by=people.manager)
    svc.update_complaint(c, {"lawsuit_filed": True}, by=people.staff)
    db.session.commit()
    login(client, people.staff)
    page = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert "调整已取消" in page and "同一家庭" in page


def test_a_branch_filing_is_not_offered_the_matter_of_a_report(client, login, org, people):
    report = make_complaint(org, people.staff, is_report=True, subject="举报物业经理收受好处",
                            received_at=now_utc() - timedelta(hours=1))
    plain = make_complaint(org, people.staff, subject="电梯频繁故障", received_at=now_utc() - timedelta(hours=1))
    url = f"/complaints/matters?project_id={org.project1.id}&category_id={report.category_id}&subject=物业"
    login(client, people.branch1)
    page = client.get(url).get_data(as_text=True)
    assert "举报物业经理收受好处" not in page and plain.matter.subject in page
    login(client, people.staff)
    assert "举报物业经理收受好处" in client.get(url).get_data(as_text=True)


def test_the_staff_member_a_report_is_about_is_not_offered_its_matter(client, login, org, people):
    """Center staff see every complaint, but not a report (举报) about themselves: neither in the
    proposals nor by posting its matter's id (the new complaint's page would show its subject)."""
    about_him = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_about_m")
    report = make_complaint(org, people.staff, is_report=True, subject="举报客服专员收受好处",
                            complained_staff_id=about_him.id, received_at=now_utc() - timedelta(hours=1))
    url = f"/complaints/matters?project_id={org.project1.id}&category_id={report.category_id}&subject=好处"
    login(client, about_him)
    assert "举报客服专员收受好处" not in client.get(url).get_data(as_text=True)
    assert not svc.may_join_matter(report.matter, viewer_for(about_him))
    login(client, people.staff)
    assert "举报客服专员收受好处" in client.get(url).get_data(as_text=True)
    assert svc.may_join_matter(report.matter, viewer_for(people.staff))


def test_the_page_shows_the_handling_steps_of_seed_002(client, login, org, people):
    c = make_complaint(org, people.staff, people_count=3, received_at=now_utc() - timedelta(hours=1))
    login(client, people.staff)
    page = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    steps = page[page.index('class="workflow"'):]
    steps = steps[:steps.index("</ol>")]
    for label in ("已接收", "归类", "初步处理", "上报领导", "跟进反馈", "归档"):
        assert label in steps
    assert "一般投诉无需上报" not in steps  # an important complaint must be escalated
    general = make_complaint(org, people.staff, received_at=now_utc() - timedelta(hours=1))
    assert "一般投诉无需上报" in client.get(f"/complaints/{general.id}").get_data(as_text=True)


def _filing_form(org, **kw):
    data = _new_form(org, handled_closed_on=to_local(now_utc()).date().isoformat(), resolution="已上门维修",
                     cause_analysis="电梯控制板老化", corrective_measures="", preventive_measures="")
    for key in ("responsible_unit_id", "handler_id", "complained_staff_id", "plan"):
        data.pop(key)
    data.update(kw)
    return data


def test_branch_files_submits_and_sees_only_its_own(client, login, org, people, csrf_off):
    login(client, people.branch1)
    resp = client.post("/complaints/filings/new", data=_filing_form(org, submit_now="1"))
    assert resp.status_code == 302
    c = db.session.scalar(db.select(Complaint))
    assert c.filed_by_unit_id == org.branch1.id and c.filing_status == FilingStatus.SUBMITTED
    page = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert "欧阳明月" in page  # it took the complaint itself
    assert "首次答复：由第一房产分公司自行处理并答复" in page.replace(org.branch1.name, "第一房产分公司")
    other = make_complaint(org, people.staff, subject="别家的投诉", responsible_unit_id=org.branch2.id,
                           received_at=now_utc() - timedelta(hours=1))
    listing = client.get("/complaints/").get_data(as_text=True)
    assert c.serial in listing and other.serial not in listing
    assert client.get(f"/complaints/{other.id}").status_code == 403
    login(client, people.branch2)
    assert client.get(f"/complaints/{c.id}").status_code == 403
    # the center accepts it
    login(client, people.staff)
    resp = client.post(f"/complaints/{c.id}/filing/review", data={"decision": "return", "reason": ""})
    assert resp.status_code == 200 and "更正" in resp.get_data(as_text=True)
    resp = client.post(f"/complaints/{c.id}/filing/review", data={"decision": "accept", "reason": ""})
    assert resp.status_code == 302
    db.session.expire_all()
    assert c.filing_status == FilingStatus.ACCEPTED


@pytest.mark.parametrize("changes, message", [
    ({"handled_closed_on": ""}, "日期"),
    ({"handled_closed_on": (date.today() + timedelta(days=3)).isoformat()}, "将来"),
    ({"resolution": ""}, "必填"),
    ({"cause_analysis": ""}, "必填"),
])
def test_bad_filing_input(client, login, org, people, csrf_off, changes, message):
    login(client, people.branch1)
    resp = client.post("/complaints/filings/new", data=_filing_form(org, **changes))
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)
    assert "五号楼电梯一周内停运三次" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(Complaint)) is None


def test_branch_forwards_in_one_step(client, login, org, people, csrf_off):
    login(client, people.branch1)
    data = _new_form(org, note="属于工程部责任")
    for key in ("responsible_unit_id", "handler_id", "complained_staff_id", "plan"):
        data.pop(key)
    resp = client.post("/complaints/forward", data=data)
    assert resp.status_code == 302
    c = db.session.scalar(db.select(Complaint))
    assert c.forwarded_by_unit_id == org.branch1.id and c.status == ComplaintStatus.RECEIVED
    bad = client.post("/complaints/forward", data={**data, "subject": ""})
    assert bad.status_code == 200 and "必填" in bad.get_data(as_text=True)


def test_register_filters_and_htmx_fragment(client, login, org, people):
    late = make_complaint(org, people.staff, subject="首次回复超时", received_at=now_utc() - timedelta(hours=50))
    fresh = make_complaint(org, people.staff, subject="刚受理", received_at=now_utc() - timedelta(hours=1),
                           people_count=12)
    login(client, people.staff)
    html = client.get("/complaints/?due=first_reply_overdue").get_data(as_text=True)
    assert late.serial in html and fresh.serial not in html
    frag = client.get("/complaints/?severity=major", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fresh.serial in frag and late.serial not in frag and "<html" not in frag
    assert late.serial in client.get(f"/complaints/?matter={late.matter_id}").get_data(as_text=True)


def test_home_page_cards(client, login, org, people):
    make_complaint(org, people.staff, received_at=now_utc() - timedelta(hours=50), people_count=3)
    login(client, people.staff)
    html = client.get("/").get_data(as_text=True)
    assert "首次回复已超时" in html and "尚未向领导汇报" in html


def test_leader_comment_awaited_card_and_comment(client, login, org, people, csrf_off):
    c = make_complaint(org, people.staff, media_exposed=True, received_at=now_utc() - timedelta(hours=1))
    login(client, people.leader)
    assert "等待您批示" in client.get("/").get_data(as_text=True)
    resp = client.post(f"/complaints/{c.id}/comment", data={"body": "请立即处理并每日汇报", "is_instruction": "y"})
    assert resp.status_code == 302
    assert "请立即处理并每日汇报" in client.get(f"/complaints/{c.id}").get_data(as_text=True)


def test_print_form_has_every_field(client, login, people, resolved_complaint):
    login(client, people.staff)
    html = client.get(f"/complaints/{resolved_complaint.id}/print").get_data(as_text=True)
    for label in ("投诉处理单", "编号", "受理时间", "投诉人", "项目/房号", "投诉类别", "投诉事项", "投诉等级", "人数", "责任部门",
                  "处理人", "处理方案", "与客户的联系", "领导", "处理结果", "原因分析", "纠正措施", "预防措施", "回访结果", "满意度"):
        assert label in html, label


def test_register_from_a_reception_record(client, login, org, people, csrf_off):
    """The complaint takes the contact's data, and both records point at each other."""
    from portal.models.reception import Channel as ContactChannel, Contact, ContactCategory
    from tests.reception.factories import make_contact

    contact = make_contact(people.staff, category=ContactCategory.COMPLAINT, channel=ContactChannel.LETTER,
                           customer_name="钱多多", customer_phone="13655556666", project=org.project1,
                           room="1-1-101", content="物业乱收费", received_at=now_utc() - timedelta(hours=3))
    login(client, people.staff)
    html = client.get(f"/complaints/new?contact_id={contact.id}").get_data(as_text=True)
    assert "钱多多" in html and "物业乱收费" in html and f'value="{contact.id}"' in html
    resp = client.post("/complaints/new", data=_new_form(org, source_contact_id=str(contact.id)))
    assert resp.status_code == 302
    complaint = db.session.scalar(db.select(Complaint))
    assert complaint.source_contact_id == contact.id
    assert db.session.get(Contact, contact.id).complaint_id == complaint.id
    # a second visit to the hand-off goes to the complaint instead of registering another
    again = client.get(f"/complaints/new?contact_id={contact.id}")
    assert again.status_code == 302 and f"/complaints/{complaint.id}" in again.headers["Location"]


def test_register_rows_name_a_retired_project_and_link_to_the_complaint(client, login, org, people):
    """The register reads only its columns and names projects and categories from one lookup:
    a retired project still names its complaints' rows, though the filter no longer offers it."""
    c = make_complaint(org, people.staff, subject="地库渗水", room="9-9-909")
    org.project1.active = False
    db.session.commit()
    login(client, people.staff)
    page = client.get("/complaints/").get_data(as_text=True)
    assert f"<td>{org.project1.name} 9-9-909</td>" in page and f"<td>{category().name}</td>" in page
    assert f">{org.project1.name}</option>" not in page and f">{org.project2.name}</option>" in page
    detail_href, matter_href = f'href="/complaints/{c.id}"', f'href="/complaints/?matter={c.matter_id}"'
    assert detail_href in page and matter_href in page
    assert "地库渗水" in client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert c.serial in client.get(f"/complaints/?matter={c.matter_id}").get_data(as_text=True)


def test_a_reopened_complaint_links_to_its_reopening(client, login, people, resolved_complaint):
    second = svc.reopen(resolved_complaint, received_at=now_utc(), channel=Channel.PHONE, description="又漏水了",
                        by=people.staff)
    db.session.commit()
    login(client, people.staff)
    page = client.get(f"/complaints/{resolved_complaint.id}").get_data(as_text=True)
    assert "已重新开启为" in page and f'href="/complaints/{second.id}">{second.serial}</a>' in page


def test_a_register_row_shows_each_column_and_its_deadline_tags(app, client, login, org, people):
    """The register's lines are plain tuples unpacked by the template: every column lands in its
    cell, and an open complaint whose first reply is two days late is tagged so."""
    import re

    from flask_babel import gettext

    from portal.blueprints.complaints.forms import SEVERITY_LABELS
    from portal.blueprints.complaints.views import STATUS_LABELS
    from portal.services.complaint_rules import clock_state

    received = now_utc() - timedelta(days=3)
    c = make_complaint(org, people.staff, received_at=received, subject="电梯困人", room="5-2-201")
    assert clock_state(c.first_reply_due_at, c.first_replied_at, now_utc()) == "overdue"
    login(client, people.staff)
    page = client.get("/complaints/").get_data(as_text=True)
    row = re.search(r'<tr>\s*<td><a href="/complaints/%d">.*?</tr>' % c.id, page, re.S).group(0)
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    with app.test_request_context("/"):
        overdue = gettext("first reply overdue")
        labels = str(SEVERITY_LABELS[c.severity]), str(STATUS_LABELS[c.status])
    assert cells[:7] == [c.serial, to_local(c.received_at).strftime("%Y-%m-%d %H:%M"), f"{org.project1.name} 5-2-201",
                         category().name, "电梯困人", *labels]
    assert overdue in cells[7]


def test_leader_comments_on_important_or_reported_complaints_only(client, login, org, people, csrf_off):
    general = make_complaint(org, people.staff, received_at=now_utc() - timedelta(hours=1))
    login(client, people.leader)
    page = client.get(f"/complaints/{general.id}").get_data(as_text=True)
    assert f"/complaints/{general.id}/comment" not in page
    resp = client.post(f"/complaints/{general.id}/comment", data={"body": "已阅"}, follow_redirects=True)
    assert "重大和重要投诉" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert general.leader_comments == []
    # reported to this leader: asked for a comment, may give one
    svc.report_to_leaders(general, [people.leader], "请领导知悉", by=people.staff)
    db.session.commit()
    assert f"/complaints/{general.id}/comment" in client.get(f"/complaints/{general.id}").get_data(as_text=True)
    assert client.post(f"/complaints/{general.id}/comment", data={"body": "已阅"}).status_code == 302
    db.session.expire_all()
    assert [m.body for m in general.leader_comments] == ["已阅"]


def test_a_visit_by_twelve_owners_is_prefilled_as_twelve_people(client, login, org, people):
    from portal.models.reception import Channel as ContactChannel, ContactCategory
    from tests.reception.factories import make_contact

    contact = make_contact(people.staff, category=ContactCategory.COMPLAINT, channel=ContactChannel.VISIT,
                           customer_name="业主代表", customer_phone="13655557777", project=org.project1,
                           content="十二位业主集体反映车库漏水", visitor_count=12, received_at=now_utc() - timedelta(hours=1))
    login(client, people.staff)
    html = client.get(f"/complaints/new?contact_id={contact.id}").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="people_count"[^>]*>', html).group(0)
    assert 'value="12"' in field


def test_a_revisit_recorded_on_the_complaint_page_keeps_its_method(client, login, people, resolved_complaint, csrf_off):
    """The report counts revisits by method: an on-site revisit recorded here is not a phone call."""
    from portal.models.revisit import RevisitMethod, RevisitPlan, RevisitStatus

    plan = db.session.scalar(db.select(RevisitPlan).where(RevisitPlan.complaint_id == resolved_complaint.id))
    assert plan is not None and plan.status == RevisitStatus.OPEN
    login(client, people.staff)
    form = client.get(f"/complaints/{resolved_complaint.id}/revisit").get_data(as_text=True)
    assert 'name="revisit_method"' in form and "上门" in form
    bad = client.post(f"/complaints/{resolved_complaint.id}/revisit",
                      data={"revisit_method": "pigeon", "revisit_summary": "信鸽回访", "revisit_satisfaction": "5"})
    assert bad.status_code == 200 and "信鸽回访" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert resolved_complaint.status == ComplaintStatus.RESOLVED
    resp = client.post(f"/complaints/{resolved_complaint.id}/revisit",
                       data={"revisit_method": "visit", "revisit_summary": "上门查看，客户满意", "revisit_satisfaction": "5"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert resolved_complaint.status == ComplaintStatus.REVISITED and resolved_complaint.revisit_method == "visit"
    assert (plan.status, plan.method) == (RevisitStatus.DONE, RevisitMethod.VISIT)


@pytest.mark.parametrize("days_late, marked", [(0, False), (5, True)])
def test_the_page_marks_a_report_to_a_leader_made_after_its_working_day(client, login, org, people, csrf_off,
                                                                         days_late, marked):
    """The due time stays when the report is made, so the page can say the report came late."""
    c = make_complaint(org, people.staff, people_count=3, received_at=now_utc() - timedelta(hours=1))
    assert c.severity == Severity.IMPORTANT and c.leader_report_due_at is not None
    if days_late:
        c.leader_report_due_at = now_utc() - timedelta(days=days_late)  # as if received days ago
        db.session.commit()
    login(client, people.staff)
    assert client.post(f"/complaints/{c.id}/report", data={"leader_ids": [people.leader.id],
                                                            "note": "请领导关注"}).status_code == 302
    page = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert "向领导汇报期限" in page  # the deadline is still shown after the report
    assert ("逾期汇报" in page) is marked
