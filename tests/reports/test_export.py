"""The Excel files read the same figures as the page: what the sheets say about revisit
completion and how they name the figures they define."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models.revisit import RevisitMethod
from portal.services import report_export
from portal.services import report_figures as rf
from portal.services.revisit_rules import RevisitKind
from tests.reports.factories import NOW, OCTOBER, local, plan


def _rows(xlsx: bytes, sheet: str) -> list[list]:
    return [[c.value for c in r] for r in load_workbook(io.BytesIO(xlsx))[sheet].iter_rows()]


def _by_type(rows: list[list]) -> dict[str, dict]:
    header = rows[0]
    return {r[0]: dict(zip(header, r)) for r in rows[1:]}


@pytest.fixture()
def complaint_revisits(org):
    """Complaint revisits due in the week of 5–11 October: one done in its window, one done two
    days late, one not done; an old-customer revisit done on time."""
    plan(RevisitKind.COMPLAINT, org.project1, date(2026, 10, 8), done_at=local(2026, 10, 7, 10),
         method=RevisitMethod.PHONE, satisfaction=5, on_time=True)
    plan(RevisitKind.COMPLAINT, org.project1, date(2026, 10, 10), done_at=local(2026, 10, 12, 10),
         method=RevisitMethod.PHONE, satisfaction=4, on_time=False)
    plan(RevisitKind.COMPLAINT, org.project2, date(2026, 10, 9))
    db.session.commit()


def test_a_complaint_revisit_done_late_is_under_late_not_on_time_in_the_monthly_sheet(org, complaint_revisits):
    figures = rf.monthly_report(OCTOBER, rf.Scope(), NOW)
    row = _by_type(_rows(report_export.monthly_xlsx(figures), "回访-完成率"))["客户投诉回访"]
    assert (row["应回访"], row["按时完成"], row["逾期完成"], row["未完成"]) == (3, 1, 1, 1)
    assert row["完成率(%)"] == figures["revisits"]["completion"]["complaint_rate"]  # done at all: 2 of 3


def test_the_weekly_sheet_splits_complaint_revisits_the_same_way(org, complaint_revisits):
    figures = rf.weekly_summary(2026, 41, rf.Scope(), NOW)
    row = _by_type(_rows(report_export.weekly_xlsx(figures), "本周应回访"))["客户投诉回访"]
    assert (row["应回访"], row["按时完成"], row["逾期完成"], row["未完成"]) == (3, 1, 1, 1)


def test_a_frozen_report_without_the_old_customer_split_still_exports(org, complaint_revisits):
    figures = rf.monthly_report(OCTOBER, rf.Scope(), NOW)
    del figures["revisits"]["completion"]["old_customer_on_time"]
    assert "回访-完成率" in load_workbook(io.BytesIO(report_export.monthly_xlsx(figures))).sheetnames


def test_the_definitions_sheet_names_every_figure_in_chinese(org):
    """The 指标 column names the figure as the reader knows it, never an internal key, in the
    monthly, weekly and KPI files alike."""
    files = [report_export.monthly_xlsx(rf.monthly_report(OCTOBER, rf.Scope(), NOW)),
             report_export.weekly_xlsx(rf.weekly_summary(2026, 44, rf.Scope(), NOW)),
             report_export.kpis_xlsx(rf.kpi_table([OCTOBER], rf.Scope(), NOW))]
    for xlsx in files:
        rows = _rows(xlsx, "口径说明")[1:]
        names = [r[0] for r in rows]
        assert names and all(n and not n.isascii() for n in names), names
        assert not set(names) & set(rf.DEFINITIONS)
    monthly = {r[0]: r[1] for r in _rows(files[0], "口径说明")[1:]}
    assert "48" in monthly["48小时内首次回复"] and "投诉率" in monthly["投诉率"]


@pytest.fixture()
def late_items(org):
    """An important complaint never reported to a leader and a branch record never filed, both
    due in October."""
    from portal.models.complaint import FilingStatus, Severity
    from tests.reports.factories import category, complaint

    eng = category("engineering_quality")
    unreported = complaint(org.project1, eng, local(2026, 10, 5, 9), severity=Severity.IMPORTANT, name="甲",
                           phone="13800000021", leader_report_due_at=local(2026, 10, 6, 23, 59))
    filing = complaint(org.project2, eng, local(2026, 10, 7, 9), resolved=local(2026, 10, 8, 12), name="乙",
                       phone="13800000022", filed_by_unit_id=org.branch2.id, filing_status=FilingStatus.DRAFT,
                       filing_due_at=local(2026, 10, 12, 23, 59), handled_closed_on=date(2026, 10, 8))
    db.session.commit()
    return unreported, filing


def test_the_overdue_sheet_lists_unreported_important_complaints_and_late_filings(org, late_items):
    unreported, filing = late_items
    rows = _rows(report_export.monthly_xlsx(rf.monthly_report(OCTOBER, rf.Scope(), NOW)), "逾期事项")
    counts = {r[0]: r[1] for r in rows if r and r[0]}
    assert counts["重要投诉(1个工作日内未向领导汇报)"] == 1
    assert counts["分子公司投诉处理记录(逾期备案或逾期未备案)"] == 1
    listed = {r[0]: r[5] for r in rows if r and r[0] in (unreported.serial, filing.serial)}
    assert listed[unreported.serial].startswith("向领导汇报") and "2026-10-06 23:59" in listed[unreported.serial]
    assert org.branch2.name in listed[filing.serial] and "尚未报送" in listed[filing.serial]


def test_the_monthly_page_shows_them(app, client, login, org, late_items):
    import time_machine

    from portal.auth.permissions import Role
    from tests import factories as f

    unreported, filing = late_items
    with time_machine.travel(NOW, tick=False):
        login(client, f.user_with_role(org, Role.CENTER_MANAGER))
        html = client.get("/reports/monthly?month=2026-10&live=1").get_data(as_text=True)
    assert "1个工作日内未向领导汇报的重要投诉" in html and unreported.serial in html
    assert "逾期备案" in html and filing.serial in html and "尚未报送" in html


def test_a_report_frozen_before_these_figures_still_renders(org, late_items):
    figures = rf.monthly_report(OCTOBER, rf.Scope(), NOW)
    for key in ("unreported", "unreported_items", "filings", "filing_items"):
        del figures["overdue"][key]
    rows = _rows(report_export.monthly_xlsx(figures), "逾期事项")
    assert rows[1][0].startswith("投诉") and not any(r and r[0] == "重要投诉(1个工作日内未向领导汇报)" for r in rows)
