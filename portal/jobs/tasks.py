"""The periodic jobs. Each opens its own app context and is safe to run twice."""
from __future__ import annotations

from datetime import datetime, timezone

from portal.jobs.context import job_context
from portal.jobs.schedule import every_minutes, periodic


@periodic("sweep", every_minutes(5))
def sweep() -> dict:
    """Find what is due or overdue and send each reminder once (filled in by the reminders)."""
    with job_context():
        from portal.jobs import redis_connection

        try:
            redis_connection().set("portal:last_sweep", datetime.now(timezone.utc).isoformat())
        except Exception:
            pass
        return {"ok": True}
