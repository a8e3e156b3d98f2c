"""The organisation: org units in a hierarchy, and the projects that belong to branches."""
from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import str_enum


class OrgKind(str, enum.Enum):
    GROUP = "group"  # 集团公司
    CENTER = "center"  # 客户服务中心
    DEPARTMENT = "department"  # 集团部门 (营销部, 工程部 …)
    BRANCH = "branch"  # 房产分公司 / 物业公司


class OrgUnit(db.Model):
    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, 20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")
    projects: Mapped[list[Project]] = relationship(back_populates="branch", order_by="Project.name")

    def __repr__(self) -> str:
        return f"<OrgUnit {self.id} {self.kind.value} {self.name}>"

    def ancestors(self) -> list[OrgUnit]:
        """Parents from the nearest up to the root (the group)."""
        chain, node = [], self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain


class Project(db.Model):
    """A project (项目/楼盘) belonging to a branch; data an administrator edits."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(30), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    branch: Mapped[OrgUnit] = relationship(back_populates="projects")

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name}>"
