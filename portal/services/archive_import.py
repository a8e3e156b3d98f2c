"""Importing owner lists (营销部 and 物业公司 yearly submissions) and the marketing department's
prospect register (案场来电来访登记表) from Excel (.xlsx) or CSV.

Every row is checked first (required fields, GB 11643 ID checksum, phone format, dates, numbers,
duplicates within the file and against the archive) and every problem is reported with its row
and column. Only a file without errors is written, in one transaction: all or nothing.
Customers are matched on the ID number, purchases on project + building + room, so importing
the same file again updates and never duplicates. The ID number is checked where given but not
required: the property company's yearly list (seed 000: 业主姓名、房号、房屋面积、联系方式、家庭人数、
成员结构、车号、工作单位、移交时间) has none, nor a building, nor a project (chosen on the upload form).
Who a row is (``_person_keys``): the customer with its ID number; else the owner on file for its
room if the names agree (another name there is an error; a new ID number joins that record);
else whom another row of the file with the same name and phone is, or the one customer with that
name and first phone (for a row with a new ID number: only a record without one). One customer
given two ID numbers is an error. A room is matched across a missing building both ways: a row
without one is the project's one room of that number; a row with one finds the room filed
without one and names its building. The list's own headers are accepted beside the template's
(unknown ones are named on the result), and a phone cell holding two numbers fills both phones.
Empty cells never blank what is on file (the two departments submit different columns of the
same owners).

A prospect register (``PROSPECTS``: its own columns, no rooms) is checked and written the same
way, matched on the ID number, else name and phone; its new people are prospects of the project
asked about (its 项目 column, else the upload form's), and a customer on file keeps his type.

Writing uses bulk INSERT/UPDATE statements in chunks, so 100,000 rows take seconds, not minutes;
large files are checked and imported by an RQ job (``portal.jobs.archives``).
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import Customer, CustomerChange, CustomerKind, Gender, Project, Purchase
from portal.models.base import utcnow
from portal.services import audit
from portal.services.archives import _chunks, _run_hooks, among, history_value, refresh_repeat_purchase_bulk
from portal.services.validators import (
    ARCHIVE_FIRST_YEAR, ARCHIVE_LAST_YEAR, ID_NUMBER_PROBLEMS, birth_facts, id_number_problem, is_valid_phone,
    normalise_id_number, normalise_phone,
)

MAX_STORED_ERRORS = 5000
CHUNK = 5000
FEN = Decimal("0.01")  # prices are yuan with fen (8497.46)


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header in the template and the files
    required: bool = False
    kind: str = "text"  # text, date, int, money, float, gender, id, phone, project
    max_len: int = 100
    customer: bool = True  # a customer field (else a purchase field)
    aliases: tuple[str, ...] = ()  # other headers for the column (the submitted lists' own words)
    maximum: int = 2_000_000_000  # of an int or money column


COLUMNS: list[Column] = [
    Column("name", "姓名", True, max_len=100, aliases=("业主姓名", "客户名称", "客户姓名")),
    Column("id_number", "身份证号码", False, "id", 18, aliases=("身份证件号码", "身份证号")),
    Column("gender", "性别", kind="gender"),
    Column("birthday", "出生日期", kind="date", aliases=("生日",)),
    Column("stated_age", "年龄", kind="int", maximum=130),
    Column("phone1", "联系电话1", True, "phone", 20, aliases=("联系方式", "联系电话")),
    Column("phone2", "联系电话2", kind="phone", max_len=20),
    Column("address", "联系地址", max_len=200, aliases=("地址",)),
    Column("postcode", "邮编", max_len=10),
    Column("employer", "工作单位", max_len=100),
    Column("position", "职位", max_len=50),
    Column("occupation", "职业", max_len=50),
    Column("living_area", "居住区域", max_len=100),
    Column("working_area", "工作区域", max_len=100),
    Column("education", "教育程度", max_len=30),
    Column("marital_status", "婚姻状况", max_len=20, aliases=("婚否",)),
    Column("family_structure", "家庭结构", max_len=50, aliases=("成员结构",)),
    Column("household_size", "家庭人数", kind="int", aliases=("家庭人口",)),
    Column("income_band", "收入", max_len=30),
    Column("how_learned", "项目得知途径", max_len=50),
    Column("car_plate", "车牌号", max_len=20, aliases=("车号",)),
    Column("project_id", "项目", True, "project", customer=False, aliases=("项目名称", "楼盘")),
    Column("building", "楼栋", max_len=30, customer=False),
    Column("room", "房号", True, max_len=30, customer=False),
    Column("property_nature", "房屋性质", max_len=30, customer=False, aliases=("房屋建筑性质", "建筑性质")),
    Column("property_type", "房屋类型", max_len=30, customer=False, aliases=("类型",)),
    Column("floor_area", "建筑面积", kind="float", customer=False, aliases=("房屋面积", "面积")),
    Column("unit_price", "单价", kind="money", customer=False, maximum=10_000_000),
    Column("total_price", "成交总价", kind="money", customer=False, aliases=("总价",)),
    Column("salesperson", "业务员", max_len=50, customer=False),
    Column("signing_date", "签约日期", kind="date", customer=False, aliases=("签约时间",)),
    Column("handover_date", "收楼日期", kind="date", customer=False, aliases=("移交时间", "移交日期", "收楼时间", "交房日期")),
]
# The marketing department's prospect register (seed 000 §5, 案场来电来访登记表: 客户姓名、联系方式、年龄、
# 婚否、家庭结构、职业、现居住区域、现工作区域、户型、面积、楼层、项目得知途径、付款方式、购买用途、置业次数、
# 接待人员): a prospect has no room; 面积 and 楼层 are what he wants, the project is the one he asked about.
PROSPECT_COLUMNS: list[Column] = [
    Column("name", "客户姓名", True, max_len=100, aliases=("姓名", "客户名称")),
    Column("phone1", "联系方式", True, "phone", 20, aliases=("联系电话1", "联系电话")),
    Column("phone2", "联系电话2", kind="phone", max_len=20),
    Column("id_number", "身份证号码", False, "id", 18, aliases=("身份证件号码", "身份证号")),
    Column("gender", "性别", kind="gender"),
    Column("stated_age", "年龄", kind="int", maximum=130),
    Column("marital_status", "婚否", max_len=20, aliases=("婚姻状况",)),
    Column("family_structure", "家庭结构", max_len=50, aliases=("成员结构",)),
    Column("occupation", "职业", max_len=50),
    Column("living_area", "现居住区域", max_len=100, aliases=("居住区域",)),
    Column("working_area", "现工作区域", max_len=100, aliases=("工作区域",)),
    Column("wanted_layout", "户型", max_len=50, aliases=("意向户型",)),
    Column("wanted_area", "面积", max_len=30, aliases=("意向面积",)),
    Column("wanted_floor", "楼层", max_len=30, aliases=("意向楼层",)),
    Column("how_learned", "项目得知途径", max_len=50),
    Column("payment_method", "付款方式", max_len=30),
    Column("purchase_purpose", "购买用途", max_len=50),
    Column("previous_purchases", "置业次数", kind="int", maximum=99),
    Column("receiving_salesperson", "接待人员", max_len=50, aliases=("接待置业顾问", "置业顾问")),
    Column("prospect_project_id", "项目", kind="project", aliases=("意向项目", "项目名称", "楼盘")),
]


class Layout:
    """The columns of one kind of list, and the column the upload form's project fills."""

    def __init__(self, kind: CustomerKind, columns: list[Column], project_key: str, sample: dict[str, str]):
        self.kind, self.columns, self.project_key = kind, columns, project_key
        self.by_header = {title: c for c in columns for title in (c.header, *c.aliases)}
        self.by_key = {c.key: c for c in columns}
        self.customer_keys = [c.key for c in columns if c.customer]
        self.sample_row = [sample.get(c.key, "") for c in columns]


