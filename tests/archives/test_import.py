"""Importing owner lists: every row checked, errors by row and column, all or nothing, idempotent."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ArchiveImport, Customer, CustomerChange, ImportStatus, Purchase
from portal.services import archive_import
from tests.archives.factories import id_number, make_customer

HEADER = ["姓名*", "身份证号码*", "联系电话1*", "联系电话2", "项目*", "楼栋", "房号*", "签约日期", "收楼日期", "建筑面积", "车牌号"]


def rows_for(n: int, start: int = 500_000) -> list[list]:
    return [[f"业主{i}", id_number(start + i), f"138{start + i:08d}", "", "阳光花园", "2栋", f"{i}01",
             "2025-03-01", "2025-10-01", "96.5", "新A1234"] for i in range(n)]


def xlsx_bytes(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding="utf-8", header=HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture()
def uploader(client, login, people, csrf_off):
    login(client, people.staff)

    def upload(data: bytes, name: str = "业主资料.xlsx", year: int = 2025, project_id: int = 0):
        return client.post("/archives/imports", data={"source": "property", "year": year, "project_id": project_id,
                                                      "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    return upload


def _last_import() -> ArchiveImport:
    return db.session.scalar(select(ArchiveImport).order_by(ArchiveImport.id.desc()))


def test_one_bad_id_checksum_imports_nothing_and_names_the_row(client, uploader, org):
    rows = rows_for(3)
    good = rows[1][1]
    rows[1][1] = good[:-1] + ("1" if good[-1] != "1" else "2")  # spreadsheet row 3
    resp = uploader(xlsx_bytes(rows))
    assert resp.status_code == 302
    imp = _last_import()
    assert imp.status == ImportStatus.INVALID and imp.error_count == 1
    assert imp.errors[0][:2] == [3, "身份证号码"]
    page = client.get(f"/archives/imports/{imp.id}").get_data(as_text=True)
    assert "身份证号码无效" in page and "<td>3</td>" in page
    assert client.post(f"/archives/imports/{imp.id}/run").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_an_id_number_in_a_number_cell_is_refused_not_stored_short(client, uploader, org):
    """Excel keeps 15 significant digits of a number cell: an 18-digit ID number typed into a
    General cell has lost its last three, and one in eleven of those still passes the checksum.
    Such a cell is an error asking for text, whatever its digits."""
    rows = rows_for(2)
    number = next(id_number(n) for n in range(700_000, 700_100) if not id_number(n).endswith("X"))
    rows[1][1] = int(number[:15] + "000")  # spreadsheet row 3, as Excel stored it
    assert uploader(xlsx_bytes(rows)).status_code == 302
    imp = _last_import()
    assert imp.status == ImportStatus.INVALID and imp.error_count == 1
    assert imp.errors[0][:2] == [3, "身份证号码"] and "文本" in imp.errors[0][2]
    assert client.post(f"/archives/imports/{imp.id}/run").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


@pytest.mark.parametrize("change, column, message", [
    ({0: ""}, "姓名", "必填"),
    ({2: "12345"}, "联系电话1", "电话号码"),
    ({7: "2025-13-40"}, "签约日期", "日期"),
    ({4: "不存在的楼盘"}, "项目", "未知项目"),
    ({9: "很大"}, "建筑面积", "数字"),
    ({7: "2025-10-02", 8: "2025-10-01"}, "收楼日期", "早于"),
])
def test_each_kind_of_bad_cell_is_reported_with_its_column(uploader, org, change, column, message):
    rows = rows_for(2)
    for idx, value in change.items():
        rows[0][idx] = value
    uploader(xlsx_bytes(rows))
    imp = _last_import()
    assert imp.status == ImportStatus.INVALID
    assert [2, column] == imp.errors[0][:2] and message in imp.errors[0][2]


def test_duplicate_rooms_in_the_file_and_in_the_archive_are_errors(uploader, org):
    make_customer(org.project1, room="901")  # 1栋-901 on file for someone else
    rows = rows_for(3)
    rows[2][6] = rows[0][6]  # same room as row 2
    rows[1][5], rows[1][6] = "1栋", "901"
    uploader(xlsx_bytes(rows))
    imp = _last_import()
    assert {(e[0], e[1]) for e in imp.errors} == {(4, "房号"), (3, "房号")}
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_import_then_reimport_updates_and_never_duplicates(client, uploader, org):
    data = xlsx_bytes(rows_for(5))
    uploader(data)
    imp = _last_import()
    assert imp.status == ImportStatus.VALID and imp.total_rows == 5
    client.post(f"/archives/imports/{imp.id}/run")
    db.session.refresh(imp)
    assert imp.status == ImportStatus.DONE and imp.inserted == 5
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 5
    c = db.session.scalar(select(Customer).where(Customer.name == "业主0"))
    assert c.archive_year == 2025 and c.birthday == date(1980, 1, 1) + timedelta(days=500) and c.purchases[0].floor_area == 96.5

    uploader(data, year=2026)
    again = _last_import()
    client.post(f"/archives/imports/{again.id}/run")
    db.session.refresh(again)
    assert again.status == ImportStatus.DONE and again.inserted == 0 and again.updated == 0
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 5
    assert db.session.scalar(select(func.count()).select_from(Purchase)) == 5

    changed = rows_for(5)
    changed[0][2] = "13900000000"
    uploader(xlsx_bytes(changed))
    third = _last_import()
    client.post(f"/archives/imports/{third.id}/run")
    db.session.refresh(third)
    assert third.updated == 1 and db.session.scalar(select(func.count()).select_from(Customer)) == 5
    change = db.session.scalar(select(CustomerChange).where(CustomerChange.source == "import"))
    assert change.field == "phone1" and change.new_value == "139****0000"


def test_two_rooms_of_one_owner_make_a_quality_customer(client, uploader, org):
    rows = rows_for(2)
    rows[1][0], rows[1][1] = rows[0][0], rows[0][1]  # same person, another room
    uploader(xlsx_bytes(rows))
    client.post(f"/archives/imports/{_last_import().id}/run")
    customer = db.session.scalar(select(Customer))
    assert len(customer.purchases) == 2 and customer.is_quality


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_and_gbk(client, uploader, org, encoding):
    uploader(csv_bytes(rows_for(3), encoding), name="物业报送.csv")
    imp = _last_import()
    assert imp.status == ImportStatus.VALID, imp.errors
    client.post(f"/archives/imports/{imp.id}/run")
    assert db.session.scalar(select(Customer.name).where(Customer.name == "业主2")) == "业主2"


def test_missing_required_columns_are_named(uploader, org):
    uploader(xlsx_bytes(rows_for(1), header=["姓名", "电话"]))
    imp = _last_import()
    assert imp.status == ImportStatus.INVALID
    assert "联系电话1" in imp.errors[0][2] and "房号" in imp.errors[0][2] and "身份证号码" not in imp.errors[0][2]


def test_template_has_chinese_headers_and_a_valid_sample(client, login, people, org):
    login(client, people.staff)
    resp = client.get("/archives/imports/template.xlsx")
    ws = load_workbook(io.BytesIO(resp.data)).active
    headers = [c.value for c in ws[1]]
    assert "身份证号码" in headers and "房号*" in headers and "收楼日期" in headers
    result = archive_import.check_rows(iter([headers, [c.value for c in ws[2]]]))
    assert result.errors == [] and result.total == 1


def test_a_large_file_goes_to_an_rq_job_with_progress(app, client, uploader, org, redis_conn, monkeypatch):
    from rq import Queue, SimpleWorker
    from rq.job import Job

    import portal.blueprints.archives.views as views

    monkeypatch.setattr(views, "INLINE_IMPORT_BYTES", 10)
    uploader(xlsx_bytes(rows_for(30)))
    imp = _last_import()
    assert imp.status == ImportStatus.QUEUED and imp.job_id
    queue = Queue(app.config["RQ_QUEUE"], connection=redis_conn)
    assert queue.count == 1
    progress = client.get(f"/archives/imports/{imp.id}/progress", headers={"HX-Request": "true"})
    assert "<progress" in progress.get_data(as_text=True) and "HX-Refresh" not in progress.headers
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    db.session.refresh(imp)
    assert imp.status == ImportStatus.VALID
    assert Job.fetch(imp.job_id, connection=redis_conn).meta["stage"] == "checked"
    assert client.get(f"/archives/imports/{imp.id}/progress").headers.get("HX-Refresh") == "true"
    client.post(f"/archives/imports/{imp.id}/run")
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    db.session.refresh(imp)
    assert imp.status == ImportStatus.DONE and imp.inserted == 30
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 30


def test_the_import_checks_the_archive_again_after_the_preview(client, uploader, org):
    """A room recorded for someone else between the preview and the import stops the whole file."""
    uploader(xlsx_bytes(rows_for(3)))
    imp = _last_import()
    assert imp.status == ImportStatus.VALID
    make_customer(org.project1, room="101")  # rows_for puts row 3 in 阳光花园 2栋-101 — use that building
    db.session.execute(Purchase.__table__.update().where(Purchase.room == "101").values(building="2栋"))
    db.session.commit()
    client.post(f"/archives/imports/{imp.id}/run")
    db.session.refresh(imp)
    assert imp.status == ImportStatus.INVALID and imp.errors[0][:2] == [3, "房号"]
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_imported_purchases_get_their_revisit_plans_and_a_corrected_file_moves_them(client, uploader, org):
    from portal.models import RevisitPlan

    today = date.today()
    rows = rows_for(3)
    for r in rows:
        r[7], r[8] = "", (today - timedelta(days=3)).isoformat()  # handed over 3 days ago
    uploader(xlsx_bytes(rows))
    client.post(f"/archives/imports/{_last_import().id}/run")
    plans = db.session.scalars(select(RevisitPlan).order_by(RevisitPlan.purchase_id, RevisitPlan.due)).all()
    # three handover revisits (1 month, 3 months, 1 year) for each of the three rooms
    assert len(plans) == 9 and {p.purchase_id for p in plans} == set(db.session.scalars(select(Purchase.id)))

    rows[0][8] = (today - timedelta(days=2)).isoformat()  # the marketing department's typo, corrected
    uploader(xlsx_bytes(rows))
    client.post(f"/archives/imports/{_last_import().id}/run")
    db.session.expire_all()
    first = db.session.scalar(select(Purchase).where(Purchase.room == "001"))
    starts = {p.window_start for p in db.session.scalars(select(RevisitPlan).where(RevisitPlan.purchase_id == first.id))}
    assert db.session.scalar(select(func.count()).select_from(RevisitPlan)) == 9
    assert today - timedelta(days=2) in starts and today - timedelta(days=3) not in starts


def test_typed_excel_cells_read_as_the_office_typed_them(client, uploader, org):
    """Excel dates, phone numbers and rooms stored as numbers, and a table that starts below a
    title row are read as written; the row numbers of errors stay the spreadsheet's."""
    from datetime import datetime

    rows = rows_for(2)
    rows[0][2], rows[0][6], rows[0][7], rows[0][8] = 13812340000, 1201, date(2025, 3, 1), datetime(2025, 10, 1, 9, 30)
    rows[0][9] = 96.5
    uploader(xlsx_bytes(rows))
    client.post(f"/archives/imports/{_last_import().id}/run")
    purchase = db.session.scalar(select(Purchase).where(Purchase.room == "1201"))
    assert purchase is not None, _last_import().errors
    assert (purchase.customer.phone1, purchase.signing_date, purchase.handover_date, purchase.floor_area) == (
        "13812340000", date(2025, 3, 1), date(2025, 10, 1), 96.5)

    wb = Workbook()
    ws = wb.active
    ws.append(["2025年业主名单"])  # a title row: row 1 is not the header
    ws.append(HEADER)
    uploader(_save(wb))
    imp = _last_import()
    assert imp.status == ImportStatus.INVALID and "姓名" in imp.message


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(client, uploader, org):
    resp = uploader(b"PK\x03\x04 this is no zip at all", name="业主.xlsx")
    assert resp.status_code in (200, 302)
    imp = _last_import()
    assert imp is None or imp.status == ImportStatus.INVALID
    page = resp.get_data(as_text=True) if resp.status_code == 200 else client.get(resp.location).get_data(as_text=True)
    assert "Excel" in page
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# The property company's yearly owner list (seed 000): its own headers, no ID numbers.
PROPERTY_HEADER = ["业主姓名", "项目", "楼栋", "房号", "房屋面积", "联系方式", "家庭人数", "成员结构", "车号", "工作单位",
                   "移交时间"]


