"""The reminder jobs: the periodic sweep, the 16:00 work-order check, and delivery.

Exactly-once, in short (README "Reminders" says it in full):
- a reminder is a row with a UNIQUE dedupe key, so sweeps and schedulers can only insert it once;
- ``deliver(id)`` claims the row with ``UPDATE … WHERE status='pending'``: of ten copies of the
  job, one claims it and nine return;
- each channel's outcome is a ``reminder_delivery`` row (UNIQUE per reminder and channel); the
  in-portal notification is written in the same transaction as its delivery row, so it exists
  once or not at all; a retried or recovered job skips every channel already done;
- a worker killed mid-job leaves a claim that expires after ``REMINDER_CLAIM_LEASE_SECONDS``
  (longer than the RQ job timeout, so a live job can never outlast its claim); the sweep then
  makes the row pending again and enqueues it on a new job.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone

from flask import current_app, has_app_context

from portal.jobs.context import job_context
from portal.jobs.schedule import daily_at, every_minutes, periodic

log = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVALS = [30, 120, 600]  # seconds between the tries of a failing channel
DEFAULT_CLAIM_LEASE_SECONDS = 600
DEFAULT_JOB_TIMEOUT_SECONDS = 180  # must stay below the lease


class DeliveryRetry(Exception):
    """A channel failed for now; RQ tries the job again after its backoff."""


class DeliveryFailed(Exception):
    """A channel failed for good (or kept failing): the job ends in RQ's failed registry."""


def _cfg(name: str, default):
    value = current_app.config.get(name)
    return default if value is None else value


