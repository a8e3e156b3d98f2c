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


# What a person types into a date field is a date the portal deals with: nothing it records
# happened before 2000, and nothing is planned more than five years ahead. Outside that range a
# value is a typing slip (0026 for 2026), and near year 1 or 9999 it is beyond what converting
# between zones can reach (OverflowError).
EARLIEST_YEAR = 2000
YEARS_AHEAD = 5


def input_years(now: datetime | None = None, tz: ZoneInfo | None = None) -> tuple[int, int]:
    """The first and last year a typed date may fall in (both included)."""
    return EARLIEST_YEAR, local_date(now or now_utc(), tz).year + YEARS_AHEAD


def in_input_years(day: date, now: datetime | None = None, tz: ZoneInfo | None = None) -> bool:
    first, last = input_years(now, tz)
    return first <= day.year <= last


class YearOutOfRange(ValueError):
    """A date that parses but lies outside ``input_years``."""


def parse_local_input(value: str, tz: ZoneInfo | None = None, now: datetime | None = None) -> datetime:
    """A typed local date and time ('YYYY-MM-DDTHH:MM', or with a space) → UTC instant.

    Raises ValueError when it is not a date and time (never OverflowError), and its subclass
    YearOutOfRange when its year is outside ``input_years``."""
    raw = (value or "").strip()
    if "T" not in raw:
        raw = raw.replace(" ", "T", 1)
    naive = datetime.fromisoformat(raw)
    if not in_input_years(naive.date(), now, tz):
        raise YearOutOfRange(raw)
    try:
        return parse_local(raw, tz)
    except OverflowError as exc:  # cannot happen within input_years; kept a ValueError whatever the zone
        raise ValueError(raw) from exc
