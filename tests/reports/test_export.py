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
