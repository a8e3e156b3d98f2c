"""Reports: the monthly analysis report (with narrative, sign-off and submission), the weekly
summary, the KPIs, and their exports. Thin views: the figures come from
``portal.services.report_figures``, the report's life from ``portal.services.reports``.

Scope: ``reports.scope_for`` forces a branch user's own branch whatever the URL asks for.
"""
from __future__ import annotations

import io
import secrets
from datetime import date
from pathlib import Path

from flask import (
    abort, current_app, flash, make_response, redirect, render_template, request, send_file, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.auth import Perm, require
from portal.auth.access import deny
from portal.blueprints.reports import bp
from portal.blueprints.reports.forms import KpiExportForm, NarrativeForm, StepForm
from portal.extensions import db, htmx
from portal.models import OrgUnit, Project
from portal.models.report import ExportStatus, MonthlyReport, ReportExport
from portal.services import audit, report_export, reports
from portal.services import report_figures as rf
from portal.services.clock import local_date, now_utc
from portal.services.revisit_rules import add_months

# A KPI export over more months than this runs as a background job (each month × branch is a
# handful of aggregate queries; a year over every branch is a few hundred).
INLINE_KPI_MONTHS = 3
MAX_KPI_MONTHS = 36

ERRORS = {
    "frozen": lambda: _("This report has been submitted; it can no longer be changed."),
    "stale": lambda: _("Someone changed this report meanwhile; please look at it again."),
    "no_narrative": lambda: _("Write the analysis before signing the report off."),
    "not_signed": lambda: _("Sign the report off before submitting it."),
    "too_long": lambda: _("The analysis is too long."),
}


# --- arguments ---------------------------------------------------------------------------------

def _int(value) -> int | None:
    try:
        n = int(value or 0)
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**31 else None


def _parse_month(raw: str | None) -> date | None:
    try:
        year, month = (int(x) for x in (raw or "").strip().split("-", 1))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    except ValueError:
        pass
    return None


def _today() -> date:
    return local_date(now_utc())


def _default_month() -> date:
    """The last finished month: a monthly report is written after the month ends."""
    return add_months(_today().replace(day=1), -1)


def _scope(args) -> rf.Scope:
    return reports.scope_for(current_user, _int(args.get("branch_id")), _int(args.get("project_id")))


def _filter_choices(scope: rf.Scope) -> dict:
    forced = reports.forced_branch_id(current_user)
    branches = [b for b in rf.branches() if forced in (None, b.id)]
    stmt = select(Project).order_by(Project.name)
    if scope.branch_id is not None:
        stmt = stmt.where(Project.branch_id == scope.branch_id)
    return {"branches": branches, "projects": list(db.session.scalars(stmt)), "forced_branch": forced}


def _scope_label(scope: rf.Scope) -> str:
    parts = []
    if scope.branch_id:
        unit = db.session.get(OrgUnit, scope.branch_id)
        parts.append(unit.name if unit else "")
    if scope.project_id:
        project = db.session.get(Project, scope.project_id)
        parts.append(project.name if project else "")
    return " · ".join(p for p in parts if p) or _("Whole company")


def _scope_args(scope: rf.Scope) -> dict:
    return {k: v for k, v in scope.as_dict().items() if v}


@bp.app_template_filter("report_local")
def report_local(iso: str | None) -> str:
    return report_export.local_time(iso)


@bp.app_template_global("report_definition")
def report_definition(key: str) -> str:
    """A figure's definition, translated (plain gettext: definitions contain "%")."""
    return _(rf.DEFINITIONS[key])


def get_report_or_403(report_id: int) -> MonthlyReport:
    report = db.session.get(MonthlyReport, report_id)
    if report is None:
        abort(404)
    if not reports.may_see(current_user, report):
        deny("branch scope", "monthly_report", report_id)
    return report


def get_export_or_403(export_id: int) -> ReportExport:
    row = db.session.get(ReportExport, export_id)
    if row is None:
        abort(404)
    if row.requester_id != current_user.id:
        deny("not the requester", "report_export", export_id)
    return row


def _download(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


# --- index --------------------------------------------------------------------------------------

@bp.route("/")
@require(Perm.REPORT_READ)
def index():
    return render_template("reports/index.html", submitted=reports.submitted_reports(current_user),
                           default_month=_default_month())


# --- the monthly report -----------------------------------------------------------------------

def _monthly_context(month: date, scope: rf.Scope, live: bool) -> dict:
    rendered = reports.figures_for(month, scope, live=live)
    report = rendered.report or reports.find(month, scope)
    form = None
    if current_user.can(Perm.REPORT_SIGN) and (report is None or not report.is_frozen):
        form = NarrativeForm(formdata=None, month=month.strftime("%Y-%m"), branch_id=scope.branch_id or "",
                             project_id=scope.project_id or "", version=report.version if report else "",
                             narrative=report.narrative if report else "")
    charts, bars = report_export.chart_data(rendered.figures)
    return dict(f=rendered.figures, frozen=rendered.frozen, charts=charts, bars=bars, pdf=False, report=report, month=month, scope=scope,
                scope_label=_scope_label(scope), scope_args=_scope_args(scope), live=live, form=form,
                step_form=StepForm(formdata=None), DEFINITIONS=rf.DEFINITIONS, label=report_export.label,
                **_filter_choices(scope))


@bp.route("/monthly")
@require(Perm.REPORT_READ)
def monthly():
    month = _parse_month(request.args.get("month")) or _default_month()
    scope = _scope(request.args)
    ctx = _monthly_context(month, scope, live=request.args.get("live") == "1")
    return render_template("reports/monthly.html", **ctx)


@bp.route("/monthly/<int:report_id>")
@require(Perm.REPORT_READ)
def monthly_report(report_id: int):
    report = get_report_or_403(report_id)
    return redirect(url_for("reports.monthly", month=report.month.strftime("%Y-%m"),
                            **_scope_args(rf.Scope(report.branch_id, report.project_id))))


@bp.route("/monthly/narrative", methods=["POST"])
@require(Perm.REPORT_SIGN)
def monthly_narrative():
    form = NarrativeForm()
    month = _parse_month(form.month.data)
    if not form.validate_on_submit() or month is None:
        flash(_("The analysis was not saved: %(errors)s",
                errors="; ".join(str(e) for errs in form.errors.values() for e in errs) or _("invalid form")), "error")
        return redirect(url_for("reports.monthly", month=form.month.data if month else None))
    scope = reports.scope_for(current_user, _int(form.branch_id.data), _int(form.project_id.data))
    try:
        report = reports.save_narrative(month, scope, form.narrative.data or "", by=current_user,
                                        version=_int(form.version.data))
        db.session.commit()
    except reports.ReportError as exc:
        db.session.rollback()
        flash(ERRORS[exc.code](), "error")
        if exc.code == "stale":  # keep what the user typed: show it again with the message
            ctx = _monthly_context(month, scope, live=False)
            ctx["form"] = form
            form.version.data = ctx["report"].version if ctx["report"] else ""
            return render_template("reports/monthly.html", **ctx), 409
        return redirect(url_for("reports.monthly", month=month.strftime("%Y-%m"), **_scope_args(scope)))
    flash(_("The analysis was saved."), "success")
    return redirect(url_for("reports.monthly", month=report.month.strftime("%Y-%m"), **_scope_args(scope)))


def _step(report_id: int, action, done_message: str):
    report = get_report_or_403(report_id)
    form = StepForm()
    back = redirect(url_for("reports.monthly", month=report.month.strftime("%Y-%m"),
                            **_scope_args(rf.Scope(report.branch_id, report.project_id))))
    if not form.validate_on_submit():
        flash(_("The request was not valid; please try again."), "error")
        return back
    try:
        action(report, by=current_user, version=form.version.data)
        db.session.commit()
    except reports.ReportError as exc:
        db.session.rollback()
        flash(ERRORS[exc.code](), "error")
        return back
    flash(done_message, "success")
    return back


@bp.route("/monthly/<int:report_id>/sign", methods=["POST"])
@require(Perm.REPORT_SIGN)
def monthly_sign(report_id: int):
    return _step(report_id, reports.sign, _("The report is signed off."))


@bp.route("/monthly/<int:report_id>/submit", methods=["POST"])
@require(Perm.REPORT_SIGN)
def monthly_submit(report_id: int):
    return _step(report_id, reports.submit, _("The report was submitted to the leaders; its figures are now frozen."))


def _export_figures():
    month = _parse_month(request.args.get("month")) or _default_month()
    scope = _scope(request.args)
    rendered = reports.figures_for(month, scope, live=request.args.get("live") == "1")
    report = rendered.report if rendered.frozen else reports.find(month, scope)
    suffix = "" if not scope.branch_id and not scope.project_id else f"-{scope.branch_id or 0}-{scope.project_id or 0}"
    return month, scope, rendered, report, f"customer-service-report-{month.strftime('%Y-%m')}{suffix}"


@bp.route("/monthly/export.xlsx")
@require(Perm.REPORT_READ)
def monthly_xlsx():
    month, scope, rendered, report, name = _export_figures()
    data = report_export.monthly_xlsx(rendered.figures, report.narrative if report else None)
    audit.record("report.exported", object_type="monthly_report", object_id=report.id if report else None,
                 detail={"month": month.isoformat(), "scope": reports.scope_key(scope), "format": "xlsx"})
    db.session.commit()
    return _download(data, name + ".xlsx", report_export.XLSX_MIME)


@bp.route("/monthly/export.pdf")
@require(Perm.REPORT_READ)
def monthly_pdf():
    month, scope, rendered, report, name = _export_figures()
    title = _("Customer Service Analysis Report") + f" {month.strftime('%Y-%m')} · {_scope_label(scope)}"
    data = report_export.monthly_pdf(rendered.figures, title=title, report=report, frozen=rendered.frozen)
    audit.record("report.exported", object_type="monthly_report", object_id=report.id if report else None,
                 detail={"month": month.isoformat(), "scope": reports.scope_key(scope), "format": "pdf"})
    db.session.commit()
    return _download(data, name + ".pdf", "application/pdf")


# --- the weekly summary -------------------------------------------------------------------------

def _week_arg() -> tuple[int, int]:
    raw = (request.args.get("week") or "").strip()
    try:
        year, week = raw.split("-W", 1)
        y, w = int(year), int(week)
        rf.week_period(y, w)
        if 2000 <= y <= 2100:
            return y, w
    except ValueError:
        pass
    iso = _today().isocalendar()
    return iso[0], iso[1]


@bp.route("/weekly")
@require(Perm.REPORT_READ)
def weekly():
    year, week = _week_arg()
    scope = _scope(request.args)
    f = rf.weekly_summary(year, week, scope)
    return render_template("reports/weekly.html", f=f, scope=scope, scope_label=_scope_label(scope),
                           scope_args=_scope_args(scope), week=f["week"], DEFINITIONS=rf.DEFINITIONS,
                           label=report_export.label, **_filter_choices(scope))


@bp.route("/weekly/export.xlsx")
@require(Perm.REPORT_READ)
def weekly_xlsx():
    year, week = _week_arg()
    scope = _scope(request.args)
    f = rf.weekly_summary(year, week, scope)
    return _download(report_export.weekly_xlsx(f), f"weekly-summary-{f['week']}.xlsx", report_export.XLSX_MIME)


# --- KPIs -------------------------------------------------------------------------------------------

def _month_range(raw_from: str | None, raw_to: str | None) -> list[date]:
    last = _parse_month(raw_to) or _default_month()
    first = _parse_month(raw_from) or last
    if first > last:
        first, last = last, first
    months, m = [], first
    while m <= last and len(months) < MAX_KPI_MONTHS:
        months.append(m)
        m = add_months(m, 1)
    return months


@bp.route("/kpis")
@require(Perm.REPORT_READ)
def kpis():
    months = _month_range(request.args.get("month_from"), request.args.get("month_to"))
    scope = _scope(request.args)
    shown = months[-INLINE_KPI_MONTHS:]  # the page shows at most three months; exports take the range
    rows = rf.kpi_table(shown, scope)
    form = KpiExportForm(formdata=None, month_from=months[0].strftime("%Y-%m"), month_to=months[-1].strftime("%Y-%m"),
                         branch_id=scope.branch_id or "", project_id=scope.project_id or "")
    chart = [{"branch": r["branch"], "satisfaction": r["satisfaction"]["score"], "complaint_rate": r["complaint_rate"]["rate"],
              "repair": r["repair"]["rate"]} for r in rows if r["month"] == shown[-1].strftime("%Y-%m") and r["branch"]]
    return render_template("reports/kpis.html", rows=rows, months=months, shown=shown, scope=scope,
                           scope_label=_scope_label(scope), scope_args=_scope_args(scope), form=form,
                           large=len(months) > INLINE_KPI_MONTHS, chart=chart, DEFINITIONS=rf.DEFINITIONS,
                           **_filter_choices(scope))


@bp.route("/kpis/export.xlsx")
@require(Perm.REPORT_READ)
def kpis_xlsx():
    months = _month_range(request.args.get("month_from"), request.args.get("month_to"))
    scope = _scope(request.args)
    if len(months) > INLINE_KPI_MONTHS:
        flash(_("More than %(n)d months are exported in the background: use “Export in the background”.",
                n=INLINE_KPI_MONTHS), "error")
        return redirect(url_for("reports.kpis", month_from=months[0].strftime("%Y-%m"),
                                month_to=months[-1].strftime("%Y-%m"), **_scope_args(scope)))
    data = report_export.kpis_xlsx(rf.kpi_table(months, scope))
    return _download(data, f"kpis-{months[0].strftime('%Y-%m')}-{months[-1].strftime('%Y-%m')}.xlsx",
                     report_export.XLSX_MIME)


@bp.route("/exports", methods=["POST"])
@require(Perm.REPORT_READ)
def export_start():
    """A KPI export over a long range, run by an RQ job; the file is for the requester only."""
    form = KpiExportForm()
    if not form.validate_on_submit():
        flash(_("The export was not started: %(errors)s",
                errors="; ".join(str(e) for errs in form.errors.values() for e in errs)), "error")
        return redirect(url_for("reports.kpis"))
    months = _month_range(form.month_from.data, form.month_to.data)
    scope = reports.scope_for(current_user, _int(form.branch_id.data), _int(form.project_id.data))
    row = ReportExport(requester_id=current_user.id, kind="kpis", status=ExportStatus.QUEUED,
                       params={"months": [m.isoformat() for m in months], **scope.as_dict()},
                       download_name=f"kpis-{months[0].strftime('%Y-%m')}-{months[-1].strftime('%Y-%m')}.xlsx")
    db.session.add(row)
    db.session.flush()
    row.job_id = f"report-export-{row.id}-{secrets.token_hex(4)}"
    audit.record("report.export_started", object_type="report_export", object_id=row.id,
                 detail={"months": len(months), "scope": reports.scope_key(scope)})
    db.session.commit()
    from portal.jobs import enqueue
    from portal.jobs.reports import kpi_export_job

    enqueue(kpi_export_job, row.id, job_id=row.job_id, job_timeout=1800)
    return redirect(url_for("reports.export_detail", export_id=row.id))


def _job_meta(row: ReportExport) -> dict:
    if not row.job_id or row.status in (ExportStatus.DONE, ExportStatus.FAILED):
        return {}
    try:
        from rq.job import Job

        from portal.jobs import redis_connection

        return Job.fetch(row.job_id, connection=redis_connection()).meta or {}
    except Exception:  # Redis away or the job expired: the row's status still tells the story
        return {}


@bp.route("/exports/<int:export_id>")
@require(Perm.REPORT_READ)
def export_detail(export_id: int):
    row = get_export_or_403(export_id)
    return render_template("reports/export.html", row=row, meta=_job_meta(row), ExportStatus=ExportStatus)


@bp.route("/exports/<int:export_id>/progress")
@require(Perm.REPORT_READ)
def export_progress(export_id: int):
    """The htmx-polled progress bar; once finished it asks the browser to reload the page."""
    row = get_export_or_403(export_id)
    resp = make_response(render_template("reports/_export_progress.html", row=row, meta=_job_meta(row),
                                         ExportStatus=ExportStatus))
    if htmx and row.status in (ExportStatus.DONE, ExportStatus.FAILED):
        resp.headers["HX-Refresh"] = "true"
    return resp


@bp.route("/exports/<int:export_id>/download")
@require(Perm.REPORT_READ)
def export_download(export_id: int):
    row = get_export_or_403(export_id)
    if row.status != ExportStatus.DONE or not row.stored_name:
        abort(404)
    path = Path(current_app.config["UPLOAD_DIR"]) / "reports" / row.stored_name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=report_export.XLSX_MIME, as_attachment=True, download_name=row.download_name)

