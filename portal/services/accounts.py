"""Accounts: authentication with lockout, password changes, user administration.

Flush-only; the caller commits.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import LoginAttempt, OrgUnit, User
from portal.models.base import utcnow
from portal.services import audit


class LoginOutcome(enum.Enum):
    OK = "ok"
    FAILED = "failed"  # unknown user, wrong password or inactive user: one answer for all
    LOCKED = "locked"


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 10
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()[:64]


def is_locked(failure_times: list[datetime], now: datetime, policy: LockoutPolicy) -> bool:
    """Locked while some run of ``max_failures`` failures within ``window`` ended less than
    ``lockout`` ago. ``failure_times`` are the failures since the last success, oldest first."""
    times = sorted(failure_times)
    for i in range(len(times) - policy.max_failures + 1):
        first, last = times[i], times[i + policy.max_failures - 1]
        if last - first <= policy.window and now < last + policy.lockout:
            return True
    return False


def _recent_failures(username: str, now: datetime, policy: LockoutPolicy) -> list[datetime]:
    since = now - policy.window - policy.lockout
    last_ok = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.success.is_(True))
    )
    if last_ok is not None and last_ok > since:
        since = last_ok
    return list(
        db.session.scalars(
            select(LoginAttempt.at).where(
                LoginAttempt.username == username, LoginAttempt.success.is_(False), LoginAttempt.at > since
            )
        )
    )


def authenticate(username: str, password: str, ip: str | None, policy: LockoutPolicy,
                 now: datetime | None = None) -> tuple[LoginOutcome, User | None]:
    """Check a login. Attempts are counted by the name typed, so an unknown name locks the
    same way as a real one and nobody can tell them apart."""
    now = now or utcnow()
    name = normalise_username(username)
    if is_locked(_recent_failures(name, now, policy), now, policy):
        verify_password(None, password)  # same work either way
        # Not counted as a failure: attempts during a lockout must not prolong it forever.
        audit.record("login.locked", username=name, reason="account locked")
        return LoginOutcome.LOCKED, None

    user = db.session.scalar(select(User).where(User.username == name))
    ok = verify_password(user.password_hash if user else None, password) and user is not None and user.active
    db.session.add(LoginAttempt(username=name, ip=ip, at=now, success=ok))
    if not ok:
        audit.record("login.failed", username=name, object_type="user", object_id=user.id if user else None)
        if is_locked(_recent_failures(name, now, policy) + [now], now, policy):
            audit.record("login.lockout", username=name, reason=f"{policy.max_failures} failures")
        return LoginOutcome.FAILED, None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record("login.ok", user=user, object_type="user", object_id=user.id)
    return LoginOutcome.OK, user


class PasswordRejected(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def set_password(user: User, new_password: str, *, by: User | None = None) -> None:
    """Set a password that passes the policy; every existing session of the user ends."""
    problems = password_problems(new_password, user.username)
    if problems:
        raise PasswordRejected(problems)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_version += 1
    audit.record(
        "user.password_changed" if by is None or by.id == user.id else "user.password_reset",
        object_type="user", object_id=user.id, user=by,
    )


def create_user(*, username: str, display_name: str, password: str, org_unit: OrgUnit, roles,
                email: str | None = None, leads_org_unit: OrgUnit | None = None,
                by: User | None = None, check_policy: bool = True) -> User:
    name = normalise_username(username)
    if db.session.scalar(select(User.id).where(User.username == name)) is not None:
        raise ValueError("username taken")
    if check_policy:
        problems = password_problems(password, name)
        if problems:
            raise PasswordRejected(problems)
    roles = {Role(r) for r in roles}
    if Role.LEADER in roles and leads_org_unit is None:
        leads_org_unit = org_unit
    user = User(
        username=name, display_name=display_name.strip(), email=(email or None),
        password_hash=hash_password(password), org_unit=org_unit,
        leads_org_unit=leads_org_unit if Role.LEADER in roles else None,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", object_type="user", object_id=user.id, user=by,
                 detail={"roles": sorted(r.value for r in roles), "org_unit": org_unit.id})
    return user


def update_user(user: User, *, display_name: str, email: str | None, org_unit: OrgUnit, roles,
                leads_org_unit: OrgUnit | None, active: bool, by: User | None) -> None:
    before = {"roles": sorted(r.value for r in user.roles), "org_unit": user.org_unit_id, "active": user.active,
              "leads": user.leads_org_unit_id}
    roles = {Role(r) for r in roles}
    user.display_name = display_name.strip()
    user.email = email or None
    user.org_unit = org_unit
    user.set_roles(roles)
    user.leads_org_unit = (leads_org_unit or org_unit) if Role.LEADER in roles else None
    if user.active and not active:
        user.session_version += 1  # a deactivated user's sessions end at their next request
    user.active = active
    db.session.flush()
    after = {"roles": sorted(r.value for r in roles), "org_unit": org_unit.id, "active": active,
             "leads": user.leads_org_unit_id}
    if before != after:
        audit.record("user.updated", object_type="user", object_id=user.id, user=by,
                     detail={"before": before, "after": after})
