"""ID numbers of real owners: a district code younger than its holder is accepted by the form and
the import (新疆华洋's owners in 天山区 were born before 1983), and a refused number is refused
with what is wrong with it."""
from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import ArchiveImport, Customer, ImportStatus
from tests.archives.factories import id_number

# 天山区 650102 has its code since 1983; 浦东新区 310115 since 1992
URUMQI_1975 = id_number(123, region="650102", birthday=date(1975, 3, 12))
PUDONG_1980 = id_number(124, region="310115", birthday=date(1980, 1, 1))


def _upload(client, body: str):
    data = ("姓名,身份证号码,联系电话1,项目,房号\r\n" + body).encode()
    client.post("/archives/imports", data={"source": "marketing", "year": 2026, "project_id": 0,
                                           "file": (io.BytesIO(data), "owners.csv")},
                content_type="multipart/form-data")
    return db.session.scalar(select(ArchiveImport).order_by(ArchiveImport.id.desc()))


def test_the_form_files_an_owner_born_before_his_districts_code(client, login, people, csrf_off):
    login(client, people.staff)
    resp = client.post("/archives/customers/new", data={
        "kind": "owner", "name": "阿依古丽", "id_number": URUMQI_1975, "phone1": "13899112233",
        "archive_year": 2026, "prospect_project_id": 0})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert db.session.scalar(select(Customer.id_number)) == URUMQI_1975


def test_the_import_takes_owners_born_before_their_districts_code(client, login, people, org, csrf_off):
    login(client, people.staff)
    imp = _upload(client, f"阿依古丽,{URUMQI_1975},13899112233,阳光花园,1-301\r\n"
                          f"陈浦东,{PUDONG_1980},13899112234,阳光花园,1-302\r\n")
    assert imp.status == ImportStatus.VALID, imp.errors
    client.post(f"/archives/imports/{imp.id}/run")
    assert set(db.session.scalars(select(Customer.id_number))) == {URUMQI_1975, PUDONG_1980}


def test_a_refused_number_says_what_is_wrong(client, login, people, org, csrf_off):
    login(client, people.staff)
    bad_check = URUMQI_1975[:-1] + ("1" if URUMQI_1975[-1] != "1" else "2")
    imp = _upload(client, f"甲,{bad_check},13899112233,阳光花园,1-301\r\n"
                          f"乙,{URUMQI_1975[:-1]},13899112234,阳光花园,1-302\r\n")
    assert imp.status == ImportStatus.INVALID
    messages = {row: message for row, column, message in imp.errors if column == "身份证号码"}
    assert "校验码" in messages[2] and "出生日期" not in messages[2]
    assert "18" in messages[3]
    resp = client.post("/archives/customers/new", data={
        "kind": "owner", "name": "甲", "id_number": bad_check, "phone1": "13899112233", "archive_year": 2026,
        "prospect_project_id": 0})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "校验码" in page and bad_check in page  # the input is kept
    assert db.session.scalar(select(Customer)) is None


# --- the birthday and the ID number (DOMAIN.md §3: birthday, age derived, ID number) ------------

def _new_owner(client, **kw):
    data = {"kind": "owner", "name": "阿依古丽", "id_number": URUMQI_1975, "phone1": "13899112233",
            "archive_year": 2026, "prospect_project_id": 0, "gender": ""}
    data.update(kw)
    return client.post("/archives/customers/new", data=data)


def test_an_owner_typed_in_with_only_the_id_number_gets_its_birthday_and_gender(client, login, people, csrf_off):
    """As the import does: left empty, both follow from the number (1975-03-12; 17th digit)."""
    login(client, people.staff)
    assert _new_owner(client).status_code == 302
    owner = db.session.scalar(select(Customer))
    assert owner.birthday == date(1975, 3, 12)
    assert owner.gender.value == ("male" if int(URUMQI_1975[16]) % 2 else "female")


def test_a_birthday_the_id_number_contradicts_is_refused_and_nothing_saved(client, login, people, csrf_off):
    login(client, people.staff)
    resp = _new_owner(client, birthday="1985-05-05")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "与身份证号码中的出生日期（1975-03-12）不一致" in page
    assert db.session.scalar(select(Customer)) is None
    assert _new_owner(client, birthday="1975-03-12").status_code == 302


def test_a_birthday_after_today_is_refused(client, login, people, csrf_off):
    """A prospect (no ID number) born in 2030 showed an age of -4."""
    login(client, people.staff)
    resp = _new_owner(client, kind="prospect", id_number="", birthday="2030-01-01")
    assert resp.status_code == 200 and "生日不能晚于今天" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Customer)) is None
