"""Factories for test data. Passwords are hashed once (argon2 is deliberately slow)."""
from __future__ import annotations

import itertools
from functools import lru_cache

from portal.auth.passwords import hash_password
from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import OrgKind, OrgUnit, Project, User
from portal.services.defaults import CENTER_NAME, GROUP_NAME, ensure_defaults

PASSWORD = "Correct-Horse-Battery-42"
_seq = itertools.count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


class Org:
    """The default organisation with two branches, a project each, and handy lookups."""

    def __init__(self, units: dict[str, OrgUnit]):
        self.units = units
        self.group = units[GROUP_NAME]
        self.center = units[CENTER_NAME]
        self.engineering = units["工程部"]
        self.marketing = units["营销部"]
        self.branch1 = units["第一房产分公司"]
        self.branch2 = units["第二房产分公司"]
        self.project1 = db.session.scalar(db.select(Project).where(Project.branch_id == self.branch1.id))
        self.project2 = db.session.scalar(db.select(Project).where(Project.branch_id == self.branch2.id))


def default_org() -> Org:
    units = ensure_defaults()
    for name, project in (("第一房产分公司", "阳光花园"), ("第二房产分公司", "滨河湾")):
        if name not in units:
            units[name] = OrgUnit(name=name, kind=OrgKind.BRANCH, parent=units[GROUP_NAME])
            db.session.add(units[name])
            db.session.add(Project(name=project, branch=units[name]))
    db.session.commit()
    return Org(units)


def make_user(unit: OrgUnit, *roles: Role, username: str | None = None, leads: OrgUnit | None = None,
              **extra) -> User:
    n = next(_seq)
    user = User(
        username=username or f"user{n}",
        display_name=extra.pop("display_name", f"用户{n}"),
        password_hash=password_hash(),
        org_unit=unit,
        leads_org_unit=(leads or unit) if Role.LEADER in roles else None,
        **extra,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.commit()
    return user


ROLE_HOME_UNIT = {
    Role.ADMIN: "center",
    Role.CENTER_STAFF: "center",
    Role.CENTER_MANAGER: "center",
    Role.LEADER: "group",
    Role.BRANCH_STAFF: "branch1",
    Role.DEPARTMENT_STAFF: "engineering",
}


def user_with_role(org: Org, role: Role, **kw) -> User:
    return make_user(getattr(org, ROLE_HOME_UNIT[role]), role, **kw)
