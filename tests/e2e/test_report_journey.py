"""Journey 7: the center manager opens this month's analysis report: the month's figures are
there, its charts render (ECharts draws SVG), and the Excel and PDF downloads are real files
with the report's Chinese headings."""
from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader


def test_the_monthly_report_shows_figures_charts_and_downloads(journey):
    month = date.today().strftime("%Y-%m")
    j = journey("zhuren")
    j.login("zhuren")
    page = j.go(f"/reports/monthly?month={month}&live=1")
    expect(page.locator("h1")).to_contain_text("客户服务分析报告")
    expect(page.locator("h2", has_text="投诉")).not_to_have_count(0)
    # every chart container gets an SVG from ECharts (renderer "svg", so it prints)
    charts = page.locator("div.chart")
    expect(charts.first).to_be_visible()
    expect(charts.first.locator("svg")).to_have_count(1, timeout=10_000)
    j.shot("monthly-report")
    assert j.dialogs == []

    with page.expect_download() as excel:
        page.get_by_role("button", name="Excel").click()
    book = load_workbook(io.BytesIO(open(excel.value.path(), "rb").read()), read_only=True)
    assert len(book.sheetnames) >= 3
    first_rows = [str(c) for row in book[book.sheetnames[0]].iter_rows(max_row=5, values_only=True) for c in row if c]
    assert any("投诉" in c or "报告" in c or "指标" in c for c in first_rows), first_rows

    with page.expect_download() as pdf:
        page.get_by_role("button", name="PDF").click()
    data = open(pdf.value.path(), "rb").read()
    assert data.startswith(b"%PDF-")
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    assert "客户服务分析报告" in text
    j.shot("after-downloads")
