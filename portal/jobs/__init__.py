"""Background jobs on RQ (Redis).

Jobs take ids (never objects or personal data), open their own app context, and are safe to
run twice. ``enqueue`` never breaks the request that calls it: when Redis is down the work
either runs in-process (``PORTAL_RQ_INLINE_FALLBACK``, for ``make run`` without Redis) or is
left for the next sweep, which finds it again from the database.
"""
from __future__ import annotations

import logging

from flask import current_app

log = logging.getLogger(__name__)


def redis_connection(url: str | None = None):
    from redis import Redis

    url = url or current_app.config["REDIS_URL"]
    # Short timeouts: a request must not hang because Redis is away.
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)


def get_queue(connection=None):
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=connection or redis_connection())


def redis_available() -> bool:
    from redis.exceptions import RedisError

    try:
        return bool(redis_connection().ping())
    except (RedisError, OSError):
        return False


def enqueue(func, *args, job_id: str | None = None, retry=None, **kwargs):
    """Enqueue ``func(*args)``; returns the RQ job, or None when it ran inline or must wait."""
    from redis.exceptions import RedisError

    try:
        return get_queue().enqueue(func, *args, job_id=job_id, retry=retry, **kwargs)
    except (RedisError, OSError) as exc:
        if current_app.config.get("RQ_INLINE_FALLBACK"):
            log.warning("Redis unavailable (%s); running %s in-process", exc, getattr(func, "__name__", func))
            func(*args, **kwargs)
        else:
            log.warning("Redis unavailable (%s); %s left for the next sweep", exc, getattr(func, "__name__", func))
        return None
