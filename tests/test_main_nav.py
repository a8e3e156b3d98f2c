"""The main menu is rendered once per (permissions, language) and reused: each user still gets
the menu of his own permissions and language, whoever was served before him by the same worker."""
import re

import pytest

from portal.auth.permissions import Role
from tests import factories as f


def menu_html(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return page.split('<ul class="mainnav">', 1)[1].split("</ul>", 1)[0]


def menu(client) -> list[str]:
    return re.findall(r'<a href="([^"]+)">', menu_html(client))


@pytest.fixture()
def users(org):
    return {role: f.user_with_role(org, role) for role in
            (Role.CENTER_STAFF, Role.BRANCH_STAFF, Role.ADMIN, Role.DEPARTMENT_STAFF)}


def test_each_user_gets_the_menu_of_his_own_permissions_in_any_order(app, users, login):
    first_round = {}
    for role, user in users.items():
        first_round[role] = menu(login(app.test_client(), user))
    # one user after another through the same app: the menus stay each role's own
    assert "/complaints/" in first_round[Role.CENTER_STAFF] and "/reception/" in first_round[Role.CENTER_STAFF]
    assert "/admin/" not in first_round[Role.CENTER_STAFF]
    assert "/admin/" in first_round[Role.ADMIN]
    assert "/archives/" in first_round[Role.CENTER_STAFF]
    # a branch asks for access to the archives, it does not read them
    assert "/archives/requests" in first_round[Role.BRANCH_STAFF] and "/archives/" not in first_round[Role.BRANCH_STAFF]
    assert len({tuple(m) for m in first_round.values()}) == len(users)
    for role, user in reversed(list(users.items())):
        assert menu(login(app.test_client(), user)) == first_round[role]


def test_the_menu_follows_the_users_language(app, db, users, login):
    staff = users[Role.CENTER_STAFF]
    client = login(app.test_client(), staff)
    assert "投诉" in menu_html(client)
    staff.locale = "en"
    db.session.commit()
    nav = menu_html(client)
    assert "Complaints" in nav and "投诉" not in nav
