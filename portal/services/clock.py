"""Time: everything is stored in UTC and shown in the portal's time zone (Asia/Shanghai)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


def portal_tz(name: str | None = None) -> ZoneInfo:
    if name is None:
        try:
            from flask import current_app

            name = current_app.config.get("TIMEZONE", DEFAULT_TZ)
        except RuntimeError:  # outside an app context (pure tests)
            name = DEFAULT_TZ
    return ZoneInfo(name)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def to_local(value: datetime, tz: ZoneInfo | None = None) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(tz or portal_tz())


def local_date(value: datetime, tz: ZoneInfo | None = None) -> date:
    return to_local(value, tz).date()


def end_of_local_day(day: date, tz: ZoneInfo | None = None) -> datetime:
    """23:59:59 of ``day`` in the portal's zone, as a UTC instant."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz or portal_tz()).astimezone(timezone.utc)


def start_of_local_day(day: date, tz: ZoneInfo | None = None) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz or portal_tz()).astimezone(timezone.utc)


def parse_local(value: str, tz: ZoneInfo | None = None) -> datetime:
    """A local 'YYYY-MM-DDTHH:MM' (HTML datetime-local) → UTC instant. Raises ValueError."""
    naive = datetime.fromisoformat(value.strip())
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=tz or portal_tz())
    return naive.astimezone(timezone.utc)