def property_row(name, room, phone, *, household="3", plate="新A1001"):
    return [name, "阳光花园", "2栋", room, "96.5", phone, household, "三口之家", plate, "某某公司", "2025-10-01"]


def _run_last(client) -> ArchiveImport:
    imp = _last_import()
    client.post(f"/archives/imports/{imp.id}/run")
    db.session.expire_all()
    return db.session.get(ArchiveImport, imp.id)


def test_the_property_companys_list_without_id_numbers_imports_and_reimports_without_duplicates(client, uploader, org):
    rows = [property_row("王业主", "101", "13900000001"), property_row("李业主", "102", "13900000002"),
            property_row("王业主", "103", "13900000001")]  # the same owner's second room
    uploader(xlsx_bytes(rows, header=PROPERTY_HEADER))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and imp.inserted == 2, imp.errors
    wang = db.session.scalar(select(Customer).where(Customer.name == "王业主"))
    assert wang.id_number is None and wang.car_plate == "新A1001" and wang.household_size == 3
    assert {p.room for p in wang.purchases} == {"101", "103"} and wang.is_quality
    assert wang.purchases[0].handover_date == date(2025, 10, 1) and wang.purchases[0].floor_area == 96.5

    rows[1] = property_row("李业主", "102", "13900000022", household="4")  # next year's list: a new phone
    uploader(xlsx_bytes(rows, header=PROPERTY_HEADER), year=2026)
    again = _run_last(client)
    assert again.status == ImportStatus.DONE and (again.inserted, again.updated) == (0, 1)
    listing = client.get("/archives/imports").get_data(as_text=True)
    assert "<td>已导入</td>" in listing and "<td>done</td>" not in listing
    li = db.session.scalar(select(Customer).where(Customer.name == "李业主"))
    assert (li.phone1, li.household_size) == ("13900000022", 4)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 2
    assert db.session.scalar(select(func.count()).select_from(Purchase)) == 3


