"""The sweep hands *every* due reminder to RQ, not only the oldest batch (found by the benchmark:
with more than 1,000 due rows whose jobs were still queued, the rest were never enqueued)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from rq.job import Job
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
    # each row names the job that delivers *it* (written by one UPDATE per batch on PostgreSQL)
    recorded = dict(db.session.execute(select(Reminder.id, Reminder.job_id)).all())
    assert len(recorded) == 25 and None not in recorded.values()
    fetched = Job.fetch_many(list(recorded.values()), connection=redis_conn)
    assert {job.id: job.args for job in fetched} == {job_id: (rid,) for rid, job_id in recorded.items()}
    assert all(job.description == job.get_call_string() for job in fetched)  # as RQ would have written it
    # every job is live in the queue: nothing is enqueued twice
    assert jobs.enqueue_due(now) == 0
    assert get_queue().count == 25


def test_schedule_specs_writes_in_batches_skips_what_is_on_file_and_hands_over_only_if_asked(
        app, db, redis_conn, reminder_config, recipient, monkeypatch):
    from portal.services.reminders import ReminderSpec

    monkeypatch.setattr(reminders, "SCHEDULE_BATCH", 4)
    now = datetime.now(timezone.utc)
    past, future = now - timedelta(minutes=5), now + timedelta(hours=1)
    on_file = reminders.schedule(kinds.PING, "test", 1, [recipient], due_at=future)
    db.session.commit()
    specs = [ReminderSpec(kinds.PING, "test", i, recipient.id, past if i % 2 else future) for i in range(1, 11)]
    specs.append(specs[2])  # the same reminder twice in one sweep

    new_ids = reminders.schedule_specs(specs, hand_over_due=False)
    db.session.commit()

    assert len(new_ids) == 9 and on_file[0] not in new_ids  # object 1 was on file
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 10
    assert get_queue().count == 0  # the caller (the sweep) enqueues the due ones itself
    assert reminders.schedule_specs(specs) == []  # all on file now: nothing new, nothing handed over

    more = [ReminderSpec(kinds.PING, "test", i, recipient.id, past) for i in range(11, 14)]
    assert len(reminders.schedule_specs(more)) == 3
    db.session.commit()
    assert get_queue().count == 3  # due now: handed to a worker right after the commit, as schedule does


def test_the_queue_builds_jobs_rq_reads_back_with_its_own_job_class(app, redis_conn):
    from rq.serializers import DefaultSerializer

    with app.app_context():
        queue = get_queue(redis_conn)
    job = queue.enqueue(jobs.deliver, 7, job_id="reminder-7-test")
    assert job.serializer is DefaultSerializer  # what RQ would have chosen, without the check
    again = Job.fetch("reminder-7-test", connection=redis_conn)
    assert type(again) is Job and (again.func_name, again.args) == ("portal.jobs.reminders.deliver", (7,))
    assert queue.job_ids == ["reminder-7-test"]
