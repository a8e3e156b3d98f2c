"""The demo organisation: a group, the center, three branches, two departments, projects,
and one user per role (plus a second group leader and a branch leader for the journeys)."""
from __future__ import annotations

from portal.auth.permissions import Role
from portal.demo import DEMO_PASSWORD, DemoContext
from portal.extensions import db
from portal.models import OrgKind, OrgUnit, Project
from portal.services import accounts
from portal.services.defaults import CENTER_NAME, GROUP_NAME, ensure_defaults

BRANCHES = {
    "第一房产分公司": [("阳光花园", "YGHY"), ("锦绣华庭", "JXHT")],
    "第二房产分公司": [("滨河湾", "BHW"), ("天山雅苑", "TSYY")],
    "物业公司": [("华洋商务中心", "HYSW")],
}

USERS = [
    # username, full name, unit, roles
    ("admin", "系统管理员", CENTER_NAME, [Role.ADMIN]),
    ("kefu", "王客服", CENTER_NAME, [Role.CENTER_STAFF]),
    ("kefu2", "李晓梅", CENTER_NAME, [Role.CENTER_STAFF]),
    ("zhuren", "张主任", CENTER_NAME, [Role.CENTER_MANAGER]),
    ("lingdao", "陈总", GROUP_NAME, [Role.LEADER]),
    ("lingdao2", "刘副总", GROUP_NAME, [Role.LEADER]),
    ("fgs1_lingdao", "赵经理", "第一房产分公司", [Role.LEADER]),
    ("fgs1_kefu", "孙兼职客服", "第一房产分公司", [Role.BRANCH_STAFF]),
    ("fgs2_kefu", "周兼职客服", "第二房产分公司", [Role.BRANCH_STAFF]),
    ("wuye_kefu", "吴物业客服", "物业公司", [Role.BRANCH_STAFF]),
    ("gongcheng", "郑工程师", "工程部", [Role.DEPARTMENT_STAFF]),
    ("yingxiao", "钱营销", "营销部", [Role.DEPARTMENT_STAFF]),
]


def seed(ctx: DemoContext) -> None:
    units = ensure_defaults()
    group = units[GROUP_NAME]
    for branch_name, projects in BRANCHES.items():
        branch = units.get(branch_name) or OrgUnit(name=branch_name, kind=OrgKind.BRANCH, parent=group)
        db.session.add(branch)
        units[branch_name] = branch
        for name, code in projects:
            project = Project(name=name, code=code, branch=branch)
            db.session.add(project)
            ctx.projects.append(project)
    db.session.flush()
    ctx.units = units
    for username, full_name, unit_name, roles in USERS:
        user = accounts.create_user(username=username, display_name=full_name, password=DEMO_PASSWORD,
                                    org_unit=units[unit_name], roles=roles, email=f"{username}@example.com")
        ctx.users[username] = user
        ctx.logins.append((username, ", ".join(r.value for r in roles), unit_name))
