"""Column types and helpers shared by every model."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (the only kind of datetime the models hold)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC and always returned timezone-aware.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored as
    naive UTC and marked UTC again on the way out. A naive datetime on the way in is a bug
    (we would not know its zone), so it is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is timezone.utc:  # PostgreSQL sessions run in UTC (portal.register_extensions)
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def str_enum(enum_cls, length: int = 32):
    """A Python enum stored as its *value* in a VARCHAR, with a CHECK, on every database."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
        name=enum_cls.__name__.lower(),
    )