OWNERS = Layout(CustomerKind.OWNER, COLUMNS, "project_id", {
    "name": "张三", "id_number": "110101199003074514", "gender": "男", "birthday": "1990-03-07",
    "phone1": "13812345678", "phone2": "0991-4567890", "address": "乌鲁木齐市天山区某路1号", "postcode": "830000",
    "employer": "某某公司", "position": "经理", "occupation": "工程师", "living_area": "天山区", "working_area": "高新区",
    "education": "本科", "marital_status": "已婚", "family_structure": "三口之家", "household_size": "3",
    "income_band": "10-20万", "how_learned": "朋友介绍", "car_plate": "新A12345", "project_id": "阳光花园",
    "building": "3栋", "room": "1-301", "property_nature": "商品房", "property_type": "住宅", "floor_area": "98.5",
    "unit_price": "8500", "total_price": "837250", "salesperson": "李四", "signing_date": "2025-05-01",
    "handover_date": "2025-12-20"})
PROSPECTS = Layout(CustomerKind.PROSPECT, PROSPECT_COLUMNS, "prospect_project_id", {
    "name": "张伟", "phone1": "13899001122", "stated_age": "35", "marital_status": "已婚",
    "family_structure": "三口之家", "occupation": "教师", "living_area": "天山区", "working_area": "高新区",
    "wanted_layout": "三室两厅", "wanted_area": "120", "wanted_floor": "10-15层", "how_learned": "朋友介绍",
    "payment_method": "按揭", "purchase_purpose": "自住", "previous_purchases": "1", "receiving_salesperson": "李四",
    "prospect_project_id": "阳光花园"})
LAYOUTS = {layout.kind: layout for layout in (OWNERS, PROSPECTS)}
BY_KEY = OWNERS.by_key  # an owner-list column by key
PURCHASE_KEYS = [c.key for c in COLUMNS if not c.customer and c.key not in ("project_id", "building", "room")]


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, no header row, missing columns)."""


@dataclass
class CheckResult:
    rows: list[dict] = field(default_factory=list)  # cleaned values, with "_row"
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column header, message)
    total: int = 0
    ignored: list[str] = field(default_factory=list)  # the file's headers the archive has no field for
    keys: list[tuple] | None = None  # who each row is (``_person_keys``), as the archive check found
    titles: dict[str, str] = field(default_factory=dict)  # column key → the file's header for it
    kind: CustomerKind = CustomerKind.OWNER  # an owner list, or a prospect register
    warnings: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, message): read, then import

    def header(self, key: str) -> str:
        """The file's name for a column (联系方式, 移交时间 …), else the template's."""
        return self.titles.get(key) or LAYOUTS[self.kind].by_key[key].header


# --- reading files -------------------------------------------------------------------------

def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK: Chinese Excel's "CSV")."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK encoded.")) from exc


def read_rows(path: Path, filename: str) -> Iterator[list]:
    """The file's rows as lists of cell values (the first is the header row)."""
    name = filename.lower()
    if name.endswith(".csv"):
        text = decode_csv(path.read_bytes())
        yield from csv.reader(io.StringIO(text))
    elif name.endswith(".xlsx"):
        # python-calamine (Rust) rather than openpyxl for reading: 100,000 rows × 30 columns take
        # ~3 s instead of ~40 s. Empty cells come back as "", numbers as floats; ``_text`` and
        # ``parse_date`` take both readers' values. skip_empty_area=False keeps row 1 as row 1,
        # so the row numbers in the error list are the spreadsheet's.
        from python_calamine import CalamineWorkbook

        try:
            rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # zip/XML errors: not a real .xlsx
            raise ImportFileError(_("The file is not a readable Excel (.xlsx) workbook.")) from exc
        except BaseException as exc:  # a panic inside the Rust reader on a malformed file
            if type(exc).__name__ != "PanicException":
                raise
            raise ImportFileError(_("The file is not a readable Excel (.xlsx) workbook.")) from exc
        yield from rows
    else:
        raise ImportFileError(_("Upload an Excel (.xlsx) or CSV file."))


