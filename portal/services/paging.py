"""Keyset pagination: fast on large tables because it never counts the whole table.

The list is ordered by (sort column DESC, id DESC); a page is asked for by the last row's
(sort value, id) of the previous page. ``per_page + 1`` rows are read to know whether there
is a next page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_

from portal.extensions import db


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def encode_cursor(value, ident: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    return f"{value}~{ident}"


def decode_cursor(cursor: str | None, kind=datetime) -> tuple[Any, int] | None:
    if not cursor or "~" not in cursor:
        return None
    raw, _, ident = cursor.rpartition("~")
    try:
        value = datetime.fromisoformat(raw) if kind is datetime else kind(raw)
        return value, int(ident)
    except ValueError:
        return None


def keyset_page(stmt, sort_col, id_col, cursor: str | None, per_page: int = 50, kind=datetime) -> Page:
    """Rows of ``stmt`` after ``cursor``, newest first by ``sort_col`` then ``id_col``: ORM objects
    for ``select(Model)``, plain rows for a select of columns (which must include both)."""
    after = decode_cursor(cursor, kind)
    if after is not None:
        value, ident = after
        stmt = stmt.where(or_(sort_col < value, and_(sort_col == value, id_col < ident)))
    result = db.session.execute(stmt.order_by(sort_col.desc(), id_col.desc()).limit(per_page + 1))
    # one column is an entity (a select of columns has at least the sort column and the id); asking
    # the statement for its column descriptions instead cost a fortieth of a register page
    rows = list(result.scalars() if len(result.keys()) == 1 else result)
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, sort_col.key), getattr(last, id_col.key))
    return Page(rows, next_cursor)

