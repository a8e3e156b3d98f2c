"""What the administrator sees of the job queues, and his retry buttons.

Reads RQ's registries for the portal's queue; every Redis error turns into "not reachable"
rather than a 500 (the page must work in degraded mode too).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.jobs import get_queue, redis_connection

DELIVER_FUNC = "portal.jobs.reminders.deliver"


@dataclass
class FailedJob:
    id: str
    func: str
    error: str
    ended_at: datetime | None
    reminder_id: int | None


def rq_overview(limit: int = 50) -> dict:
    from redis.exceptions import RedisError
    from rq import Worker
    from rq.registry import FailedJobRegistry

    try:
        conn = redis_connection()
        queue = get_queue(conn)
        failed_registry = FailedJobRegistry(queue=queue)
        failed = []
        for job in queue.job_class.fetch_many(failed_registry.get_job_ids(0, limit - 1), connection=conn):
            if job is None:
                continue
            exc = (job.latest_result().exc_string if job.latest_result() else "") or ""
            failed.append(FailedJob(job.id, job.func_name, exc.strip().splitlines()[-1][:300] if exc else "",
                                    job.ended_at, _reminder_id(job)))
        return {
            "available": True,
            "queued": queue.count,
            "started": queue.started_job_registry.count,
            "scheduled": queue.scheduled_job_registry.count,
            "failed_count": failed_registry.count,
            "failed": failed,
            "workers": Worker.count(queue=queue),
        }
    except (RedisError, OSError):
        return {"available": False, "failed": []}


def _reminder_id(job) -> int | None:
    if job.func_name == DELIVER_FUNC and job.args and isinstance(job.args[0], int):
        return job.args[0]
    return None


def prepare_failed_job_retry(job_id: str) -> str:
    """"ok" when ``job_id`` is in the failed registry (a reminder's row is made pending again,
    flush-only); "missing" when it is not; "redis" when Redis cannot be reached."""
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.registry import FailedJobRegistry

    from portal.jobs.reminders import reset_for_retry

    try:
        conn = redis_connection()
        queue = get_queue(conn)
        if job_id not in FailedJobRegistry(queue=queue):
            return "missing"
        job = queue.fetch_job(job_id)
    except (RedisError, OSError):
        return "redis"
    except NoSuchJobError:
        return "missing"
    if job is None:
        return "missing"
    reminder_id = _reminder_id(job)
    if reminder_id is not None:
        reset_for_retry(reminder_id)
    return "ok"


def requeue_failed(job_id: str) -> bool:
    from redis.exceptions import RedisError
    from rq.exceptions import InvalidJobOperation, NoSuchJobError
    from rq.registry import FailedJobRegistry

    try:
        FailedJobRegistry(queue=get_queue()).requeue(job_id)
        return True
    except (RedisError, OSError, InvalidJobOperation, NoSuchJobError):
        return False


def retry_reminder(reminder_id: int) -> bool:
    """Make a failed reminder pending again (flush-only); the caller commits, then ``send_now``."""
    from portal.jobs.reminders import reset_for_retry

    return reset_for_retry(reminder_id)


def send_now(reminder_id: int) -> None:
    import uuid

    from portal.jobs.reminders import enqueue_delivery

    enqueue_delivery(reminder_id, job_id=f"reminder-{reminder_id}-{uuid.uuid4().hex[:8]}")