def _header_title(cell) -> str:
    return str(cell or "").strip().rstrip("*").strip()


def ignored_headers(header: list, layout: Layout = OWNERS) -> list[str]:
    """The header row's titles that name no column (备注 …): said on the import page."""
    return [t for t in (_header_title(cell) for cell in header) if t and t not in layout.by_header]


def map_header(header: list, *, project_given: bool = False, layout: Layout = OWNERS) -> dict[int, Column]:
    found: dict[int, Column] = {}
    for i, cell in enumerate(header):
        title = _header_title(cell)
        if title not in layout.by_header:
            continue
        if layout.by_header[title] in found.values():  # 联系方式 and 联系电话1, or one header twice: which one?
            raise ImportFileError(_("The header row has two columns for %(col)s: keep one.",
                                    col=layout.by_header[title].header))
        found[i] = layout.by_header[title]
    missing = [c.header for c in layout.columns if c.required and c not in found.values()
               and not (c.key == "project_id" and project_given)]
    if missing:
        message = _("The header row lacks the columns: %(cols)s. Use the template.", cols="、".join(missing))
        if BY_KEY["project_id"].header in missing:
            message += " " + _("A list of one project may leave out 项目: choose the project when uploading.")
        if layout is OWNERS and BY_KEY["room"].header in missing:
            message += " " + _("A prospect register has no rooms: upload it as a prospect register.")
        raise ImportFileError(message)
    return found


# --- checking cells ------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = str(value)
    if "\x00" in text:  # a NUL from a broken CSV: PostgreSQL cannot store it in a text column
        text = text.replace("\x00", "")
    return text.strip()


