"""The sweep hands *every* due reminder to RQ, not only the oldest batch (found by the benchmark:
with more than 1,000 due rows whose jobs were still queued, the rest were never enqueued)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from portal.jobs import get_queue
from portal.jobs import reminders as jobs
from portal.models import Reminder
from portal.services import reminders
from tests.reminders import kinds


def test_one_sweep_enqueues_more_due_reminders_than_a_batch_and_a_second_sweep_none(
        app, db, redis_conn, reminder_config, recipient, monkeypatch):
    monkeypatch.setattr(jobs, "ENQUEUE_BATCH", 10)
    # due in a minute, so the commit does not hand them to RQ at once: the sweep must
    due = datetime.now(timezone.utc) + timedelta(minutes=1)
    for i in range(25):
        reminders.schedule(kinds.PING, "test", i + 1, [recipient], due_at=due - timedelta(seconds=i))
    db.session.commit()
    assert get_queue().count == 0

    now = due + timedelta(minutes=1)
    assert jobs.enqueue_due(now) == 25
    assert get_queue().count == 25
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.job_id.is_(None))) == 0
    # every job is live in the queue: nothing is enqueued twice
    assert jobs.enqueue_due(now) == 0
    assert get_queue().count == 25