def test_a_list_without_id_numbers_updates_the_owner_marketing_filed_and_refuses_another_name(client, uploader, org):
    owner = make_customer(org.project1, room="901", name="赵业主")  # filed by marketing, with an ID number
    rows = [[owner.name, org.project1.name, "1栋", "901", "", "13900000009", "5", "", "新B2002", "", ""],
            ["钱某", org.project1.name, "1栋", "901", "", "13900000010", "", "", "", "", ""]]
    uploader(xlsx_bytes(rows, header=PROPERTY_HEADER))
    imp = _last_import()
    assert imp.status == ImportStatus.INVALID and [e[:2] for e in imp.errors] == [[3, "房号"]]

    uploader(xlsx_bytes(rows[:1], header=PROPERTY_HEADER))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and (imp.inserted, imp.updated) == (0, 1)
    db.session.refresh(owner)
    assert (owner.car_plate, owner.household_size, owner.phone1) == ("新B2002", 5, "13900000009")
    assert owner.id_number is not None  # an empty column never blanks what is on file


def test_an_id_number_joins_the_record_of_its_room_that_has_none_unless_it_is_anothers(client, uploader, org):
    """The property company's list came first (no ID numbers); marketing's list with them follows."""
    listed = make_customer(org.project1, room="902", name="孙业主", id_number=None)
    other = make_customer(org.project1, room="904", name="李某")
    row = ["孙业主", id_number(700_001), "13900000011", "", org.project1.name, "1栋", "902", "", "", "", ""]
    taken = ["孙业主", other.id_number, "13900000011", "", org.project1.name, "1栋", "902", "", "", "", ""]
    uploader(xlsx_bytes([taken]))
    imp = _last_import()
    assert imp.status == ImportStatus.INVALID and imp.errors[0][:2] == [2, "身份证号码"]  # that number is 李某's
    assert "另一位客户" in imp.errors[0][2]
    uploader(xlsx_bytes([row]))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and (imp.inserted, imp.updated) == (0, 1), imp.errors
    db.session.refresh(listed)
    assert listed.id_number == id_number(700_001) and len(listed.purchases) == 1


