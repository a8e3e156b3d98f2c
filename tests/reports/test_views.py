"""The report pages: the manager's narrative, sign-off and submission (frozen figures), exports
to Excel and PDF, the background export, and who sees which report."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import AuditEvent, Notification
from portal.models.report import ExportStatus, MonthlyReport, ReportExport, ReportStatus
from portal.services import report_figures as rf
from portal.services import reports
from tests import factories as f
from tests.reports.factories import NOW, OCTOBER, category, complaint, local, october_data


@pytest.fixture()
def people(org):
    return {
        "manager": f.user_with_role(org, Role.CENTER_MANAGER),
        "staff": f.user_with_role(org, Role.CENTER_STAFF),
        "leader": f.user_with_role(org, Role.LEADER),
        "branch1": f.user_with_role(org, Role.BRANCH_STAFF),  # of branch 1
        "branch2": f.make_user(org.branch2, Role.BRANCH_STAFF),
        "branch_leader": f.make_user(org.branch1, Role.LEADER),
        "department": f.user_with_role(org, Role.DEPARTMENT_STAFF),
        "admin": f.user_with_role(org, Role.ADMIN),
    }


@pytest.fixture()
def data(org, people):
    return october_data(org, people["staff"])


def _write_sign_submit(client, login, manager, narrative="本月投诉主要集中在工程质量。"):
    login(client, manager)
    resp = client.post("/reports/monthly/narrative", data={"month": "2026-10", "narrative": narrative})
    assert resp.status_code == 302
    report = db.session.scalar(db.select(MonthlyReport))
    assert client.post(f"/reports/monthly/{report.id}/sign", data={"version": report.version}).status_code == 302
    db.session.refresh(report)
    assert report.status == ReportStatus.SIGNED
    assert client.post(f"/reports/monthly/{report.id}/submit", data={"version": report.version}).status_code == 302
    db.session.refresh(report)
    return report


def test_submitted_report_is_frozen_and_leaders_are_notified(app, client, login, org, people, data, csrf_off):
    with time_machine.travel(NOW, tick=False):
        report = _write_sign_submit(client, login, people["manager"])
    assert report.status == ReportStatus.SUBMITTED and report.figures["complaints"]["received"] == 6
    assert report.submitted_by_id == people["manager"].id and report.signed_at is not None
    notified = {n.user_id for n in db.session.scalars(db.select(Notification).where(Notification.kind == "report.submitted"))}
    assert notified == {people["leader"].id}
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "report.submitted")) is not None

    # The data changes after submission: three more October complaints, one resolved.
    for h in (1, 2, 3):
        complaint(org.project1, category("engineering_quality"), local(2026, 10, 7, h))
    db.session.commit()
    assert rf.complaint_counts(rf.month_period(OCTOBER), rf.Scope())["received"] == 9

    login(client, people["leader"])
    page = client.get("/reports/monthly?month=2026-10").get_data(as_text=True)
    assert "本月投诉主要集中在工程质量。" in page
    assert "<strong>6</strong>" in page and "<strong>9</strong>" not in page
    live = client.get("/reports/monthly?month=2026-10&live=1").get_data(as_text=True)
    assert "<strong>9</strong>" in live
    # The Excel of the submitted report is the frozen one too.
    wb = load_workbook(io.BytesIO(client.get("/reports/monthly/export.xlsx?month=2026-10").data))
    assert wb["概要"]["B2"].value == 6


def test_submitted_report_cannot_change(client, login, people, data, csrf_off):
    with time_machine.travel(NOW, tick=False):
        report = _write_sign_submit(client, login, people["manager"])
    resp = client.post("/reports/monthly/narrative", data={"month": "2026-10", "narrative": "改写"})
    assert resp.status_code == 302
    db.session.refresh(report)
    assert report.narrative == "本月投诉主要集中在工程质量。"
    with pytest.raises(reports.ReportError):
        reports.sign(report, by=people["manager"])


def test_signing_needs_a_narrative_and_editing_withdraws_the_signature(org, people, data):
    report = reports.save_narrative(OCTOBER, rf.Scope(), "", by=people["manager"])
    with pytest.raises(reports.ReportError) as exc:
        reports.sign(report, by=people["manager"])
    assert exc.value.code == "no_narrative"
    with pytest.raises(reports.ReportError) as exc:
        reports.submit(report, by=people["manager"])
    assert exc.value.code == "not_signed"
    reports.save_narrative(OCTOBER, rf.Scope(), "分析", by=people["manager"])
    reports.sign(report, by=people["manager"])
    reports.save_narrative(OCTOBER, rf.Scope(), "分析（修改）", by=people["manager"])
    assert report.status == ReportStatus.DRAFT and report.signed_by_id is None


def test_a_stale_form_keeps_the_typed_text(client, login, people, data, csrf_off):
    login(client, people["manager"])
    client.post("/reports/monthly/narrative", data={"month": "2026-10", "narrative": "第一稿"})
    report = db.session.scalar(db.select(MonthlyReport))
    seen = report.version  # two pages open on the same version
    client.post("/reports/monthly/narrative", data={"month": "2026-10", "narrative": "第二稿", "version": seen})
    resp = client.post("/reports/monthly/narrative",
                       data={"month": "2026-10", "narrative": "旧页面上的稿", "version": seen})
    assert resp.status_code == 409
    assert "旧页面上的稿" in resp.get_data(as_text=True)
    db.session.refresh(report)
    assert report.narrative == "第二稿"


def test_too_long_narrative_is_refused_with_a_message(client, login, people, data, csrf_off):
    login(client, people["manager"])
    resp = client.post("/reports/monthly/narrative", data={"month": "2026-10", "narrative": "长" * 20001},
                       follow_redirects=True)
    assert "最多" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(MonthlyReport)) is None


def test_monthly_excel_sheets_headers_and_figures(client, login, people, data):
    with time_machine.travel(NOW, tick=False):
        login(client, people["staff"])
        resp = client.get("/reports/monthly/export.xlsx?month=2026-10")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(resp.data))
    for name in ("概要", "投诉-项目与类别", "投诉-严重程度", "首次回复", "处理时长", "逾期事项", "原因与措施", "满意度",
                 "回访-类型与方式", "回访-完成率", "客户反馈", "考核指标", "月度趋势", "分公司对比", "口径说明"):
        assert name in wb.sheetnames, name
    assert [c.value for c in wb["首次回复"][1]] == ["48小时内回复", "超时", "待回复(未计入)", "48小时内回复率(%)"]
    assert [c.value for c in wb["首次回复"][2]] == [3, 2, 1, 60.0]
    assert [c.value for c in wb["处理时长"][2]] == [4, 84.0, 42.0, 182.4]
    defs = {r[0].value: r[1].value for r in wb["口径说明"].iter_rows(min_row=2)}
    assert "48" in defs["48小时内首次回复"]


def test_the_monthly_report_lists_what_customers_said_in_revisits(client, login, people, data, db):
    data["R2"].problem = "维修后墙面仍有水渍"
    data["R2"].problem_reply = "已安排工程部复查"
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        login(client, people["staff"])
        page = client.get("/reports/monthly?month=2026-10&live=1").get_data(as_text=True)
        wb = load_workbook(io.BytesIO(client.get("/reports/monthly/export.xlsx?month=2026-10").data))
    assert "回访中客户的意见和建议" in page and "维修后墙面仍有水渍" in page and "已安排工程部复查" in page
    rows = [[c.value for c in r] for r in wb["回访-客户意见"].iter_rows(min_row=2)]
    assert rows[0][3:5] == ["维修后墙面仍有水渍", "已安排工程部复查"]


def test_excel_escapes_formula_like_text(client, login, org, people, data):
    data["A"].cause_analysis = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        login(client, people["staff"])
        wb = load_workbook(io.BytesIO(client.get("/reports/monthly/export.xlsx?month=2026-10").data))
    causes = [r[3].value for r in wb["原因与措施"].iter_rows(min_row=2) if r[0].value == data["A"].serial]
    assert causes == ["'=HYPERLINK(\"http://x\")"]


def test_monthly_pdf_has_chinese_text(client, login, people, data, csrf_off):
    with time_machine.travel(NOW, tick=False):
        _write_sign_submit(client, login, people["manager"])
        resp = client.get("/reports/monthly/export.pdf?month=2026-10")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(resp.data)).pages)
    compact = "".join(text.split())
    assert "客户服务分析报告" in compact
    assert "本月投诉主要集中在工程质量" in compact
    assert "阳光花园" in compact and "60.0%" in compact
    assert "以下数据为报送时的数据" in compact  # the submitted report, frozen
    with time_machine.travel(NOW, tick=False):
        live = client.get("/reports/monthly/export.pdf?month=2026-10&live=1")
    compact = "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(live.data)).pages).split())
    # today's figures of a submitted month do not claim to be the submitted ones
    assert "以下数据为报送时的数据" not in compact and "当前数据" in compact


def test_weekly_summary_page_and_excel(client, login, people, data):
    login(client, people["staff"])
    page = client.get("/reports/weekly?week=2026-W44")  # 26 October – 1 November
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026-10-26" in html and "2026-11-01" in html
    wb = load_workbook(io.BytesIO(client.get("/reports/weekly/export.xlsx?week=2026-W44").data))
    # C (31 Oct 23:30), D (1 Nov 00:00) and G (30 Oct) fall in the week
    assert wb["概要"]["D2"].value == 3
    assert wb["概要"]["E2"].value == 1  # K5, an inquiry on 1 November


def test_kpi_page_and_short_excel(client, login, people, data):
    login(client, people["leader"])
    page = client.get("/reports/kpis?month_from=2026-10&month_to=2026-10")
    assert page.status_code == 200 and "咨询响应时间" in page.get_data(as_text=True)
    resp = client.get("/reports/kpis/export.xlsx?month_from=2026-10&month_to=2026-10")
    wb = load_workbook(io.BytesIO(resp.data))
    rows = {(r[0].value, r[1].value): r for r in wb["考核指标"].iter_rows(min_row=2)}
    assert rows[("2026-10", "全公司")][6].value == 57.14  # complaint rate
    header = [c.value for c in next(wb["考核指标"].iter_rows(max_row=1))]
    assert rows[("2026-10", "全公司")][header.index("咨询响应平均(小时)")].value == 2.0  # K1
    assert rows[("2026-10", "第一房产分公司")][0].value == "2026-10"


def test_long_kpi_export_runs_as_a_job_for_the_requester_only(app, client, login, people, data, csrf_off):
    login(client, people["staff"])
    resp = client.get("/reports/kpis/export.xlsx?month_from=2026-01&month_to=2026-10")
    assert resp.status_code == 302  # too long to export inline
    app.config["RQ_INLINE_FALLBACK"] = True
    old_redis = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # unreachable: the job runs in-process
    try:
        resp = client.post("/reports/exports", data={"month_from": "2026-01", "month_to": "2026-10"})
    finally:
        app.config["REDIS_URL"] = old_redis
        app.config["RQ_INLINE_FALLBACK"] = False
    row = db.session.scalar(db.select(ReportExport))
    assert resp.status_code == 302 and row.status == ExportStatus.DONE
    download = client.get(f"/reports/exports/{row.id}/download")
    assert download.status_code == 200
    wb = load_workbook(io.BytesIO(download.data))
    months = {r[0].value for r in wb["考核指标"].iter_rows(min_row=2)}
    assert len(months) == 10
    login(client, people["manager"])  # another user may not have it
    assert client.get(f"/reports/exports/{row.id}/download").status_code == 403
    assert client.get(f"/reports/exports/{row.id}").status_code == 403


@pytest.mark.parametrize("who, allowed", [
    ("manager", True), ("staff", True), ("leader", True), ("branch1", True), ("branch_leader", True),
    ("department", False), ("admin", False),
])
def test_who_sees_reports(client, login, people, data, who, allowed):
    login(client, people[who])
    for url in ("/reports/", "/reports/monthly?month=2026-10", "/reports/weekly", "/reports/kpis"):
        assert (client.get(url).status_code == 200) is allowed, url


def test_branch_users_only_see_their_branch(client, login, org, people, data):
    login(client, people["branch1"])
    # Asking for branch 2 (or the whole company) still shows branch 1's figures.
    wb = load_workbook(io.BytesIO(client.get(
        f"/reports/monthly/export.xlsx?month=2026-10&branch_id={org.branch2.id}").data))
    assert wb["概要"]["B2"].value == 3  # A, B, G of branch 1's project
    assert "分公司对比" not in wb.sheetnames
    page = client.get(f"/reports/monthly?month=2026-10&branch_id={org.branch2.id}").get_data(as_text=True)
    assert "第一房产分公司" in page and "滨河湾" not in page
    kpis = client.get("/reports/kpis?month_from=2026-10&month_to=2026-10").get_data(as_text=True)
    assert "第二房产分公司" not in kpis and "全公司" not in kpis


def test_branch_users_cannot_open_another_branchs_report(client, login, org, people, data, csrf_off):
    other = reports.save_narrative(OCTOBER, rf.Scope(branch_id=org.branch2.id), "二分公司", by=people["manager"])
    own = reports.save_narrative(OCTOBER, rf.Scope(branch_id=org.branch1.id), "一分公司", by=people["manager"])
    company = reports.save_narrative(OCTOBER, rf.Scope(), "全公司", by=people["manager"])
    db.session.commit()
    login(client, people["branch1"])
    assert client.get(f"/reports/monthly/{other.id}").status_code == 403
    assert client.get(f"/reports/monthly/{company.id}").status_code == 403
    assert client.get(f"/reports/monthly/{own.id}").status_code == 302
    assert client.get("/reports/monthly/999999").status_code == 404
    login(client, people["branch2"])
    assert client.get(f"/reports/monthly/{other.id}").status_code == 302


def test_branch_report_notifies_the_branch_leaders_too(org, people, data):
    scope = rf.Scope(branch_id=org.branch1.id)
    report = reports.save_narrative(OCTOBER, scope, "分析", by=people["manager"])
    reports.sign(report, by=people["manager"])
    reports.submit(report, by=people["manager"], now=NOW + timedelta(days=1))
    db.session.commit()
    users = {n.user_id for n in db.session.scalars(db.select(Notification))}
    assert users == {people["leader"].id, people["branch_leader"].id}
    assert report.figures["scope"] == {"branch_id": org.branch1.id, "project_id": None}
