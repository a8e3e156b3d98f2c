"""Serial numbers sequential per prefix and year: ``JD-2026-000123``.

Unique even when two people save at the same instant: the counter row is incremented with a
single ``UPDATE … RETURNING`` (row-locked on PostgreSQL, database-locked on SQLite), inside
the caller's transaction, so a rolled-back save gives its number back.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.models import SerialCounter


def format_serial(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def next_serial(prefix: str, year: int) -> str:
    """Issue the next number for ``prefix`` in ``year`` (the local year of the record)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Make sure the counter row exists; a concurrent creator wins harmlessly.
    db.session.execute(insert(SerialCounter).values(prefix=prefix, year=year, last=0).on_conflict_do_nothing())
    number = db.session.execute(
        update(SerialCounter)
        .where(SerialCounter.prefix == prefix, SerialCounter.year == year)
        .values(last=SerialCounter.last + 1)
        .returning(SerialCounter.last)
    ).scalar_one()
    return format_serial(prefix, year, number)


def current_value(prefix: str, year: int) -> int:
    return db.session.scalar(
        select(SerialCounter.last).where(SerialCounter.prefix == prefix, SerialCounter.year == year)
    ) or 0
