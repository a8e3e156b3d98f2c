"""The archive pages: masking, the per-customer gate, grants, their expiry, decisions, the read log."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AccessScope, AccessStatus, ArchiveAccessRequest, ArchiveReadLog, Attachment, AuditEvent, Customer, CustomerChange,
    CustomerKind, Notification, Purchase, QualityBasis,
)
from portal.models.base import utcnow
from portal.services.masking import mask_id_number, mask_phone
from tests.archives.factories import id_number, make_customer, make_grant

ID_A = id_number(4242)
PHONE_A = "13812345678"


@pytest.fixture()
def cust_a(org):
    return make_customer(org.project1, name="王建国", id_number=ID_A, phone1=PHONE_A, phone2="13987654321",
                         room="1-301")


@pytest.fixture()
def cust_b(org):
    return make_customer(org.project2, name="李秀英", room="2-502")


def html(resp) -> str:
    return resp.get_data(as_text=True)


def test_center_staff_sees_id_number_and_phones_masked(client, login, people, cust_a):
    login(client, people.staff)
    page = html(client.get(f"/archives/customers/{cust_a.id}"))
    assert "王建国" in page
    assert mask_id_number(ID_A) in page and mask_phone(PHONE_A) in page
    assert ID_A not in page and PHONE_A not in page and "13987654321" not in page


def test_live_search_answers_htmx_with_a_masked_fragment(client, login, people, cust_a, cust_b):
    login(client, people.staff)
    resp = client.get("/archives/?q=王", headers={"HX-Request": "true"})
    body = html(resp)
    assert resp.status_code == 200
    assert "<html" not in body and "王建国" in body and "李秀英" not in body
    assert mask_phone(PHONE_A) in body and PHONE_A not in body
    full = html(client.get("/archives/?q=王"))
    assert "<html" in full and 'id="results"' in full


@pytest.mark.parametrize("query, expected", [
    ({"q": PHONE_A}, True), ({"q": "13987654321"}, True), ({"q": ID_A}, True), ({"room": "1-301"}, True),
    ({"room": "2-502"}, False), ({"q": "王建"}, True), ({"q": "建国"}, False), ({"quality": "1"}, False),
])
def test_search_by_phone_id_room_and_name_prefix(client, login, people, cust_a, cust_b, query, expected):
    login(client, people.staff)
    assert ("王建国" in html(client.get("/archives/", query_string=query))) is expected


def test_reveal_shows_the_value_and_logs_the_act_not_the_value(client, login, people, cust_a, csrf_off, db):
    login(client, people.staff)
    resp = client.post(f"/archives/customers/{cust_a.id}/reveal", data={"field": "id_number"},
                       headers={"HX-Request": "true"})
    assert resp.status_code == 200 and ID_A in html(resp)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "archive.revealed"))
    assert event.user_id == people.staff.id and event.detail == {"field": "id_number"}
    assert db.session.scalar(select(ArchiveReadLog).where(ArchiveReadLog.context == "reveal")) is not None


def _archive_urls(app, ids: dict) -> list[tuple[str, str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("archives."):
            continue
        url = rule.build({arg: ids[arg] for arg in rule.arguments}, append_unknown=False)[1]
        for method in ("GET", "POST"):
            if method in rule.methods:
                out.append((rule.endpoint, method, url))
    return out


# What a branch user may open without a grant: his own requests and the request form.
OWN_PAGES = {"archives.my_requests", "archives.request_new"}


def test_branch_user_without_grant_gets_403_on_every_archive_url(app, client, login, people, cust_a, org,
                                                                  csrf_off, db):
    other = make_grant(people.branch2, customer=cust_a)  # someone else's grant is no use to him
    basis = QualityBasis(customer_id=cust_a.id, basis="referral", evidence="介绍张三购房")
    att = Attachment(owner_type="customer", owner_id=cust_a.id, filename="a.pdf", stored_name="x" * 32 + ".pdf",
                     content_type="application/pdf", size=1, sha256="0" * 64)
    db.session.add_all([basis, att])
    db.session.commit()
    purchase = db.session.scalar(select(Purchase).where(Purchase.customer_id == cust_a.id))
    ids = {"customer_id": cust_a.id, "purchase_id": purchase.id, "basis_id": basis.id, "attachment_id": att.id,
           "request_id": other.id, "import_id": 1}
    login(client, people.branch)
    checked = 0
    for endpoint, method, url in _archive_urls(app, ids):
        resp = client.open(url, method=method)
        if endpoint in OWN_PAGES:
            assert resp.status_code == 200, (endpoint, method)
            assert "王建国" not in html(resp), endpoint
        else:
            assert resp.status_code == 403, (endpoint, method, resp.status_code)
            assert "王建国" not in html(resp) and mask_phone(PHONE_A) not in html(resp)
            checked += 1
    assert checked >= 20
    # the customer page's refusal offers a request, and is itself audited
    page = html(client.get(f"/archives/customers/{cust_a.id}"))
    assert f"/archives/requests/new?customer_id={cust_a.id}" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "access.denied", AuditEvent.object_type == "customer")) >= 1
    assert db.session.scalar(select(func.count()).select_from(ArchiveReadLog)) == 0


def test_leaders_see_no_archive_data_without_a_grant(client, login, people, cust_a):
    login(client, people.leader)
    assert client.get(f"/archives/customers/{cust_a.id}").status_code == 403
    resp = client.get("/archives/")
    assert resp.status_code == 403
    assert "王建国" not in html(resp) and "/archives/requests/new" in html(resp)


def test_a_grant_for_customer_a_leaves_customer_b_closed(client, login, people, cust_a, cust_b):
    grant = make_grant(people.branch, customer=cust_a)
    login(client, people.branch)
    page = client.get(f"/archives/customers/{cust_a.id}")
    assert page.status_code == 200 and "王建国" in html(page)
    assert mask_phone(PHONE_A) in html(page) and PHONE_A not in html(page)
    assert "/reveal" not in html(page) and "/edit" not in html(page)  # read-only
    assert client.get(f"/archives/customers/{cust_b.id}").status_code == 403
    assert client.get(f"/archives/customers/{cust_b.id}/history").status_code == 403
    listing = html(client.get("/archives/"))
    assert "王建国" in listing and "李秀英" not in listing
    row = db.session.scalar(select(ArchiveReadLog).where(ArchiveReadLog.context == "detail"))
    assert row.grant_id == grant.id and row.via == "grant" and row.user_id == people.branch.id


def test_a_project_grant_opens_that_project_only(client, login, people, cust_a, cust_b, org):
    make_grant(people.branch, scope=AccessScope.PROJECT, project=org.project1)
    login(client, people.branch)
    assert client.get(f"/archives/customers/{cust_a.id}").status_code == 200
    assert client.get(f"/archives/customers/{cust_b.id}").status_code == 403


def test_a_project_grant_shows_that_projects_rooms_only(client, login, people, org, cust_a, db):
    """王建国 owns 1-301 in project 1 and 8-808 in project 2; a grant for project 1 opens his
    record with the project-1 room only, and filtering by project 2 does not find him."""
    db.session.add(Purchase(customer=cust_a, project=org.project2, room="8-808"))
    db.session.commit()
    make_grant(people.branch, scope=AccessScope.PROJECT, project=org.project1)
    login(client, people.branch)
    page = html(client.get(f"/archives/customers/{cust_a.id}"))
    assert "1-301" in page and "8-808" not in page
    for url in ("/archives/", f"/archives/?project_id={org.project1.id}"):
        listing = html(client.get(url))
        assert "王建国" in listing and "1-301" in listing and "8-808" not in listing
    assert "王建国" not in html(client.get(f"/archives/?project_id={org.project2.id}"))
    assert "王建国" not in html(client.get("/archives/?room=8-808"))  # nor by the other project's room
    assert "王建国" in html(client.get("/archives/?room=1-301"))
    login(client, people.staff)  # the center sees both
    page = html(client.get(f"/archives/customers/{cust_a.id}"))
    assert "1-301" in page and "8-808" in page


def test_the_grant_ends_at_its_expiry(client, login, people, cust_a):
    grant = make_grant(people.branch, customer=cust_a, days=7)
    end = grant.expires_at
    with time_machine.travel(end - timedelta(seconds=1), tick=False):
        login(client, people.branch)
        assert client.get(f"/archives/customers/{cust_a.id}").status_code == 200
    with time_machine.travel(end, tick=False):
        login(client, people.branch)
        assert client.get(f"/archives/customers/{cust_a.id}").status_code == 403
        assert "王建国" not in html(client.get("/archives/"))


def test_a_revoked_grant_opens_nothing(client, login, people, cust_a, csrf_off):
    grant = make_grant(people.branch, customer=cust_a)
    login(client, people.branch)
    assert client.post(f"/archives/requests/{grant.id}/revoke").status_code == 302
    assert db.session.get(ArchiveAccessRequest, grant.id).status == AccessStatus.REVOKED
    assert client.get(f"/archives/customers/{cust_a.id}").status_code == 403


def test_request_goes_to_the_branch_leader_who_approves_it(client, login, people, cust_a, csrf_off):
    login(client, people.branch)
    resp = client.post("/archives/requests/new", data={"scope": "customer", "customer_id": cust_a.id,
                                                       "period_days": 7, "reason": "业主投诉需核对房号", "project_id": 0})
    assert resp.status_code == 302
    req = db.session.scalar(select(ArchiveAccessRequest))
    assert req.status == AccessStatus.PENDING and req.period_days == 7
    note = db.session.scalar(select(Notification).where(Notification.kind == "archive_access_request"))
    assert note.user_id == people.branch_leader.id
    login(client, people.leader)  # a group leader: not routed to him
    assert client.post(f"/archives/requests/{req.id}/decide", data={"decision": "approve"}).status_code == 403
    login(client, people.branch_leader)
    assert "业主投诉需核对房号" in html(client.get("/archives/requests/queue"))
    resp = client.post(f"/archives/requests/{req.id}/decide", data={"decision": "approve", "comment": "同意"})
    assert resp.status_code == 302
    db.session.refresh(req)
    assert req.status == AccessStatus.APPROVED and req.decided_by_id == people.branch_leader.id
    assert req.expires_at - req.decided_at == timedelta(days=7)
    login(client, people.branch)
    assert client.get(f"/archives/customers/{cust_a.id}").status_code == 200


def test_period_above_30_days_is_refused_and_the_input_kept(client, login, people, cust_a, csrf_off):
    login(client, people.branch)
    resp = client.post("/archives/requests/new", data={"scope": "customer", "customer_id": cust_a.id,
                                                       "period_days": 31, "reason": "年度核对", "project_id": 0})
    assert resp.status_code == 200 and "年度核对" in html(resp)
    assert db.session.scalar(select(func.count()).select_from(ArchiveAccessRequest)) == 0


def test_a_period_left_empty_is_the_default_seven_days(client, login, people, cust_a, csrf_off):
    login(client, people.branch)
    resp = client.post("/archives/requests/new", data={"scope": "customer", "customer_id": cust_a.id,
                                                       "period_days": "", "reason": "核对房号", "project_id": 0})
    assert resp.status_code == 302
    assert db.session.scalar(select(ArchiveAccessRequest)).period_days == 7


def test_a_leader_cannot_approve_his_own_request(client, login, people, cust_a, csrf_off):
    login(client, people.leader)
    client.post("/archives/requests/new", data={"scope": "customer", "customer_id": cust_a.id, "period_days": 3,
                                                "reason": "检查服务质量", "project_id": 0})
    req = db.session.scalar(select(ArchiveAccessRequest))
    assert req.requester_id == people.leader.id
    assert "检查服务质量" not in html(client.get("/archives/requests/queue"))
    resp = client.post(f"/archives/requests/{req.id}/decide", data={"decision": "approve", "comment": "自批"})
    assert resp.status_code == 403
    db.session.refresh(req)
    assert req.status == AccessStatus.PENDING
    assert client.get(f"/archives/customers/{cust_a.id}").status_code == 403
    login(client, people.leader2)  # the other group leader decides
    assert client.post(f"/archives/requests/{req.id}/decide",
                       data={"decision": "approve", "comment": "同意"}).status_code == 302
    db.session.refresh(req)
    assert req.status == AccessStatus.APPROVED


def test_rejection_needs_a_comment(client, login, people, cust_a, csrf_off):
    req = make_grant(people.branch, customer=cust_a, status=AccessStatus.PENDING)
    login(client, people.branch_leader)
    resp = client.post(f"/archives/requests/{req.id}/decide", data={"decision": "reject", "comment": ""})
    assert resp.status_code == 200 and "说明" in html(resp)
    db.session.refresh(req)
    assert req.status == AccessStatus.PENDING


def test_every_read_writes_a_log_row_per_record(client, login, people, cust_a, cust_b, db):
    login(client, people.staff)
    client.get("/archives/")
    rows = db.session.scalars(select(ArchiveReadLog).where(ArchiveReadLog.context == "list")).all()
    assert {r.customer_id for r in rows} == {cust_a.id, cust_b.id}
    assert all(r.user_id == people.staff.id and r.via == "center_staff" and r.grant_id is None for r in rows)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "archive.read"))
    assert sorted(event.detail["customer_ids"]) == sorted([cust_a.id, cust_b.id])
    for url, context in ((f"/archives/customers/{cust_a.id}", "detail"),
                         (f"/archives/customers/{cust_a.id}/history", "history")):
        client.get(url)
        assert db.session.scalar(select(ArchiveReadLog).where(ArchiveReadLog.context == context,
                                                              ArchiveReadLog.customer_id == cust_a.id))


def test_a_list_read_under_two_grants_logs_each_row_with_its_own_grant(client, login, people, org, cust_a, cust_b):
    # one statement writes the page's log rows on PostgreSQL: each customer must keep its own grant
    grant_a = make_grant(people.branch, customer=cust_a)
    grant_b = make_grant(people.branch, scope=AccessScope.PROJECT, project=org.project2)
    login(client, people.branch)
    listing = html(client.get("/archives/"))
    assert "王建国" in listing and "李秀英" in listing
    assert mask_phone(PHONE_A) in listing and PHONE_A not in listing
    assert "1-301" in listing and "2-502" in listing
    rows = db.session.scalars(select(ArchiveReadLog).where(ArchiveReadLog.context == "list")).all()
    assert {(r.customer_id, r.grant_id, r.via, r.user_id) for r in rows} == {
        (cust_a.id, grant_a.id, "grant", people.branch.id), (cust_b.id, grant_b.id, "grant", people.branch.id)}
    assert len({r.at for r in rows}) == 1


def test_leader_sees_who_read_a_record_and_why(client, login, people, cust_a):
    grant = make_grant(people.branch, customer=cust_a)
    login(client, people.branch)
    client.get(f"/archives/customers/{cust_a.id}")
    login(client, people.staff)
    client.get(f"/archives/customers/{cust_a.id}")
    for viewer in (people.leader, people.admin):
        login(client, viewer)
        page = html(client.get(f"/archives/customers/{cust_a.id}/readers"))
        assert people.branch.display_name in page and grant.reason in page
        assert people.staff.display_name in page and "客服专员" in page and "客户档案页" in page
        assert "王建国" not in page  # the audit page itself shows no archive data
    login(client, people.staff)
    assert client.get(f"/archives/customers/{cust_a.id}/readers").status_code == 403


def test_the_customer_searches_of_reception_and_complaints_are_logged_reads(client, login, people, cust_a, db):
    """They show an archive customer's name, masked phone and room: reads like the archive list's,
    named on the "who read it" page in words."""
    login(client, people.staff)
    assert "王建国" in html(client.get("/reception/customers/search?customer_q=王建"))
    assert "王建国" in html(client.get("/complaints/customers?q=王建"))
    contexts = set(db.session.scalars(select(ArchiveReadLog.context).where(ArchiveReadLog.customer_id == cust_a.id)))
    assert contexts == {"reception_search", "complaint_search"}
    login(client, people.leader)
    page = html(client.get(f"/archives/customers/{cust_a.id}/readers"))
    assert "登记来电时查找客户" in page and "登记投诉时查找客户" in page and "客服专员" in page
    assert "reception_search" not in page and "center_staff" not in page


def test_edit_keeps_masked_history_and_logs_hold_no_full_numbers(client, login, people, cust_a, csrf_off, db):
    login(client, people.staff)
    new_phone, new_id = "13700001111", id_number(777)
    form = {"kind": "owner", "name": "王建国", "id_number": new_id, "phone1": new_phone, "phone2": "",
            "archive_year": 2025, "prospect_project_id": 0, "gender": "", "special_kind": "elderly_alone"}
    assert client.post(f"/archives/customers/{cust_a.id}/edit", data=form).status_code == 302
    changes = {c.field: c for c in db.session.scalars(select(CustomerChange))}
    assert changes["phone1"].old_value == mask_phone(PHONE_A) and changes["phone1"].new_value == mask_phone(new_phone)
    assert changes["id_number"].new_value == mask_id_number(new_id)
    assert changes["phone1"].user_id == people.staff.id
    history = html(client.get(f"/archives/customers/{cust_a.id}/history"))
    assert mask_phone(new_phone) in history and new_phone not in history and PHONE_A not in history
    assert "<td>页面编辑</td>" in history and "<td>form</td>" not in history  # the source in words
    assert "孤寡老人" in history and "elderly_alone" not in history  # a coded value in words
    client.post(f"/archives/customers/{cust_a.id}/reveal", data={"field": "phone1"})
    login(client, people.manager)
    client.get("/archives/export?reveal=1")
    dumped = json.dumps([[e.action, e.reason, e.detail, e.object_id] for e in db.session.scalars(select(AuditEvent))],
                        ensure_ascii=False)
    dumped += json.dumps([[c.old_value, c.new_value] for c in db.session.scalars(select(CustomerChange))],
                         ensure_ascii=False)
    for secret in (PHONE_A, new_phone, ID_A, new_id, "13987654321"):
        assert secret not in dumped


def test_bad_id_number_in_the_form_is_refused_and_the_input_kept(client, login, people, csrf_off):
    login(client, people.staff)
    bad = id_number(5)[:-1] + ("0" if id_number(5)[-1] != "0" else "1")
    resp = client.post("/archives/customers/new", data={"kind": "owner", "name": "赵铁柱", "id_number": bad,
                                                        "phone1": "13812340000", "archive_year": 2026,
                                                        "prospect_project_id": 0})
    assert resp.status_code == 200 and "校验" in html(resp) and "赵铁柱" in html(resp)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_purchases_make_and_unmake_a_quality_customer(client, login, people, cust_a, org, csrf_off):
    login(client, people.staff)
    resp = client.post(f"/archives/customers/{cust_a.id}/purchases/new", data={
        "project_id": org.project2.id, "building": "5栋", "room": "601", "signing_date": "2026-03-01"})
    assert resp.status_code == 302
    db.session.refresh(cust_a)
    assert cust_a.is_quality and cust_a.quality_bases[0].automatic
    assert "601" in cust_a.quality_bases[0].evidence
    second = db.session.scalar(select(Purchase).where(Purchase.room == "601"))
    client.post(f"/archives/purchases/{second.id}/delete")
    db.session.refresh(cust_a)
    assert not cust_a.is_quality and cust_a.quality_bases == []


def test_a_room_cannot_belong_to_two_customers(client, login, people, cust_a, cust_b, org, csrf_off):
    login(client, people.staff)
    resp = client.post(f"/archives/customers/{cust_b.id}/purchases/new", data={
        "project_id": org.project1.id, "building": "1栋", "room": "1-301"})
    assert resp.status_code == 200 and "已登记" in html(resp)


def test_staff_record_a_referral_as_quality_basis(client, login, people, cust_b, csrf_off):
    login(client, people.staff)
    client.post(f"/archives/customers/{cust_b.id}/quality", data={"basis": "referral",
                                                                   "evidence": "介绍同事购买滨河湾3-201"})
    db.session.refresh(cust_b)
    assert cust_b.is_quality and cust_b.quality_bases[0].evidence == "介绍同事购买滨河湾3-201"
    history = html(client.get(f"/archives/customers/{cust_b.id}/history"))
    assert "成功介绍他人购买: 介绍同事购买滨河湾3-201" in history and "referral:" not in history


def test_special_owners_have_their_own_list(client, login, people, org):
    make_customer(org.project1, name="孤老张", special_kind="elderly_alone")
    make_customer(org.project1, name="普通李")
    login(client, people.staff)
    page = html(client.get("/archives/special"))
    assert "孤老张" in page and "普通李" not in page


def test_list_rows_name_type_and_special_kind_in_the_readers_language(client, login, people, org, db):
    # the list translates its labels once per page: switching language must switch them too
    make_customer(org.project1, name="孤老张", special_kind="elderly_alone")
    make_customer(org.project1, name="军属王", special_kind="military_family", kind=CustomerKind.PROSPECT)
    login(client, people.staff)
    rows = html(client.get("/archives/?q=", headers={"HX-Request": "true"}))
    assert rows.count("孤寡老人") == 1 and rows.count("军属</span>") == 1
    assert "<td>业主</td>" in rows and "<td>意向客户</td>" in rows
    people.staff.locale = "en"
    db.session.commit()
    rows = html(client.get("/archives/?q=", headers={"HX-Request": "true"}))
    assert "Elderly living alone" in rows and "Military family" in rows
    assert "<td>Owner</td>" in rows and "<td>Prospective customer</td>" in rows and "业主" not in rows


def test_keyset_paging_walks_every_customer_once(client, login, people, org):
    for i in range(55):
        make_customer(name=f"翻页{i:02d}", commit=False)
    db.session.commit()
    login(client, people.staff)
    first = client.get("/archives/?q=翻页", headers={"HX-Request": "true"})
    body = html(first)
    assert body.count("翻页") == 50 and "after=" in body
    import re
    nxt = re.search(r'href="([^"]*after=[^"]*)"', body).group(1).replace("&amp;", "&")
    assert html(client.get(nxt, headers={"HX-Request": "true"})).count("翻页") == 5


def test_linked_sections_from_other_areas_are_shown(client, login, people, cust_a):
    from portal.services import archive_links

    @archive_links.link_provider
    def fake(customer, user):
        return [archive_links.LinkedSection(title="投诉记录", items=[archive_links.LinkedItem(label="TS-2026-000001")])]

    try:
        login(client, people.staff)
        assert "TS-2026-000001" in html(client.get(f"/archives/customers/{cust_a.id}"))
    finally:
        archive_links._providers.remove(fake)


def test_a_grant_holder_sees_only_the_linked_complaints_and_contacts_his_own_areas_show(client, login, people, org,
                                                                                       cust_a):
    """An archive grant is not a grant to the complaint register: a report (举报) about the grant
    holder and another branch's complaint stay off the customer page, as they are off his lists."""
    from tests.complaints.factories import make_complaint
    from tests.reception.factories import make_contact

    report = make_complaint(org, people.staff, customer_id=cust_a.id, is_report=True, subject="举报物业经理收受好处",
                            complained_staff_id=people.branch.id, responsible_unit_id=org.branch1.id)
    elsewhere = make_complaint(org, people.staff, customer_id=cust_a.id, subject="二号楼电梯困人",
                               responsible_unit_id=org.branch2.id)
    own = make_complaint(org, people.staff, customer_id=cust_a.id, subject="车位划线不清",
                         responsible_unit_id=org.branch1.id)
    own_contact = make_contact(people.staff, customer=cust_a, handling_unit=org.branch1)
    other_contact = make_contact(people.staff, customer=cust_a, handling_unit=org.branch2)
    db.session.commit()

    make_grant(people.branch, customer=cust_a)
    login(client, people.branch)
    page = html(client.get(f"/archives/customers/{cust_a.id}"))
    assert own_contact.serial in page
    # his unit is only responsible for `own`: the complaint page hides the complainant from it, so
    # the complainant's page does not list it either (complaint_rules.can_see_complainant)
    for hidden in (report.serial, "举报物业经理收受好处", elsewhere.serial, other_contact.serial, own.serial):
        assert hidden not in page
    assert client.get(f"/complaints/{report.id}").status_code == 403

    login(client, people.staff)  # the center sees all of them, the report included
    page = html(client.get(f"/archives/customers/{cust_a.id}"))
    assert all(s in page for s in (report.serial, elsewhere.serial, own.serial, own_contact.serial, other_contact.serial))