def parse_date(value) -> date | None:
    """A date cell: an Excel date, 2025-05-01, 2025/5/1, 2025.5.1, 2025年5月1日 or 20250501.
    Raises ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if text.isdigit() and len(text) == 8:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    day = text.split(" ")[0]
    if "年" in day:  # 2025年5月1日, as Chinese lists write dates typed as text
        day = day.replace("年", "-").replace("月", "-").removesuffix("日")
    for sep in ("-", "/", "."):
        parts = day.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError(text)


def check_cell(col: Column, raw, projects: dict[str, int]):
    """(clean value, error message or None) for one cell."""
    if col.kind == "date":
        try:
            value = parse_date(raw)
        except ValueError:
            return None, _("Not a date (use 2025-05-01).")
        if value is not None and not (ARCHIVE_FIRST_YEAR <= value.year <= ARCHIVE_LAST_YEAR):
            return None, _("Not a date (use 2025-05-01).")
        return value, None
    if col.kind == "id" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # a number cell: Excel keeps 15 significant digits, so an 18-digit ID number has already
        # lost its last three (…0123 stored as …0000), and one in eleven would pass the checksum
        return None, _("Write the ID number as text: a number cell loses its last digits.")
    text = _text(raw)
    if not text:
        return None, (_("Required.") if col.required else None)
    if len(text) > col.max_len:
        return None, _("At most %(n)d characters.", n=col.max_len)
    if col.kind == "id":
        value = normalise_id_number(text)
        problem = id_number_problem(value)
        if problem:
            return None, _("Not a valid ID number: %(why)s", why=ID_NUMBER_PROBLEMS[problem])
        return value, None
    if col.kind == "phone":
        if not is_valid_phone(text):
            return None, _("Not a valid phone number.")
        return normalise_phone(text), None
    if col.kind == "gender":
        mapping = {"男": Gender.MALE, "女": Gender.FEMALE}
        if text not in mapping:
            return None, _("Write 男 or 女.")
        return mapping[text], None
    if col.kind == "int":
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return None, _("Not a number.")
        if number < 0 or not number.is_integer():
            return None, _("Not a whole number.")
        if number > col.maximum:
            return None, _("At most %(n)d.", n=col.maximum)
        return int(number), None
    if col.kind == "money":
        try:
            amount = Decimal(text.replace(",", "").removesuffix("元").lstrip("¥￥"))
        except InvalidOperation:
            return None, _("Not a number.")
        if not amount.is_finite() or amount < 0 or amount > col.maximum:
            return None, _("Not a plausible amount.")
        if amount != amount.quantize(FEN):
            return None, _("At most two decimals (yuan and fen).")
        return amount.quantize(FEN), None
    if col.kind == "float":
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return None, _("Not a number.")
        if number <= 0 or number > 1_000_000:
            return None, _("Not a plausible area.")
        return round(number, 2), None
    if col.kind == "project":
        project_id = projects.get(text)
        if project_id is None:
            return None, _("Unknown project (use its name or code in the portal).")
        return project_id, None
    return text, None


PHONE_SEPARATORS = re.compile(r"\s*[/／、,，;；\n]\s*")


def phone_numbers(cell) -> list[str]:
    """The numbers of a 联系方式 cell: lists write two in one cell ("13812345678/0991-4567890",
    "…、…", one per line) and seed 000 asks for at least two. Spaces do not separate (a landline
    may hold one); the same number twice is one number."""
    text = _text(cell).replace("\r", "\n")
    return list(dict.fromkeys(p for p in PHONE_SEPARATORS.split(text) if p))


def _room_key(row: dict) -> tuple:
    return row["project_id"], row.get("building") or "", row["room"]


def _project_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for p in db.session.scalars(select(Project)):
        lookup[p.name] = p.id
        if p.code:
            lookup[p.code] = p.id
    return lookup


def check_rows(rows: Iterator[list], progress: Callable[[int], None] | None = None, *,
               project_id: int | None = None, kind: CustomerKind = CustomerKind.OWNER) -> CheckResult:
    """Check every row; nothing is written. Row numbers are the spreadsheet's (header = 1).
    ``project_id`` (chosen on the upload form) is the project of rows that name none: of their
    room in an owner list, of their interest in a prospect register (``kind``)."""
    layout = LAYOUTS[kind]
    rooms = kind == CustomerKind.OWNER
    result = CheckResult(kind=kind)
    try:
        header = next(rows)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    columns = map_header(header, project_given=project_id is not None, layout=layout)
    result.ignored = ignored_headers(header, layout)
    # errors name the columns as the file does (联系方式, 移交时间 …), not as the template
    titles = result.titles = {col.key: _header_title(header[i]) for i, col in columns.items()}
    projects = _project_lookup()
    first_row_of_id: dict[str, tuple[int, str]] = {}
    first_row_of_room: dict[tuple, int] = {}
    errors = result.errors
    for row_no, raw in enumerate(rows, start=2):
        if raw is None or all(v is None or _text(v) == "" for v in raw):
            continue
        result.total += 1
        clean: dict = {"_row": row_no}
        ok = True
        second_phone = None
        for i, col in columns.items():
            cell = raw[i] if i < len(raw) else None
            if col.key == "phone1" and (numbers := phone_numbers(cell)):
                if len(numbers) > 2:
                    errors.append((row_no, titles[col.key], _("At most two numbers in one cell.")))
                    ok = False
                    continue
                cell, second_phone = numbers if len(numbers) == 2 else (numbers[0], None)
            if col.key == layout.project_key and project_id is not None and not _text(cell):
                clean[col.key] = project_id  # the project chosen on the upload form
                continue
            value, message = check_cell(col, cell, projects)
            if message:
                errors.append((row_no, titles[col.key], message))
                ok = False
            elif value is not None:
                clean[col.key] = value
        if layout.project_key not in titles and project_id is not None:
            clean[layout.project_key] = project_id
        if second_phone is not None:
            value, message = check_cell(BY_KEY["phone2"], second_phone, projects)
            if message or clean.get("phone2") not in (None, value):
                errors.append((row_no, titles["phone1"],
                               message or _("Two numbers here and another in 联系电话2: put one number in each.")))
                ok = False
            else:
                clean["phone2"] = value
        if ok:
            id_number = clean.get("id_number")
            seen = first_row_of_id.get(id_number) if id_number else None
            if id_number and seen is None:
                first_row_of_id[id_number] = (row_no, clean["name"])
            elif seen is not None and seen[1] != clean["name"]:
                errors.append((row_no, titles["id_number"],
                               _("Same ID number as row %(row)d but a different name.", row=seen[0])))
                ok = False
            if rooms:
                key = _room_key(clean)
                if key in first_row_of_room:
                    errors.append((row_no, titles["room"], _(
                        "Duplicate of row %(row)d (same project, building and room).", row=first_row_of_room[key])))
                    ok = False
                else:
                    first_row_of_room[key] = row_no
                if clean.get("signing_date") and clean.get("handover_date") and clean["handover_date"] < clean[
                        "signing_date"]:
                    errors.append((row_no, titles["handover_date"],
                                   _("The handover date cannot be before the signing date.")))
                    ok = False
        if ok:
            result.rows.append(clean)
        if progress and result.total % 2000 == 0:
            progress(result.total)
    if result.total == 0:
        errors.append((2, "", _("The file has no data rows.")))
    _check_against_archive(result)
    result.errors.sort(key=lambda e: e[0])
    return result


Owners = dict[tuple, tuple[int, str | None, str]]


def _room_owners(rows: list[dict]) -> tuple[Owners, dict[tuple, set[str]]]:
    """The rooms of ``rows`` on file: (project, building, room) → (customer id, ID number, name),
    and (project, room) → the buildings that have such a room."""
    by_project: dict[int, set[str]] = {}
    for row in rows:
        by_project.setdefault(row["project_id"], set()).add(row["room"])
    owners: Owners = {}
    buildings: dict[tuple, set[str]] = {}
    for project_id, rooms in by_project.items():
        for chunk in _chunks(sorted(rooms), CHUNK):
            for building, room, cid, id_number, name in db.session.execute(
                    select(Purchase.building, Purchase.room, Customer.id, Customer.id_number, Customer.name)
                    .join(Customer).where(Purchase.project_id == project_id, among(Purchase.room, chunk))):
                owners[(project_id, building or "", room)] = (cid, id_number, name)
                buildings.setdefault((project_id, room), set()).add(building or "")
    return owners, buildings


def _ids_on_file(rows: list[dict], names: dict[str, str] | None = None) -> dict[str, int]:
    """The file's ID numbers that the archive has: ID number → customer id (and into ``names``,
    ID number → the name on file)."""
    numbers = sorted({r["id_number"] for r in rows if r.get("id_number")})
    found: dict[str, int] = {}
    for chunk in _chunks(numbers, CHUNK):
        for cid, number, name in db.session.execute(
                select(Customer.id, Customer.id_number, Customer.name).where(among(Customer.id_number, chunk))):
            found[number] = cid
            if names is not None:
                names[number] = name
    return found


def _resolve_building(row: dict, known: set[str], owners: Owners, ids_on_file: dict[str, int]) -> str | None:
    """Put the row's room under the building it is on file with (``known``: the buildings the
    archive and the file's other rows give a room of that number); an error message if that is
    not clear. The property company's list writes only 房号: a row without a building is the
    one room of that number; a row naming a building for the room its person has on file
    without one names it (``new_building``, written on the purchase)."""
    given = row.get("building") or ""
    if not known or given in known:
        return None
    blank = owners.get((row["project_id"], "", row["room"]))
    if given and blank is not None and _owner_clash(row, blank, ids_on_file) is None:
        row["building"], row["new_building"] = None, given
    elif not given and len(known) == 1:
        row["building"] = next(iter(known))
    elif not given:
        return _("Several buildings of this project have this room: give the building (楼栋).")
    return None


def _owner_clash(row: dict, owner: tuple[int, str | None, str], ids_on_file: dict[str, int]) -> tuple | None:
    """(column key, message) when ``row`` is not the customer on file for its room. It is when the ID
    numbers agree; or, where the record or the row has none, when the names do — a row's new ID
    number then joins the record, unless the number is another customer's."""
    cid, owner_id_number, owner_name = owner
    number = row.get("id_number")
    if number and owner_id_number:
        return None if number == owner_id_number else ("room", _("This room is on file for another customer."))
    if number and ids_on_file.get(number, cid) != cid:
        return "id_number", _("This ID number is another customer's in the archive.")
    return None if owner_name == row["name"] else ("room", _("This room is on file for another customer."))


