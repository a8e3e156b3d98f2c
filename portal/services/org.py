"""Who is who in the organisation: leaders of a unit, the group's leaders, a unit's staff."""
from __future__ import annotations

from sqlalchemy import select

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import OrgKind, OrgUnit, User, UserRole


def leaders_of(unit: OrgUnit) -> list[User]:
    """Active users with the leader role who lead exactly ``unit``."""
    return list(db.session.scalars(
        select(User).join(UserRole).where(
            UserRole.role == Role.LEADER, User.active.is_(True), User.leads_org_unit_id == unit.id
        ).order_by(User.id)
    ))


def group_unit() -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.kind == OrgKind.GROUP).order_by(OrgUnit.id))


def group_leaders() -> list[User]:
    """集团领导: every active leader of the group unit."""
    group = group_unit()
    return leaders_of(group) if group is not None else []


def leaders_for(unit: OrgUnit) -> list[User]:
    """The leaders a request from ``unit`` goes to: the unit's own leaders, else the nearest
    ancestor's, else the group's (DOMAIN.md §3: "else to the group's leaders")."""
    for candidate in [unit, *unit.ancestors()]:
        leaders = leaders_of(candidate)
        if leaders:
            return leaders
    return group_leaders()


def members_of(unit: OrgUnit, role: Role | None = None) -> list[User]:
    stmt = select(User).where(User.org_unit_id == unit.id, User.active.is_(True))
    if role is not None:
        stmt = stmt.join(UserRole).where(UserRole.role == role)
    return list(db.session.scalars(stmt.order_by(User.id)))


def center_managers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.CENTER_MANAGER, User.active.is_(True)).order_by(User.id)
    ))
