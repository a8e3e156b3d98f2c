"""Names of reference rows for the registers' lists.

A 50-row list shows each row's project, category or responsible person by name. Loading those
as ORM objects (a relationship per row, or a select-in query per relationship) cost more than the
rows themselves; these read just (id, name) pairs in one small query.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import func, literal, select, text, union_all

from portal.extensions import db
from portal.models import User


NamesAndActive = tuple[dict[int, str], list[tuple[int, str]]]


@functools.cache
def _names_statement(tables: tuple):
    """Built once per set of tables: the lists run it on every page, and building a union of
    window functions (and its cache key) cost more than running it."""
    parts = [select(literal(i).label("t"), model.id, model.name, model.active,
                    func.row_number().over(order_by=(order, model.id)).label("n"))
             for i, (model, order) in enumerate(tables)]
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    return stmt.order_by(text("t"), text("n"))


def names_and_active(model, order) -> NamesAndActive:
    """For a small reference table with ``id``, ``name`` and ``active`` (projects, categories):
    every row's name by id (a listed record may point at a retired one) and the active ones in
    ``order`` for a filter's choices."""
    return names_and_active_of((model, order))[0]


def names_and_active_of(*tables) -> list[NamesAndActive]:
    """``names_and_active`` for several ``(model, order)`` tables in one round trip (the complaint
    register names projects and categories on every page)."""
    found: list[NamesAndActive] = [({}, []) for _ in tables]
    for t, ident, name, active, _n in db.session.execute(_names_statement(tables)):
        names, choices = found[t]
        names[ident] = name
        if active:
            choices.append((ident, name))
    return found


def display_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """The display names of these users (None ids are skipped)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
