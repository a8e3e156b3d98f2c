"""Revisit rates (回访率), per month and per project; the reports area reuses these.

- **Routine rate** (签约客户例行回访率, target 100%): of the signed-customer routine revisits
  *due* in the month (their window ends in it), the share done **within their window**.
  Done late (or before the window opened) counts as not on time; not done counts as not done.
- **Complaint revisit rate** (客户投诉回访率, target 100%): of the complaint revisits due in the
  month, the share done at all (how many of them in time is counted too).
- Old-customer annual revisits are due on 31 December; they are counted for information.

Cancelled plans (their purchase was deleted, their date cleared) are not due. A month still
running counts its open plans as not done (yet).

``revisit_rates(month, project_id=None, branch_id=None) -> RevisitRates`` is the entry point;
``tally`` is the pure counting over ``(kind, status, on_time)`` rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Project
from portal.models.revisit import RevisitPlan, RevisitStatus
from portal.services.revisit_rules import ROUTINE_KINDS, RevisitKind, add_months, month_bounds


@dataclass(frozen=True)
class RevisitRates:
    month: date  # the first day of the month
    project_id: int | None = None
    branch_id: int | None = None
    routine_due: int = 0
    routine_on_time: int = 0
    routine_late: int = 0
    routine_not_done: int = 0
    complaint_due: int = 0
    complaint_done: int = 0
    complaint_on_time: int = 0
    old_customer_due: int = 0
    old_customer_done: int = 0
    old_customer_on_time: int = 0

    @property
    def routine_rate(self) -> float | None:
        """On-time share of the routine revisits due (None when nothing was due)."""
        return self.routine_on_time / self.routine_due if self.routine_due else None

    @property
    def complaint_rate(self) -> float | None:
        return self.complaint_done / self.complaint_due if self.complaint_due else None

    @property
    def total_due(self) -> int:
        return self.routine_due + self.complaint_due + self.old_customer_due


def tally(rows: Iterable[tuple], month: date, project_id: int | None = None,
          branch_id: int | None = None) -> RevisitRates:
    """Count ``(kind, status, on_time[, n])`` rows of plans due in ``month`` (pure)."""
    c = dict(routine_due=0, routine_on_time=0, routine_late=0, routine_not_done=0, complaint_due=0,
             complaint_done=0, complaint_on_time=0, old_customer_due=0, old_customer_done=0,
             old_customer_on_time=0)
    for row in rows:
        kind, status, on_time = RevisitKind(row[0]), RevisitStatus(row[1]), row[2]
        n = row[3] if len(row) > 3 else 1
        if status == RevisitStatus.CANCELLED:
            continue
        done = status == RevisitStatus.DONE
        if kind in ROUTINE_KINDS:
            c["routine_due"] += n
            if not done:
                c["routine_not_done"] += n
            elif on_time:
                c["routine_on_time"] += n
            else:
                c["routine_late"] += n
        elif kind == RevisitKind.COMPLAINT:
            c["complaint_due"] += n
            c["complaint_done"] += n if done else 0
            c["complaint_on_time"] += n if done and on_time else 0
        else:
            c["old_customer_due"] += n
            c["old_customer_done"] += n if done else 0
            c["old_customer_on_time"] += n if done and on_time else 0
    return RevisitRates(month=month.replace(day=1), project_id=project_id, branch_id=branch_id, **c)


def _month_rows(month: date, project_id: int | None, branch_id: int | None, by_project: bool = False):
    first, last = month_bounds(month)
    P = RevisitPlan
    cols = [P.kind, P.status, P.on_time, func.count()]
    if by_project:
        cols.insert(0, P.project_id)
    stmt = select(*cols).where(P.due >= first, P.due <= last, P.status != RevisitStatus.CANCELLED)
    if project_id is not None:
        stmt = stmt.where(P.project_id == project_id)
    if branch_id is not None:
        stmt = stmt.join(Project, Project.id == P.project_id).where(Project.branch_id == branch_id)
    group = [P.kind, P.status, P.on_time] + ([P.project_id] if by_project else [])
    return db.session.execute(stmt.group_by(*group)).all()


def revisit_rates(month: date, project_id: int | None = None, branch_id: int | None = None) -> RevisitRates:
    """The counts and rates of the plans due in ``month`` (any day of it), optionally of one
    project or of the projects of one branch."""
    return tally(_month_rows(month, project_id, branch_id), month, project_id, branch_id)


def rates_by_project(month: date, branch_id: int | None = None) -> list[RevisitRates]:
    """One ``RevisitRates`` per project with anything due in ``month`` (plans without a project
    are left out)."""
    grouped: dict[int, list] = {}
    for project_id, kind, status, on_time, n in _month_rows(month, None, branch_id, by_project=True):
        if project_id is not None:
            grouped.setdefault(project_id, []).append((kind, status, on_time, n))
    return [tally(rows, month, pid, branch_id) for pid, rows in sorted(grouped.items())]


def monthly_series(last_month: date, months: int = 6, project_id: int | None = None,
                   branch_id: int | None = None) -> list[RevisitRates]:
    """``months`` months up to and including ``last_month``, oldest first."""
    first = last_month.replace(day=1)
    return [revisit_rates(add_months(first, -k), project_id, branch_id) for k in range(months - 1, -1, -1)]