def test_revisits_on_the_customer_page_are_the_centers_and_never_of_a_complaint_about_the_viewer(
        client, login, people, org, cust_a, db):
    from portal.services import revisits
    from portal.services.clock import now_utc
    from tests.complaints.factories import make_complaint

    about = make_complaint(org, people.manager, customer_id=cust_a.id, complained_staff_id=people.staff.id)
    plan = revisits.sync_complaint_plan(about.id, cust_a.id, org.project1.id, now_utc() - timedelta(hours=1))
    db.session.commit()
    link = f"/revisits/{plan.id}"
    make_grant(people.branch, customer=cust_a)
    login(client, people.branch)  # a grant holder: the revisits are not his
    assert link not in html(client.get(f"/archives/customers/{cust_a.id}"))
    login(client, people.staff)  # the complaint is about him
    assert link not in html(client.get(f"/archives/customers/{cust_a.id}"))
    login(client, people.manager)
    assert link in html(client.get(f"/archives/customers/{cust_a.id}"))


def test_list_rows_show_rooms_by_project_for_staff_and_for_a_project_grant(client, login, people, org, cust_a,
                                                                             cust_b):
    """The list reads only the columns it shows and a grant is checked against (purchases' projects,
    the volume year): a project grant still finds its customers, and rows name their projects."""
    login(client, people.staff)
    page = html(client.get("/archives/"))
    assert f"{org.project1.name} 1栋1-301" in page and f"{org.project2.name} 1栋2-502" in page
    make_grant(people.branch, scope=AccessScope.PROJECT, project=org.project1)
    login(client, people.branch)
    page = html(client.get("/archives/"))
    assert "王建国" in page and f"{org.project1.name} 1栋1-301" in page and "李秀英" not in page


