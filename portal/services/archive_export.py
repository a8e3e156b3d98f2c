"""Exporting customer archives to Excel.

Cells that a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``, ``@``, or a
tab/carriage return) get a leading apostrophe, so a name such as ``=HYPERLINK(…)`` stays text.
ID numbers and phones are masked unless the exporter may and chose to reveal them (logged); beside a
masked ID number the birthday is month-day only (its year is the number's masked digits).
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from openpyxl import Workbook

from portal.models import Customer
from portal.services.archives import KIND_LABELS, SPECIAL_LABELS, hides_birth_year, masked, month_day

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADERS = ["编号", "类型", "姓名", "性别", "出生日期", "身份证号码", "联系电话1", "联系电话2", "联系地址", "邮编", "工作单位",
           "职位", "项目", "楼栋", "房号", "签约日期", "收楼日期", "建筑面积", "成交总价", "车牌号", "档案年度", "优质客户", "特殊业主"]


def escape_cell(value):
    """Make a cell value safe to open in Excel: text that looks like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _birthday(customer: Customer, reveal: bool) -> str:
    """In full beside the full ID number; month-day beside the masked one (``hides_birth_year``)."""
    if customer.birthday is None:
        return ""
    return customer.birthday.isoformat() if reveal or not hides_birth_year(customer) else month_day(customer.birthday)


def customer_rows(customer: Customer, reveal: bool, projects: set[int] | None = None) -> Iterable[list]:
    """One row per purchase (or one without); ``projects``: only the purchases in those projects
    (a project grant exports that project's rooms, not the customer's others)."""
    def show(field, value):
        if value is None:
            return ""
        return str(value) if reveal else masked(field, value)

    base = [customer.id, str(KIND_LABELS[customer.kind]), customer.name,
            {"male": "男", "female": "女"}.get(customer.gender.value if customer.gender else "", ""),
            _birthday(customer, reveal),
            show("id_number", customer.id_number), show("phone1", customer.phone1), show("phone2", customer.phone2),
            customer.address or "", customer.postcode or "", customer.employer or "", customer.position or ""]
    tail = [customer.car_plate or "", customer.archive_year, "是" if customer.is_quality else "",
            str(SPECIAL_LABELS[customer.special_kind]) if customer.special_kind else ""]
    purchases = [p for p in customer.purchases if projects is None or p.project_id in projects]
    if not purchases:
        yield base + ["", "", "", "", "", "", ""] + tail
    for p in purchases:
        yield base + [p.project.name, p.building or "", p.room,
                      p.signing_date.isoformat() if p.signing_date else "",
                      p.handover_date.isoformat() if p.handover_date else "",
                      p.floor_area if p.floor_area is not None else "",
                      p.total_price if p.total_price is not None else ""] + tail


def workbook_bytes(customers: Iterable[Customer], *, reveal: bool = False,
                   projects_of: Callable[[Customer], set[int] | None] | None = None) -> bytes:
    """``projects_of(customer)``: the projects whose purchases may be exported (None: all)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户档案")
    ws.append(HEADERS)
    for customer in customers:
        for row in customer_rows(customer, reveal, projects_of(customer) if projects_of else None):
            ws.append([escape_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
