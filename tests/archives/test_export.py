"""Excel export: formula-looking cells are escaped, numbers masked unless revealed, grants must allow it."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent
from portal.services.archive_export import escape_cell
from tests.archives.factories import make_customer, make_grant


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+86 138", "'+86 138"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("王=五", "王=五"),
    ("", ""),
    (42, 42),
    (None, None),
])
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def _sheet(resp):
    return [list(r) for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)]


def test_manager_export_needs_a_leaders_approval_then_is_masked_and_escaped(client, login, people, org):
    make_customer(org.project1, name="=CMD|'/c calc'!A1", phone1="13812345678")
    make_customer(org.project2, name="别的项目")
    login(client, people.manager)
    refused = client.get("/archives/export", follow_redirects=True)
    assert "导出客户档案须经领导批准" in refused.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "archive.exported")) is None
    make_grant(people.manager, scope="project", project=org.project1, export=True)
    resp = client.get("/archives/export")
    assert resp.status_code == 200
    rows = _sheet(resp)
    assert [r[2] for r in rows[1:]] == ["'=CMD|'/c calc'!A1"]  # what the approval covers, no more
    assert rows[1][6] == "138****5678"
    assert "13812345678" not in str(rows)
    revealed = _sheet(client.get("/archives/export?reveal=1"))
    assert revealed[1][6] == "13812345678"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "archive.exported")).all()
    assert [e.detail["revealed"] for e in events] == [False, True]


def test_the_managers_request_is_for_export_and_goes_to_a_leader(client, login, people, org, csrf_off):
    from portal.models import ArchiveAccessRequest

    login(client, people.manager)
    page = client.get("/archives/requests/new").get_data(as_text=True)
    assert "导出须经领导批准" in page
    resp = client.post("/archives/requests/new", data={"scope": "project", "project_id": org.project1.id,
                                                       "period_days": "3", "reason": "年度档案核对"})
    assert resp.status_code == 302
    req = db.session.scalar(select(ArchiveAccessRequest))
    assert req.wants_export and req.requester_id == people.manager.id


def test_center_staff_cannot_export(client, login, people, org):
    login(client, people.staff)
    assert client.get("/archives/export").status_code == 403


def test_grant_export_needs_a_grant_that_says_so(client, login, people, org):
    customer = make_customer(org.project1, name="导出甲", phone1="13811112222")
    make_customer(org.project2, name="导出乙")
    plain = make_grant(people.branch, customer=customer)
    login(client, people.branch)
    assert client.get(f"/archives/requests/{plain.id}/export").status_code == 403
    with_export = make_grant(people.branch, scope="project", project=org.project1, export=True)
    resp = client.get(f"/archives/requests/{with_export.id}/export")
    assert resp.status_code == 200
    rows = _sheet(resp)
    names = [r[2] for r in rows[1:]]
    assert names == ["导出甲"] and rows[1][6] == "138****2222"
    from portal.models import Purchase

    db.session.add(Purchase(customer=customer, project=org.project2, room="9-909"))
    db.session.commit()
    rows = _sheet(client.get(f"/archives/requests/{with_export.id}/export"))
    assert "9-909" not in str(rows)  # the project grant exports that project's rooms only
    login(client, people.branch2)  # someone else's grant
    assert client.get(f"/archives/requests/{with_export.id}/export").status_code == 403
