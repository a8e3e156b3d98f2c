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


def test_manager_export_is_masked_and_escaped(client, login, people, org):
    make_customer(org.project1, name="=CMD|'/c calc'!A1", phone1="13812345678")
    login(client, people.manager)
    resp = client.get("/archives/export")
    assert resp.status_code == 200
    rows = _sheet(resp)
    assert rows[1][2] == "'=CMD|'/c calc'!A1"
    assert rows[1][6] == "138****5678"
    assert "13812345678" not in str(rows)
    revealed = _sheet(client.get("/archives/export?reveal=1"))
    assert revealed[1][6] == "13812345678"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "archive.exported")).all()
    assert [e.detail["revealed"] for e in events] == [False, True]


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
    login(client, people.branch2)  # someone else's grant
    assert client.get(f"/archives/requests/{with_export.id}/export").status_code == 403
