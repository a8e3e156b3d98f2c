"""Reports to Excel (one sheet per section, Chinese headers) and the monthly report to PDF.

Both read the same figures dict as the page (``report_figures``), stored or live, so an export
of a submitted report shows the frozen figures. Cells that a spreadsheet would take for a
formula are escaped (``archive_export.escape_cell``).

PDF: WeasyPrint renders ``reports/monthly_pdf.html`` with the CJK fonts Debian ships
(fonts-noto-cjk). WeasyPrint runs no JavaScript, so the PDF carries simple bar charts drawn
server-side as SVG (``svg_bars``) next to the tables instead of the ECharts of the page.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.styles import Font

from portal.services.archive_export import escape_cell
from portal.services.clock import to_local
from portal.services.reception_labels import CATEGORY_LABELS
from portal.services.report_figures import DEFINITIONS, NAMES
from portal.services.revisits import KIND_LABELS, METHOD_LABELS

LOCALE = "zh_Hans_CN"
SEVERITY_LABELS = {"major": _l("Major"), "important": _l("Important"), "general": _l("General")}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def label(kind: str, value) -> str:
    table = {"severity": SEVERITY_LABELS, "contact_category": CATEGORY_LABELS, "revisit_kind": KIND_LABELS,
             "method": METHOD_LABELS}[kind]
    return str(table.get(value, value or "—"))


def local_time(iso: str | None) -> str:
    """A stored UTC instant (ISO text, as in the figures) in the portal's local time."""
    if not iso:
        return ""
    return to_local(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


def chart_data(f: dict) -> tuple[dict, dict]:
    """The ECharts data of the page (``data-chart`` attributes) and the bars of the PDF."""
    trend_series = [{"name": _("Complaints"), "data": f["trend"]["complaints"]},
                    {"name": _("Calls, visits and letters"), "data": f["trend"]["contacts"]}]
    cats = f["complaints"]["by_category"]
    branches = f.get("branches") or []
    charts = {
        "trend": {"kind": "trend", "categories": f["trend"]["months"], "series": trend_series},
        "categories": {"kind": "pie", "items": [{"name": c["category"], "value": c["count"]} for c in cats]},
        "branches": {"kind": "bars", "categories": [b["branch"] for b in branches],
                     "series": [{"name": _("Complaints"), "data": [b["complaints"] for b in branches]},
                                {"name": _("Calls, visits and letters"), "data": [b["contacts"] for b in branches]}]},
    }
    bars = {"trend": list(zip(f["trend"]["months"], f["trend"]["complaints"])),
            "categories": [(c["category"], c["count"]) for c in cats],
            "branches": [(b["branch"], b["complaints"]) for b in branches]}
    return charts, bars


def _fmt(value, suffix: str = ""):
    return "—" if value is None else (f"{value}{suffix}" if suffix else value)


class _Book:
    def __init__(self):
        self.wb = Workbook()
        self.wb.remove(self.wb.active)

    def sheet(self, title: str, header: list[str], rows: list[list]) -> None:
        ws = self.wb.create_sheet(title[:31])
        ws.append([escape_cell(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([escape_cell(v) for v in row])
        for i, h in enumerate(header):
            ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = max(10, min(40, len(str(h)) * 2 + 4))

    def bytes(self) -> bytes:
        buf = io.BytesIO()
        self.wb.save(buf)
        return buf.getvalue()


def _headline_rows(comp: dict) -> list[list]:
    cur, prev, ly = comp["current"], comp["previous"], comp["last_year"]
    names = [("complaints", "投诉件数"), ("repeat", "重复投诉"), ("first_reply_rate", "48小时内首次回复率(%)"),
             ("resolution_median_hours", "处理时长中位数(小时)"), ("satisfaction_score", "满意度得分(1–5)"),
             ("contacts", "来电来访来函"), ("routine_revisit_rate", "签约客户例行回访率(%)"),
             ("complaint_revisit_rate", "客户投诉回访率(%)")]
    return [[name, _fmt(cur[k]), _fmt(prev[k]), _fmt(ly[k])] for k, name in names]


def _kpi_rows(k: dict, first: list) -> list:
    return first + [_fmt(k["satisfaction"]["score"]), k["satisfaction"]["count"],
                    k["complaint_rate"]["complaining"], k["complaint_rate"]["served"], _fmt(k["complaint_rate"]["rate"]),
                    _fmt(k["first_reply"]["mean_hours"]), _fmt(k["first_reply"]["median_hours"]),
                    _fmt(k.get("inquiry_reply", {}).get("mean_hours")), _fmt(k.get("inquiry_reply", {}).get("median_hours")),
                    k["repair"]["in_time"], k["repair"]["due"], _fmt(k["repair"]["rate"])]


KPI_HEADER = ["满意度得分", "评价数", "投诉客户数", "服务客户数", "投诉率(%)", "首次回复平均(小时)", "首次回复中位数(小时)",
              "咨询响应平均(小时)", "咨询响应中位数(小时)",
              "按时完成维修单", "应完成维修单", "维修及时率(%)"]


def _definitions_sheet(book: _Book, keys: list[str]) -> None:
    book.sheet("口径说明", ["指标", "定义"], [[_(NAMES[k]), _(DEFINITIONS[k])] for k in keys])


def _complaint_sheets(book: _Book, f: dict) -> None:
    c = f["complaints"]
    book.sheet("投诉-项目与类别", ["项目", *c["categories"], "合计"],
               [[r["project"], *r["counts"], r["total"]] for r in c["by_project_category"]]
               + [["合计", *[x["count"] for x in c["by_category"]], c["received"]]])
    book.sheet("投诉-严重程度", ["严重程度", "件数"],
               [[label("severity", k), v] for k, v in c["by_severity"].items()] + [["重复投诉", c["repeat"]]])
    fr = f["first_reply"]
    book.sheet("首次回复", ["48小时内回复", "超时", "待回复(未计入)", "48小时内回复率(%)"],
               [[fr["on_time"], fr["late"], fr["pending"], _fmt(fr["rate"])]])


def _feedback_sheet(book: _Book, fb: dict) -> None:
    rows = [[label("contact_category", k), v] for k, v in fb["by_category"].items()]
    rows.append(["市场反馈(建议+咨询)", fb["market"]])
    rows.append([])
    rows.append(["类别", "编号", "受理时间", "项目", "内容"])
    for kind, items in fb["latest"].items():
        for i in items:
            rows.append([label("contact_category", kind), i["serial"], local_time(i["received_at"]), i["project"], i["content"]])
    book.sheet("客户反馈", ["类别", "件数"], rows)


def _revisit_done_rows(done: dict) -> list[list]:
    return [[label("revisit_kind", r["kind"]), label("method", r["method"]), r["count"]] for r in done["by_kind_method"]]


def _completion_rows(c: dict) -> list[list]:
    """按时完成 = done within the window, 逾期完成 = done after it (the complaint revisit's rate still
    counts both: the target is that every complaint is revisited)."""
    # a report frozen before the old-customer split existed: its done ones stay under 按时完成
    old_on_time = c.get("old_customer_on_time", c["old_customer_done"])
    return [["签约客户例行回访", c["routine_due"], c["routine_on_time"], c["routine_late"], c["routine_not_done"],
             _fmt(c["routine_rate"])],
            ["客户投诉回访", c["complaint_due"], c["complaint_on_time"], c["complaint_done"] - c["complaint_on_time"],
             c["complaint_due"] - c["complaint_done"], _fmt(c["complaint_rate"])],
            ["老客户年度回访", c["old_customer_due"], old_on_time, c["old_customer_done"] - old_on_time,
             c["old_customer_due"] - c["old_customer_done"], ""]]


COMPLETION_HEADER = ["回访类型", "应回访", "按时完成", "逾期完成", "未完成", "完成率(%)"]


def _overdue_rows(od: dict, received: int) -> list[list]:
    rows = [["投诉(首次回复或进度告知逾期, 仍未办结)", od["complaints"], received]]
    if od.get("unreported") is not None:  # not in reports frozen before these were counted
        rows += [["重要投诉(1个工作日内未向领导汇报)", od["unreported"], ""],
                 ["分子公司投诉处理记录(逾期备案或逾期未备案)", od["filings"], ""]]
    rows += [["来电来访来函(回复逾期)", od["contacts"], od["contacts_total"]],
             ["派工单(完成逾期)", od["work_orders"], od["work_orders_total"]], [],
             ["投诉编号", "项目", "类别", "受理时间", "严重程度", "逾期环节"]]
    rows += [[i["serial"], i["project"], i["category"], local_time(i["received_at"]), label("severity", i["severity"]),
              "首次回复" if i["overdue"] == "first_reply" else "进度告知"] for i in od["complaint_items"]]
    rows += [[i["serial"], i["project"], i["category"], local_time(i["received_at"]), label("severity", i["severity"]),
              f"向领导汇报(应于 {local_time(i['due_at'])} 前; "
              + (f"{local_time(i['reported_at'])} 汇报)" if i.get("reported_at") else "尚未汇报)")]
             for i in od.get("unreported_items", [])]
    rows += [[i["serial"], i["project"], i["category"], local_time(i["received_at"]), label("severity", i["severity"]),
              f"{i['unit']}备案(应于 {local_time(i['due_at'])} 前; "
              + (f"{local_time(i['submitted_at'])} 报送)" if i["submitted_at"] else "尚未报送)")]
             for i in od.get("filing_items", [])]
    return rows


def monthly_xlsx(f: dict, narrative: str | None = None) -> bytes:
    with force_locale(LOCALE):
        book = _Book()
        book.sheet("概要", ["指标", f"本月 {f['month']}", f"上月 {f['comparison']['previous']['month']}",
                            f"去年同月 {f['comparison']['last_year']['month']}"], _headline_rows(f["comparison"]))
        if narrative:
            book.sheet("分析与说明", ["客户服务分析"], [[line] for line in narrative.splitlines()])
        _complaint_sheets(book, f)
        r = f["resolution"]
        book.sheet("处理时长", ["已解决件数", "平均(小时)", "中位数(小时)", "90分位(小时)"],
                   [[r["count"], _fmt(r["mean_hours"]), _fmt(r["median_hours"]), _fmt(r["p90_hours"])]])
        book.sheet("逾期事项", ["事项", "逾期", "总数"], _overdue_rows(f["overdue"], f["complaints"]["received"]))
        book.sheet("重复投诉与重要事项", ["事项", "项目", "类别", "本月投诉", "30日内不同投诉人"],
                   [[m["subject"], m["project"], m["category"], m["complaints"], m["complainants"]]
                    for m in f["important_matters"]] + [[], ["重复投诉(二次投诉/重新打开)", f["complaints"]["repeat"]]])
        m = f["measures"]
        book.sheet("原因与措施", ["投诉编号", "项目", "类别", "原因分析", "纠正措施", "预防措施"],
                   [[i["serial"], i["project"], i["category"], i["cause"], i["corrective"], i["preventive"]]
                    for i in m["items"]]
                   + [[], ["本月已解决", m["resolved"], "有原因分析", m["with_cause"], "有纠正/预防措施", m["with_measures"]]])
        s = f["satisfaction"]
        book.sheet("满意度", ["来源", "评价数", "得分(1–5)", "满意率(4–5分,%)", "1分", "2分", "3分", "4分", "5分"],
                   [[name, s[k]["count"], _fmt(s[k]["score"]), _fmt(s[k]["satisfied_rate"]), *s[k]["distribution"]]
                    for k, name in (("revisits", "回访"), ("contacts", "来电来访来函办结"), ("overall", "合计"))])
        book.sheet("回访-类型与方式", ["回访类型", "方式", "完成数"], _revisit_done_rows(f["revisits"]["done"]))
        book.sheet("回访-完成率", COMPLETION_HEADER, _completion_rows(f["revisits"]["completion"]))
        if f["revisits"].get("feedback"):  # not in reports frozen before it existed
            rf = f["revisits"]["feedback"]
            book.sheet("回访-客户意见", ["回访时间", "回访类型", "项目", "客户提出的问题", "答复/跟进"],
                       [[local_time(i["revisited_at"]), label("revisit_kind", i["kind"]), i["project"], i["problem"],
                         i["answer"] or {"done": "已跟进答复", "open": "跟进中"}.get(i["follow_up"], "")]
                        for i in rf["items"]]
                       + [[], ["本月完成回访", rf["done"], "提出问题", rf["raised"], "当场答复", rf["answered_on_spot"]],
                          ["跟进中", rf["follow_ups"]["open"], "超过承诺时间", rf["follow_ups"]["late"],
                           "已跟进答复", rf["follow_ups"]["done"]]])
        _feedback_sheet(book, f["feedback"])
        book.sheet("考核指标", ["月份", *KPI_HEADER], [_kpi_rows(f["kpis"], [f["month"]])])
        t = f["trend"]
        book.sheet("月度趋势", ["月份", "投诉", "来电来访来函"],
                   [[mo, c, k] for mo, c, k in zip(t["months"], t["complaints"], t["contacts"])])
        if f["branches"]:
            book.sheet("分公司对比", ["分公司", "投诉", "来电来访来函"],
                       [[b["branch"], b["complaints"], b["contacts"]] for b in f["branches"]])
        _definitions_sheet(book, ["complaints", "first_reply", "resolution", "overdue", "important_matters", "measures",
                                  "satisfaction", "revisits_done", "revisit_completion", "revisit_feedback", "feedback", "complaint_rate",
                                  "first_reply_time", "inquiry_reply_time", "repair_timeliness", "trend", "branches"])
        return book.bytes()


def weekly_xlsx(f: dict) -> bytes:
    with force_locale(LOCALE):
        book = _Book()
        c = f["complaints"]
        book.sheet("概要", ["周", "起", "止", "受理投诉", "市场反馈(建议+咨询)", "完成回访"],
                   [[f["week"], f["first_day"], f["last_day"], c["received"], f["feedback"]["market"],
                     f["revisits"]["done"]["total"]]])
        _complaint_sheets(book, f)
        _feedback_sheet(book, f["feedback"])
        book.sheet("回访-类型与方式", ["回访类型", "方式", "完成数"], _revisit_done_rows(f["revisits"]["done"]))
        book.sheet("本周应回访", COMPLETION_HEADER, _completion_rows(f["revisits"]["due"]))
        _definitions_sheet(book, ["complaints", "first_reply", "feedback", "revisits_done", "revisits_due"])
        return book.bytes()


def kpis_xlsx(rows: list[dict]) -> bytes:
    with force_locale(LOCALE):
        book = _Book()
        book.sheet("考核指标", ["月份", "分公司", *KPI_HEADER],
                   [_kpi_rows(r, [r["month"], r["branch"] or "全公司"]) for r in rows])
        _definitions_sheet(book, ["satisfaction", "complaint_rate", "first_reply_time", "inquiry_reply_time",
                                  "repair_timeliness"])
        return book.bytes()


# --- PDF --------------------------------------------------------------------------------------

def svg_bars(items: list[tuple[str, float]], *, width: int = 480, unit: str = "") -> Markup:
    """A horizontal bar chart as inline SVG (labels escaped), for the PDF and printing."""
    if not items:
        return Markup("")
    row, label_w = 22, 130
    top = max((v for _, v in items), default=0) or 1
    height = row * len(items) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" class="bars">']
    for i, (name, value) in enumerate(items):
        y = i * row + 2
        w = (width - label_w - 60) * (float(value or 0) / top)
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="11">{escape(name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="#3a6ea5"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="11">{escape(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def monthly_pdf(f: dict, *, title: str, report=None, frozen: bool = False, render: Callable | None = None) -> bytes:
    """``frozen``: ``f`` are the figures ``report`` froze at submission (not today's, ``live=1``)."""
    from weasyprint import HTML

    with force_locale(LOCALE):
        charts, bars = chart_data(f)
        html = (render or render_template)("reports/monthly_pdf.html", f=f, title=title, report=report, pdf=True,
                                           frozen=frozen,
                                           charts=charts, bars=bars, svg_bars=svg_bars, label=label,
                                           DEFINITIONS=DEFINITIONS)
        return HTML(string=html).write_pdf()