def test_a_row_without_id_joins_the_customer_of_the_same_name_and_phone(client, uploader, org):
    known = make_customer(org.project1, room="903", name="周业主", phone1="13900000012", id_number=None)
    uploader(xlsx_bytes([property_row("周业主", "104", "13900000012")], header=PROPERTY_HEADER))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and imp.inserted == 0, imp.errors
    db.session.refresh(known)
    assert {p.room for p in known.purchases} == {"903", "104"} and known.is_quality


def test_two_numbers_in_the_contact_cell_fill_both_phones_and_errors_name_the_files_columns(client, uploader, org):
    rows = [property_row("吴业主", "105", "13900000013 / 0991-4567890"),
            property_row("郑业主", "106", "13900000014、13900000015")]
    uploader(xlsx_bytes(rows, header=PROPERTY_HEADER))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE, imp.errors
    phones = {c.name: (c.phone1, c.phone2) for c in db.session.scalars(select(Customer))}
    assert phones == {"吴业主": ("13900000013", "0991-4567890"), "郑业主": ("13900000014", "13900000015")}

    bad = [property_row("冯业主", "107", "13900000016/12345"), property_row("陈业主", "108", "13900000017")]
    bad[1][10] = "2025-02-30"
    uploader(xlsx_bytes(bad, header=PROPERTY_HEADER))
    assert [e[:2] for e in _last_import().errors] == [[2, "联系方式"], [3, "移交时间"]]

    both = [[*property_row("褚业主", "109", "13900000018/13900000019"), "13900000020"]]
    uploader(xlsx_bytes(both, header=[*PROPERTY_HEADER, "联系电话2"]))
    errors = _last_import().errors
    assert [e[:2] for e in errors] == [[2, "联系方式"]] and "联系电话2" in errors[0][2]


