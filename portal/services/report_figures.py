"""The figures of the reports (DOMAIN.md §5; seeds 000 §6–§7, 001 §四, 004 5.1.3), each defined
once, here, as a query.

Every figure function carries its definition as its docstring, written for the reader of the
report; ``DEFINITIONS`` holds the same text (translated at render time) for the footnotes on the
page, the Excel file and the PDF. Change a figure and its definition together, here.

Conventions shared by every figure:

- A *period* is a half-open interval of instants ``[start, end)`` whose ends are local midnights
  in the portal's time zone (Asia/Shanghai): a complaint received at 2026-10-31 23:30 local
  (15:30 UTC) belongs to October, one at 2026-11-01 00:00 local to November.
- A *scope* narrows everything to one branch (the projects of that branch) and/or one project.
  Complaints, contacts, work orders and revisits are attributed to a branch through their
  project; contacts without a project only count in the company-wide report.
- Figures that depend on "not yet late" take ``now`` (the report's computation time), so a
  report computed later may move pending items to late; a submitted report is frozen instead.
- Queries aggregate in the database (``GROUP BY``, ``SUM(CASE …)``); rows are loaded into Python
  only for the percentiles on SQLite (the two timestamps of each resolved complaint). On
  PostgreSQL ``percentile_cont`` computes them, with the same linear interpolation as
  ``percentile()`` below, so both databases give the same numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

from sqlalchemy import String, and_, case, cast, distinct, exists, func, literal, or_, select, union_all

from portal.extensions import db
from portal.models import OrgKind, OrgUnit, Project
from portal.models.complaint import OPEN_STATUSES, Complaint, FilingStatus, Matter
from portal.models.reception import Contact, ContactCategory, WorkOrder
from portal.models.revisit import FollowUpStatus, RevisitFollowUp, RevisitPlan, RevisitStatus
from portal.models.settings import ComplaintCategory
from portal.services import revisit_rates as rr
from portal.services.clock import now_utc, start_of_local_day
from portal.services.concurrent_reads import run_reads
from portal.services.complaints import (
    filed_late_clause, filing_overdue_clause, matter_holds_a_report, reported_late_clause,
    unreported_past_due_clause,
)
from portal.services.revisit_rules import add_months

# The version of the figures' JSON layout stored in a submitted report.
FIGURES_VERSION = 1
# How many items the lists of a report show (the counts always cover everything).
LIST_LIMIT = 30
LATEST_FEEDBACK = 5
TREND_MONTHS = 12


def N_(text: str) -> str:
    """Marks a definition for translation (Babel's default keyword) without translating it yet."""
    return text


DEFINITIONS: dict[str, str] = {}
# The figure's name as a reader knows it (the 指标 column of the Excel "口径说明" sheet).
NAMES: dict[str, str] = {}


def figure(key: str, name: str, definition: str):
    """Register ``definition`` as the figure's docstring and as its footnote on the pages, and
    ``name`` as what the figure is called where it is listed with others."""

    def deco(func_):
        func_.__doc__ = definition
        DEFINITIONS[key] = definition
        NAMES[key] = name
        return func_

    return deco


# --- periods and scopes -----------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    first_day: date  # local dates, inclusive
    last_day: date

    @property
    def start(self) -> datetime:
        return start_of_local_day(self.first_day)

    @property
    def end(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return start_of_local_day(self.last_day + timedelta(days=1))


def month_period(month: date) -> Period:
    first = month.replace(day=1)
    return Period(first, add_months(first, 1) - timedelta(days=1))


def week_period(iso_year: int, iso_week: int) -> Period:
    """The ISO week (Monday–Sunday, local dates). Raises ValueError for a week that does not exist."""
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    return Period(monday, monday + timedelta(days=6))


@dataclass(frozen=True)
class Scope:
    branch_id: int | None = None
    project_id: int | None = None

    def as_dict(self) -> dict:
        return {"branch_id": self.branch_id, "project_id": self.project_id}


def _scope_conditions(project_col, scope: Scope) -> list:
    """The conditions that keep rows to the scope's project and/or branch (none for the company)."""
    where = []
    if scope.project_id is not None:
        where.append(project_col == scope.project_id)
    if scope.branch_id is not None:
        where.append(project_col.in_(select(Project.id).where(Project.branch_id == scope.branch_id)))
    return where


def _scoped(stmt, project_col, scope: Scope):
    return stmt.where(*_scope_conditions(project_col, scope))


def _in(col, period: Period):
    return and_(col >= period.start, col < period.end)


def _one(stmt) -> Any:
    return db.session.execute(stmt).one()


def _ratio(part: int, whole: int) -> float | None:
    """A share in percent, two decimals; None when there is nothing to divide by."""
    return round(100.0 * part / whole, 2) if whole else None


def _sum(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


# --- percentiles ------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile with linear interpolation between the two nearest ranks (PostgreSQL's
    ``percentile_cont``): position ``q × (n − 1)`` in the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600.0, 2)


def duration_stats(start_col, end_col, *conditions) -> dict:
    """Count, mean, median and 90th percentile of ``end − start`` in hours, over rows matching
    ``conditions`` where both are set."""
    where = [start_col.is_not(None), end_col.is_not(None), *conditions]
    if db.session.get_bind().dialect.name == "postgresql":
        secs = func.extract("epoch", end_col - start_col)
        n, mean, median, p90 = _one(select(
            func.count(), func.avg(secs),
            func.percentile_cont(0.5).within_group(secs), func.percentile_cont(0.9).within_group(secs),
        ).where(*where))
    else:
        values = [(end - start).total_seconds()
                  for start, end in db.session.execute(select(start_col, end_col).where(*where))]
        n = len(values)
        mean = sum(values) / n if n else None
        median, p90 = percentile(values, 0.5), percentile(values, 0.9)
    return {"count": int(n or 0), "mean_hours": _hours(mean), "median_hours": _hours(median),
            "p90_hours": _hours(p90)}


# --- complaints -------------------------------------------------------------------------------

# NOT_LISTED: a report (举报) is counted in every figure but never listed: not its serial, its
# matter's subject, its measures, nor what its revisit raised. A report is confidential to the
# center and the leaders and never shown to the staff member it is about (complaint_rules.can_view),
# while the monthly report is read by every center staff member, frozen, exported and printed to be
# passed on, so no list in it can be kept from him.

@figure("complaints", N_("Complaints received"), N_(
    "Complaints received: complaints whose time of receipt falls in the period (local time), "
    "counted by project and category and by severity as they stand now. Repeat complaints are "
    "second complaints after closing and reopened complaints."))
def complaint_counts(period: Period, scope: Scope) -> dict:
    C = Complaint
    repeat = or_(C.is_second_complaint.is_(True), C.reopened_from_id.is_not(None))
    stmt = (select(Project.id, Project.name, ComplaintCategory.id, ComplaintCategory.name, C.severity,
                   func.count(), _sum(repeat))
            .join(Project, Project.id == C.project_id).join(ComplaintCategory, ComplaintCategory.id == C.category_id)
            .where(_in(C.received_at, period))
            .group_by(Project.id, Project.name, ComplaintCategory.id, ComplaintCategory.name, C.severity))
    rows = db.session.execute(_scoped(stmt, C.project_id, scope)).all()
    cells: dict[tuple, int] = {}
    severity = {"major": 0, "important": 0, "general": 0}
    projects: dict[int, str] = {}
    categories: dict[int, str] = {}
    total = repeats = 0
    for pid, pname, cid, cname, sev, n, rep in rows:
        projects[pid], categories[cid] = pname, cname
        cells[(pid, cid)] = cells.get((pid, cid), 0) + n
        severity[getattr(sev, "value", sev)] += n
        total += n
        repeats += int(rep)
    project_order = sorted(projects, key=lambda p: projects[p])
    category_order = sorted(categories)
    by_category = [{"category": categories[c], "count": sum(cells.get((p, c), 0) for p in projects)}
                   for c in category_order]
    return {
        "received": total,
        "repeat": repeats,
        "categories": [categories[c] for c in category_order],
        "by_project_category": [
            {"project": projects[p], "counts": [cells.get((p, c), 0) for c in category_order],
             "total": sum(cells.get((p, c), 0) for c in category_order)}
            for p in project_order],
        "by_category": by_category,
        "by_severity": severity,
    }


@figure("first_reply", N_("First reply within 48 hours"), N_(
    "Replied within 48 hours: of the complaints received in the period, those whose first reply "
    "was recorded no later than 48 hours after receipt — even if the reply came after the period "
    "ended. Late: replied after 48 hours, or not replied and the 48 hours have passed. Pending: "
    "not replied and still within 48 hours when the report was computed; pending complaints are "
    "left out of the share, and so are those a branch or department handled and filed (it answered "
    "the customer itself). Share = on time / (on time + late)."))
def first_reply(period: Period, scope: Scope, now: datetime) -> dict:
    C = Complaint
    replied = C.first_replied_at.is_not(None)
    on_time = and_(replied, C.first_replied_at <= C.first_reply_due_at)
    late = or_(and_(replied, C.first_replied_at > C.first_reply_due_at),
               and_(C.first_replied_at.is_(None), C.first_reply_due_at < now))
    pending = and_(C.first_replied_at.is_(None), C.first_reply_due_at >= now)
    stmt = select(_sum(on_time), _sum(late), _sum(pending)).where(_in(C.received_at, period),
                                                                  C.filed_by_unit_id.is_(None))
    n_on_time, n_late, n_pending = (int(x) for x in _one(_scoped(stmt, C.project_id, scope)))
    return {"on_time": n_on_time, "late": n_late, "pending": n_pending,
            "rate": _ratio(n_on_time, n_on_time + n_late)}


@figure("first_reply_time", N_("First-reply time"), N_(
    "First-reply time: hours from receipt to the first reply, over the complaints received in the "
    "period that have been replied (mean and median)."))
def first_reply_time(period: Period, scope: Scope) -> dict:
    C = Complaint
    where = [_in(C.received_at, period), *_scope_conditions(C.project_id, scope)]
    return duration_stats(C.received_at, C.first_replied_at, *where)


@figure("inquiry_reply_time", N_("Inquiry response time"), N_(
    "Inquiry response time (咨询响应时间, seed 001): hours from the receipt of an inquiry (咨询) "
    "contact to its first reply, over the inquiries received in the period that have been replied "
    "(mean and median)."))
def inquiry_reply_time(period: Period, scope: Scope) -> dict:
    K = Contact
    where = [K.category == ContactCategory.INQUIRY, _in(K.received_at, period), *_scope_conditions(K.project_id, scope)]
    return duration_stats(K.received_at, K.first_replied_at, *where)  # kept when a contact is reopened


@figure("resolution", N_("Resolution time"), N_(
    "Resolution time: hours from receipt to resolution, over the complaints resolved in the period "
    "(whenever they were received). Median: half were resolved faster. 90th percentile: nine in "
    "ten were resolved faster (linear interpolation between the nearest two)."))
def resolution_time(period: Period, scope: Scope) -> dict:
    C = Complaint
    where = [_in(C.resolved_at, period), *_scope_conditions(C.project_id, scope)]
    return duration_stats(C.received_at, C.resolved_at, *where)


@figure("overdue", N_("Overdue items"), N_(
    "Overdue items, as at the time the report was computed: complaints received in the period and "
    "still open whose first reply or progress update is past due; important complaints whose "
    "report to a leader (due within 1 working day) fell due in the period and was made after that "
    "time or not at all; "
    "records of complaints a branch or department handled whose filing with the center (due "
    "within 2 working days of closing, or of a return for correction) fell due in the period, "
    "submitted after that time or still not submitted past it; reception contacts received in "
    "the period replied after their reply deadline or still unanswered past it; work orders due in "
    "the period finished after their due time or still open past it. Reports (举报) are counted but "
    "never listed."))
def overdue(period: Period, scope: Scope, now: datetime) -> dict:
    C = Complaint

    def complaint_list(*where, extra=()):
        lst = (select(C.serial, Project.name, ComplaintCategory.name, C.received_at, C.severity, *extra)
               .join(Project, Project.id == C.project_id).join(ComplaintCategory, ComplaintCategory.id == C.category_id)
               .where(*where, C.is_report.is_(False)))  # see NOT_LISTED
        return _scoped(lst, C.project_id, scope)

    def base_item(serial, project, category, received, severity) -> dict:
        return {"serial": serial, "project": project, "category": category, "received_at": received.isoformat(),
                "severity": getattr(severity, "value", severity)}

    complaint_overdue = and_(C.status.in_(OPEN_STATUSES), or_(
        and_(C.first_replied_at.is_(None), C.first_reply_due_at < now),
        and_(C.next_progress_due_at.is_not(None), C.next_progress_due_at < now)))
    base = _scoped(select(func.count()).where(_in(C.received_at, period), complaint_overdue), C.project_id, scope)
    n_complaints = db.session.scalar(base) or 0
    lst = complaint_list(_in(C.received_at, period), complaint_overdue,
                         extra=(C.first_replied_at, C.first_reply_due_at)).order_by(C.received_at, C.id).limit(LIST_LIMIT)
    items = [{**base_item(s, p, cat, r, sev), "overdue": "first_reply" if fr is None and frd < now else "progress"}
             for s, p, cat, r, sev, fr, frd in db.session.execute(lst)]

    # DOMAIN.md §2/§6: an important complaint is reported to a leader within 1 working day: those
    # due in the period and not reported by then, whether still owed or reported late (the due
    # time stays when the report is made); a working-day deadline's last second still counts
    unreported = and_(_in(C.leader_report_due_at, period),
                      or_(unreported_past_due_clause(now), reported_late_clause()))
    n_unreported = db.session.scalar(_scoped(select(func.count()).where(unreported), C.project_id, scope)) or 0
    lst = (complaint_list(unreported, extra=(C.leader_report_due_at, C.reported_to_leaders_at))
           .order_by(C.leader_report_due_at, C.id))
    unreported_items = [{**base_item(s, p, cat, r, sev), "due_at": due.isoformat(),
                         "reported_at": reported.isoformat() if reported else None}
                        for s, p, cat, r, sev, due, reported in db.session.execute(lst.limit(LIST_LIMIT))]

    # a branch's record of a complaint it handled, filed with the center within 2 working days
    filed_late = and_(C.filing_status.in_([FilingStatus.SUBMITTED, FilingStatus.ACCEPTED]), filed_late_clause())
    filing_late = and_(C.filed_by_unit_id.is_not(None), _in(C.filing_due_at, period),
                       or_(filing_overdue_clause(now), filed_late))
    n_filings = db.session.scalar(_scoped(select(func.count()).where(filing_late), C.project_id, scope)) or 0
    lst = (complaint_list(filing_late, extra=(OrgUnit.name, C.filing_due_at, C.filing_submitted_at))
           .outerjoin(OrgUnit, OrgUnit.id == C.filed_by_unit_id).order_by(C.filing_due_at, C.id))
    filing_items = [{**base_item(s, p, cat, r, sev), "unit": unit or "", "due_at": due.isoformat(),
                     "submitted_at": sub.isoformat() if sub else None}
                    for s, p, cat, r, sev, unit, due, sub in db.session.execute(lst.limit(LIST_LIMIT))]

    K = Contact
    k_late = or_(and_(K.replied_at.is_not(None), K.replied_at > K.reply_due_at),
                 and_(K.replied_at.is_(None), K.reply_due_at < now))
    k_stmt = _scoped(select(func.count(), _sum(k_late)).where(_in(K.received_at, period)), K.project_id, scope)
    k_total, k_overdue = _one(k_stmt)

    W = WorkOrder
    w_late = or_(and_(W.completed_at.is_not(None), W.completed_at > W.due_at),
                 and_(W.completed_at.is_(None), W.due_at < now))
    w_stmt = select(func.count(), _sum(w_late)).join(K, K.id == W.contact_id).where(_in(W.due_at, period))
    w_total, w_overdue = _one(_scoped(w_stmt, K.project_id, scope))
    return {"complaints": int(n_complaints), "complaint_items": items,
            "unreported": int(n_unreported), "unreported_items": unreported_items,
            "filings": int(n_filings), "filing_items": filing_items,
            "contacts": int(k_overdue), "contacts_total": int(k_total),
            "work_orders": int(w_overdue), "work_orders_total": int(w_total)}


@figure("important_matters", N_("Matters that became important"), N_(
    "Matters that became important: matters with a complaint received in the period that was "
    "the third or later distinct complainant about the same matter within 30 days. A matter "
    "holding a report (举报) is never listed."))
def important_matters(period: Period, scope: Scope) -> list[dict]:
    C = Complaint
    stmt = (select(Matter.subject, Project.name, ComplaintCategory.name, func.count(), func.max(C.matter_complainants))
            .join(Matter, Matter.id == C.matter_id).join(Project, Project.id == C.project_id)
            .join(ComplaintCategory, ComplaintCategory.id == C.category_id)
            .where(_in(C.received_at, period), C.matter_complainants >= 3)
            .group_by(Matter.id, Matter.subject, Project.name, ComplaintCategory.name))
    stmt = stmt.where(~matter_holds_a_report())  # its subject names the report: see NOT_LISTED
    # Most complainants first. (Ordered by the matter id alone, PostgreSQL walked the matter
    # index through all 1,000,000 complaints to skip a sort of a few hundred rows: 600 ms.)
    stmt = _scoped(stmt, C.project_id, scope).order_by(
        func.max(C.matter_complainants).desc(), func.count().desc(), Matter.id).limit(LIST_LIMIT)
    return [{"subject": s, "project": p, "category": c, "complaints": int(n), "complainants": int(m)}
            for s, p, c, n, m in db.session.execute(stmt)]


@figure("measures", N_("Causes and measures"), N_(
    "Causes and measures: of the complaints resolved in the period, how many record a cause "
    "analysis and corrective or preventive measures; the most recent are listed (reports, 举报, "
    "counted but never listed)."))
def measures(period: Period, scope: Scope) -> dict:
    C = Complaint
    has_cause = and_(C.cause_analysis.is_not(None), C.cause_analysis != "")
    has_measure = or_(and_(C.corrective_measures.is_not(None), C.corrective_measures != ""),
                      and_(C.preventive_measures.is_not(None), C.preventive_measures != ""))
    stmt = _scoped(select(func.count(), _sum(has_cause), _sum(has_measure)).where(_in(C.resolved_at, period)),
                   C.project_id, scope)
    resolved, with_cause, with_measures = (int(x) for x in _one(stmt))
    lst = (select(C.serial, Project.name, ComplaintCategory.name, C.cause_analysis, C.corrective_measures,
                  C.preventive_measures)
           .join(Project, Project.id == C.project_id).join(ComplaintCategory, ComplaintCategory.id == C.category_id)
           .where(_in(C.resolved_at, period), or_(has_cause, has_measure), C.is_report.is_(False)))  # NOT_LISTED
    lst = _scoped(lst, C.project_id, scope).order_by(C.resolved_at.desc(), C.id.desc()).limit(LIST_LIMIT)
    items = [{"serial": s, "project": p, "category": c, "cause": cause or "", "corrective": corr or "",
              "preventive": prev or ""} for s, p, c, cause, corr, prev in db.session.execute(lst)]
    return {"resolved": resolved, "with_cause": with_cause, "with_measures": with_measures,
            "cause_rate": _ratio(with_cause, resolved), "items": items}


# --- satisfaction -----------------------------------------------------------------------------

@figure("satisfaction", N_("Satisfaction"), N_(
    "Satisfaction (1–5): the ratings given in revisits done in the period and on reception "
    "contacts closed in the period. Score = the mean of all these ratings; satisfied = the share "
    "rated 4 or 5."))
def satisfaction(period: Period, scope: Scope) -> dict:
    P, K = RevisitPlan, Contact
    r_stmt = _scoped(select(P.satisfaction, func.count())
                     .where(P.status == RevisitStatus.DONE, _in(P.revisited_at, period), P.satisfaction.is_not(None))
                     .group_by(P.satisfaction), P.project_id, scope)
    k_stmt = _scoped(select(K.satisfaction, func.count())
                     .where(_in(K.closed_at, period), K.satisfaction.is_not(None))
                     .group_by(K.satisfaction), K.project_id, scope)
    revisits = {int(s): int(n) for s, n in db.session.execute(r_stmt)}
    contacts = {int(s): int(n) for s, n in db.session.execute(k_stmt)}

    def summary(dist: dict[int, int]) -> dict:
        n = sum(dist.values())
        score = round(sum(s * c for s, c in dist.items()) / n, 2) if n else None
        return {"count": n, "score": score, "satisfied_rate": _ratio(dist.get(4, 0) + dist.get(5, 0), n),
                "distribution": [dist.get(s, 0) for s in (1, 2, 3, 4, 5)]}

    both = {s: revisits.get(s, 0) + contacts.get(s, 0) for s in (1, 2, 3, 4, 5)}
    return {"revisits": summary(revisits), "contacts": summary(contacts), "overall": summary(both)}


# --- revisits ---------------------------------------------------------------------------------

@figure("revisits_done", N_("Revisits done"), N_(
    "Revisits done: revisits completed in the period (time of the revisit, local), by type and "
    "method."))
def revisits_done(period: Period, scope: Scope) -> dict:
    P = RevisitPlan
    stmt = _scoped(select(P.kind, P.method, func.count())
                   .where(P.status == RevisitStatus.DONE, _in(P.revisited_at, period))
                   .group_by(P.kind, P.method), P.project_id, scope)
    rows = [{"kind": getattr(k, "value", k), "method": getattr(m, "value", m) if m else "", "count": int(n)}
            for k, m, n in db.session.execute(stmt)]
    rows.sort(key=lambda r: (r["kind"], r["method"]))
    return {"total": sum(r["count"] for r in rows), "by_kind_method": rows}


def _rates_dict(rates: rr.RevisitRates) -> dict:
    return {"routine_due": rates.routine_due, "routine_on_time": rates.routine_on_time,
            "routine_late": rates.routine_late, "routine_not_done": rates.routine_not_done,
            "routine_rate": _ratio(rates.routine_on_time, rates.routine_due),
            "complaint_due": rates.complaint_due, "complaint_done": rates.complaint_done,
            "complaint_on_time": rates.complaint_on_time,
            "complaint_rate": _ratio(rates.complaint_done, rates.complaint_due),
            "old_customer_due": rates.old_customer_due, "old_customer_done": rates.old_customer_done,
            "old_customer_on_time": rates.old_customer_on_time}


@figure("revisit_completion", N_("Revisit completion"), N_(
    "Revisit completion against what was due (the revisits area's rates): routine revisits of "
    "signed customers due in the month (their window ends in it) done within their window; "
    "complaint revisits due in the month done at all. Target 100% for both."))
def revisit_completion(month: date, scope: Scope) -> dict:
    return _rates_dict(rr.revisit_rates(month, scope.project_id, scope.branch_id))


@figure("revisits_due", N_("Revisits due in the week"), N_(
    "Revisits due in the week: plans whose last day falls in the week, and how many of them are "
    "done (routine: within their window)."))
def revisits_due(period: Period, scope: Scope) -> dict:
    P = RevisitPlan
    stmt = _scoped(select(P.kind, P.status, P.on_time, func.count())
                   .where(P.due >= period.first_day, P.due <= period.last_day, P.status != RevisitStatus.CANCELLED)
                   .group_by(P.kind, P.status, P.on_time), P.project_id, scope)
    return _rates_dict(rr.tally(db.session.execute(stmt).all(), period.first_day))


# --- reception feedback -----------------------------------------------------------------------

FEEDBACK_KINDS = (ContactCategory.SUGGESTION, ContactCategory.INQUIRY, ContactCategory.PRAISE)


@figure("feedback", N_("Feedback"), N_(
    "Feedback: reception contacts (calls, visits, letters) received in the period, by category; "
    "market feedback = suggestions and inquiries. The latest suggestions, inquiries and praise "
    "are listed."))
def feedback(period: Period, scope: Scope) -> dict:
    K = Contact
    stmt = _scoped(select(K.category, func.count()).where(_in(K.received_at, period)).group_by(K.category),
                   K.project_id, scope)
    counts = {c.value: 0 for c in ContactCategory}
    for cat, n in db.session.execute(stmt):
        counts[getattr(cat, "value", cat)] = int(n)
    latest: dict[str, list] = {}
    for kind in FEEDBACK_KINDS:
        lst = (select(K.serial, K.received_at, Project.name, K.content)
               .outerjoin(Project, Project.id == K.project_id)
               .where(_in(K.received_at, period), K.category == kind))
        lst = _scoped(lst, K.project_id, scope).order_by(K.received_at.desc(), K.id.desc()).limit(LATEST_FEEDBACK)
        latest[kind.value] = [{"serial": s, "received_at": r.isoformat(), "project": p or "",
                               "content": (text or "")[:200]} for s, r, p, text in db.session.execute(lst)]
    return {"total": sum(counts.values()), "by_category": counts,
            "market": counts["suggestion"] + counts["inquiry"], "latest": latest}


@figure("revisit_feedback", N_("What customers said in revisits"), N_(
    "What customers said in revisits (seed 000 §6: 客户反馈的意见或建议的汇总): of the revisits done "
    "in the period, those that raised a problem, how many were answered on the spot, and the "
    "follow-ups promised for the others (open, open past the promised reply time, done). The "
    "latest problems are listed with the answer or the follow-up's state (not those of a report, "
    "举报)."))
def revisit_feedback(period: Period, scope: Scope, now: datetime) -> dict:
    P, F = RevisitPlan, RevisitFollowUp
    done_in_period = and_(P.status == RevisitStatus.DONE, _in(P.revisited_at, period))
    raised = and_(P.problem.is_not(None), P.problem != "")
    stmt = _scoped(select(func.count(), _sum(raised), _sum(and_(raised, P.problem_reply.is_not(None),
                                                                 P.problem_reply != "")))
                   .where(done_in_period), P.project_id, scope)
    n_done, n_raised, n_on_spot = (int(x or 0) for x in _one(stmt))
    f_stmt = _scoped(select(_sum(F.status == FollowUpStatus.OPEN),
                            _sum(and_(F.status == FollowUpStatus.OPEN, F.promised_at < now)),
                            _sum(F.status == FollowUpStatus.DONE))
                     .join(P, P.id == F.plan_id).where(done_in_period), P.project_id, scope)
    f_open, f_late, f_done = (int(x or 0) for x in _one(f_stmt))
    # the follow-up's state: "open" while any is open, else "done" (no string ordering relied on)
    any_open = select(func.max(case((F.status == FollowUpStatus.OPEN, 1), else_=0))).where(
        F.plan_id == P.id).scalar_subquery()
    lst = (select(P.kind, P.revisited_at, Project.name, P.problem, P.problem_reply, any_open)
           .outerjoin(Project, Project.id == P.project_id).where(done_in_period, raised))
    # as in "overdue": what a revisit of a report (举报) raised is never listed (NOT_LISTED)
    lst = lst.where(or_(P.complaint_id.is_(None), ~exists().where(Complaint.id == P.complaint_id,
                                                                   Complaint.is_report.is_(True))))
    lst = _scoped(lst, P.project_id, scope).order_by(P.revisited_at.desc(), P.id.desc()).limit(LIST_LIMIT)
    items = [{"kind": getattr(k, "value", k), "revisited_at": at.isoformat(), "project": proj or "",
              "problem": (problem or "")[:300], "answer": (answer or "")[:300],
              "follow_up": "" if fu is None else ("open" if fu else "done")}
             for k, at, proj, problem, answer, fu in db.session.execute(lst)]
    return {"done": n_done, "raised": n_raised, "answered_on_spot": n_on_spot,
            "follow_ups": {"open": f_open, "late": f_late, "done": f_done}, "items": items}


# --- KPIs (seed 001 §四) ----------------------------------------------------------------------

def _phone_key(col):
    """A phone as a person's key: spaces, hyphens and "+" removed, its last 11 characters (so
    +86 138 0000 0011, 13800000011 and 0991-1234567 / 09911234567 compare equal, as in
    ``severity.complainant_keys``); NULL when empty."""
    digits = func.replace(func.replace(func.replace(col, " ", ""), "-", ""), "+", "")
    if db.session.get_bind().dialect.name == "postgresql":
        tail = func.right(digits, 11)
    else:
        tail = func.substr(digits, -11)
    return func.nullif(tail, "")


@figure("complaint_rate", N_("Complaint rate"), N_(
    "Complaint rate = complaining customers / customers served × 100%. Complaining customers: "
    "distinct complainants of the complaints received in the period. Customers served: distinct "
    "people with a reception contact or a complaint received in the period. A person is the "
    "archive customer a record is linked to; a record not linked to one is the customer of a "
    "linked record of the period with the same phone number, else that phone number (the same "
    "number typed with +86, spaces or hyphens is the same), else the name."))
def complaint_rate(period: Period, scope: Scope) -> dict:
    C, K = Complaint, Contact
    recs = union_all(
        _scoped(select(C.customer_id.label("customer_id"), _phone_key(C.complainant_phone).label("phone"),
                       C.complainant_name.label("name"), literal(1).label("complained"))
                .where(_in(C.received_at, period)), C.project_id, scope),
        _scoped(select(K.customer_id, _phone_key(K.customer_phone), K.customer_name, literal(0))
                .where(_in(K.received_at, period)), K.project_id, scope),
    ).cte("recs")
    # one pass over the period's records (the CTE), then hash aggregates: the phone a customer's
    # linked records carry makes his unlinked records his (an index probe into the archive per
    # unlinked record would cost more than the rest of the monthly report's figures together)
    owners = (select(recs.c.phone, func.min(recs.c.customer_id).label("customer_id"))
              .where(recs.c.customer_id.is_not(None), recs.c.phone.is_not(None))
              .group_by(recs.c.phone).subquery("owners"))
    person = func.coalesce(recs.c.customer_id, owners.c.customer_id)
    keyed = (select(person.label("customer_id"), recs.c.phone, recs.c.name, recs.c.complained)
             .select_from(recs.outerjoin(owners, and_(recs.c.customer_id.is_(None), owners.c.phone == recs.c.phone)))
             .subquery("keyed"))
    # one key per record, grouped (a hash aggregate: COUNT(DISTINCT …) sorts, and six of them took
    # twice as long), then the people and those of them who complained
    cid, phone = keyed.c.customer_id, keyed.c.phone
    key = case((cid.is_not(None), literal("c") + cast(cid, String)), (phone.is_not(None), literal("p") + phone),
               else_=literal("n") + keyed.c.name)
    persons = select(func.max(keyed.c.complained).label("complained")).group_by(key).subquery("persons")
    complaining, served = _one(select(func.sum(persons.c.complained), func.count()))
    return {"complaining": int(complaining or 0), "served": int(served or 0),
            "rate": _ratio(int(complaining or 0), int(served or 0))}


@figure("repair_timeliness", N_("Repair timeliness"), N_(
    "Repair timeliness = repair work orders finished by their due time / repair work orders due "
    "in the period × 100%. Repair work orders are those dispatched from a repair (报修) contact. "
    "One still open but not yet due when the report was computed is left out."))
def repair_timeliness(period: Period, scope: Scope, now: datetime) -> dict:
    W, K = WorkOrder, Contact
    in_time = and_(W.completed_at.is_not(None), W.completed_at <= W.due_at)
    pending = and_(W.completed_at.is_(None), W.due_at >= now)
    stmt = (select(func.count(), _sum(in_time), _sum(pending)).join(K, K.id == W.contact_id)
            .where(K.category == ContactCategory.REPAIR, _in(W.due_at, period)))
    total, done, n_pending = (int(x) for x in _one(_scoped(stmt, K.project_id, scope)))
    counted = total - n_pending
    return {"due": counted, "in_time": done, "pending": n_pending, "rate": _ratio(done, counted)}


def _mean_median(stats: dict) -> dict:
    return {"count": stats["count"], "mean_hours": stats["mean_hours"], "median_hours": stats["median_hours"]}


def kpis(period: Period, scope: Scope, now: datetime | None = None) -> dict:
    """The four KPIs of seed 001 §四 for one period and scope."""
    now = now or now_utc()
    return _kpis(satisfaction(period, scope), complaint_rate(period, scope), first_reply_time(period, scope),
                 inquiry_reply_time(period, scope), repair_timeliness(period, scope, now))


def _kpis(sat: dict, rate: dict, reply: dict, inquiry: dict, repair: dict) -> dict:
    """The KPIs from their figures (``sat``: the period's ``satisfaction``, which the monthly
    report shows as well)."""
    overall = sat["overall"]
    return {"satisfaction": {"score": overall["score"], "count": overall["count"],
                             "satisfied_rate": overall["satisfied_rate"]},
            "complaint_rate": rate,
            "first_reply": _mean_median(reply), "inquiry_reply": _mean_median(inquiry),
            "repair": repair}


def branches() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH).order_by(OrgUnit.name)))


