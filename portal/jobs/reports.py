"""RQ job of the reports: a KPI export over a long range (months × branches).

The job takes the export row's id; the scope stored on the row was already confined to what the
requester may see when it was queued. Progress goes to ``job.meta`` (done/total); the file is
written under ``UPLOAD_DIR/reports`` with a random name and served only to the requester. Safe
to run twice: a finished export is left alone.
"""
from __future__ import annotations

import logging
import secrets
from datetime import date
from pathlib import Path

from portal.jobs.context import job_context

log = logging.getLogger(__name__)


def kpi_export_job(export_id: int) -> str:
    with job_context():
        from flask import current_app
        from rq import get_current_job

        from portal.extensions import db
        from portal.models.report import ExportStatus, ReportExport
        from portal.services import report_export
        from portal.services import report_figures as rf
        from portal.services.clock import now_utc

        row = db.session.get(ReportExport, export_id)
        if row is None or row.status == ExportStatus.DONE:
            return "skipped"
        row.status = ExportStatus.RUNNING
        db.session.commit()
        job = get_current_job()

        def progress(done: int, total: int) -> None:
            if job is not None:
                job.meta.update({"done": done, "total": total})
                job.save_meta()

        try:
            months = [date.fromisoformat(m) for m in row.params["months"]]
            scope = rf.Scope(row.params.get("branch_id"), row.params.get("project_id"))
            data = report_export.kpis_xlsx(rf.kpi_table(months, scope, progress=progress))
            folder = Path(current_app.config["UPLOAD_DIR"]) / "reports"
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{row.id}-{secrets.token_hex(12)}.xlsx"
            (folder / name).write_bytes(data)
            row.stored_name, row.status, row.finished_at = name, ExportStatus.DONE, now_utc()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("report export %s failed", export_id)
            row = db.session.get(ReportExport, export_id)
            if row is not None:
                row.status, row.message, row.finished_at = ExportStatus.FAILED, "unexpected error", now_utc()
                db.session.commit()
            raise
        return row.status.value
