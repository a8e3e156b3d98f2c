"""The monthly report's life: the center manager writes the narrative, signs it off and submits
it to the leaders; submission freezes the figures (``MonthlyReport.figures``). Flush-only.

Who sees which scope is decided here too: a user whose org unit is a branch only ever sees
that branch's figures, whatever the request asks for.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import OrgKind, OrgUnit, Project, User
from portal.models.report import MonthlyReport, ReportStatus
from portal.services import audit, notifications, org
from portal.services import report_figures as rf
from portal.services.clock import now_utc

NARRATIVE_MAX = 20000


class ReportError(Exception):
    """A step that is not allowed now; ``code`` names why (shown translated by the view)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def forced_branch_id(user: User) -> int | None:
    """The branch a user is confined to: their own org unit when it is a branch (branch staff and
    a branch's leaders), else None (center, group and department users)."""
    unit = user.org_unit
    if unit is not None and unit.kind == OrgKind.BRANCH:
        return unit.id
    lead = user.leads_org_unit
    if lead is not None and lead.kind == OrgKind.BRANCH and (unit is None or unit.kind != OrgKind.GROUP):
        return lead.id
    return None


def scope_for(user: User, branch_id: int | None, project_id: int | None) -> rf.Scope:
    """The scope a user may see for the requested filters: a branch user's branch is forced; a
    project outside the (forced or chosen) branch is dropped; unknown ids are dropped."""
    forced = forced_branch_id(user)
    if forced is not None:
        branch_id = forced
    elif branch_id is not None:
        unit = db.session.get(OrgUnit, branch_id)
        branch_id = unit.id if unit is not None and unit.kind == OrgKind.BRANCH else None
    if project_id is not None:
        project = db.session.get(Project, project_id)
        if project is None or (branch_id is not None and project.branch_id != branch_id):
            project_id = None
    return rf.Scope(branch_id, project_id)


def may_see(user: User, report: MonthlyReport) -> bool:
    forced = forced_branch_id(user)
    return forced is None or report.branch_id == forced


def scope_key(scope: rf.Scope) -> str:
    return f"{scope.branch_id or 0}:{scope.project_id or 0}"


def find(month: date, scope: rf.Scope) -> MonthlyReport | None:
    return db.session.scalar(select(MonthlyReport).where(
        MonthlyReport.month == month.replace(day=1), MonthlyReport.scope_key == scope_key(scope)))


def _get_or_create(month: date, scope: rf.Scope) -> MonthlyReport:
    report = find(month, scope)
    if report is None:
        report = MonthlyReport(month=month.replace(day=1), branch_id=scope.branch_id, project_id=scope.project_id,
                               scope_key=scope_key(scope), narrative="", status=ReportStatus.DRAFT, version=1)
        db.session.add(report)
    return report


def _check_version(report: MonthlyReport, version: int | None) -> None:
    if version is not None and report.id is not None and report.version != version:
        raise ReportError("stale")


def save_narrative(month: date, scope: rf.Scope, narrative: str, *, by: User, version: int | None = None,
                   now: datetime | None = None) -> MonthlyReport:
    """Write the analysis text. Changing the text of a signed report withdraws the signature."""
    report = _get_or_create(month, scope)
    if report.is_frozen:
        raise ReportError("frozen")
    _check_version(report, version)
    narrative = (narrative or "").strip()
    if len(narrative) > NARRATIVE_MAX:
        raise ReportError("too_long")
    if report.status == ReportStatus.SIGNED and narrative != report.narrative:
        report.status, report.signed_by_id, report.signed_at = ReportStatus.DRAFT, None, None
    report.narrative = narrative
    report.updated_by_id, report.updated_at = by.id, now or now_utc()
    report.version = (report.version or 0) + 1
    db.session.flush()
    return report


def sign(report: MonthlyReport, *, by: User, version: int | None = None, now: datetime | None = None) -> None:
    """The center manager signs the report off (签发). It needs a narrative."""
    if report.is_frozen:
        raise ReportError("frozen")
    _check_version(report, version)
    if not report.narrative.strip():
        raise ReportError("no_narrative")
    report.status, report.signed_by_id, report.signed_at = ReportStatus.SIGNED, by.id, now or now_utc()
    report.version += 1
    audit.record("report.signed", object_type="monthly_report", object_id=report.id, user=by,
                 detail={"month": report.month.isoformat(), "scope": report.scope_key})
    db.session.flush()


def submit(report: MonthlyReport, *, by: User, version: int | None = None, now: datetime | None = None) -> None:
    """Submit a signed report to the leaders: its figures are computed once more and frozen,
    and the group leaders (and the branch's leaders for a branch's report) are notified."""
    if report.is_frozen:
        raise ReportError("frozen")
    _check_version(report, version)
    if report.status != ReportStatus.SIGNED:
        raise ReportError("not_signed")
    now = now or now_utc()
    figures = rf.monthly_report(report.month, rf.Scope(report.branch_id, report.project_id), now)
    # Stored exactly as rendered later: a JSON round trip, so a live and a frozen page read the same.
    report.figures = json.loads(json.dumps(figures))
    report.figures_version = rf.FIGURES_VERSION
    report.status, report.submitted_by_id, report.submitted_at = ReportStatus.SUBMITTED, by.id, now
    report.version += 1
    db.session.flush()
    leaders = list(org.group_leaders())
    if report.branch is not None:
        leaders += org.leaders_of(report.branch)
    title = f"客户服务分析报告 {report.month.strftime('%Y-%m')}"
    if report.branch is not None:
        title += f" · {report.branch.name}"
    notifications.notify(leaders, kind="report.submitted", title=title, link=f"/reports/monthly/{report.id}",
                         object_type="monthly_report", object_id=report.id)
    audit.record("report.submitted", object_type="monthly_report", object_id=report.id, user=by,
                 detail={"month": report.month.isoformat(), "scope": report.scope_key})


@dataclass
class Rendered:
    """What a page shows: the figures (stored or live) and whether they are frozen."""

    figures: dict
    frozen: bool
    report: MonthlyReport | None


def figures_for(month: date, scope: rf.Scope, now: datetime | None = None, *, live: bool = False) -> Rendered:
    """A submitted report's stored figures, unless ``live``; otherwise computed now."""
    report = find(month, scope)
    if report is not None and report.is_frozen and not live:
        return Rendered(report.figures, True, report)
    return Rendered(json.loads(json.dumps(rf.monthly_report(month, scope, now))), False, report)


def submitted_reports(user: User, limit: int = 60) -> list[MonthlyReport]:
    stmt = select(MonthlyReport).where(MonthlyReport.status != ReportStatus.DRAFT)
    forced = forced_branch_id(user)
    if forced is not None:
        stmt = stmt.where(MonthlyReport.branch_id == forced)
    return list(db.session.scalars(stmt.order_by(MonthlyReport.month.desc(), MonthlyReport.id.desc()).limit(limit)))
