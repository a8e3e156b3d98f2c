"""Reports (报表, DOMAIN.md §5): the monthly Customer Service Analysis Report as written, signed
and submitted by the center manager, and the files of exports run in the background.

A submitted report is frozen: ``figures`` holds every figure as it was computed at submission
(JSON, layout version ``figures_version``) and the report is always rendered from it, so it
reads the same later whatever happens to the data. The figures are defined in
``portal/services/report_figures.py``.

This module also declares the date indexes the report queries filter on in other areas'
tables (they are the reports' need, so they live here and in the reports' migration).
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, str_enum, utcnow
from portal.models.complaint import Complaint
from portal.models.org import OrgUnit, Project
from portal.models.reception import Contact
from portal.models.revisit import RevisitPlan
from portal.models.user import User


class ReportStatus(str, enum.Enum):
    DRAFT = "draft"  # narrative being written
    SIGNED = "signed"  # signed off by the center manager, not yet submitted
    SUBMITTED = "submitted"  # sent to the leaders: frozen


class MonthlyReport(db.Model):
    """客户服务分析报告 for one month and one scope (the whole company, a branch, a project)."""

    __tablename__ = "monthly_report"
    __table_args__ = (UniqueConstraint("month", "scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]  # the first day of the month
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    # "branch:project" with 0 for none: a unique key NULLs cannot slip through.
    scope_key: Mapped[str] = mapped_column(String(40))
    narrative: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, 16), default=ReportStatus.DRAFT, index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    figures: Mapped[dict | None] = mapped_column(JSON)
    figures_version: Mapped[int | None]
    # Bumped on every change of the narrative or state: a stale form cannot overwrite newer text.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    branch: Mapped[OrgUnit | None] = relationship()
    project: Mapped[Project | None] = relationship()
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    @property
    def is_frozen(self) -> bool:
        return self.status == ReportStatus.SUBMITTED


class ExportStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportExport(db.Model):
    """A large export made by an RQ job; the file is stored under UPLOAD_DIR and served only to
    the user who asked for it."""

    __tablename__ = "report_export"
    __table_args__ = (Index("ix_report_export_requester", "requester_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20))  # "kpis"
    params: Mapped[dict] = mapped_column(JSON)
    status: Mapped[ExportStatus] = mapped_column(str_enum(ExportStatus, 16), default=ExportStatus.QUEUED)
    job_id: Mapped[str | None] = mapped_column(String(80))
    stored_name: Mapped[str | None] = mapped_column(String(80))  # file name under UPLOAD_DIR/reports
    download_name: Mapped[str | None] = mapped_column(String(120))
    message: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requester: Mapped[User] = relationship()


# The reports filter other areas' rows by these instants (a month at a time). The trailing
# columns are what the report's figures read from those rows, so a month is counted from the
# index alone (0011_report_indexes: the monthly report at 1,000,000 complaints).
Index("ix_complaint_resolved_received", Complaint.resolved_at, Complaint.received_at)
Index("ix_reception_contact_closed_satisfaction", Contact.closed_at, Contact.satisfaction)
Index("ix_reception_contact_project_received", Contact.project_id, Contact.received_at)
Index("ix_revisit_plan_revisited_tally", RevisitPlan.revisited_at, RevisitPlan.status, RevisitPlan.satisfaction,
      RevisitPlan.kind, RevisitPlan.method)
