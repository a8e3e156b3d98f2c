"""The security suite runs against the demo data (every area adds its own), so every route
has real objects behind its ids."""
from __future__ import annotations

import pytest

from portal.auth.permissions import Role


@pytest.fixture()
def demo(db):
    from portal.demo import seed_demo

    ctx = seed_demo()
    db.session.commit()
    return ctx


ROLE_USERS = {
    Role.ADMIN: "admin",
    Role.CENTER_STAFF: "kefu",
    Role.CENTER_MANAGER: "zhuren",
    Role.LEADER: "lingdao",
    Role.BRANCH_STAFF: "fgs1_kefu",
    Role.DEPARTMENT_STAFF: "gongcheng",
}