def kpi_table(months: list[date], scope: Scope, now: datetime | None = None, progress=None) -> list[dict]:
    """KPIs per month and per branch: one row per (month, branch) — only the scope's branch
    when the scope names one — plus a company-wide row per month when it does not."""
    now = now or now_utc()
    units = [u for u in branches() if scope.branch_id in (None, u.id)]
    rows = []
    steps = len(months) * (len(units) + (0 if scope.branch_id else 1))
    for month in months:
        period = month_period(month)
        targets = [(u.name, Scope(u.id, scope.project_id)) for u in units]
        if scope.branch_id is None:
            targets.append(("", Scope(None, scope.project_id)))
        for name, sc in targets:
            rows.append({"month": month.strftime("%Y-%m"), "branch": name, **kpis(period, sc, now)})
            if progress:
                progress(len(rows), steps)
    return rows


# --- trends and comparisons -------------------------------------------------------------------

@figure("trend", N_("Monthly trend"), N_("Monthly trend: complaints and reception contacts received in each of the last 12 months."))
def monthly_trend(month: date, scope: Scope, months: int = TREND_MONTHS) -> dict:
    firsts = [add_months(month.replace(day=1), -k) for k in range(months - 1, -1, -1)]
    periods = [month_period(m) for m in firsts]
    series = {}
    for key, model in (("complaints", Complaint), ("contacts", Contact)):
        # One count per month, all in one statement: each is a range count on the received_at
        # index. (One scan of the year with twelve CASE sums per row took 4× as long.)
        counts = [_scoped(select(func.count()).select_from(model).where(_in(model.received_at, p)),
                          model.project_id, scope).scalar_subquery() for p in periods]
        series[key] = [int(x) for x in _one(select(*counts))]
    return {"months": [m.strftime("%Y-%m") for m in firsts], **series}


