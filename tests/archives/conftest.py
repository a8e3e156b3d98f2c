from __future__ import annotations

import pytest

from portal.auth.permissions import Role
from tests import factories as f


class People:
    def __init__(self, org):
        self.staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_t")
        self.manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zhuren_t")
        self.admin = f.make_user(org.center, Role.ADMIN, username="admin_t")
        self.leader = f.make_user(org.group, Role.LEADER, username="lingdao_t")
        self.leader2 = f.make_user(org.group, Role.LEADER, username="lingdao2_t")
        self.branch_leader = f.make_user(org.branch1, Role.LEADER, username="fgs1_lingdao_t")
        self.branch = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs1_kefu_t")
        self.branch2 = f.make_user(org.branch2, Role.BRANCH_STAFF, username="fgs2_kefu_t")


@pytest.fixture()
def people(org):
    return People(org)
