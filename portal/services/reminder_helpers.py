"""What the areas' reminder modules share: who "the center" is, a cheap "not reminded yet"
filter for sweepers, day numbers for digests, and messages in the recipient's language.

The sweepers of ``complaint_reminders``, ``archive_reminders`` and ``revisit_reminders`` run
every 5 minutes. A reminder row is unique, so yielding the same spec twice is harmless, but a
sweeper that re-yields every overdue object every 5 minutes would do thousands of pointless
inserts once a backlog builds up. ``not_reminded`` keeps each sweeper to one query that only
returns objects the kind has never been written for (``ix_reminder_object`` serves it).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, not_, select

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import Reminder, User, UserRole
from portal.services import org
from portal.services.notifications import user_language


def _users_with_roles(*roles: Role) -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_(list(roles)), User.active.is_(True))
        .distinct().order_by(User.id)))


def center_staff() -> list[User]:
    """客服专员: the active center staff; the center managers when there is no staff member."""
    return _users_with_roles(Role.CENTER_STAFF) or org.center_managers()


def center_users() -> list[User]:
    """Everyone who works in the center: staff and managers."""
    return _users_with_roles(Role.CENTER_STAFF, Role.CENTER_MANAGER)


def active(user: User | None) -> User | None:
    """``user`` if it can still receive reminders (an inactive handler counts as none)."""
    return user if user is not None and user.active else None


def unique_users(*groups) -> list[User]:
    seen: dict[int, User] = {}
    for group in groups:
        for u in group:
            if u is not None and u.active:
                seen.setdefault(u.id, u)
    return list(seen.values())


def not_reminded(kind: str, object_type: str, object_id_column, *also):
    """WHERE clause: no reminder row of ``kind`` exists yet for this object (``also``: further
    conditions on that row, e.g. its due time for a recurring kind)."""
    cond = [Reminder.object_type == object_type, Reminder.object_id == object_id_column, Reminder.kind == kind,
            *also]
    return not_(exists(select(Reminder.id).where(and_(*cond))))


def day_id(day: date) -> int:
    """A day as the object id of a daily digest: 2026-10-01 → 20261001."""
    return day.year * 10000 + day.month * 100 + day.day


def day_from_id(value: int) -> date:
    return date(value // 10000, value // 100 % 100, value % 100)


def week_id(day: date) -> tuple[int, str]:
    """The ISO week of ``day`` as an object id (202641) and an occurrence ("2026-W41")."""
    year, week, _ = day.isocalendar()
    return year * 100 + week, f"{year}-W{week:02d}"


def recipient_locale(reminder):
    """Build the message in the recipient's language (the portal's default, Chinese, otherwise)."""
    return user_language(getattr(reminder, "recipient", None))