def test_a_row_without_id_is_the_person_another_row_of_the_file_names(client, uploader, org):
    """One owner, two rooms: one row with the ID number, the other (same name and phone) without."""
    header = ["姓名", "身份证号码", "联系电话1", "项目", "楼栋", "房号"]
    rows = [["蒋业主", id_number(700_002), "13900000021", "阳光花园", "2栋", "110"],
            ["蒋业主", "", "13900000021", "阳光花园", "2栋", "111"]]
    uploader(xlsx_bytes(rows, header=header))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and imp.inserted == 1, imp.errors
    owner = db.session.scalar(select(Customer))
    assert owner.id_number == id_number(700_002) and {p.room for p in owner.purchases} == {"110", "111"}


def test_a_list_without_buildings_finds_the_room_marketing_filed_with_one(client, uploader, org):
    """Seed 000's list has 房号 but no 楼栋: the room is the project's one room of that number."""
    owner = make_customer(org.project1, room="1-301", name="卫业主", phone1="13900000031", id_number=None)
    make_customer(org.project1, room="2-101", name="甲")
    db.session.execute(Purchase.__table__.update().where(Purchase.room == "2-101").values(building="2栋"))
    make_customer(org.project1, room="2-101", name="乙")  # 2-101 also in 1栋: ambiguous without a building
    header = ["业主姓名", "项目", "房号", "联系方式", "车号"]
    uploader(xlsx_bytes([["卫业主", org.project1.name, "1-301", "13900000031", "新D4004"],
                         ["甲", org.project1.name, "2-101", "13900000032", ""]], header=header))
    imp = _last_import()
    assert [e[:2] for e in imp.errors] == [[3, "房号"]] and "楼栋" in imp.errors[0][2]
    uploader(xlsx_bytes([["卫业主", org.project1.name, "1-301", "13900000031", "新D4004"]], header=header))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and (imp.inserted, imp.updated) == (0, 1), imp.errors
    db.session.refresh(owner)
    assert [(p.building, p.room) for p in owner.purchases] == [("1栋", "1-301")] and not owner.is_quality
    assert owner.car_plate == "新D4004"


def test_a_prospect_on_an_owner_list_becomes_an_owner_and_the_second_phone_alone_changes_nothing(client, uploader,
                                                                                               org):
    from portal.models import CustomerKind

    prospect = make_customer(name="韩先生", phone1="13900000041", phone2="13900000042", id_number=None,
                             kind=CustomerKind.PROSPECT)
    uploader(xlsx_bytes([property_row("韩先生", "120", "13900000041")], header=PROPERTY_HEADER))
    assert _run_last(client).status == ImportStatus.DONE
    db.session.refresh(prospect)
    assert prospect.kind == CustomerKind.OWNER and [p.room for p in prospect.purchases] == ["120"]

    listed = make_customer(org.project1, room="905", name="杨业主", phone1="13900000043", phone2="13900000044")
    row = [listed.name, org.project1.name, "1栋", "905", "", "13900000044", "", "", "", "", ""]
    uploader(xlsx_bytes([row], header=PROPERTY_HEADER))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and imp.updated == 0, imp.errors
    db.session.refresh(listed)
    assert (listed.phone1, listed.phone2) == ("13900000043", "13900000044")


