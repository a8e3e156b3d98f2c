"""The ID mask 110101********1234 hides exactly the eight birth-date digits: wherever the number is
masked, the birthday is shown as month-day and no age (month, day and age give the year again).
The full date comes with the revealed number (a logged reveal) and in an export of full numbers."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import AccessScope, Customer
from portal.services import archives
from tests.archives.factories import id_number, make_customer, make_grant

BORN = date(1988, 11, 23)
ID = id_number(321, region="650102", birthday=BORN)


def _export_cells(resp) -> dict:
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    return dict(zip(rows[0], rows[1]))


def _rebuilt_from(page: str) -> set[str]:
    """Every ID number a reader rebuilds from a masked number and a full birth date on ``page``."""
    masks = re.findall(r"\d{6}\*{8}\w{4}", page)
    dates = re.findall(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)", page)
    return {m[:6] + "".join(d) + m[-4:] for m in masks for d in dates}


@pytest.fixture()
def owner(org):
    return make_customer(org.project1, name="马丽", id_number=ID, birthday=BORN, room="1-301")


def test_a_grant_holder_sees_the_day_not_the_year(client, login, people, org, owner):
    grant = make_grant(people.branch, scope=AccessScope.PROJECT, project=org.project1, export=True)
    login(client, people.branch)
    page = client.get(f"/archives/customers/{owner.id}").get_data(as_text=True)
    assert "650102********" in page and "11-23" in page
    assert ID not in _rebuilt_from(page) and "1988" not in page
    assert "岁" not in page  # the age would give the year back
    cells = _export_cells(client.get(f"/archives/requests/{grant.id}/export"))
    assert cells["出生日期"] == "11-23" and cells["身份证号码"].startswith("650102****")


def test_center_staff_see_the_year_only_with_the_revealed_number(client, login, people, owner, csrf_off):
    login(client, people.staff)
    page = client.get(f"/archives/customers/{owner.id}").get_data(as_text=True)
    assert "11-23" in page and "1988" not in page
    revealed = client.post(f"/archives/customers/{owner.id}/reveal", data={"field": "id_number"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    assert ID in revealed and "1988-11-23" in revealed and 'hx-swap-oob="true"' in revealed
    phone = client.post(f"/archives/customers/{owner.id}/reveal", data={"field": "phone1"},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "1988" not in phone
    edit = client.get(f"/archives/customers/{owner.id}/edit").get_data(as_text=True)
    assert "1988" not in edit and "11-23" in edit


def test_the_edit_page_keeps_a_birthday_left_empty_and_takes_a_new_one(client, login, people, owner, csrf_off):
    login(client, people.staff)
    data = {"kind": "owner", "name": "马丽", "archive_year": 2025, "prospect_project_id": 0, "birthday": "", "gender": ""}
    assert client.post(f"/archives/customers/{owner.id}/edit", data=data).status_code == 302
    assert db.session.get(Customer, owner.id).birthday == BORN
    data["birthday"] = "1988-11-24"  # against the ID number's 1988-11-23: refused, and said so
    refused = client.post(f"/archives/customers/{owner.id}/edit", data=data)
    assert refused.status_code == 200 and "与身份证号码中的出生日期" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, owner.id).birthday == BORN
    data["id_number"] = id_number(321, region="650102", birthday=date(1988, 11, 24))  # the number corrected too
    assert client.post(f"/archives/customers/{owner.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Customer, owner.id).birthday == date(1988, 11, 24)
    history = client.get(f"/archives/customers/{owner.id}/history").get_data(as_text=True)
    assert "11-23" in history and "11-24" in history and "1988" not in history


def test_the_manager_export_of_full_numbers_carries_the_full_birthday(client, login, people, org, owner):
    make_grant(people.manager, scope=AccessScope.PROJECT, project=org.project1, export=True)
    login(client, people.manager)
    assert _export_cells(client.get("/archives/export"))["出生日期"] == "11-23"
    cells = _export_cells(client.get("/archives/export?reveal=1"))
    assert cells["身份证号码"] == ID and cells["出生日期"] == "1988-11-23"


def test_without_an_id_number_the_birthday_and_age_are_shown(client, login, people, org):
    c = make_customer(org.project1, name="无证", id_number=None, birthday=BORN)
    login(client, people.staff)
    page = client.get(f"/archives/customers/{c.id}").get_data(as_text=True)
    assert "1988-11-23" in page and "岁" in page


@pytest.mark.parametrize("field, stored, shown", [
    ("birthday", "1988-11-23", "11-23"), ("birthday", date(1988, 11, 23), "11-23"), ("birthday", None, ""),
    ("stated_age", "37", "**"), ("stated_age", None, ""),
])
def test_fields_that_give_the_birth_year(field, stored, shown):
    assert archives.BIRTH_YEAR_FIELDS[field](stored) == shown


def test_a_corrected_id_number_moves_the_hidden_birthday_with_it(client, login, people, owner, csrf_off):
    """The birthday beside a masked ID number is hidden on the edit page, so it is left empty
    there: a corrected number then gives the birthday, not the stored one it contradicts."""
    login(client, people.staff)
    corrected = id_number(321, region="650102", birthday=date(1988, 12, 3))
    data = {"kind": "owner", "name": "马丽", "archive_year": 2025, "prospect_project_id": 0, "birthday": "",
            "gender": "", "id_number": corrected}
    assert client.post(f"/archives/customers/{owner.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Customer, owner.id)
    assert (saved.id_number, saved.birthday) == (corrected, date(1988, 12, 3))