def _check_against_archive(result: CheckResult) -> None:
    """Errors that need the archive: a room on file for another customer (a duplicate, not an
    update); a room the file names twice once the buildings are resolved; a row whose ID number
    names another person than its room's owner; one person given two ID numbers or two names; a row
    without an ID number whose name and phone two records share.
    Keeps who each remaining row is in ``result.keys`` for the import."""
    # a prospect register names no rooms: who a row is follows from the ID number, name and phone
    owners, buildings = _room_owners(result.rows) if result.kind == CustomerKind.OWNER else ({}, {})
    names_on_file: dict[str, str] = {}
    ids_on_file = _ids_on_file(result.rows, names_on_file)
    bad_rows: set[int] = set()

    def error(r: dict, column: str, message: str) -> None:
        result.errors.append((r["_row"], column, message))
        bad_rows.add(r["_row"])

    in_file: dict[tuple, set[str]] = {}  # the buildings the file's rows give a room number
    for r in result.rows:
        if r.get("building"):
            in_file.setdefault((r["project_id"], r["room"]), set()).add(r["building"])
    first_row_of_room: dict[tuple, int] = {}
    for r in (result.rows if result.kind == CustomerKind.OWNER else []):
        room = (r["project_id"], r["room"])
        known = buildings.get(room, set()) | (set() if r.get("building") else in_file.get(room, set()))
        message = _resolve_building(r, known, owners, ids_on_file)
        if message:
            error(r, result.header("room"), message)
            continue
        key = _room_key(r)
        if key in first_row_of_room:
            error(r, result.header("room"),
                  _("Duplicate of row %(row)d (same project, building and room).", row=first_row_of_room[key]))
            continue
        first_row_of_room[key] = r["_row"]
        owner = owners.get(key)
        if owner is not None and (clash := _owner_clash(r, owner, ids_on_file)):
            error(r, result.header(clash[0]), clash[1])
    rows = [r for r in result.rows if r["_row"] not in bad_rows]
    ambiguous: set[int] = set()
    keys = _person_keys(rows, owners, ids_on_file, ambiguous)
    for i in sorted(ambiguous):
        error(rows[i], result.header("name"),
              _("Several customers on file have this name and phone: give the ID number or the room on file."))
    numbers: dict[tuple, tuple[str, int]] = {}  # person → (the ID number a row gives, that row)
    names: dict[tuple, tuple[str, int]] = {}  # person → (the name a row gives, that row)
    for key, r in zip(keys, rows):
        number, owner = r.get("id_number"), owners.get(_room_key(r)) if owners else None
        if owner is not None and key != ("cid", owner[0]):
            error(r, result.header("id_number"),
                  _("This room's owner on file is not the customer this ID number names."))
        elif number and numbers.setdefault(key, (number, r["_row"]))[0] != number:
            error(r, result.header("id_number"),
                  _("Row %(row)d gives the same customer another ID number.", row=numbers[key][1]))
        elif names.setdefault(key, (r["name"], r["_row"]))[0] != r["name"]:
            error(r, result.header("name"),
                  _("Row %(row)d gives the same customer another name.", row=names[key][1]))
    # the import writes in the same transaction right after this check: it reuses the keys
    result.keys = [k for k, r in zip(keys, rows) if r["_row"] not in bad_rows]
    result.rows = [r for r in rows if r["_row"] not in bad_rows]
    # An ID number on file under another name renames that customer (and gives him the file's new
    # phones): maybe a corrected name, maybe another person's number typed in. Not an error (a
    # name is corrected this way); a warning the user reads before importing.
    result.warnings = [
        (r["_row"], result.header("id_number"),
         _("On file as %(old)s: importing renames that customer %(new)s and updates the record from this row.",
           old=names_on_file[r["id_number"]], new=r["name"]))
        for r in result.rows if r.get("id_number") in names_on_file and names_on_file[r["id_number"]] != r["name"]]


