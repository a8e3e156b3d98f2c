"""Leaders of a unit, the group's leaders, and where a request from a unit goes."""
from portal.auth.permissions import Role
from portal.services import org as org_service
from tests import factories as f


def test_requests_go_to_the_units_leaders_else_up_to_the_group(org, db):
    chairman = f.make_user(org.group, Role.LEADER)
    branch_head = f.make_user(org.branch1, Role.LEADER)
    f.make_user(org.branch1, Role.LEADER, active=False)  # inactive leaders receive nothing
    assert org_service.leaders_for(org.branch1) == [branch_head]
    assert org_service.leaders_for(org.branch2) == [chairman]  # branch 2 has no leader
    assert org_service.group_leaders() == [chairman]


def test_a_group_leader_may_lead_another_unit(org, db):
    deputy = f.make_user(org.group, Role.LEADER, leads=org.engineering)
    assert org_service.leaders_of(org.engineering) == [deputy]
    assert org_service.group_leaders() == []
    assert not deputy.is_group_leader


def test_members_of_by_role(org, db):
    a = f.make_user(org.engineering, Role.DEPARTMENT_STAFF)
    f.make_user(org.engineering, Role.LEADER)
    assert org_service.members_of(org.engineering, Role.DEPARTMENT_STAFF) == [a]
