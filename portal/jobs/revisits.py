"""The daily revisit-plan job: the full reconciliation of plans with the archive data.

It takes no arguments, opens its own app context and is safe to run twice (plans are unique
by key; a second run creates, moves and cancels nothing). Registered on the periodic
schedule as ``revisit_plans``, once per local day from 01:00 (Asia/Shanghai).
"""
from __future__ import annotations

from datetime import datetime

from portal.jobs.context import job_context
from portal.jobs.schedule import periodic

RUN_FROM_HOUR = 1  # local time: after midnight, so "today" is the new day everywhere


def daily_local(now: datetime) -> str | None:
    """The period key: the local date, once the local hour has reached ``RUN_FROM_HOUR``."""
    from portal.services.clock import to_local

    local = to_local(now)
    return local.strftime("%Y%m%d") if local.hour >= RUN_FROM_HOUR else None


@periodic("revisit_plans", daily_local)
def revisit_plans() -> dict:
    with job_context():
        from portal.extensions import db
        from portal.services import revisits

        try:
            result = revisits.reconcile_all()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return result.as_dict()
