"""In-portal notifications. Flush-only: written in the same transaction as the change that
causes them. Messages never carry ID numbers or phone numbers: callers give titles that name
the record (serial number, project), not the person's details.

A title built with ``gettext`` is given as a function (``title=lambda: _(...)``): it is built
once per recipient in his own language, not in the language of whoever caused the notification."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager

from flask import g, has_app_context
from sqlalchemy import ScalarSelect, func, select, update

from portal.extensions import db
from portal.models import Notification, User
from portal.models.base import utcnow


def notify(users: Iterable[User], *, kind: str, title: str | Callable[[], str], body: str | None = None,
           link: str | None = None, object_type: str | None = None, object_id: int | None = None) -> list[Notification]:
    if link and not link.startswith("/"):
        raise ValueError("notification links stay inside the portal")
    _forget_unread()
    rows = []
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.active:
            continue
        seen.add(user.id)
        text = in_language_of(user, title) if callable(title) else title
        row = Notification(user_id=user.id, kind=kind, title=text[:200], body=body, link=link,
                           object_type=object_type, object_id=object_id)
        db.session.add(row)
        rows.append(row)
    return rows


DEFAULT_LOCALE = "zh_Hans_CN"


@contextmanager
def user_language(user: User | None):
    """Translate in ``user``'s language (the portal's default, Chinese, when he has none)."""
    from flask_babel import force_locale

    with force_locale(getattr(user, "locale", None) or DEFAULT_LOCALE):
        yield


def in_language_of(user: User, build: Callable[[], str]) -> str:
    with user_language(user):
        return str(build())


def unread_count_of(user_id) -> ScalarSelect:
    """The number of unread notifications of ``user_id`` (a value or a column) as a subquery."""
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery())


def remember_unread(user_id: int, count: int) -> None:
    """Keep the count read with the signed-in user (``_load_user``, one round trip for both) for
    the bell of this request; ``notify`` and ``mark_read`` forget it."""
    g.portal_unread = (user_id, count)


def unread_count(user_id: int) -> int:
    known = g.get("portal_unread")
    if known is not None and known[0] == user_id:
        return known[1]
    return db.session.scalar(select(unread_count_of(user_id))) or 0


def _forget_unread() -> None:
    if has_app_context():
        g.pop("portal_unread", None)


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    _forget_unread()
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount
