"""A row whose ID number is on file under another name renames that customer: the check page says
so, row by row, before "Import all rows", and the user decides."""
from __future__ import annotations

import io

from sqlalchemy import select

from portal.extensions import db
from portal.models import ArchiveImport, Customer, ImportStatus
from tests.archives.factories import id_number, make_customer

ID_A = id_number(777)


def _upload(client, body: str) -> ArchiveImport:
    data = ("姓名,身份证号码,联系电话1,项目,房号\r\n" + body).encode()
    client.post("/archives/imports", data={"source": "marketing", "year": 2026, "project_id": 0,
                                           "file": (io.BytesIO(data), "owners.csv")},
                content_type="multipart/form-data")
    return db.session.scalar(select(ArchiveImport).order_by(ArchiveImport.id.desc()))


def test_a_row_renaming_a_customer_is_shown_before_the_import(client, login, people, org, csrf_off):
    wang = make_customer(org.project1, name="王建国", id_number=ID_A, phone1="13812345678", room="1-301")
    login(client, people.staff)
    imp = _upload(client, f"李四,{ID_A},13700001111,阳光花园,9-901\r\n"
                          f"赵六,{id_number(778)},13700001112,阳光花园,9-902\r\n")
    assert imp.status == ImportStatus.VALID and imp.warning_count == 1
    assert imp.warnings[0][:2] == [2, "身份证号码"]
    page = client.get(f"/archives/imports/{imp.id}").get_data(as_text=True)
    assert page.index("王建国") < page.index("导入全部数据") and "李四" in page
    client.post(f"/archives/imports/{imp.id}/run")  # the user read it and imports: the rename is his call
    db.session.expire_all()
    assert db.session.get(Customer, wang.id).name == "李四"


def test_a_file_that_renames_nobody_has_no_warnings(client, login, people, org, csrf_off):
    make_customer(org.project1, name="王建国", id_number=ID_A, room="1-301")
    login(client, people.staff)
    imp = _upload(client, f"王建国,{ID_A},13700001111,阳光花园,9-901\r\n")
    assert imp.status == ImportStatus.VALID and imp.warning_count == 0 and imp.warnings is None
    assert "改名" not in client.get(f"/archives/imports/{imp.id}").get_data(as_text=True)
