"""Names of reference rows for the registers' lists.

A 50-row list shows each row's project, category or responsible person by name. Loading those
as ORM objects (a relationship per row, or a select-in query per relationship) cost more than the
rows themselves; these read just (id, name) pairs in one small query.

The registers (complaints, reception, customers) ask with ``cached=True``: their names and filter
choices may then come from what this worker read in the last ``REFERENCE_CACHE_SECONDS`` (5).
Those rows change a few times a year and the registers read them on every page — one or two of a
list page's five round trips. A change committed through the worker clears its copy at once, so
whoever makes a change sees it on his next page; the other workers see it within the interval.
Forms that store a choice (registering a complaint, assigning a contact) always read afresh.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from itertools import chain

from flask import current_app
from sqlalchemy import event, func, literal, select, text, union_all
from sqlalchemy.orm import Session

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import ComplaintCategory, Project, User, UserRole

# Rows whose change clears the cached copies (the names and choices above are read from these).
REFERENCE_MODELS = (Project, ComplaintCategory, User, UserRole)

_cache: dict[tuple, tuple[float, object]] = {}


def _cached(key: tuple, load: Callable[[], object]):
    seconds = current_app.config["REFERENCE_CACHE_SECONDS"]
    if seconds <= 0:
        return load()
    key = (id(db.engine), *key)  # one copy per database (the tests run more than one app)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    _cache[key] = (now + seconds, value)
    return value


def forget() -> None:
    """Drop every cached copy (a reference row changed)."""
    _cache.clear()


@event.listens_for(Session, "before_flush")
def _note_reference_changes(session, _flush_context, _instances):
    if any(isinstance(obj, REFERENCE_MODELS) for obj in chain(session.new, session.dirty, session.deleted)):
        session.info["reference_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_after_reference_commit(session):
    if session.info.pop("reference_changed", False):
        forget()


@event.listens_for(Session, "after_rollback")
def _nothing_changed_after_rollback(session):
    session.info.pop("reference_changed", None)


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


def names_and_active(model, order, *, cached: bool = False) -> NamesAndActive:
    """For a small reference table with ``id``, ``name`` and ``active`` (projects, categories):
    every row's name by id (a listed record may point at a retired one) and the active ones in
    ``order`` for a filter's choices. ``cached``: see the module's text; the result is shared
    then, so it must not be changed."""
    return names_and_active_of((model, order), cached=cached)[0]


def names_and_active_of(*tables, cached: bool = False) -> list[NamesAndActive]:
    """``names_and_active`` for several ``(model, order)`` tables in one round trip (the complaint
    register names projects and categories on every page)."""
    if cached:
        return _cached(("names", tables), lambda: _read_names_and_active(tables))
    return _read_names_and_active(tables)


def _read_names_and_active(tables: tuple) -> list[NamesAndActive]:
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


def center_staff_choices(*, cached: bool = False) -> list[tuple[int, str]]:
    """Active center staff and managers as (id, name) choices, by name: who can be responsible
    for a contact or handle a complaint. ``cached``: see the module's text (the result must not
    be changed then)."""
    if cached:
        return _cached(("center_staff",), _read_center_staff)
    return _read_center_staff()


def _read_center_staff() -> list[tuple[int, str]]:
    return [(user_id, name) for user_id, name in db.session.execute(
        select(User.id, User.display_name).where(
            User.active.is_(True),
            User.id.in_(select(UserRole.user_id).where(UserRole.role.in_([Role.CENTER_STAFF, Role.CENTER_MANAGER]))),
        ).order_by(User.display_name, User.id))]