def test_one_customer_named_by_two_rows_of_a_file_is_updated_once(client, uploader, org):
    known = make_customer(org.project1, room="906", name="朱业主", phone1="13900000051")
    header = ["姓名", "身份证号码", "联系电话1", "项目", "楼栋", "房号"]
    rows = [["朱业主", known.id_number, "13900000052", org.project1.name, "1栋", "907"],  # a new room, by ID
            ["朱业主", "", "13900000053", org.project1.name, "1栋", "906"]]  # the room on file, without ID
    uploader(xlsx_bytes(rows, header=header))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and (imp.inserted, imp.updated) == (0, 1), imp.errors
    db.session.refresh(known)
    assert {p.room for p in known.purchases} == {"906", "907"}


@pytest.mark.parametrize("header, cell, expected", [
    (PROPERTY_HEADER, "13900000061\n13900000062", ("13900000061", "13900000062")),  # one per line (Alt+Enter)
    (PROPERTY_HEADER, "13900000061／13900000062", ("13900000061", "13900000062")),  # full-width slash
    (PROPERTY_HEADER, "13900000061/13900000061", ("13900000061", None)),  # the same number twice
    (PROPERTY_HEADER, "13900000061/13900000062/13900000063", "最多填写两个号码"),
    ([*PROPERTY_HEADER, "联系电话1"], "13900000061", "两列"),  # 联系方式 and 联系电话1: which one?
])
def test_phone_cells_and_headers_of_the_lists(client, uploader, org, header, cell, expected):
    row = property_row("秦业主", "130", cell) + (["13900000064"] if len(header) > len(PROPERTY_HEADER) else [])
    uploader(xlsx_bytes([row], header=header))
    imp = _last_import()
    if isinstance(expected, str):
        assert imp.status == ImportStatus.INVALID and expected in imp.errors[0][2]
        return
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE, imp.errors
    customer = db.session.scalar(select(Customer).where(Customer.name == "秦业主"))
    assert (customer.phone1, customer.phone2) == expected


def test_the_seeds_property_list_as_written_imports_with_the_project_chosen_on_upload(client, uploader, org):
    """Seed 000's yearly list: 业主姓名、房号、房屋面积、联系方式、家庭人数、成员结构、车号、工作单位、移交时间 —
    no project, no building, no ID number."""
    header = ["业主姓名", "房号", "房屋面积", "联系方式", "家庭人数", "成员结构", "车号", "工作单位", "移交时间"]
    rows = [["何业主", "5-1-201", "120.5", "13900000071/0991-7654321", "4", "夫妻+两孩", "新A7007", "某医院",
             "2025-09-30"]]
    uploader(xlsx_bytes(rows, header=header))
    imp = _last_import()
    assert imp.status == ImportStatus.INVALID and "项目" in imp.errors[0][2] and "上传时选择" in imp.errors[0][2]

    uploader(xlsx_bytes(rows, header=header), project_id=org.project1.id)
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and imp.inserted == 1 and imp.project_id == org.project1.id, imp.errors
    owner = db.session.scalar(select(Customer).where(Customer.name == "何业主"))
    p = owner.purchases[0]
    assert (p.project_id, p.building, p.room, p.floor_area, p.handover_date) == (
        org.project1.id, None, "5-1-201", 120.5, date(2025, 9, 30))
    assert (owner.phone1, owner.phone2, owner.household_size, owner.family_structure, owner.car_plate,
            owner.employer) == ("13900000071", "0991-7654321", 4, "夫妻+两孩", "新A7007", "某医院")
    page = client.get(f"/archives/imports/{imp.id}").get_data(as_text=True)
    assert org.project1.name in page

    bad = client.post("/archives/imports", data={"source": "property", "year": 2025, "project_id": 999_999,
                                                 "file": (io.BytesIO(xlsx_bytes(rows, header=header)), "x.xlsx")},
                      content_type="multipart/form-data")
    assert bad.status_code == 200 and _last_import().id == imp.id  # no such project: the form says so
    assert "不是有效的选择" in bad.get_data(as_text=True)


