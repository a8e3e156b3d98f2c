"""Background jobs on RQ (Redis).

Jobs take ids (never objects or personal data), open their own app context, and are safe to
run twice. ``enqueue`` never breaks the request that calls it: when Redis is down the work
either runs in-process (``PORTAL_RQ_INLINE_FALLBACK``, for ``make run`` without Redis) or is
left for the next sweep, which finds it again from the database.
"""
from __future__ import annotations

import functools
import logging
import time

from flask import current_app

log = logging.getLogger(__name__)

# url → (checked at, reachable): the degraded-mode banner asks at most once per TTL per process.
_STATUS_CACHE: dict[str, tuple[float, bool]] = {}
STATUS_TTL_SECONDS = 10.0


def redis_connection(url: str | None = None):
    from redis import Redis

    url = url or current_app.config["REDIS_URL"]
    # Short timeouts: a request must not hang because Redis is away.
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)


def get_queue(connection=None):
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=connection or redis_connection(),
                 job_class=_pickled_job_class())


@functools.cache
def _pickled_job_class():
    """RQ's Job, built without checking the queue's serializer again for every job: RQ hands the
    queue's (already checked) PickleSerializer to each new Job, which tests it against a
    ``typing.Protocol`` — slow on Python 3.11, a sixth of enqueueing 100,000 reminders. Passing
    None gives the same PickleSerializer without the check; in every other way it is RQ's Job, so
    jobs stored through it read the same with either class."""
    from rq.job import Job
    from rq.serializers import DefaultSerializer

    class PickledJob(Job):
        def __init__(self, id=None, connection=None, serializer=None):
            super().__init__(id, connection, None if serializer is DefaultSerializer else serializer)

    return PickledJob


def redis_available() -> bool:
    from redis.exceptions import RedisError

    try:
        return bool(redis_connection().ping())
    except (RedisError, OSError):
        return False


def redis_ok_cached(ttl: float | None = None) -> bool:
    """Whether Redis answered recently: cheap enough for every page an administrator opens.

    One real check per ``ttl`` seconds and process, with a short connect timeout, so a missing
    Redis never costs each request a second.
    """
    from redis import Redis
    from redis.exceptions import RedisError

    url = current_app.config["REDIS_URL"]
    ttl = STATUS_TTL_SECONDS if ttl is None else ttl
    now = time.monotonic()
    cached = _STATUS_CACHE.get(url)
    if cached and now - cached[0] < ttl:
        return cached[1]
    try:
        ok = bool(Redis.from_url(url, socket_connect_timeout=0.3, socket_timeout=0.5).ping())
    except (RedisError, OSError):
        ok = False
    _STATUS_CACHE[url] = (now, ok)
    return ok


def forget_redis_status() -> None:
    _STATUS_CACHE.clear()


def enqueue(func, *args, job_id: str | None = None, retry=None, **kwargs):
    """Enqueue ``func(*args)``; returns the RQ job, or None when it ran inline or must wait."""
    from redis.exceptions import RedisError

    try:
        return get_queue().enqueue(func, *args, job_id=job_id, retry=retry, **kwargs)
    except (RedisError, OSError) as exc:
        # What the banner shows, without another ping: Redis has just failed us.
        _STATUS_CACHE[current_app.config["REDIS_URL"]] = (time.monotonic(), False)
        if current_app.config.get("RQ_INLINE_FALLBACK"):
            log.warning("Redis unavailable (%s); running %s in-process", exc, getattr(func, "__name__", func))
            try:
                func(*args, **{k: v for k, v in kwargs.items() if k not in _RQ_OPTIONS})
            except Exception:  # an inline job must not break the caller; the sweep tries again
                log.exception("in-process job %s failed", getattr(func, "__name__", func))
        else:
            log.warning("Redis unavailable (%s); %s left for the next sweep", exc, getattr(func, "__name__", func))
        return None


# enqueue() options that belong to RQ, not to the job function.
_RQ_OPTIONS = {"job_timeout", "result_ttl", "failure_ttl", "ttl", "description", "meta", "at_front"}