# --- writing -------------------------------------------------------------------------------

@dataclass
class ApplyResult:
    inserted: int = 0
    updated: int = 0
    purchases_added: int = 0
    purchases_updated: int = 0


def _derive_from_id(row: dict) -> None:
    """Birthday and gender follow from a GB 11643 number when the file leaves them empty."""
    id_number = row.get("id_number")
    if not id_number:
        return
    born, male = birth_facts(id_number)  # check_cell accepted the number, its birth date with it
    row.setdefault("birthday", born)
    row.setdefault("gender", Gender.MALE if male else Gender.FEMALE)


def _person_keys(rows: list[dict], owners: Owners, ids_on_file: dict[str, int],
                 ambiguous: set[int] | None = None) -> list[tuple]:
    """Who each row is, one key per person: ("cid", customer id) for a customer on file, else
    ("id", ID number) or ("new", name, phone) for a new one. In this order:

    1. its ID number on file; or the owner of its room (``_owner_clash`` checked it is the same
       person; a new ID number then joins that record);
    2. for a row whose ID number is new: the person another row of the file with the same name
       and first phone was found to be, or the one customer on file with them, if that record
       has no ID number yet;
    3. for a row without one: the person another row with the same name and phone is, or the
       one customer on file with them (several: the row's index goes to ``ambiguous``, an error).
    Every row with a given ID number is the same person."""
    records_numbered: dict[int, bool] = {}  # customer id → the record has an ID number
    by_number: dict[str, tuple] = {}
    for number, cid in ids_on_file.items():
        by_number[number], records_numbered[cid] = ("cid", cid), True
    keys: list[tuple | None] = [None] * len(rows)
    in_file: dict[tuple, tuple] = {}  # (name, phone) → the person a row of the file is
    for i, row in enumerate(rows):
        number, owner = row.get("id_number"), owners.get(_room_key(row)) if owners else None
        if owner is not None:
            records_numbered.setdefault(owner[0], owner[1] is not None)
        if number and number not in by_number and owner is not None and owner[1] is None:
            by_number[number] = ("cid", owner[0])
        if number and number in by_number:
            keys[i] = by_number[number]
        elif not number and owner is not None:
            keys[i] = ("cid", owner[0])
        if keys[i] is not None:
            in_file.setdefault((row["name"], row["phone1"]), keys[i])

    # phone → names of the rows still unknown: rows with a new ID number look only among the
    # records without one (a partial index), rows without a number among all
    unknown: dict[bool, dict[str, set[str]]] = {True: {}, False: {}}
    for i, row in enumerate(rows):
        if keys[i] is None:
            unknown[bool(row.get("id_number"))].setdefault(row["phone1"], set()).add(row["name"])
    on_file: dict[tuple, list[tuple[int, bool]]] = {}  # (name, phone) → [(customer id, has a number)]
    for numbered, phones in unknown.items():
        stmt = select(Customer.id, Customer.name, Customer.phone1, Customer.id_number)
        if numbered:
            stmt = stmt.where(Customer.id_number.is_(None))
        for chunk in _chunks(sorted(phones), CHUNK):
            for cid, name, phone, number in db.session.execute(stmt.where(among(Customer.phone1, chunk))):
                found = on_file.setdefault((name, phone), []) if name in phones[phone] else []
                if (cid, number is not None) not in found:  # both lookups may find a record
                    found.append((cid, number is not None))

    def one_on_file(name_phone: tuple, *, without_number: bool) -> tuple | None:
        found = [(cid, numbered) for cid, numbered in on_file.get(name_phone, [])
                 if not (without_number and numbered)]
        return ("cid", found[0][0]) if len(found) == 1 else None

    for numbered_rows in (True, False):  # rows with a new ID number first: the others may be them
        for i, row in enumerate(rows):
            number = row.get("id_number")
            if keys[i] is not None or bool(number) != numbered_rows:
                continue
            name_phone = (row["name"], row["phone1"])
            if number:
                if number not in by_number:
                    joined = in_file.get(name_phone)
                    if joined is not None and (joined[0] != "cid" or records_numbered.get(joined[1], False)):
                        joined = None  # that person has an ID number (or is new with another)
                    by_number[number] = joined or one_on_file(name_phone, without_number=True) or ("id", number)
                keys[i] = by_number[number]
            else:
                keys[i] = in_file.get(name_phone) or one_on_file(name_phone, without_number=False)
                if keys[i] is None:
                    if ambiguous is not None and len(on_file.get(name_phone, [])) > 1:
                        ambiguous.add(i)  # two records of that name and phone: which one?
                    keys[i] = ("new", *name_phone)
            in_file.setdefault(name_phone, keys[i])
    return keys


def _changes(person: dict, rec: dict, kind: CustomerKind = CustomerKind.OWNER) -> dict:
    """What an imported person changes on the record: filled cells that differ. The list's phones
    replace the record's only if they are new numbers (a list giving the second number alone
    leaves both as they are), and anyone on an owner list is an owner (a prospect who bought);
    a prospect register leaves the type alone (an owner asking about another house stays one)."""
    diff = {k: v for k, v in person.items() if v is not None and rec.get(k) != v}
    listed = {person.get("phone1"), person.get("phone2")} - {None}
    if listed <= {rec.get("phone1"), rec.get("phone2")}:
        diff.pop("phone1", None)
        diff.pop("phone2", None)
    if kind == CustomerKind.OWNER and rec["kind"] != CustomerKind.OWNER:
        diff["kind"] = CustomerKind.OWNER
    return diff