def test_a_room_filed_without_a_building_is_the_one_a_later_list_names_with_one(client, uploader, org):
    """The property list (no 楼栋) first, marketing's list (5栋, ID number) after: one owner, one room."""
    header = ["业主姓名", "房号", "联系方式"]
    uploader(xlsx_bytes([["何业主", "5-1-201", "13900000081"]], header=header), project_id=org.project1.id)
    assert _run_last(client).status == ImportStatus.DONE
    later = ["何业主", id_number(700_081), "13900000081", "", org.project1.name, "5栋", "5-1-201", "", "", "", ""]
    uploader(xlsx_bytes([later]))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and (imp.inserted, imp.updated) == (0, 1), imp.errors
    owner = db.session.scalar(select(Customer).where(Customer.name == "何业主"))
    assert owner.id_number == id_number(700_081) and not owner.is_quality
    assert [(p.building, p.room) for p in owner.purchases] == [("5栋", "5-1-201")]
    assert db.session.scalar(select(func.count()).select_from(Purchase)) == 1
    uploader(xlsx_bytes([["何业主", "5-1-201", "13900000081"]], header=header), project_id=org.project1.id)
    assert _run_last(client).status == ImportStatus.DONE  # next year's list finds it again
    assert db.session.scalar(select(func.count()).select_from(Purchase)) == 1


def test_a_room_twice_once_its_building_is_known_and_two_numbers_for_one_customer_are_errors(client, uploader,
                                                                                             org):
    make_customer(org.project1, room="101", name="甲")  # 1栋-101
    listed = make_customer(org.project1, room="902", name="孙业主", id_number=None)
    db.session.add(Purchase(customer=listed, project=org.project1, building="1栋", room="903"))
    db.session.commit()
    header = ["姓名", "身份证号码", "联系电话1", "项目", "楼栋", "房号"]
    rows = [["甲", "", "13900000091", org.project1.name, "", "101"],
            ["甲", "", "13900000091", org.project1.name, "1栋", "101"],  # the same room
            ["孙业主", id_number(700_091), "13900000092", org.project1.name, "1栋", "902"],
            ["孙业主", id_number(700_092), "13900000092", org.project1.name, "1栋", "903"]]  # another number
    uploader(xlsx_bytes(rows, header=header))
    imp = _last_import()
    assert [e[:2] for e in imp.errors] == [[3, "房号"], [5, "身份证号码"]], imp.errors
    assert "与第 2 行重复" in imp.errors[0][2] and "第 4 行" in imp.errors[1][2]


def test_a_new_id_number_finds_the_id_less_customer_another_row_names(client, uploader, org):
    listed = make_customer(org.project1, room="902", name="孙业主", phone1="13900000093", id_number=None)
    header = ["姓名", "身份证号码", "联系电话1", "项目", "楼栋", "房号"]
    rows = [["孙业主", id_number(700_093), "13900000093", org.project1.name, "1栋", "999"],  # a new room
            ["孙业主", "", "13900000093", org.project1.name, "1栋", "902"]]  # his room on file
    uploader(xlsx_bytes(rows, header=header))
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE and imp.inserted == 0, imp.errors
    db.session.refresh(listed)
    assert listed.id_number == id_number(700_093) and {p.room for p in listed.purchases} == {"902", "999"}
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_the_seeds_other_headers_are_read_and_unknown_ones_are_named(client, uploader, org):
    header = ["客户名称", "身份证件号码", "生日", "联系电话", "项目名称", "房号", "房屋建筑性质", "类型", "婚否", "年龄",
              "职业", "备注"]
    rows = [["许业主", id_number(700_094), "1985-06-01", "13900000094", org.project1.name, "7-101", "商品房",
             "住宅", "已婚", "41", "教师", "老客户"]]
    uploader(xlsx_bytes(rows, header=header))
    imp = _last_import()
    # 年龄 and 职业 have their fields (stated_age, occupation); 备注 has none
    assert imp.status == ImportStatus.VALID and "备注" in imp.message and "年龄" not in imp.message, imp.errors
    assert "备注" in client.get(f"/archives/imports/{imp.id}").get_data(as_text=True)
    imp = _run_last(client)
    owner = db.session.scalar(select(Customer).where(Customer.name == "许业主"))
    assert (owner.birthday, owner.marital_status) == (date(1985, 6, 1), "已婚")
    assert (owner.stated_age, owner.occupation) == (41, "教师")
    assert (owner.purchases[0].property_nature, owner.purchases[0].property_type) == ("商品房", "住宅")


