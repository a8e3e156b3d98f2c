"""RQ jobs of the archives: checking and importing an uploaded file.

Jobs take the import's id (the file stays on disk; no data travels through Redis), open their
own app context, report progress in ``job.meta`` and are safe to run twice: a finished import
is left alone, and a failed one has written nothing (one transaction, rolled back).
"""
from __future__ import annotations

import logging

from portal.jobs.context import job_context

log = logging.getLogger(__name__)


def _progress_reporter(total_hint: int | None = None):
    from rq import get_current_job

    job = get_current_job()

    def report(done: int, stage: str = "") -> None:
        if job is None:
            return
        job.meta["done"] = done
        if total_hint:
            job.meta["total"] = total_hint
        if stage:
            job.meta["stage"] = stage
        job.save_meta()

    return report


def _set_stage(stage: str, total: int | None = None) -> None:
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        job.meta.update({"stage": stage, "done": 0, **({"total": total} if total else {})})
        job.save_meta()


def check_import_job(import_id: int) -> str:
    with job_context():
        from portal.extensions import db
        from portal.models import ArchiveImport, ImportStatus
        from portal.services import archive_import

        imp = db.session.get(ArchiveImport, import_id)
        if imp is None or imp.status in (ImportStatus.DONE, ImportStatus.IMPORTING):
            return "skipped"
        _set_stage("checking")
        try:
            archive_import.check_import(imp, _progress_reporter())
            db.session.commit()
        except Exception:
            db.session.rollback()
            _mark_failed(import_id)
            raise
        _set_stage("checked", imp.total_rows)
        return imp.status.value


def run_import_job(import_id: int, user_id: int) -> str:
    with job_context():
        from portal.extensions import db
        from portal.models import ArchiveImport, ImportStatus, User
        from portal.services import archive_import

        imp = db.session.get(ArchiveImport, import_id)
        if imp is None or imp.status == ImportStatus.DONE:
            return "skipped"
        user = db.session.get(User, user_id)
        total = imp.total_rows or None
        _set_stage("checking", total)
        report = _progress_reporter(total)
        try:
            archive_import.run_import(imp, user, lambda n: report(n, "importing" if imp.status ==
                                                                   ImportStatus.IMPORTING else "checking"))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("import %s failed; nothing was written", import_id)
            _mark_failed(import_id)
            raise
        _set_stage("finished", total)
        return imp.status.value


def _mark_failed(import_id: int) -> None:
    from portal.extensions import db
    from portal.models import ArchiveImport, ImportStatus

    imp = db.session.get(ArchiveImport, import_id)
    if imp is not None:
        imp.status = ImportStatus.FAILED
        imp.message = "unexpected error; nothing was imported"
        db.session.commit()
