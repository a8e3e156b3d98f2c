"""Prices with fen (8497.46 yuan/m²) and dates written as Chinese lists write them (2025年5月1日)."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ArchiveImport, ImportStatus, Purchase
from portal.services import archive_import as ai
from tests.archives.factories import id_number, make_customer


@pytest.mark.parametrize("cell, value, error", [
    ("8497.46", Decimal("8497.46"), None), ("8,497.5", Decimal("8497.50"), None), ("8500", Decimal("8500.00"), None),
    (8497.46, Decimal("8497.46"), None), ("8497.46元", Decimal("8497.46"), None), ("￥8497.46", Decimal("8497.46"), None),
    ("8497.465", None, "两位小数"), ("-1", None, "金额"), ("NaN", None, "金额"), ("1e30", None, "金额"),
    ("10000000.01", None, "金额"),  # above the unit price's maximum
    ("八千", None, "数字"),
])
def test_a_price_cell(app, cell, value, error):
    with app.test_request_context():
        got, message = ai.check_cell(ai.BY_KEY["unit_price"], cell, {})
    assert got == value
    assert (message is None) if error is None else (error in message)


@pytest.mark.parametrize("cell, day", [
    ("2025年5月1日", date(2025, 5, 1)), ("2025年05月01日", date(2025, 5, 1)), ("2025年5月1", date(2025, 5, 1)),
    ("2025/5/1", date(2025, 5, 1)), ("2025.5.1", date(2025, 5, 1)), ("2025-05-01", date(2025, 5, 1)),
    ("20250501", date(2025, 5, 1)), ("2025年5月1日 10:00", date(2025, 5, 1)),
])
def test_a_date_cell(cell, day):
    assert ai.parse_date(cell) == day


@pytest.mark.parametrize("cell", ["2025年13月1日", "2025年5月", "5月1日", "去年"])
def test_a_date_cell_that_is_not_one(app, cell):
    with app.test_request_context():
        assert ai.check_cell(ai.BY_KEY["signing_date"], cell, {})[1] is not None


def test_an_import_keeps_the_fen_and_the_chinese_dates(client, login, people, org, csrf_off):
    login(client, people.staff)
    data = ("姓名,身份证号码,联系电话1,项目,房号,单价,成交总价,签约日期\r\n"
            f"王建国,{id_number(900)},13812345678,{org.project1.name},1-301,8497.46,837250.50,2025年5月1日\r\n").encode()
    client.post("/archives/imports", data={"source": "marketing", "year": 2025, "project_id": 0,
                                           "file": (io.BytesIO(data), "owners.csv")}, content_type="multipart/form-data")
    imp = db.session.scalar(select(ArchiveImport))
    assert imp.status == ImportStatus.VALID, imp.errors
    client.post(f"/archives/imports/{imp.id}/run")
    p = db.session.scalar(select(Purchase))
    assert (p.unit_price, p.total_price, p.signing_date) == (Decimal("8497.46"), Decimal("837250.50"), date(2025, 5, 1))


def test_the_purchase_form_takes_fen_and_refuses_a_third_decimal(client, login, people, org, csrf_off):
    c = make_customer(org.project1, room="1-301")
    p = db.session.scalar(select(Purchase).where(Purchase.customer_id == c.id))
    login(client, people.staff)
    base = {"project_id": org.project1.id, "building": "1栋", "room": "1-301"}
    resp = client.post(f"/archives/purchases/{p.id}", data={**base, "unit_price": "8497.465"})
    assert resp.status_code == 200 and "两位小数" in resp.get_data(as_text=True)
    for bad in ("NaN", "Infinity", "1e30"):
        assert client.post(f"/archives/purchases/{p.id}", data={**base, "unit_price": bad}).status_code == 200
    resp = client.post(f"/archives/purchases/{p.id}", data={**base, "unit_price": "8497.46", "total_price": "837250.5"})
    assert resp.status_code == 302
    db.session.expire_all()
    p = db.session.get(Purchase, p.id)
    assert (p.unit_price, p.total_price) == (Decimal("8497.46"), Decimal("837250.50"))
    assert "837250.50" in client.get(f"/archives/customers/{c.id}").get_data(as_text=True)