@figure("branches", N_("Branch comparison"), N_("Branch comparison: complaints and reception contacts received in the period, per branch "
                       "(through the branch's projects)."))
def branch_comparison(period: Period) -> list[dict]:
    out: dict[str, dict] = {u.name: {"branch": u.name, "complaints": 0, "contacts": 0} for u in branches()}
    for key, model in (("complaints", Complaint), ("contacts", Contact)):
        stmt = (select(OrgUnit.name, func.count()).select_from(model).join(Project, Project.id == model.project_id)
                .join(OrgUnit, OrgUnit.id == Project.branch_id).where(_in(model.received_at, period))
                .group_by(OrgUnit.name))
        for name, n in db.session.execute(stmt):
            out.setdefault(name, {"branch": name, "complaints": 0, "contacts": 0})[key] = int(n)
    return list(out.values())


def _headline_reads(month: date, scope: Scope, now: datetime) -> dict[str, Callable[[], Any]]:
    """The figures behind the few compared with the previous month and the same month last year."""
    period = month_period(month)
    return {"counts": lambda: complaint_counts(period, scope),
            "reply": lambda: first_reply(period, scope, now),
            "resolution": lambda: resolution_time(period, scope),
            "sat": lambda: satisfaction(period, scope),
            "fb": lambda: feedback(period, scope),
            "completion": lambda: revisit_completion(month, scope)}