def test_the_edit_page_shows_id_number_and_phones_masked_and_empty_keeps_them(client, login, people, cust_a,
                                                                              csrf_off, db):
    login(client, people.staff)
    page = html(client.get(f"/archives/customers/{cust_a.id}/edit"))
    assert ID_A not in page and PHONE_A not in page and "13987654321" not in page
    assert mask_id_number(ID_A) in page and mask_phone(PHONE_A) in page
    form = {"kind": "owner", "name": "王建国", "id_number": "", "phone1": "", "phone2": "",
            "archive_year": 2025, "prospect_project_id": 0, "gender": "", "special_kind": ""}
    # a mistake elsewhere: the page comes back without the stored numbers in it
    bad = client.post(f"/archives/customers/{cust_a.id}/edit", data={**form, "postcode": "x" * 11})
    assert bad.status_code == 200 and "王建国" in html(bad)
    assert ID_A not in html(bad) and PHONE_A not in html(bad) and "13987654321" not in html(bad)
    assert client.post(f"/archives/customers/{cust_a.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    kept = db.session.get(Customer, cust_a.id)
    assert (kept.id_number, kept.phone1, kept.phone2) == (ID_A, PHONE_A, "13987654321")
    assert client.post(f"/archives/customers/{cust_a.id}/edit", data={**form, "phone2": "13600002222"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Customer, cust_a.id).phone2 == "13600002222"
    assert "删除联系电话2" in html(client.get(f"/archives/customers/{cust_a.id}/edit"))
    # "remove phone 2" with a new number typed keeps the new number; with none, the phone goes
    client.post(f"/archives/customers/{cust_a.id}/edit", data={**form, "phone2": "13600003333", "clear_phone2": "y"})
    db.session.expire_all()
    assert db.session.get(Customer, cust_a.id).phone2 == "13600003333"
    assert "至少登记两个联系电话" not in html(client.get(f"/archives/customers/{cust_a.id}"))  # two phones: no warning
    removed = client.post(f"/archives/customers/{cust_a.id}/edit", data={**form, "clear_phone2": "y"},
                          follow_redirects=True)
    db.session.expire_all()
    gone = db.session.get(Customer, cust_a.id)
    assert gone.phone2 is None and (gone.id_number, gone.phone1) == (ID_A, PHONE_A)
    assert "至少登记两个联系电话" in html(removed)  # seed 000: 联系电话(至少2个以上) — saved, and said


def test_an_owner_from_a_list_without_id_numbers_stays_editable_but_a_new_owner_needs_one(client, login, people,
                                                                                         org, csrf_off, db):
    login(client, people.staff)
    listed = make_customer(org.project1, room="1201", name="物业名单业主", id_number=None)
    form = {"kind": "owner", "name": "物业名单业主", "id_number": "", "phone1": "", "phone2": "", "car_plate": "新C3003",
            "archive_year": 2025, "prospect_project_id": 0, "gender": "", "special_kind": ""}
    assert client.post(f"/archives/customers/{listed.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Customer, listed.id).car_plate == "新C3003"
    new = client.post("/archives/customers/new", data={**form, "name": "新业主", "phone1": "13600004444"})
    assert new.status_code == 200 and "业主必须填写身份证号码" in html(new)


def test_a_request_from_a_unit_without_leaders_goes_to_the_group_not_the_parent(people, org, db):
    """DOMAIN.md §3: "the leaders of the requester's org unit, else the group's leaders"."""
    from portal.auth.permissions import Role
    from portal.models import OrgKind, OrgUnit
    from portal.services.archive_access import approvers_for
    from tests import factories as f

    office = OrgUnit(name="第一房产分公司客服组", kind=OrgKind.DEPARTMENT, parent=org.branch1)
    db.session.add(office)
    db.session.commit()
    clerk = f.make_user(office, Role.DEPARTMENT_STAFF, username="kefuzu_t")
    assert {u.id for u in approvers_for(clerk)} == {people.leader.id, people.leader2.id}
    assert [u.id for u in approvers_for(people.branch)] == [people.branch_leader.id]
    office_leader = f.make_user(office, Role.LEADER, username="kefuzu_zuzhang_t", leads=office)
    assert [u.id for u in approvers_for(clerk)] == [office_leader.id]


@pytest.mark.parametrize("kind, phone1, phone2, lacks", [
    (CustomerKind.OWNER, "13800000001", "0991-4567890", False),
    (CustomerKind.OWNER, "13800000001", None, True),  # seed 000: 联系电话(至少2个以上)
    (CustomerKind.OWNER, None, "13800000001", True),
    (CustomerKind.OWNER, None, None, True),
    (CustomerKind.PROSPECT, "13800000001", None, False),  # the sales sites' register asks for one contact
])
def test_an_owner_lacks_phones_below_two(kind, phone1, phone2, lacks):
    from portal.services.archives import lacks_owner_phones

    assert lacks_owner_phones(Customer(kind=kind, name="某", phone1=phone1, phone2=phone2)) is lacks


@pytest.mark.parametrize("field, value", [("handover_date", "9999-06-01"), ("signing_date", "9999-12-30"),
                                          ("signing_date", "0001-01-01"), ("handover_date", "1899-12-31")])
def test_a_purchase_dated_in_an_impossible_year_is_refused_with_a_message(client, login, people, cust_b, org,
                                                                         csrf_off, field, value):
    """A handover in 9999 had no revisit windows to compute (a 500): the form takes the years the
    import takes, 1900–2100, and says so."""
    login(client, people.staff)
    resp = client.post(f"/archives/customers/{cust_b.id}/purchases/new", data={
        "project_id": org.project2.id, "building": "5栋", "room": "602", field: value})
    assert resp.status_code == 200 and "请填写1900年至2100年之间的日期" in html(resp)
    assert db.session.scalar(select(func.count()).select_from(Purchase).where(Purchase.room == "602")) == 0