def apply_rows(rows: list[dict], keys: list[tuple], *, year: int, user,
               progress: Callable[[int], None] | None = None, kind: CustomerKind = CustomerKind.OWNER) -> ApplyResult:
    """Write checked rows (flush-only; the caller commits or rolls back the whole file). ``keys``:
    who each row is, from the archive check run just before in the same transaction. ``kind``: an
    owner list (customers and their rooms) or a prospect register (new customers are prospects)."""
    result = ApplyResult()
    now = utcnow()
    customer_keys = LAYOUTS[kind].customer_keys
    for row in rows:
        _derive_from_id(row)
    # one customer per person (several rows = several rooms)
    people: dict[tuple, dict] = {}
    for key, row in zip(keys, rows):
        person = people.setdefault(key, {})
        for k in customer_keys:
            if k in row:
                person[k] = row[k]
    existing: dict[tuple, dict] = {}
    cols = [Customer.__table__.c[k] for k in ["id", "kind", *customer_keys]]
    by_customer_id = [k[1] for k in people if k[0] == "cid"]
    for chunk in _chunks(by_customer_id, CHUNK):
        for rec in db.session.execute(select(*cols).where(among(Customer.id, chunk))).mappings():
            existing[("cid", rec["id"])] = dict(rec)

    # new customers
    customer_id: dict[tuple, int] = {k: rec["id"] for k, rec in existing.items()}
    customer_table = Customer.__table__

    def values_of(person: dict) -> dict:
        return {**{k: person.get(k) for k in customer_keys}, "kind": kind, "archive_year": year,
                "is_quality": False, "created_at": now}

    # Plain executemany INSERTs (no RETURNING): psycopg pipelines them, far faster than one huge
    # multi-VALUES statement; the new ids are read back by ID number.
    new_with_id = [p for k, p in people.items() if k[0] == "id"]
    for chunk in _chunks(new_with_id, CHUNK):
        db.session.execute(customer_table.insert(), [values_of(p) for p in chunk])
        for cid, id_number in db.session.execute(select(Customer.id, Customer.id_number).where(
                among(Customer.id_number, [p["id_number"] for p in chunk]))):
            customer_id[("id", id_number)] = cid
        result.inserted += len(chunk)
        if progress:
            progress(result.inserted)
    # without an ID number nothing unique reads the ids back: RETURNING, in the rows' order
    new_without_id = [k for k in people if k[0] == "new"]
    for chunk in _chunks(new_without_id, CHUNK):
        returned = db.session.execute(
            customer_table.insert().returning(customer_table.c.id, sort_by_parameter_order=True),
            [values_of(people[k]) for k in chunk]).scalars().all()
        customer_id.update(zip(chunk, returned))
        result.inserted += len(chunk)
        if progress:
            progress(result.inserted)

    # known customers: only what changed, each change in the history (masked)
    updates, changes = [], []
    for key, rec in existing.items():
        diff = _changes(people[key], rec, kind)
        if diff:
            updates.append({"id": rec["id"], **diff, "updated_at": now})
            changes.extend({"customer_id": rec["id"], "at": now, "user_id": user.id, "field": k,
                            "old_value": history_value(k, rec.get(k))[:300] or None,
                            "new_value": history_value(k, v)[:300] or None, "source": "import"}
                           for k, v in diff.items())
    for chunk in _chunks(updates, CHUNK):
        db.session.execute(update(Customer), chunk)
    for chunk in _chunks(changes, CHUNK):
        db.session.execute(CustomerChange.__table__.insert(), chunk)
    result.updated = len(updates)
    if kind != CustomerKind.OWNER:
        return result  # a prospect register has no rooms

    # purchases: matched on project + building + room
    purchase_cols = [Purchase.__table__.c[k] for k in ["id", "customer_id", "project_id", "building", "room",
                                                        *PURCHASE_KEYS]]
    on_file: dict[tuple, dict] = {}
    by_project: dict[int, set[str]] = {}
    for row in rows:
        by_project.setdefault(row["project_id"], set()).add(row["room"])
    for project_id, rooms in by_project.items():
        for chunk in _chunks(sorted(rooms), CHUNK):
            for rec in db.session.execute(select(*purchase_cols).where(
                    Purchase.project_id == project_id, among(Purchase.room, chunk))).mappings():
                on_file[(rec["project_id"], rec["building"] or "", rec["room"])] = dict(rec)
    new_purchases, purchase_updates = [], []
    for key, row in zip(keys, rows):
        values = {k: row.get(k) for k in PURCHASE_KEYS}
        rec = on_file.get(_room_key(row))
        if rec is None:
            new_purchases.append({"customer_id": customer_id[key], "project_id": row["project_id"],
                                  "building": row.get("building") or row.get("new_building"), "room": row["room"],
                                  **values})
        else:
            diff = {k: v for k, v in values.items() if v is not None and rec.get(k) != v}
            if row.get("new_building"):
                diff["building"] = row["new_building"]
            if diff:
                purchase_updates.append({"id": rec["id"], **diff})
    added_ids: list[int] = []
    if new_purchases:
        before = db.session.scalar(select(func.max(Purchase.id))) or 0
        for chunk in _chunks(new_purchases, CHUNK):
            db.session.execute(Purchase.__table__.insert(), chunk)
        owners = sorted({p["customer_id"] for p in new_purchases})
        for chunk in _chunks(owners, CHUNK):
            added_ids.extend(db.session.scalars(select(Purchase.id).where(
                Purchase.id > before, among(Purchase.customer_id, chunk))))
    for chunk in _chunks(purchase_updates, CHUNK):
        db.session.execute(update(Purchase), chunk)
    result.purchases_added, result.purchases_updated = len(added_ids), len(purchase_updates)

    touched = sorted(set(customer_id.values()))
    refresh_repeat_purchase_bulk(touched)
    if added_ids:
        _run_hooks("imported", added_ids)
    if purchase_updates:
        _run_hooks("updated", [u["id"] for u in purchase_updates])
    return result


