"""Reception pages: registering (every kind of bad input gets a Chinese message and keeps what
was typed), the list with its filters, work orders, scope, scans and the complaint hand-off."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.permissions import Role
from portal.models import Attachment
from portal.models.reception import Contact, ContactCategory, ContactStatus, EventKind, RepairType, WorkOrder
from portal.services import reception
from portal.services.clock import now_utc, to_local
from tests import factories as f
from tests.reception.factories import make_contact, make_customer

CONTENT = "我家卫生间的水管漏水了请尽快来修"
PDF = b"%PDF-1.4 a small letter scan"


@pytest.fixture()
def staff(org):
    return f.make_user(org.center, Role.CENTER_STAFF, username="kefu_v", display_name="王客服")


@pytest.fixture()
def staff_client(client, staff, login, csrf_off):
    login(client, staff)
    return client


def _local(dt) -> str:
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def _first_project_id() -> str:
    from portal.extensions import db
    from portal.models import Project

    return str(db.session.scalar(select(Project.id).order_by(Project.id)))


def _form(**changes):
    data = {
        # a repair names its project and room (the 30-day repeat check)
        "channel": "phone", "received_at": _local(now_utc() - timedelta(minutes=10)), "customer_id": "",
        "customer_name": "赵大爷", "customer_phone": "13812345678", "project_id": _first_project_id(), "room": "3-1-502",
        "category": "repair", "urgency": "general", "content": CONTENT, "handling_unit_id": "0",
        "praised_unit_id": "0", "letter_sender": "", "letter_date": "", "visitor_count": "",
    }
    data.update(changes)
    return data


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Contact))


def test_register_an_unknown_caller(staff_client, db, staff):
    resp = staff_client.post("/reception/new", data=_form())
    assert resp.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact.serial == f"JD-{to_local(contact.received_at).year}-000001"
    assert contact.responsible_id == staff.id and contact.customer_id is None
    assert contact.reply_due_at == contact.received_at + timedelta(hours=24)
    page = staff_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert CONTENT in page and "138****5678" in page and "13812345678" not in page


def test_register_an_archive_customer_takes_name_and_phone_from_the_archive(staff_client, db, org):
    customer = make_customer("张伟", "13811112222", project=org.project1, room="8-2-1101")
    resp = staff_client.post("/reception/new", data=_form(customer_id=str(customer.id), customer_name="",
                                                          customer_phone="", project_id=str(org.project1.id)))
    assert resp.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert (contact.customer_id, contact.customer_name, contact.customer_phone) == (customer.id, "张伟", "13811112222")
    archive_page = staff_client.get(f"/archives/customers/{customer.id}").get_data(as_text=True)
    assert contact.serial in archive_page and "处理中" in archive_page  # linked, its state in words
    assert '<span class="tag">open</span>' not in archive_page


@pytest.mark.parametrize("changes, message, kept", [
    ({"content": ""}, "必填", "赵大爷"),
    ({"content": "漏" * 2001}, "2000", "赵大爷"),
    ({"customer_name": "赵" * 101}, "100", CONTENT),
    ({"received_at": "2026-13-45T10:00"}, "有效的日期和时间", "2026-13-45T10:00"),
    ({"received_at": "not a time"}, "有效的日期和时间", CONTENT),
    ({"received_at": ""}, "必填", CONTENT),
    ({"received_at": _local(now_utc() + timedelta(hours=3))}, "不能晚于现在", CONTENT),
    ({"customer_id": "99999", "customer_name": ""}, "档案中没有该客户", CONTENT),
    ({"customer_id": "abc"}, "档案中没有该客户", CONTENT),
    ({"customer_name": ""}, "填写客户姓名", CONTENT),
    ({"customer_phone": ""}, "须填写联系电话", CONTENT),
    ({"customer_phone": "12345"}, "电话号码格式不正确", "12345"),
    ({"urgency": "emergency"}, "紧急事项须选择", CONTENT),
    ({"category": "praise"}, "被表扬人员所在部门", CONTENT),
    ({"channel": "visit"}, "来访人数", CONTENT),
    ({"channel": "visit", "visitor_count": "很多"}, "整数", CONTENT),
    ({"channel": "letter", "letter_date": "2026-02-30"}, "日期", CONTENT),
    ({"channel": "letter", "letter_date": _local(now_utc() + timedelta(days=3))[:10]}, "来函日期不能晚于", CONTENT),
    ({"channel": "fax"}, "选择", CONTENT),
    ({"project_id": "0"}, "报修须选择项目", CONTENT),  # a repair: the 30-day repeat check needs it
])
def test_bad_register_input_gets_a_message_and_keeps_the_input(staff_client, db, changes, message, kept):
    resp = staff_client.post("/reception/new", data=_form(**changes))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in html
    assert kept in html
    assert "尚未保存" in html  # the summary says nothing was saved
    assert _count(db) == 0


def test_a_phone_typed_full_width_is_stored_as_digits(staff_client, db):
    """A Chinese input method types １３８…; the number is kept (and searched, masked) as 138…."""
    from portal.models.reception import Contact

    resp = staff_client.post("/reception/new", data=_form(customer_phone="１３８ １２３４ ５６７８"))
    assert resp.status_code == 302
    assert db.session.scalar(select(Contact.customer_phone)) == "13812345678"


def test_a_repair_of_a_common_area_needs_no_room(staff_client, db):
    """A lift or a street lamp has a project and no room (seed 003 §五 checks repeats by room)."""
    resp = staff_client.post("/reception/new", data=_form(room="", content="3号楼电梯停运"))
    assert resp.status_code == 302 and _count(db) == 1


@pytest.mark.parametrize("payload, filename, message", [
    (b"%PDF-" + b"x" * 3000, "scan.pdf", "文件超过"),
    (b"MZ\x90\x00" * 10, "letter.pdf", "只能上传 PDF"),
    (b"", "empty.pdf", "文件是空的"),
    (b"", "", ""),  # no file chosen: the browser sends an empty name, and there is no scan
])
def test_letter_scan_too_large_or_of_the_wrong_type(app, staff_client, db, payload, filename, message):
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    try:
        data = _form(channel="letter", letter_sender="赵大爷", letter_date="")
        data["scan"] = (io.BytesIO(payload), filename)
        resp = staff_client.post("/reception/new", data=data, content_type="multipart/form-data")
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024
    if not message:
        assert resp.status_code == 302 and _count(db) == 1
        return
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and message in html and CONTENT in html and "赵大爷" in html
    assert _count(db) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_letter_scan_is_served_only_to_those_who_see_the_contact(app, staff_client, client, db, org, login):
    yesterday = now_utc() - timedelta(days=1, hours=2)
    data = _form(channel="letter", letter_sender="赵大爷", received_at=_local(yesterday),
                 letter_date=_local(yesterday)[:10])
    data["scan"] = (io.BytesIO(PDF), "来函.pdf")
    resp = staff_client.post("/reception/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert reception.reply_state(contact.reply_due_at, None, False, now_utc()) == "overdue"  # a day late
    att = db.session.scalar(select(Attachment))
    url = f"/reception/{contact.id}/scans/{att.id}"
    got = staff_client.get(url)
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert staff_client.get(f"/reception/{contact.id}/scans/{att.id + 1}").status_code == 404
    outsider = f.make_user(org.branch2, Role.BRANCH_STAFF)
    login(client, outsider)
    assert client.get(url).status_code == 403


def test_two_register_forms_saved_one_after_another_get_consecutive_serials(staff_client, db):
    staff_client.post("/reception/new", data=_form())
    staff_client.post("/reception/new", data=_form(content="第二条"))
    assert [c.serial[-6:] for c in db.session.scalars(select(Contact).order_by(Contact.id))] == ["000001", "000002"]


def test_live_customer_search_masks_phones(staff_client, db, org):
    make_customer("张伟", "13811112222", project=org.project1, room="8-2-1101")
    html = staff_client.get("/reception/customers/search?customer_q=8-2-11",
                            headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "张伟" in html and "138****2222" in html and "13811112222" not in html
    assert "<html" not in html
    none = staff_client.get("/reception/customers/search?customer_q=nobody").get_data(as_text=True)
    assert "没有与" in none


# --- the list ---------------------------------------------------------------------------------------

def test_list_filters_and_htmx_fragment(staff_client, db, staff, org):
    repair = make_contact(staff, category=ContactCategory.REPAIR, project=org.project1, customer_phone="13900002222")
    inquiry = make_contact(staff, category=ContactCategory.INQUIRY)
    late = make_contact(staff, received_at=now_utc() - timedelta(days=2))
    full = staff_client.get("/reception/").get_data(as_text=True)
    assert all(c.serial in full for c in (repair, inquiry, late))
    assert "139****2222" in full and "13900002222" not in full
    frag = staff_client.get("/reception/?category=repair", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in frag and 'id="contact-table"' in frag
    assert repair.serial in frag and inquiry.serial not in frag
    overdue = staff_client.get("/reception/?overdue=y").get_data(as_text=True)
    assert late.serial in overdue and repair.serial not in overdue and "已逾期" in overdue
    by_project = staff_client.get(f"/reception/?project={org.project1.id}").get_data(as_text=True)
    assert repair.serial in by_project and inquiry.serial not in by_project
    assert "JD-" not in staff_client.get(f"/reception/?project={org.project2.id}").get_data(as_text=True)


def test_the_filter_bar_speaks_the_readers_language_and_keeps_the_chosen_option(staff_client, db, staff):
    # its choices are translated once per language and shared by every page: switching language
    # switches them, and the option chosen on one page is not left selected on the next
    page = staff_client.get("/reception/?status=active").get_data(as_text=True)
    assert "全部渠道" in page and "全部紧急程度" in page
    assert '<option value="active" selected>未办结</option>' in page
    staff.locale = "en"
    db.session.commit()
    page = staff_client.get("/reception/").get_data(as_text=True)
    assert "All channels" in page and "Any urgency" in page and "全部渠道" not in page
    assert '<option value="active">Not closed</option>' in page


def test_list_search_finds_content(staff_client, db, staff):
    hit = make_contact(staff, content="咨询交房时间")
    miss = make_contact(staff, content="报修门锁")
    html = staff_client.get("/reception/?q=交房").get_data(as_text=True)
    assert hit.serial in html and miss.serial not in html


def test_list_bad_filter_input_is_a_message_not_a_500(staff_client, db):
    resp = staff_client.get("/reception/?date_from=2026-13-45&project=abc&q=" + "x" * 101)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "2026-13-45" in html
    assert "100" in html  # the search is too long


def test_list_pages_by_keyset(staff_client, db, staff):
    base = now_utc() - timedelta(hours=3)
    made = [make_contact(staff, received_at=base + timedelta(minutes=i), commit=False) for i in range(53)]
    db.session.commit()
    first = staff_client.get("/reception/").get_data(as_text=True)
    assert made[-1].serial in first and made[3].serial in first and made[2].serial not in first  # 50 a page
    import re

    next_url = re.search(r'href="(/reception/\?[^"]*after=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = staff_client.get(next_url).get_data(as_text=True)
    assert all(made[i].serial in second for i in (0, 1, 2)) and made[3].serial not in second


def test_branch_staff_see_only_their_units_contacts(client, db, org, staff, login):
    mine = make_contact(staff, content="分公司的事")
    other = make_contact(staff, content="别人的事")
    reception.dispatch(mine, org.branch1, "请处理", now_utc() + timedelta(days=1), by=staff)
    db.session.commit()
    branch_user = f.make_user(org.branch1, Role.BRANCH_STAFF)
    login(client, branch_user)
    html = client.get("/reception/").get_data(as_text=True)
    assert mine.serial in html and other.serial not in html
    assert client.get(f"/reception/{mine.id}").status_code == 200
    assert client.get(f"/reception/{other.id}").status_code == 403
    assert client.get("/reception/999999").status_code == 404
    assert client.get("/reception/new").status_code == 403


# --- handling ---------------------------------------------------------------------------------------

def test_dispatch_progress_and_result_by_the_department(staff_client, client, db, org, staff, login, app):
    contact = make_contact(staff, category=ContactCategory.REPAIR, project=org.project1, room="2-301")
    due = _local(now_utc() + timedelta(days=1))
    bad = staff_client.post(f"/reception/{contact.id}/dispatch", data={"unit_id": org.engineering.id,
                                                                      "instructions": "上门检修", "due_at": due})
    assert bad.status_code == 200 and "维修项目" in bad.get_data(as_text=True)
    assert "上门检修" in bad.get_data(as_text=True)
    ok = staff_client.post(f"/reception/{contact.id}/dispatch", data={
        "unit_id": org.engineering.id, "instructions": "上门检修", "due_at": due, "repair_type": "water_leak"})
    assert ok.status_code == 302
    wo = db.session.scalar(select(WorkOrder))
    assert wo.unit_id == org.engineering.id and wo.repair_type == RepairType.WATER_LEAK
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF)
    login(client, engineer)
    assert client.post(f"/reception/work-orders/{wo.id}/progress", data={"text": ""}).status_code == 200
    assert client.post(f"/reception/work-orders/{wo.id}/progress", data={"text": "已约好明天上门"}).status_code == 302
    no_kind = client.post(f"/reception/work-orders/{wo.id}/complete", data={"result": "已更换水管", "repair_kind": ""})
    assert no_kind.status_code == 200 and "一般维修还是大型维修" in no_kind.get_data(as_text=True)
    assert "已更换水管" in no_kind.get_data(as_text=True)
    done = client.post(f"/reception/work-orders/{wo.id}/complete", data={"result": "已更换水管",
                                                                           "repair_kind": "ordinary"})
    assert done.status_code == 302
    page = client.get(f"/reception/work-orders/{wo.id}").get_data(as_text=True)
    assert "电话回访" in page and "已约好明天上门" in page
    marketer = f.make_user(org.marketing, Role.DEPARTMENT_STAFF)
    login(client, marketer)
    assert client.get(f"/reception/work-orders/{wo.id}").status_code == 403
    assert client.post(f"/reception/work-orders/{wo.id}/progress", data={"text": "x"}).status_code == 403


@pytest.mark.parametrize("data, message", [
    ({"unit_id": "0", "instructions": "上门", "due_at": "DUE"}, "请选择部门或分子公司"),
    ({"unit_id": "ENG", "instructions": "", "due_at": "DUE"}, "必填"),
    ({"unit_id": "ENG", "instructions": "上" * 2001, "due_at": "DUE"}, "2000"),
    ({"unit_id": "ENG", "instructions": "上门", "due_at": "2026-02-30T10:00"}, "有效的日期和时间"),
    ({"unit_id": "ENG", "instructions": "上门", "due_at": "PAST"}, "不能早于现在"),
])
def test_bad_dispatch_input(staff_client, db, org, staff, data, message):
    contact = make_contact(staff)
    values = {"ENG": str(org.engineering.id), "DUE": _local(now_utc() + timedelta(days=1)),
              "PAST": _local(now_utc() - timedelta(days=1))}
    data = {k: values.get(v, v) for k, v in data.items()}
    resp = staff_client.post(f"/reception/{contact.id}/dispatch", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and message in html
    if data["instructions"] and len(data["instructions"]) < 100:
        assert data["instructions"] in html
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 0


def test_close_reopen_and_the_timeline(staff_client, db, staff):
    contact = make_contact(staff, category=ContactCategory.INQUIRY)
    empty = staff_client.post(f"/reception/{contact.id}/close", data={"reply": "", "reply_method": "phone"})
    assert empty.status_code == 200 and "必填" in empty.get_data(as_text=True)
    bad = staff_client.post(f"/reception/{contact.id}/close", data={"reply": "已电话答复", "reply_method": "phone",
                                                                    "satisfaction": "9"})
    assert bad.status_code == 200 and "已电话答复" in bad.get_data(as_text=True)
    unrated = staff_client.post(f"/reception/{contact.id}/close", data={"reply": "已电话答复", "reply_method": "phone",
                                                                        "satisfaction": ""})
    assert unrated.status_code == 200 and "请记录客户满意度" in unrated.get_data(as_text=True)
    db.session.refresh(contact)
    assert contact.status != ContactStatus.CLOSED
    ok = staff_client.post(f"/reception/{contact.id}/close", data={"reply": "已电话答复交房时间",
                                                                   "reply_method": "phone", "satisfaction": "5"})
    assert ok.status_code == 302
    db.session.refresh(contact)
    assert contact.status == ContactStatus.CLOSED and contact.satisfaction == 5
    assert staff_client.post(f"/reception/{contact.id}/reopen", data={"reason": ""}).status_code == 200
    assert staff_client.post(f"/reception/{contact.id}/reopen", data={"reason": "业主又来电"}).status_code == 302
    page = staff_client.get(f"/reception/{contact.id}").get_data(as_text=True)
    for label in ("已登记", "已办结", "重新打开", "业主又来电", "王客服"):
        assert label in page


def test_only_the_responsible_person_or_a_manager_handles_a_contact(client, db, org, staff, login, csrf_off):
    contact = make_contact(staff)
    colleague = f.make_user(org.center, Role.CENTER_STAFF)
    login(client, colleague)
    assert client.get(f"/reception/{contact.id}").status_code == 200  # may read it
    assert client.post(f"/reception/{contact.id}/reply", data={"text": "已答复", "method": "phone"}).status_code == 403
    manager = f.make_user(org.center, Role.CENTER_MANAGER)
    login(client, manager)
    empty = client.post(f"/reception/{contact.id}/reassign", data={"user_id": "0", "note": "休假"})
    assert empty.status_code == 200 and "请选择新的负责人" in empty.get_data(as_text=True)
    assert "休假" in empty.get_data(as_text=True)
    too_long = client.post(f"/reception/{contact.id}/reassign", data={"user_id": colleague.id, "note": "假" * 501})
    assert too_long.status_code == 200
    assert client.post(f"/reception/{contact.id}/reassign", data={"user_id": colleague.id,
                                                                  "note": "休假"}).status_code == 302
    db.session.refresh(contact)
    assert contact.responsible_id == colleague.id
    assert contact.events[-1].kind == EventKind.REASSIGNED and contact.events[-1].user_id == manager.id
    login(client, colleague)
    assert client.post(f"/reception/{contact.id}/reply", data={"text": "已答复", "method": "phone"}).status_code == 302


def test_work_order_check_page(client, db, org, staff, login, csrf_off):
    contact = make_contact(staff)
    wo = reception.dispatch(contact, org.engineering, "处理", now_utc() + timedelta(days=1), by=staff)
    db.session.commit()
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF)
    login(client, engineer)
    assert wo.serial in client.get("/reception/work-orders/check").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "本单位未完成的派工单" in home and "今日未更新进度的派工单" in home
    client.post(f"/reception/work-orders/{wo.id}/progress", data={"text": "已到现场"})
    assert wo.serial not in client.get("/reception/work-orders/check").get_data(as_text=True)


def test_home_page_cards_for_center_staff(staff_client, db, staff):
    make_contact(staff, received_at=now_utc() - timedelta(days=2))
    html = staff_client.get("/").get_data(as_text=True)
    assert "我负责的未办结接待" in html and "我的逾期未答复" in html


def test_home_page_counts_my_open_contacts_and_my_overdue_replies(app, db, staff):
    """Open and dispatched contacts are open, closed ones are not; a reply or a later deadline
    is not overdue; other people's contacts are not mine (the counts read migration 0012's index
    and the open statuses spelled out)."""
    from portal.blueprints.reception.pending import reception_pending

    other = f.make_user(staff.org_unit, Role.CENTER_STAFF)
    past, future = now_utc() - timedelta(days=3), now_utc() + timedelta(hours=5)
    cases = [  # (responsible, status, replied, reply due) → open?, overdue?
        (staff, ContactStatus.OPEN, False, past),          # open, overdue
        (staff, ContactStatus.DISPATCHED, False, past),    # open, overdue
        (staff, ContactStatus.OPEN, False, future),        # open, not yet due
        (staff, ContactStatus.DISPATCHED, True, past),     # open, replied in time or late: not overdue
        (staff, ContactStatus.CLOSED, False, past),        # closed: neither
        (other, ContactStatus.OPEN, False, past),          # not mine
    ]
    for person, status, replied, due in cases:
        c = make_contact(person, commit=False)
        c.responsible_id, c.status, c.reply_due_at = person.id, status, due
        c.replied_at = now_utc() if replied else None
    db.session.commit()
    with app.test_request_context("/"):
        counts = {item.link: item.count for item in reception_pending(staff)}
    assert counts[f"/reception/?responsible={staff.id}&status=active"] == 4
    assert counts[f"/reception/?responsible={staff.id}&overdue=y"] == 2


# --- complaint hand-off -------------------------------------------------------------------------------

def test_register_as_complaint_links_to_the_complaint_form(staff_client, db, staff):
    contact = make_contact(staff, category=ContactCategory.COMPLAINT)
    html = staff_client.get(f"/reception/{contact.id}").get_data(as_text=True)
    assert f"/complaints/new?contact_id={contact.id}" in html and "转为投诉" in html


def test_list_rows_name_the_project_and_the_responsible_person(staff_client, db, staff, org):
    """Rows take project and person names from one lookup each (not per row): a retired project
    still names its rows, and each row links to its contact."""
    contact = make_contact(staff, project=org.project1, room="7-701")
    org.project1.active = False
    db.session.commit()
    html = staff_client.get("/reception/").get_data(as_text=True)
    assert f"<td>{org.project1.name} 7-701</td>" in html
    assert f"<td>{staff.display_name}</td>" in html
    assert f'href="/reception/{contact.id}"' in html
    assert contact.serial in staff_client.get(f"/reception/{contact.id}").get_data(as_text=True)


def test_filter_bar_keeps_the_chosen_values_selected(staff_client, db, org):
    """The filter bar's selects (rendered by the filter_select macro) keep what was chosen,
    translated, and offer every active project."""
    html = staff_client.get(f"/reception/?channel=visit&project={org.project2.id}").get_data(as_text=True)
    assert '<option value="visit" selected>来访</option>' in html
    assert f'<option value="{org.project2.id}" selected>{org.project2.name}</option>' in html
    assert f'<option value="{org.project1.id}">{org.project1.name}</option>' in html
    assert '<select id="channel" name="channel" aria-label="渠道">' in html


def test_a_register_row_shows_each_column_and_only_a_masked_phone(staff_client, db, staff, org):
    """The register's lines are plain tuples unpacked by the template: every column lands in its
    cell, and the phone arrives masked."""
    import re

    from portal.models.reception import Channel, Urgency
    from portal.services.masking import mask_phone
    from portal.services.reception_labels import (
        CATEGORY_LABELS, CHANNEL_LABELS, REPLY_STATE_LABELS, STATUS_LABELS, URGENCY_LABELS,
    )

    contact = make_contact(staff, received_at=now_utc() - timedelta(days=3), channel=Channel.VISIT,
                           category=ContactCategory.REPAIR, urgency=Urgency.EMERGENCY, customer_name="欧阳一行",
                           customer_phone="13712345678", project=org.project2, room="9-901")
    def shown(dt):
        return to_local(dt).strftime("%Y-%m-%d %H:%M")

    html = staff_client.get("/reception/").get_data(as_text=True)
    row = re.search(r"<tr>\s*<td><a href=\"/reception/%d\">.*?</tr>" % contact.id, html, re.S).group(0)
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    state = reception.reply_state(contact.reply_due_at, contact.replied_at, contact.status == ContactStatus.CLOSED,
                                  now_utc())
    assert cells == [
        contact.serial, shown(contact.received_at), str(CHANNEL_LABELS[Channel.VISIT]),
        f"欧阳一行 {mask_phone('13712345678')}", f"{org.project2.name} 9-901", str(CATEGORY_LABELS[ContactCategory.REPAIR]),
        str(URGENCY_LABELS[Urgency.EMERGENCY]), staff.display_name, str(STATUS_LABELS[contact.status]),
        f"{shown(contact.reply_due_at)} {REPLY_STATE_LABELS[state]}".strip(),
    ]
    assert "13712345678" not in html


def test_registering_a_complaint_contact_goes_on_to_the_complaint_form(staff_client, db):
    resp = staff_client.post("/reception/new", data=_form(category="complaint", channel="visit", visitor_count="4"))
    contact = db.session.scalar(select(Contact))
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/complaints/new?contact_id={contact.id}")
    html = staff_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert CONTENT in html and re.search(rf'<input[^>]*name="source_contact_id"[^>]*value="{contact.id}"', html)
    assert re.search(r'<input[^>]*name="people_count"[^>]*value="4"', html)
    # any other category stays on the contact's page
    other = staff_client.post("/reception/new", data=_form(category="inquiry"))
    assert "/reception/" in other.headers["Location"]


def test_praise_for_center_staff_names_the_center_which_is_told(staff_client, db, org):
    """Center staff are the ones customers meet first: their unit must be a choice."""
    from portal.models import Notification

    colleague = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_praised")
    resp = staff_client.post("/reception/new", data=_form(category="praise", praised_unit_id=str(org.center.id),
                                                          praised_name="客服小李", content="感谢客服小李耐心解答"))
    assert resp.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact.praised_unit_id == org.center.id
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "reception.praise")).all()
    assert colleague.id in told


def test_the_leader_told_of_a_repeat_repair_opens_the_link(client, login, db, org, staff):
    from portal.models import Notification
    from portal.models.reception import RepairType
    from portal.services import reception
    from tests.reception.factories import make_contact

    leader = f.make_user(org.engineering, Role.LEADER, username="gc_lingdao_link")
    for days_ago in (3, 1):
        contact = make_contact(staff, category=ContactCategory.REPAIR, project=org.project1, room="3-1-502",
                               received_at=now_utc() - timedelta(days=days_ago), content="卫生间漏水")
        reception.dispatch(contact, org.engineering, "上门查看", now_utc() + timedelta(days=1), by=staff,
                           repair_type=RepairType.WATER_LEAK)
    db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.user_id == leader.id,
                                                         Notification.kind == "reception.repeat_repair"))
    login(client, leader)
    assert client.get(note.link).status_code == 200


def test_a_customer_who_gives_no_rating_is_recorded_as_such(staff_client, db, staff):
    contact = make_contact(staff, category=ContactCategory.INQUIRY)
    assert staff_client.post(f"/reception/{contact.id}/close", data={
        "reply": "已答复", "reply_method": "phone", "satisfaction": "declined"}).status_code == 302
    db.session.refresh(contact)
    assert contact.status == ContactStatus.CLOSED and contact.satisfaction is None
    assert "满意度: 未评价" in staff_client.get(f"/reception/{contact.id}").get_data(as_text=True)


def test_a_complaint_contact_closes_only_once_it_is_a_complaint(staff_client, db, staff, org):
    from tests.complaints.factories import make_complaint

    contact = make_contact(staff, category=ContactCategory.COMPLAINT, content="楼上漏水到我家")
    resp = staff_client.post(f"/reception/{contact.id}/close", data={
        "reply": "已答复", "reply_method": "phone", "satisfaction": "4"})
    assert resp.status_code == 200 and "请先登记为投诉" in resp.get_data(as_text=True)
    db.session.refresh(contact)
    assert contact.status != ContactStatus.CLOSED
    contact.complaint_id = make_complaint(org, staff).id
    db.session.commit()
    assert staff_client.post(f"/reception/{contact.id}/close", data={
        "reply": "已答复", "reply_method": "phone", "satisfaction": "4"}).status_code == 302


def test_a_manager_closes_a_contact_wrongly_registered_as_a_complaint(client, login, db, staff, org, csrf_off):
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zr_wrongcat")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, content="咨询交房时间（误登为投诉）")
    login(client, manager)
    assert client.post(f"/reception/{contact.id}/close", data={
        "reply": "实为咨询，已答复交房时间", "reply_method": "phone", "satisfaction": "5"}).status_code == 302
    db.session.refresh(contact)
    assert contact.status == ContactStatus.CLOSED
    assert "主任办结，未登记投诉" in client.get(f"/reception/{contact.id}").get_data(as_text=True)


def test_the_leader_records_a_repeat_repairs_revisit_on_the_contact_page(client, login, db, org, staff, csrf_off):
    from portal.models.reception import RepairKind, WorkOrder

    leader = f.make_user(org.engineering, Role.LEADER, username="gc_lingdao_rv")
    contacts = []
    for days_ago in (5, 2):
        contact = make_contact(staff, category=ContactCategory.REPAIR, project=org.project1, room="6-1-201",
                               received_at=now_utc() - timedelta(days=days_ago), content="阳台漏水")
        wo = reception.dispatch(contact, org.engineering, "上门", now_utc() + timedelta(days=1), by=staff,
                                repair_type=RepairType.WATER_LEAK, now=now_utc() - timedelta(days=days_ago))
        contacts.append((contact, wo))
    contact, wo = contacts[-1]
    reception.complete_work_order(wo, "已修好", by=staff, repair_kind=RepairKind.ORDINARY,
                                  now=now_utc() - timedelta(hours=3))
    db.session.commit()
    login(client, staff)  # the center sees the revisit is due but it is the leader's
    page = client.get(f"/reception/{contact.id}").get_data(as_text=True)
    assert "待回访" in page and "领导亲自回访" in page and f"/reception/work-orders/{wo.id}/revisit" not in page
    form = {f"rv{wo.id}-way": "on_site", f"rv{wo.id}-revisited_at": _local(now_utc() - timedelta(minutes=5)),
            f"rv{wo.id}-result": "业主确认不再渗漏", f"rv{wo.id}-satisfaction": "4", f"rv{wo.id}-cause": "",
            f"rv{wo.id}-measures": ""}
    assert client.post(f"/reception/work-orders/{wo.id}/revisit", data=form).status_code == 403
    login(client, leader)
    refused = client.post(f"/reception/work-orders/{wo.id}/revisit", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "请填写重复维修的原因分析" in html and "业主确认不再渗漏" in html
    form.update({f"rv{wo.id}-cause": "排水坡度不足", f"rv{wo.id}-measures": "重做找坡层"})
    assert client.post(f"/reception/work-orders/{wo.id}/revisit", data=form).status_code == 302
    done = db.session.get(WorkOrder, wo.id)
    assert done.revisited_by_id == leader.id and done.revisit_measures == "重做找坡层"
    page = client.get(f"/reception/{contact.id}").get_data(as_text=True)
    assert "排水坡度不足" in page and "待回访" not in page


def test_a_progress_note_records_the_hand_over_and_that_the_customer_was_told(client, login, db, org, staff, csrf_off):
    """Seed 003: 如需第二天继续跟进要安排好工作交接，同时向客户通告工作进度."""
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_handover")
    contact = make_contact(staff, category=ContactCategory.REPAIR, project=org.project1, room="2-2-202")
    wo = reception.dispatch(contact, org.engineering, "上门", now_utc() + timedelta(days=1), by=staff,
                            repair_type=RepairType.WATER_LEAK)
    db.session.commit()
    login(client, engineer)
    missing = client.post(f"/reception/work-orders/{wo.id}/progress", data={"text": "配件未到", "continues_tomorrow": "y"})
    assert missing.status_code == 200 and "请填写明天由谁接手" in missing.get_data(as_text=True)
    assert client.post(f"/reception/work-orders/{wo.id}/progress", data={
        "text": "配件未到，明日继续", "continues_tomorrow": "y", "handover_to": "王师傅", "customer_told": "y"}
    ).status_code == 302
    note = [e for e in contact.events if e.kind == EventKind.PROGRESS][-1]
    assert note.detail == {"handover_to": "王师傅", "customer_told": True}
    page = client.get(f"/reception/work-orders/{wo.id}").get_data(as_text=True)
    assert "明日继续跟进，已交接给王师傅" in page and "已向客户通告进度" in page


def test_the_staff_member_complained_about_cannot_open_the_contact_it_came_from(client, login, db, org, staff):
    from tests.complaints.factories import make_complaint

    about_him = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_about_rc")
    contact = make_contact(staff, category=ContactCategory.COMPLAINT, customer_name="诸葛明", content="投诉客服态度")
    contact.complaint_id = make_complaint(org, staff, complained_staff_id=about_him.id).id
    db.session.commit()
    login(client, about_him)
    assert client.get(f"/reception/{contact.id}").status_code == 403
    assert contact.serial not in client.get("/reception/").get_data(as_text=True)
    login(client, staff)
    assert client.get(f"/reception/{contact.id}").status_code == 200


def test_the_praised_unit_opens_the_praise_it_is_told_of(client, login, db, org, staff):
    from portal.models import Notification

    property_staff = f.make_user(org.branch1, Role.BRANCH_STAFF, username="wy_praised")
    contact = make_contact(staff, category=ContactCategory.PRAISE, praised_name="保安小王", praised_unit=org.branch1,
                           content="感谢保安小王帮忙")
    note = db.session.scalar(select(Notification).where(Notification.user_id == property_staff.id,
                                                         Notification.kind == "reception.praise"))
    login(client, property_staff)
    assert client.get(note.link).status_code == 200
    assert contact.serial in client.get("/reception/").get_data(as_text=True)


def test_a_parent_units_leader_sees_the_contacts_of_the_units_under_it(client, login, db, org, staff):
    from portal.models import OrgKind, OrgUnit

    team = OrgUnit(name="工程部维修班", kind=OrgKind.DEPARTMENT, parent=org.engineering)
    db.session.add(team)
    db.session.commit()
    head = f.make_user(org.engineering, Role.LEADER, username="gc_head_tree")
    contact = make_contact(staff, category=ContactCategory.REPAIR, handling_unit=team, content="水管漏水")
    login(client, head)
    assert client.get(f"/reception/{contact.id}").status_code == 200


@pytest.mark.parametrize("channel, accepted", [("letter", True), ("email", True), ("online", True),
                                               ("phone", False), ("visit", False)])
def test_only_a_caller_or_visitor_must_leave_a_phone(staff_client, db, channel, accepted):
    """A letter signed "3号楼全体业主" carries its way back in itself; a caller leaves a number."""
    resp = staff_client.post("/reception/new", data=_form(
        channel=channel, customer_phone="", customer_name="3号楼全体业主", category="suggestion", room="",
        content="建议增设充电桩", letter_sender="3号楼全体业主", visitor_count="2"))
    assert (resp.status_code == 302) is accepted
    assert _count(db) == (1 if accepted else 0)
    if not accepted:
        assert "须填写联系电话" in resp.get_data(as_text=True)
    else:
        assert db.session.scalar(select(Contact.customer_phone)) is None


def test_the_timeline_names_the_complaint_by_its_serial(staff_client, db, org, staff):
    from portal.extensions import db as _db
    from portal.models.reception import ContactEvent
    from tests.complaints.factories import make_complaint

    contact = make_contact(staff, category=ContactCategory.COMPLAINT, content="投诉物业")
    c = make_complaint(org, staff, source_contact_id=contact.id, received_at=now_utc() - timedelta(hours=1))
    html = staff_client.get(f"/reception/{contact.id}").get_data(as_text=True)
    timeline = html[html.index('<ul class="timeline">'):]
    assert c.serial in timeline and f"#{c.id}<" not in timeline.replace(" ", "")
    # a link recorded before the serial was kept in it: looked up for the page
    event = _db.session.scalar(select(ContactEvent).where(ContactEvent.kind == EventKind.COMPLAINT_LINKED))
    event.detail = {"complaint_id": c.id}
    _db.session.commit()
    timeline = staff_client.get(f"/reception/{contact.id}").get_data(as_text=True)
    assert c.serial in timeline[timeline.index('<ul class="timeline">'):]


def test_a_notification_is_written_in_its_recipients_language_not_the_senders(staff_client, db, org, staff):
    """kefu works in English; the engineering department reads Chinese, one engineer English:
    each gets the work order's notice in his own language, the repair's type and place included."""
    from portal.models import Notification

    staff.locale = "en"
    chinese = f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_zh")
    english = f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_en")
    english.locale = "en"
    db.session.commit()
    contact = make_contact(staff, category=ContactCategory.REPAIR, project=org.project1, room="2-301")
    assert staff_client.post(f"/reception/{contact.id}/dispatch", data={
        "unit_id": org.engineering.id, "instructions": "上门检修", "due_at": _local(now_utc() + timedelta(days=1)),
        "repair_type": "water_leak"}).status_code == 302
    titles = {n.user_id: n.title for n in db.session.scalars(
        select(Notification).where(Notification.kind == "reception.work_order"))}
    wo = db.session.scalar(select(WorkOrder))
    assert titles[chinese.id] == f"派工单 {wo.serial}：{org.engineering.name}"
    assert titles[english.id] == f"Work order {wo.serial} for {org.engineering.name}"