def _headline(month: date, f: dict) -> dict:
    """The compared figures of ``month`` from the results of its ``_headline_reads``."""
    return {"month": month.strftime("%Y-%m"),
            "complaints": f["counts"]["received"],
            "repeat": f["counts"]["repeat"],
            "first_reply_rate": f["reply"]["rate"],
            "resolution_median_hours": f["resolution"]["median_hours"],
            "satisfaction_score": f["sat"]["overall"]["score"],
            "contacts": f["fb"]["total"],
            "routine_revisit_rate": f["completion"]["routine_rate"],
            "complaint_revisit_rate": f["completion"]["complaint_rate"]}


# --- the reports ------------------------------------------------------------------------------

def monthly_report(month: date, scope: Scope, now: datetime | None = None) -> dict:
    """Every figure of the monthly Customer Service Analysis Report (客户服务分析报告) as plain
    JSON-ready data: what a submitted report stores and what every rendering reads."""
    now = now or now_utc()
    month = month.replace(day=1)
    period = month_period(month)
    company_wide = scope.branch_id is None and scope.project_id is None
    previous, last_year = add_months(month, -1), add_months(month, -12)
    # Each figure once (the current month's comparison column and the KPIs reuse them), and all
    # of them at once over several connections where that is safe (concurrent_reads). The
    # slowest first: the trend, the complaint rate and the month's complaint figures.
    reads: dict[str, Callable[[], Any]] = {
        "trend": lambda: monthly_trend(month, scope),
        "complaint_rate": lambda: complaint_rate(period, scope),
        **_headline_reads(month, scope, now),
        **{f"previous.{k}": read for k, read in _headline_reads(previous, scope, now).items()},
        **{f"last_year.{k}": read for k, read in _headline_reads(last_year, scope, now).items()},
        "revisit_feedback": lambda: revisit_feedback(period, scope, now),
        "overdue": lambda: overdue(period, scope, now),
        "important_matters": lambda: important_matters(period, scope),
        "measures": lambda: measures(period, scope),
        "revisits_done": lambda: revisits_done(period, scope),
        "first_reply_time": lambda: first_reply_time(period, scope),
        "inquiry_reply_time": lambda: inquiry_reply_time(period, scope),
        "repair": lambda: repair_timeliness(period, scope, now),
        "branches": lambda: branch_comparison(period) if company_wide else [],
    }
    f = run_reads(reads)

    def month_of(prefix: str) -> dict:
        return {k.removeprefix(prefix): v for k, v in f.items() if k.startswith(prefix)}

    return {
        "version": FIGURES_VERSION,
        "kind": "monthly",
        "month": month.strftime("%Y-%m"),
        "scope": scope.as_dict(),
        "computed_at": now.isoformat(),
        "complaints": f["counts"],
        "first_reply": f["reply"],
        "resolution": f["resolution"],
        "overdue": f["overdue"],
        "important_matters": f["important_matters"],
        "measures": f["measures"],
        "satisfaction": f["sat"],
        "revisits": {"done": f["revisits_done"], "completion": f["completion"], "feedback": f["revisit_feedback"]},
        "feedback": f["fb"],
        "kpis": _kpis(f["sat"], f["complaint_rate"], f["first_reply_time"], f["inquiry_reply_time"], f["repair"]),
        "trend": f["trend"],
        "branches": f["branches"],
        "comparison": {
            "current": _headline(month, f),
            "previous": _headline(previous, month_of("previous.")),
            "last_year": _headline(last_year, month_of("last_year.")),
        },
    }


def weekly_summary(iso_year: int, iso_week: int, scope: Scope, now: datetime | None = None) -> dict:
    """每周受理投诉、市场反馈、回访情况 (seed 004 5.1.3) for one ISO week, Monday to Sunday local."""
    now = now or now_utc()
    period = week_period(iso_year, iso_week)
    return {
        "version": FIGURES_VERSION,
        "kind": "weekly",
        "week": f"{iso_year}-W{iso_week:02d}",
        "first_day": period.first_day.isoformat(),
        "last_day": period.last_day.isoformat(),
        "scope": scope.as_dict(),
        "computed_at": now.isoformat(),
        "complaints": complaint_counts(period, scope),
        "first_reply": first_reply(period, scope, now),
        "feedback": feedback(period, scope),
        "revisits": {"done": revisits_done(period, scope), "due": revisits_due(period, scope)},
    }