def retry_intervals() -> list[int]:
    return list(_cfg("REMINDER_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS))


def max_attempts() -> int:
    return 1 + len(retry_intervals())


def claim_lease() -> timedelta:
    return timedelta(seconds=_cfg("REMINDER_CLAIM_LEASE_SECONDS", DEFAULT_CLAIM_LEASE_SECONDS))


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- periodic jobs -----------------------------------------------------------------------------

@periodic("sweep", every_minutes(5))
def sweep() -> dict:
    """Run every sweeper, reclaim lost claims, and hand every due pending reminder to a worker."""
    from portal.services.reminders import SCHEDULE_SWEEP

    with job_context():
        return run_sweep(SCHEDULE_SWEEP, "sweep")


@periodic("workorder_check", daily_at(16, 0))
def workorder_check() -> dict:
    """16:00 local: open work orders without today's progress (sweepers of that schedule)."""
    from portal.services.reminders import SCHEDULE_WORKORDER_CHECK

    with job_context():
        return run_sweep(SCHEDULE_WORKORDER_CHECK, "workorder_check")


def run_sweep(schedule: str, run_name: str, now: datetime | None = None) -> dict:
    from portal.extensions import db
    from portal.services import reminders

    now = now or _now()
    _mark_run(run_name, started=now)
    found = errors = 0
    for kind, fn in reminders.sweepers_for(schedule):
        try:
            # enqueue_due below hands the due ones to RQ in pipelined batches
            found += len(reminders.schedule_specs((s for s in fn(now) if s.kind == kind), hand_over_due=False))
            db.session.commit()
        except Exception:  # one area's broken sweeper must not stop the others
            db.session.rollback()
            errors += 1
            log.exception("sweeper %s for %s failed", getattr(fn, "__name__", fn), kind)
    reclaimed = reminders.reclaim_stale(now, claim_lease())
    db.session.commit()
    enqueued = enqueue_due(now)
    result = {"new": found, "reclaimed": reclaimed, "enqueued": enqueued, "sweeper_errors": errors}
    _mark_run(run_name, finished=_now(), result=result)
    return result


def _mark_run(name: str, *, started=None, finished=None, result=None) -> None:
    from portal.extensions import db
    from portal.models import PeriodicRun

    row = db.session.get(PeriodicRun, name) or PeriodicRun(name=name)
    if started is not None:
        row.started_at = started
    if finished is not None:
        row.finished_at = finished
    if result is not None:
        row.result = ", ".join(f"{k}={v}" for k, v in result.items())[:500]
    db.session.add(row)
    db.session.commit()


# --- handing reminders to workers ----------------------------------------------------------------

_LIVE = {"queued", "started", "scheduled", "deferred"}
ENQUEUE_BATCH = 1000  # due reminders per query, Redis pipeline and commit in enqueue_due


def _first_job_id(reminder_id: int) -> str:
    return f"reminder-{reminder_id}-first"


def enqueue_due(now: datetime) -> int:
    """Enqueue every due pending reminder that has no live job. Returns how many were enqueued.

    Walks *every* due row, in batches in keyset order (due_at, id): per batch one query, one
    Redis round trip to look the jobs up, one pipelined enqueue of the rest and one commit of
    their job ids. (It looked at the oldest 1,000 rows only and committed after each row: with
    more than 1,000 due rows whose jobs were still queued the rest waited for the workers, and
    100,000 due rows took minutes — see bench/HISTORY.md.) A crash between the enqueue and
    the commit only makes the next sweep enqueue those rows again, which the claim makes harmless.
    """
    from redis.exceptions import RedisError
    from rq import Queue, Retry
    from sqlalchemy import and_, or_, select

    from portal.extensions import db
    from portal.jobs import get_queue, redis_connection
    from portal.models import Reminder, ReminderStatus
    from portal.services.reminders import NO_LIVE_JOB

    intervals = retry_intervals()
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    timeout = _cfg("REMINDER_JOB_TIMEOUT_SECONDS", DEFAULT_JOB_TIMEOUT_SECONDS)
    count, after = 0, None
    while True:
        stmt = select(Reminder.id, Reminder.job_id, Reminder.due_at).where(
            Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
        if after is not None:
            # ``due_at >= …`` lets the (status, due_at) index start at the batch; the OR alone
            # made every batch scan from the oldest due row again (O(n²): 150 ms a batch at 100,000)
            stmt = stmt.where(Reminder.due_at >= after[0],
                              or_(Reminder.due_at > after[0], and_(Reminder.due_at == after[0], Reminder.id > after[1])))
        rows = db.session.execute(stmt.order_by(Reminder.due_at, Reminder.id).limit(ENQUEUE_BATCH)).all()
        if not rows:
            return count
        after = (rows[-1].due_at, rows[-1].id)
        candidates = {r.id: (r.job_id or _first_job_id(r.id)) for r in rows}
        try:
            conn = redis_connection()
            live = _live_jobs(conn, [j for j in candidates.values() if j != NO_LIVE_JOB])
            todo = [rid for rid, job_id in candidates.items() if job_id not in live]
            queue = get_queue(conn)
            # the description RQ would write ("portal.jobs.reminders.deliver(12)"), given rather
            # than built by RQ through repr and truncation: a tenth of the enqueueing
            data = [Queue.prepare_data(deliver, (rid,), job_id=f"reminder-{rid}-{uuid.uuid4().hex[:8]}",
                                       description=f"{DELIVER_NAME}({rid})", timeout=timeout, retry=retry,
                                       failure_ttl=30 * 24 * 3600) for rid in todo]
            # No MULTI/EXEC: Redis would not undo a half-applied batch anyway, and the "QUEUED"
            # reply to each of its commands doubled what the sweep parsed. A job pushed whose row
            # was not committed is enqueued again by the next sweep; the claim makes that harmless.
            with conn.pipeline(transaction=False) as pipe:
                jobs = queue.enqueue_many(data, pipeline=pipe)
                pipe.execute()
        except (RedisError, OSError):
            if not current_app.config.get("RQ_INLINE_FALLBACK"):
                log.warning("Redis unavailable; due reminders wait in the database")
                return count
            db.session.rollback()
            for rid in candidates:  # jobs run in-process, one by one
                enqueue_delivery(rid)
                count += 1
            continue
        _record_job_ids([(int(j.args[0]), j.id) for j in jobs])
        db.session.commit()
        count += len(jobs)


def _record_job_ids(pairs: list[tuple[int, str]]) -> None:
    """Write each enqueued reminder's job id. PostgreSQL takes a batch as one UPDATE from two
    arrays (one statement instead of 1,000 through the ORM's bulk update: a seventh of the
    100,000-reminder sweep); SQLite, the embedded default, as an executemany."""
    from sqlalchemy import Integer, String, bindparam, func, literal, select, update
    from sqlalchemy.dialects.postgresql import ARRAY

    from portal.extensions import db
    from portal.models import Reminder

    if not pairs:
        return
    table = Reminder.__table__
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(update(table).where(table.c.id == bindparam("rid")).values(job_id=bindparam("jid")),
                           [{"rid": rid, "jid": job_id} for rid, job_id in pairs])
        return
    batch = select(func.unnest(literal([rid for rid, _ in pairs], ARRAY(Integer))).label("rid"),
                   func.unnest(literal([job_id for _, job_id in pairs], ARRAY(String))).label("jid")).subquery()
    db.session.execute(update(table).where(table.c.id == batch.c.rid).values(job_id=batch.c.jid))


DELIVER_NAME = f"{__name__}.deliver"  # RQ's name of the delivery job (a test holds them equal)


def _live_jobs(conn, job_ids: list[str]) -> set[str]:
    """The ids among ``job_ids`` whose RQ job is still waiting or running. Reads only each job's
    ``status`` field, in one pipeline: ``Job.fetch_many`` loaded and parsed whole jobs, which
    was most of a 100,000-reminder sweep."""
    from rq.job import Job

    with conn.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.hget(Job.key_for(job_id), "status")
        statuses = pipe.execute()
    return {j for j, status in zip(job_ids, statuses)
            if status is not None and (status.decode() if isinstance(status, bytes) else status) in _LIVE}


def enqueue_delivery(reminder_id: int, job_id: str | None = None):
    from rq import Retry

    from portal.jobs import enqueue

    intervals = retry_intervals()
    return enqueue(deliver, reminder_id, job_id=job_id,
                   retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
                   job_timeout=_cfg("REMINDER_JOB_TIMEOUT_SECONDS", DEFAULT_JOB_TIMEOUT_SECONDS),
                   failure_ttl=30 * 24 * 3600)


def enqueue_after_commit(ids: list[int]) -> None:
    """Reminders due at once (major complaint, emergency) go to a worker right after the commit.

    Skipped when Redis was recently seen down (the sweep takes them) or when jobs would run
    in-process (the committed session cannot be used from inside its own commit hook).
    """
    if not has_app_context() or current_app.config.get("RQ_INLINE_FALLBACK"):
        return
    from portal.jobs import redis_ok_cached

    if not redis_ok_cached():
        return
    for reminder_id in ids:
        if enqueue_delivery(reminder_id, job_id=_first_job_id(reminder_id)) is None:
            return


# --- delivery ------------------------------------------------------------------------------------

def deliver(reminder_id: int) -> str:
    """Deliver one reminder on every channel it wants, once. Safe to run any number of times."""
    with job_context():
        return _deliver(reminder_id)


def _deliver(reminder_id: int) -> str:
    from portal.extensions import db
    from portal.models import Reminder, ReminderStatus
    from portal.services import reminders

    now = _now()
    if not reminders.claim(reminder_id, now):
        db.session.commit()
        return "not pending"
    db.session.commit()
    reminder = db.session.get(Reminder, reminder_id)
    try:
        return _deliver_claimed(reminder)
    except (DeliveryRetry, DeliveryFailed):
        raise
    except Exception as exc:  # a broken builder or database hiccup: release the claim, retry later
        db.session.rollback()
        reminder = db.session.get(Reminder, reminder_id)
        error = f"{type(exc).__name__}: {exc}"[:500]
        if reminder.attempts >= max_attempts():
            _finish(reminder, ReminderStatus.FAILED, error, permanent=True)
        reminder.status, reminder.claimed_at, reminder.last_error = ReminderStatus.PENDING, None, error
        db.session.commit()
        raise


def _deliver_claimed(reminder) -> str:
    from portal.extensions import db
    from portal.models import ReminderStatus
    from portal.services import reminders
    from portal.services.reminders_channels import CHANNELS, PermanentFailure

    user = reminder.recipient
    info = reminders.KINDS.get(reminder.kind)
    if info is None or info.builder is None:
        return _finish(reminder, ReminderStatus.FAILED, f"no message builder for kind {reminder.kind}", permanent=True)
    msg = info.builder(reminder)
    if msg is None or not user.active:
        return _finish(reminder, ReminderStatus.CANCELLED, None if msg is None else "recipient inactive")
    msg = reminders.scrub_message(msg)

    _deliver_in_portal(reminder, user, msg)
    config = current_app.config
    transient: list[str] = []
    permanent: list[str] = []
    for channel in list(CHANNELS):
        if not channel.enabled(config) or not channel.wants(reminder, user):
            continue
        if channel.group_key(reminder) is not None and not msg.to_group:
            continue  # a private message (a 举报's) goes to its recipient, not to a group
        row = _delivery_row(reminder, channel)
        if row is None:  # another recipient's reminder owns this group message
            continue
        if row.status in ("sent", "skipped", "failed"):
            if row.status == "failed":
                permanent.append(f"{channel.name}: {row.detail}")
            continue
        row.attempts += 1
        try:
            channel.send(reminder, user, msg, config)
        except PermanentFailure as exc:
            row.status, row.detail = "failed", str(exc)[:500]
            permanent.append(f"{channel.name}: {exc}")
        except Exception as exc:  # anything else may work next time
            row.status, row.detail = "retrying", f"{type(exc).__name__}: {exc}"[:500]
            transient.append(f"{channel.name}: {exc}")
        else:
            row.status, row.detail = "sent", None
        db.session.commit()

    if transient:
        error = "; ".join(transient)
        if reminder.attempts >= max_attempts():
            return _finish(reminder, ReminderStatus.FAILED, error, permanent=True)
        reminder.status, reminder.claimed_at, reminder.last_error = ReminderStatus.PENDING, None, error[:500]
        db.session.commit()
        raise DeliveryRetry(error)
    if permanent:
        return _finish(reminder, ReminderStatus.FAILED, "; ".join(permanent), permanent=True)
    return _finish(reminder, ReminderStatus.SENT, None)


def _finish(reminder, status, error: str | None, permanent: bool = False) -> str:
    from portal.extensions import db

    reminder.status = status
    reminder.last_error = error[:500] if error else None
    if status.value == "sent":
        reminder.sent_at = _now()
    db.session.commit()
    if permanent:
        _no_more_retries()
        raise DeliveryFailed(error)
    return status.value


def _no_more_retries() -> None:
    """A permanent failure goes straight to the failed registry instead of being retried."""
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        job.retries_left = 0


def _deliver_in_portal(reminder, user, msg) -> None:
    """The bell notification and its delivery record in one transaction: once, or not at all."""
    from portal.extensions import db
    from portal.models import ReminderDelivery
    from portal.services import notifications
    from portal.services.reminders import _insert

    stmt = _insert()(ReminderDelivery).values(
        reminder_id=reminder.id, channel="portal", status="sent", attempts=1, updated_at=_now(),
    ).on_conflict_do_nothing().returning(ReminderDelivery.id)
    if db.session.execute(stmt).scalar() is not None:
        notifications.notify([user], kind=reminder.kind, title=msg.title, body=msg.body, link=msg.link,
                             object_type=reminder.object_type, object_id=reminder.object_id)
    db.session.commit()


def _delivery_row(reminder, channel):
    """This reminder's record for ``channel``; None when a group message went with another row."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import ReminderDelivery
    from portal.services.reminders import _insert

    key = channel.group_key(reminder)
    db.session.execute(_insert()(ReminderDelivery).values(
        reminder_id=reminder.id, channel=channel.name, status="new", attempts=0, group_key=key, updated_at=_now(),
    ).on_conflict_do_nothing())
    db.session.commit()
    row = db.session.scalar(select(ReminderDelivery).where(ReminderDelivery.reminder_id == reminder.id,
                                                           ReminderDelivery.channel == channel.name))
    if row is None:
        # The group key belongs to another reminder's row: record that this one had nothing to send.
        db.session.add(ReminderDelivery(reminder_id=reminder.id, channel=channel.name, status="skipped",
                                        detail="group message sent with another recipient's reminder"))
        db.session.commit()
        return None
    return row


# --- the administrator's retry ---------------------------------------------------------------------

def reset_for_retry(reminder_id: int) -> bool:
    """Make a failed reminder pending again, with fresh attempts; channels that failed are tried
    again, those that went out are not. Flush-only; returns False when it is not failed."""
    from sqlalchemy import delete

    from portal.extensions import db
    from portal.models import Reminder, ReminderDelivery, ReminderStatus

    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.status != ReminderStatus.FAILED:
        return False
    from portal.services.reminders import NO_LIVE_JOB

    reminder.status, reminder.attempts, reminder.claimed_at = ReminderStatus.PENDING, 0, None
    reminder.job_id = NO_LIVE_JOB
    db.session.execute(delete(ReminderDelivery).where(
        ReminderDelivery.reminder_id == reminder_id, ReminderDelivery.status.in_(["failed", "retrying", "new"])))
    return True
