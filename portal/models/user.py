"""Users, their roles, and the login attempts that drive lockout."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.permissions import Perm, Role, permissions_for
from portal.extensions import db
from portal.models.base import UTCDateTime, str_enum, utcnow
from portal.models.org import OrgKind, OrgUnit


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # The unit a leader leads (集团 / 部门 / 分公司); usually his own unit.
    leads_org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN")
    # Bumped when the password changes or the user is deactivated: every session carries the
    # version it was made with, so older sessions stop working at their next request.
    session_version: Mapped[int] = mapped_column(default=1)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id])
    leads_org_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[leads_org_unit_id])
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"

    # Flask-Login: the session id carries the session version (see above).
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def roles(self) -> set[Role]:
        return {r.role for r in self.role_rows}

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [r for r in self.role_rows if r.role in wanted]
        for role in wanted - self.roles:
            self.role_rows.append(UserRole(role=role))

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def permissions(self) -> frozenset[Perm]:
        return permissions_for(self.roles)

    def can(self, perm: Perm) -> bool:
        return perm in self.permissions

    @property
    def is_center_member(self) -> bool:
        """Center staff and managers work for the whole company, not one unit's scope."""
        return bool(self.roles & {Role.CENTER_STAFF, Role.CENTER_MANAGER})

    @property
    def is_group_leader(self) -> bool:
        unit = self.leads_org_unit or self.org_unit
        return self.has_role(Role.LEADER) and unit is not None and unit.kind == OrgKind.GROUP


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(
str_enum(Role), primary_key=True
    )

    user: Mapped[User] = relationship(back_populates="role_rows")


class LoginAttempt(db.Model):
    """One try at logging in, kept by the name typed so unknown names lock out the same way."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    success: Mapped[bool] = mapped_column(default=False)
