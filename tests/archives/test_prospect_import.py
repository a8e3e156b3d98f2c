"""The marketing department's prospect register (seed 000 §5, 案场来电来访登记表) is imported: its
people become prospects of the project asked about; someone on file stays what he is."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ArchiveImport, Customer, CustomerChange, CustomerKind, ImportStatus, Purchase
from tests.archives.factories import id_number, make_customer

# the register's own columns, as seed 000 lists them
HEADER = "客户姓名,联系方式,年龄,婚否,家庭结构,职业,现居住区域,现工作区域,户型,面积,楼层,项目得知途径,付款方式,购买用途,置业次数,接待人员"
ROW = "张伟,13899001122,35,已婚,三口之家,教师,天山区,高新区,三室两厅,120,10-15层,朋友介绍,按揭,自住,1,李四"


def _upload(client, body: str, project_id: int = 0, kind: str = "prospect", name: str = "来电来访登记表.csv",
            data: bytes | None = None) -> ArchiveImport:
    data = data if data is not None else (body if body.startswith(HEADER) else HEADER + "\r\n" + body).encode()
    client.post("/archives/imports", data={"source": "marketing", "customer_kind": kind, "year": 2026,
                                           "project_id": project_id, "file": (io.BytesIO(data), name)},
                content_type="multipart/form-data")
    return db.session.scalar(select(ArchiveImport).order_by(ArchiveImport.id.desc()))


def _run(client, imp: ArchiveImport) -> ArchiveImport:
    client.post(f"/archives/imports/{imp.id}/run")
    db.session.expire_all()
    return db.session.get(ArchiveImport, imp.id)


def test_the_register_as_written_imports_prospects_of_the_chosen_project(client, login, people, org, csrf_off):
    login(client, people.staff)
    imp = _upload(client, ROW + "\r\n", org.project1.id)
    assert imp.status == ImportStatus.VALID and not imp.message, (imp.errors, imp.message)
    assert "意向客户登记表" in client.get(f"/archives/imports/{imp.id}").get_data(as_text=True)
    imp = _run(client, imp)
    assert imp.status == ImportStatus.DONE and imp.inserted == 1
    c = db.session.scalar(select(Customer))
    assert c.kind == CustomerKind.PROSPECT and c.prospect_project_id == org.project1.id and c.archive_year == 2026
    assert (c.name, c.phone1, c.stated_age, c.marital_status, c.family_structure, c.occupation) == (
        "张伟", "13899001122", 35, "已婚", "三口之家", "教师")
    assert (c.living_area, c.working_area, c.wanted_layout, c.wanted_area, c.wanted_floor) == (
        "天山区", "高新区", "三室两厅", "120", "10-15层")
    assert (c.how_learned, c.payment_method, c.purchase_purpose, c.previous_purchases, c.receiving_salesperson) == (
        "朋友介绍", "按揭", "自住", 1, "李四")
    assert db.session.scalar(select(func.count()).select_from(Purchase)) == 0
    imp = _run(client, _upload(client, ROW + "\r\n", org.project1.id))  # the same register again
    assert (imp.status, imp.inserted, imp.updated) == (ImportStatus.DONE, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_an_owner_on_the_register_stays_an_owner(client, login, people, org, csrf_off):
    owner = make_customer(org.project1, name="张伟", phone1="13899001122", room="1-301")
    login(client, people.staff)
    imp = _run(client, _upload(client, ROW + "\r\n", org.project2.id))
    assert imp.status == ImportStatus.DONE and (imp.inserted, imp.updated) == (0, 1), imp.errors
    db.session.refresh(owner)
    assert owner.kind == CustomerKind.OWNER and [p.room for p in owner.purchases] == ["1-301"]
    assert (owner.occupation, owner.wanted_layout, owner.prospect_project_id) == ("教师", "三室两厅", org.project2.id)
    change = db.session.scalar(select(CustomerChange).where(CustomerChange.field == "prospect_project_id"))
    assert change.new_value == org.project2.name and change.source == "import"


def test_a_prospect_is_matched_on_his_id_number_and_a_project_column(client, login, people, org, csrf_off):
    number = id_number(4242)
    known = make_customer(None, name="王芳", kind=CustomerKind.PROSPECT, id_number=number, phone1="13700000001")
    login(client, people.staff)
    body = (f"客户姓名,联系方式,身份证号码,职业,项目\r\n王芳,13700000002,{number},医生,{org.project2.name}\r\n"
            f"赵强,13700000003,,司机,{org.project1.name}\r\n")
    imp = _run(client, _upload(client, "", data=body.encode()))
    assert imp.status == ImportStatus.DONE and (imp.inserted, imp.updated) == (1, 1), imp.errors
    db.session.refresh(known)
    assert (known.occupation, known.phone1, known.prospect_project_id) == ("医生", "13700000002", org.project2.id)
    new = db.session.scalar(select(Customer).where(Customer.name == "赵强"))
    assert new.kind == CustomerKind.PROSPECT and new.prospect_project_id == org.project1.id


def test_a_bad_row_of_the_register_imports_nothing_and_is_named(client, login, people, org, csrf_off):
    login(client, people.staff)
    bad = ROW.replace("13899001122", "12345").replace("张伟", "李娜").replace(",35,", ",二百,")
    imp = _upload(client, ROW + "\r\n" + bad + "\r\n", org.project1.id)
    assert imp.status == ImportStatus.INVALID
    assert {(row, column) for row, column, _message in imp.errors} == {(3, "联系方式"), (3, "年龄")}
    assert _run(client, imp).status == ImportStatus.INVALID
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_an_owner_list_still_needs_its_rooms(client, login, people, org, csrf_off):
    login(client, people.staff)
    imp = _upload(client, ROW + "\r\n", org.project1.id, kind="owner")
    assert imp.status == ImportStatus.INVALID and "房号" in imp.errors[0][2]
    assert "意向客户登记表" in imp.errors[0][2]  # says how to import the register it is


def test_the_register_template_imports_as_it_comes(client, login, people, org, csrf_off):
    login(client, people.staff)
    resp = client.get("/archives/imports/template.xlsx?kind=prospect")
    header = [c.value for c in load_workbook(io.BytesIO(resp.data)).active[1]]
    for title in ("客户姓名*", "联系方式*", "年龄", "职业", "户型", "面积", "楼层", "置业次数", "接待人员", "项目"):
        assert title in header
    assert "房号*" not in header
    imp = _run(client, _upload(client, "", name="template.xlsx", data=resp.data))
    assert imp.status == ImportStatus.DONE, imp.errors
    assert db.session.scalar(select(Customer.kind)) == CustomerKind.PROSPECT