# --- the import record ---------------------------------------------------------------------

def import_dir() -> Path:
    from portal.services.attachments import upload_dir

    path = upload_dir() / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store_errors(imp, errors: list[tuple[int, str, str]]) -> None:
    imp.error_count = len(errors)
    imp.errors = [list(e) for e in errors[:MAX_STORED_ERRORS]] or None


def _store_warnings(imp, warnings: list[tuple[int, str, str]]) -> None:
    imp.warning_count = len(warnings)
    imp.warnings = [list(w) for w in warnings[:MAX_STORED_ERRORS]] or None


def _checked_path(imp) -> Path:
    return import_dir() / f"{imp.stored_name}.checked.json"


# a column's kind by its key, in either layout (a key is the same field in both)
KINDS = {c.key: c.kind for c in (*COLUMNS, *PROSPECT_COLUMNS)}


def _save_checked(imp, result: CheckResult) -> None:
    """Keep the cleaned rows of a file without errors, so the import need not parse it again."""
    kinds = KINDS

    def encode(row: dict) -> dict:
        return {k: (v.isoformat() if kinds.get(k) == "date" else v.value if kinds.get(k) == "gender"
                    else str(v) if kinds.get(k) == "money" else v) for k, v in row.items()}

    _checked_path(imp).write_text(json.dumps({"total": result.total, "titles": result.titles,
                                              "rows": [encode(r) for r in result.rows]},
                                             ensure_ascii=False), encoding="utf-8")


def _load_checked(imp) -> CheckResult | None:
    path = _checked_path(imp)
    if not path.exists():
        return None
    kinds = KINDS

    def decode(row: dict) -> dict:
        return {k: (date.fromisoformat(v) if kinds.get(k) == "date" else Gender(v) if kinds.get(k) == "gender"
                    else Decimal(v) if kinds.get(k) == "money" else v) for k, v in row.items()}

    data = json.loads(path.read_text(encoding="utf-8"))
    return CheckResult(rows=[decode(r) for r in data["rows"]], total=data["total"], titles=data.get("titles") or {},
                       kind=imp.customer_kind)


def check_import(imp, progress: Callable[[int], None] | None = None) -> CheckResult | None:
    """Check the uploaded file of ``imp`` and record the outcome (flush-only)."""
    from portal.models import ImportStatus

    imp.status = ImportStatus.CHECKING
    try:
        result = check_rows(read_rows(import_dir() / imp.stored_name, imp.filename), progress,
                            project_id=imp.project_id, kind=imp.customer_kind)
    except ImportFileError as exc:
        imp.status, imp.message, imp.total_rows = ImportStatus.INVALID, str(exc), 0
        _store_errors(imp, [(1, "", str(exc))])
        db.session.flush()
        return None
    imp.total_rows = result.total
    _store_errors(imp, result.errors)
    _store_warnings(imp, result.warnings if not result.errors else [])
    imp.status = ImportStatus.INVALID if result.errors else ImportStatus.VALID
    imp.message = _("Columns not imported (the archive has no such field): %(cols)s",
                    cols="、".join(result.ignored)) if result.ignored else None
    if not result.errors:
        _save_checked(imp, result)
    db.session.flush()
    return result


def recheck(imp, progress: Callable[[int], None] | None = None) -> CheckResult | None:
    """Before writing: the rows as checked (re-parsed only if the checked copy is missing), checked
    again against the archive, which may have changed since the preview."""
    result = _load_checked(imp)
    if result is None:
        return check_import(imp, progress)
    _check_against_archive(result)
    if result.errors:
        from portal.models import ImportStatus

        _store_errors(imp, sorted(result.errors, key=lambda e: e[0]))
        imp.status = ImportStatus.INVALID
        db.session.flush()
    return result


def run_import(imp, user, progress: Callable[[int], None] | None = None) -> ApplyResult | None:
    """Write every row of a checked file, or nothing."""
    from portal.models import ImportStatus

    result = recheck(imp, progress)
    if result is None or result.errors:
        return None
    imp.status = ImportStatus.IMPORTING
    applied = apply_rows(result.rows, result.keys, year=imp.year, user=user, progress=progress,
                         kind=imp.customer_kind)
    imp.inserted, imp.updated = applied.inserted, applied.updated
    imp.status, imp.finished_at = ImportStatus.DONE, utcnow()
    audit.record("archive.imported", object_type="archive_import", object_id=imp.id, user=user,
                 detail={"rows": result.total, "inserted": applied.inserted, "updated": applied.updated,
                         "purchases_added": applied.purchases_added,
                         "purchases_updated": applied.purchases_updated, "source": imp.source.value,
                         "kind": imp.customer_kind.value, "year": imp.year})
    db.session.flush()
    return applied


def template_workbook(kind: CustomerKind = CustomerKind.OWNER) -> bytes:
    """The downloadable template of an owner list or a prospect register: Chinese headers
    (required ones marked *) and one sample row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    layout = LAYOUTS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = "业主资料" if kind == CustomerKind.OWNER else "来电来访登记"
    ws.append([c.header + ("*" if c.required else "") for c in layout.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(layout.sample_row)
    for cell in ws[2]:
        cell.number_format = "@"  # text: keeps ID numbers and phones exact
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def count_customers() -> int:
    return db.session.scalar(select(func.count()).select_from(Customer)) or 0
