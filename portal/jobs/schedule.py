"""The periodic schedule: one process enqueues each periodic job when it falls due.

Entries are (name, due-function). A Redis key per entry and period (SET NX) makes the
enqueue happen once per period even if two schedulers run by mistake.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 300

# name → (function path, how to build the period key from "now" in UTC)
SCHEDULE: dict[str, tuple[str, callable]] = {}


def periodic(name: str, period_key):
    """Register ``fn`` under ``name``; ``period_key(now_utc)`` names the period (None: not due)."""

    def decorator(fn):
        SCHEDULE[name] = (fn, period_key)
        return fn

    return decorator


def every_minutes(minutes: int):
    def key(now: datetime) -> str:
        return now.strftime("%Y%m%d") + f"-{(now.hour * 60 + now.minute) // minutes}"

    return key


def daily_at(hour: int, minute: int = 0):
    """Due once a day from ``hour:minute`` in the portal's time zone (a late scheduler catches up
    the same day); the period is the local date."""

    def key(now: datetime) -> str | None:
        from portal.services.clock import portal_tz

        local = now.astimezone(portal_tz())
        if (local.hour, local.minute) < (hour, minute):
            return None
        return local.strftime("%Y%m%d")

    return key


# Periods already run in-process (only when Redis is away and RQ_INLINE_FALLBACK is on).
_INLINE_DONE: set[str] = set()


def load_jobs() -> None:
    import portal.jobs.reminders  # noqa: F401  (registers the schedule)


def tick(app, now: datetime | None = None) -> list[str]:
    """Enqueue every entry whose current period has not been enqueued yet."""
    from redis.exceptions import RedisError

    from portal.jobs import enqueue, redis_connection

    now = now or datetime.now(timezone.utc)
    enqueued = []
    with app.app_context():
        load_jobs()

        for name, (fn, period_key) in SCHEDULE.items():
            period = period_key(now)
            if period is None:
                continue
            try:
                fresh = redis_connection().set(f"portal:schedule:{name}:{period}", now.isoformat(), nx=True,
                                               ex=3 * 24 * 3600)
            except (RedisError, OSError):
                if app.config.get("RQ_INLINE_FALLBACK") and f"{name}:{period}" not in _INLINE_DONE:
                    if len(_INLINE_DONE) > 2000:  # a long-running dev scheduler: forget old periods
                        _INLINE_DONE.clear()
                    _INLINE_DONE.add(f"{name}:{period}")
                    log.warning("Redis unavailable; running %s in-process", name)
                    try:
                        fn()
                    except Exception:
                        log.exception("in-process %s failed", name)
                    enqueued.append(name)
                else:
                    log.warning("Redis unavailable; %s waits for the next tick", name)
                continue
            if fresh:
                enqueue(fn, job_id=f"{name}-{period}")
                enqueued.append(name)
    return enqueued


def run_forever(app, interval: float = 30.0) -> None:
    log.info("scheduler started")
    while True:
        try:
            tick(app)
        except Exception:  # keep scheduling; the failure is logged
            log.exception("scheduler tick failed")
        time.sleep(interval)
