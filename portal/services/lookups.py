"""Names of reference rows for the registers' lists.

A 50-row list shows each row's project, category or responsible person by name. Loading those
as ORM objects (a relationship per row, or a select-in query per relationship) cost more than the
rows themselves; these read just (id, name) pairs in one small query.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from portal.extensions import db
from portal.models import User


def names_and_active(model, order) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """For a small reference table with ``id``, ``name`` and ``active`` (projects, categories):
    every row's name by id (a listed record may point at a retired one) and the active ones in
    ``order`` for a filter's choices."""
    rows = db.session.execute(select(model.id, model.name, model.active).order_by(order, model.id)).all()
    return {r.id: r.name for r in rows}, [(r.id, r.name) for r in rows if r.active]


def display_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """The display names of these users (None ids are skipped)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