def test_one_new_number_for_rooms_of_two_id_less_namesakes_is_an_error_not_a_wrong_update(client, uploader, org):
    a = make_customer(org.project1, room="902", name="孙业主", phone1="13900000101", id_number=None)
    b = make_customer(org.project1, room="903", name="孙业主", phone1="13900000102", id_number=None)
    header = ["姓名", "身份证号码", "联系电话1", "项目", "楼栋", "房号"]
    rows = [["孙业主", id_number(700_101), "13900000101", org.project1.name, "1栋", "902"],
            ["孙业主", id_number(700_101), "13900000102", org.project1.name, "1栋", "903"]]
    uploader(xlsx_bytes(rows, header=header))
    imp = _last_import()
    assert imp.status == ImportStatus.INVALID and [e[:2] for e in imp.errors] == [[3, "身份证号码"]]
    db.session.refresh(a)
    db.session.refresh(b)
    assert (a.id_number, a.phone1, b.id_number) == (None, "13900000101", None)


def test_a_renamed_customer_and_a_row_under_the_old_name_is_an_error(client, uploader, org):
    known = make_customer(org.project1, room="908", name="乙", phone1="13900000111")
    db.session.add(Purchase(customer=known, project=org.project1, building="1栋", room="909"))
    db.session.commit()
    header = ["姓名", "身份证号码", "联系电话1", "项目", "楼栋", "房号"]
    rows = [["甲", known.id_number, "13900000111", org.project1.name, "1栋", "908"],  # renamed by number
            ["乙", "", "13900000111", org.project1.name, "1栋", "909"]]  # the old name, by room
    uploader(xlsx_bytes(rows, header=header))
    imp = _last_import()
    assert [e[:2] for e in imp.errors] == [[3, "姓名"]] and "第 2 行" in imp.errors[0][2]


def test_buildings_the_file_gives_count_and_a_building_lost_from_the_archive_is_kept(client, uploader, org):
    header = ["姓名", "联系电话1", "项目", "楼栋", "房号"]
    both = [["冯业主", "13900000121", org.project1.name, "", "101"],
            ["冯业主", "13900000121", org.project1.name, "1栋", "101"]]  # the same room, once without 楼栋
    uploader(xlsx_bytes(both, header=header))
    imp = _last_import()
    assert [e[:2] for e in imp.errors] == [[3, "房号"]] and "重复" in imp.errors[0][2]

    blank = make_customer(org.project1, room="5-201", name="褚业主", id_number=None)
    db.session.execute(Purchase.__table__.update().where(Purchase.room == "5-201").values(building=None))
    db.session.commit()
    uploader(xlsx_bytes([["褚业主", "13900000122", org.project1.name, "5栋", "5-201"]], header=header))
    imp = _last_import()
    assert imp.status == ImportStatus.VALID, imp.errors
    db.session.execute(Purchase.__table__.delete().where(Purchase.room == "5-201"))  # gone before the run
    db.session.commit()
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE, imp.errors
    assert db.session.scalar(select(Purchase.building).where(Purchase.room == "5-201")) == "5栋"
    assert blank.id is not None


def test_a_nul_character_from_a_broken_csv_is_dropped_not_a_server_error(client, uploader, org):
    rows = rows_for(1)
    rows[0][0] = "张\x00三"
    rows[0][6] = "1\x0001"
    resp = uploader(csv_bytes(rows), name="坏文件.csv")
    assert resp.status_code == 302
    imp = _run_last(client)
    assert imp.status == ImportStatus.DONE, imp.errors
    assert db.session.scalar(select(Customer.name)) == "张三"
    assert db.session.scalar(select(Purchase.room)) == "101"


def test_a_row_without_id_whose_name_and_phone_two_records_share_is_an_error(client, uploader, org):
    """Two 陈业主 on file with the same phone (a couple's shared landline): a row naming neither's
    room cannot say which one it is — an error, not a third 陈业主."""
    make_customer(org.project1, room="910", name="陈业主", phone1="0991-4567890", id_number=None)
    make_customer(org.project1, room="911", name="陈业主", phone1="0991-4567890", id_number=None)
    uploader(xlsx_bytes([property_row("陈业主", "140", "0991-4567890")], header=PROPERTY_HEADER))
    imp = _last_import()
    assert [e[:2] for e in imp.errors] == [[2, "业主姓名"]] and "身份证号码或档案中的房号" in imp.errors[0][2]
    by_room = property_row("陈业主", "910", "0991-4567890")
    by_room[1], by_room[2] = org.project1.name, "1栋"
    uploader(xlsx_bytes([by_room], header=PROPERTY_HEADER))
    imp = _last_import()  # by its room the row is one of them: no question
    assert imp.status == ImportStatus.VALID, imp.errors
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 2
