"""Typed dates across the forms (portal/forms.py, clock.parse_local_input): a date and time that
does not parse, overflows converting to UTC, or lies outside the years the portal records (2000 …
five years ahead) is a Chinese message on its field with the form kept and nothing saved; never
the generic error page, never a record numbered JD-1-000001. List filters ignore such dates."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.auth.permissions import Role
from portal.extensions import db as _db
from portal.forms import filter_date
from portal.models.reception import Contact, ContactCategory, RepairKind, RepairType, WorkOrder
from portal.services import reception
from portal.services.clock import YearOutOfRange, input_years, now_utc, parse_local_input, to_local
from tests import factories as f
from tests.reception.factories import make_contact

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai: years 2000 … 2031


@pytest.mark.parametrize("typed, expected", [
    ("2026-05-01T14:30", datetime(2026, 5, 1, 14, 30, tzinfo=SH)),
    ("2026-05-01 14:30", datetime(2026, 5, 1, 14, 30, tzinfo=SH)),
    ("2000-01-01T00:00", datetime(2000, 1, 1, tzinfo=SH)),  # the first year
    ("2031-12-31T23:59", datetime(2031, 12, 31, 23, 59, tzinfo=SH)),  # the last: five years ahead
    ("1999-12-31T23:59", YearOutOfRange),
    ("2032-01-01T00:00", YearOutOfRange),
    ("0001-01-01T00:00", YearOutOfRange),  # overflowed converting to UTC before
    ("0026-05-01T10:00", YearOutOfRange),  # 26 typed for 2026
    ("9999-12-31T23:59", YearOutOfRange),
    ("2026-13-01T10:00", ValueError),
    ("明天下午", ValueError),
    ("", ValueError),
])
def test_parse_local_input(typed, expected):
    if isinstance(expected, datetime):
        assert parse_local_input(typed, SH, now=NOW) == expected.astimezone(timezone.utc)
    else:
        with pytest.raises(expected):
            parse_local_input(typed, SH, now=NOW)


def test_the_years_follow_the_clock():
    assert input_years(NOW) == (2000, 2031)
    assert input_years(datetime(2030, 12, 31, 16, 0, tzinfo=timezone.utc)) == (2000, 2036)  # 00:00 local, 1 Jan


@pytest.mark.parametrize("value, expected", [
    (date(2026, 5, 1), date(2026, 5, 1)),
    ("2026-05-01", date(2026, 5, 1)),
    ("0001-01-01", None), ("9999-12-31", None), (date(1, 1, 1), None), ("garbage", None), ("", None), (None, None),
])
def test_filter_date(app, value, expected):
    assert filter_date(value) == expected


# --- the pages ---------------------------------------------------------------------------------------


@pytest.fixture()
def staff(org):
    return f.make_user(org.center, Role.CENTER_STAFF, username="kefu_dates", display_name="王客服")


def _years_message() -> str:
    first, last = input_years()
    return f"请输入 {first} 年至 {last} 年之间的日期"


def _local(dt) -> str:
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def _contact_form(**changes):
    data = {"channel": "phone", "received_at": _local(now_utc() - timedelta(minutes=10)), "customer_id": "",
            "customer_name": "赵大爷", "customer_phone": "13812345678", "project_id": "0", "room": "3-1-502",
            "category": "inquiry", "urgency": "general", "content": "咨询交房时间", "handling_unit_id": "0",
            "praised_unit_id": "0", "letter_sender": "", "letter_date": "", "visitor_count": ""}
    data.update(changes)
    return data


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "0001-01-01T10:00", "1900-01-01T10:00", "0026-05-01T10:00"])
def test_registering_a_contact_received_in_an_impossible_year(client, login, db, staff, csrf_off, typed):
    login(client, staff)
    resp = client.post("/reception/new", data=_contact_form(received_at=typed))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert _years_message() in html and "咨询交房时间" in html and "赵大爷" in html  # the form comes back as typed
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_letter_dated_in_year_one(client, login, db, staff, csrf_off):
    login(client, staff)
    resp = client.post("/reception/new", data=_contact_form(channel="letter", letter_date="0001-01-01"))
    assert resp.status_code == 200 and _years_message() in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_work_order_due_in_9999(client, login, db, org, staff, csrf_off):
    contact = make_contact(staff)
    login(client, staff)
    resp = client.post(f"/reception/{contact.id}/dispatch", data={
        "unit_id": org.engineering.id, "instructions": "请处理", "due_at": "9999-12-31T23:59", "repair_type": ""})
    assert resp.status_code == 200 and _years_message() in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 0


def test_a_repair_revisited_in_year_one(client, login, db, org, staff, csrf_off):
    contact = make_contact(staff, category=ContactCategory.REPAIR, project=org.project1, room="1-1-101")
    wo = reception.dispatch(contact, org.engineering, "修", now_utc() + timedelta(days=1), by=staff,
                            repair_type=RepairType.WATER_LEAK)
    reception.complete_work_order(wo, "修好", by=staff, repair_kind=RepairKind.ORDINARY)
    db.session.commit()
    login(client, staff)
    p = f"rv{wo.id}-"
    resp = client.post(f"/reception/work-orders/{wo.id}/revisit", data={
        p + "way": "phone", p + "revisited_at": "0001-01-01T00:00", p + "result": "客户很满意", p + "satisfaction": "5"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and _years_message() in html and "客户很满意" in html
    assert _db.session.get(WorkOrder, wo.id).revisited_at is None


@pytest.mark.parametrize("url", [
    "/reception/?date_from=0001-01-01", "/reception/?date_to=0001-01-01", "/reception/?date_from=9999-12-31",
    "/reception/?date_to=9999-12-31", "/complaints/?from=0001-01-01", "/complaints/?to=9999-12-31",
    "/complaints/?from=9999-12-31&to=0001-01-01", "/admin/audit?from=0001-01-01&to=9999-12-31",
])
def test_list_filters_ignore_impossible_dates(client, login, db, org, staff, url):
    contact = make_contact(staff)
    user = f.make_user(org.group, Role.ADMIN, username="admin_dates") if url.startswith("/admin") else staff
    login(client, user)
    resp = client.get(url)
    assert resp.status_code == 200
    if url.startswith("/reception"):  # an impossible limit limits nothing
        assert contact.serial in resp.get_data(as_text=True)


# --- complaints and revisits use the same reading --------------------------------------------------

def _complaint_form(org, **changes):
    from tests.complaints.factories import category

    data = {"received_at": _local(now_utc() - timedelta(hours=1)), "channel": "phone",
            "complainant_name": "欧阳明月", "complainant_phone": "13912345678", "project_id": org.project1.id,
            "room": "5-2-301", "category_id": category().id, "subject": "电梯频繁故障",
            "description": "五号楼电梯一周内停运三次。", "people_count": "1"}
    data.update(changes)
    return data


def _complaints() -> int:
    from portal.models.complaint import Complaint

    return _db.session.scalar(select(func.count()).select_from(Complaint))


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "0001-01-01T07:59", "0026-11-05T10:00", "9999-12-31T23:59"])
def test_registering_a_complaint_received_in_an_impossible_year(client, login, db, org, staff, csrf_off, typed):
    login(client, staff)
    resp = client.post("/complaints/new", data=_complaint_form(
        org, received_at=typed, responsible_unit_id=org.engineering.id, handler_id=0, complained_staff_id=0, plan=""))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and _years_message() in html and "五号楼电梯一周内停运三次" in html
    assert _complaints() == 0


@pytest.mark.parametrize("changes", [{"received_at": "0001-01-01T00:00"}, {"handled_closed_on": "0001-01-01"},
                                     {"handled_closed_on": "9999-12-31"}])
def test_filing_and_forwarding_with_impossible_years(client, login, db, org, csrf_off, changes):
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_dates")
    login(client, clerk)
    filing = _complaint_form(org, handled_closed_on=to_local(now_utc()).date().isoformat(), resolution="已修",
                             cause_analysis="老化")
    filing.update(changes)
    resp = client.post("/complaints/filings/new", data=filing)
    assert resp.status_code == 200 and _years_message() in resp.get_data(as_text=True)
    if "received_at" in changes:
        resp = client.post("/complaints/forward", data=_complaint_form(org, **changes))
        assert resp.status_code == 200 and _years_message() in resp.get_data(as_text=True)
    assert _complaints() == 0


@pytest.mark.parametrize("path, data", [
    ("contacts", {"contacted_at": "0001-01-01T00:00", "way": "phone", "content": "已告知"}),
    ("reopen", {"received_at": "0001-01-01T00:00", "channel": "phone", "description": "又坏了"}),
    ("reopen", {"received_at": "1990-01-01T10:00", "channel": "phone", "description": "又坏了"}),
])
def test_complaint_actions_with_impossible_years(client, login, db, org, staff, csrf_off, path, data):
    from portal.services import complaints as svc
    from tests.complaints.factories import make_complaint

    c = make_complaint(org, staff, received_at=now_utc() - timedelta(hours=5))
    if path == "reopen":
        svc.transition(c, "start", by=staff)
        svc.transition(c, "resolve", {"resolution": "已维修", "cause_analysis": "老化"}, by=staff)
    db.session.commit()
    login(client, staff)
    resp = client.post(f"/complaints/{c.id}/{path}", data=data)
    assert resp.status_code == 200 and _years_message() in resp.get_data(as_text=True)
    assert _complaints() == 1


def test_a_revisit_promised_for_9999(client, login, db, org, staff, csrf_off):
    from portal.models.revisit import RevisitPlan
    from portal.services import revisits
    from tests.revisits.factories import make_customer, make_purchase

    today = revisits.local_today()
    purchase = make_purchase(org.project1, make_customer("李秀兰", "13812345678"), signing=today - timedelta(days=1))
    revisits.sync_purchase_plans(purchase)
    db.session.commit()
    plan = db.session.scalar(select(RevisitPlan).where(RevisitPlan.purchase_id == purchase.id))
    script = revisits.script_for(plan.kind)
    login(client, staff)
    resp = client.post(f"/revisits/{plan.id}/record", data={
        "outcome": "done", "method": "phone", "revisited_at": _local(now_utc() - timedelta(minutes=5)),
        "satisfaction": "4", "summary": "客户反映售楼处服务热情", "script_version": str(script.version),
        "answer_0": "很满意这套户型", "owner_id": str(staff.id), "problem": "卫生间渗水",
        "problem_handling": "follow_up", "promised_at": "9999-12-31T23:59"})
    assert resp.status_code == 200 and _years_message() in resp.get_data(as_text=True)
