"""The admin area: users, org units, projects, categories, calendar, settings, audit log."""
from __future__ import annotations

from datetime import date

import pytest

from portal.auth.permissions import Role
from portal.models import AuditEvent, CalendarOverride, ComplaintCategory, User
from tests import factories as f


@pytest.fixture()
def admin_client(app, client, org, login):
    app.config["WTF_CSRF_ENABLED"] = False
    admin = f.make_user(org.center, Role.ADMIN, username="root1")
    login(client, admin)
    yield client
    app.config["WTF_CSRF_ENABLED"] = True


def test_create_user_with_roles(admin_client, org, db):
    resp = admin_client.post("/admin/users/new", data={
        "username": "li.mei", "display_name": "李梅", "email": "", "org_unit_id": org.center.id,
        "roles": ["center_staff", "center_manager"], "leads_org_unit_id": 0, "active": "y",
        "password": "Blue-Lantern-Harbor-7"})
    assert resp.status_code == 302
    user = db.session.scalar(db.select(User).where(User.username == "li.mei"))
    assert user.roles == {Role.CENTER_STAFF, Role.CENTER_MANAGER}
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.created"))


def test_leader_defaults_to_leading_own_unit(admin_client, org, db):
    admin_client.post("/admin/users/new", data={
        "username": "boss", "display_name": "赵总", "org_unit_id": org.branch1.id, "roles": ["leader"],
        "leads_org_unit_id": 0, "active": "y", "password": "Blue-Lantern-Harbor-7"})
    user = db.session.scalar(db.select(User).where(User.username == "boss"))
    assert user.leads_org_unit_id == org.branch1.id


@pytest.mark.parametrize("data, message", [
    ({"username": ""}, "必填"),
    ({"username": "a b"}, "字母"),
    ({"username": "x" * 65}, "64"),
    ({"password": "short"}, "10"),
    ({"password": "1234567890"}, "常见"),
    ({"email": "not-an-email"}, "邮箱"),
    ({"roles": []}, "角色"),
])
def test_bad_user_input_gets_a_message_and_keeps_the_input(admin_client, org, db, data, message):
    form = {"username": "newbie", "display_name": "新人甲乙丙", "email": "", "org_unit_id": org.center.id,
            "roles": ["center_staff"], "leads_org_unit_id": 0, "active": "y", "password": "Blue-Lantern-Harbor-7"}
    form.update(data)
    resp = admin_client.post("/admin/users/new", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in html
    assert "新人甲乙丙" in html  # what the user typed is still there
    assert db.session.scalar(db.select(User).where(User.display_name == "新人甲乙丙")) is None


def test_duplicate_username_is_refused(admin_client, org, db):
    f.make_user(org.center, Role.CENTER_STAFF, username="taken")
    resp = admin_client.post("/admin/users/new", data={
        "username": "taken", "display_name": "重复", "org_unit_id": org.center.id, "roles": ["center_staff"],
        "leads_org_unit_id": 0, "password": "Blue-Lantern-Harbor-7"})
    assert "已被使用" in resp.get_data(as_text=True)


def test_admin_cannot_lock_himself_out(admin_client, org, db):
    me = db.session.scalar(db.select(User).where(User.username == "root1"))
    resp = admin_client.post(f"/admin/users/{me.id}", data={
        "display_name": me.display_name, "org_unit_id": org.center.id, "roles": ["center_staff"],
        "leads_org_unit_id": 0, "active": "y"}, follow_redirects=True)
    db.session.refresh(me)
    assert Role.ADMIN in me.roles


@pytest.mark.parametrize("roles", [["admin", "center_staff"], ["admin", "leader"], ["admin", "center_manager"]])
def test_admin_cannot_give_himself_archive_access_by_a_role(admin_client, org, db, roles):
    """DOMAIN.md roles: the administrator has no implicit access to customer archives."""
    me = db.session.scalar(db.select(User).where(User.username == "root1"))
    resp = admin_client.post(f"/admin/users/{me.id}", data={
        "display_name": me.display_name, "org_unit_id": org.center.id, "roles": roles,
        "leads_org_unit_id": 0, "active": "y"}, follow_redirects=True)
    db.session.refresh(me)
    assert me.roles == {Role.ADMIN}
    assert "您不能更改自己的角色" in resp.get_data(as_text=True)
    other = f.make_user(org.center, Role.ADMIN, username="root2")  # another administrator may
    assert admin_client.post(f"/admin/users/{other.id}", data={
        "display_name": "二号管理员", "org_unit_id": org.center.id, "roles": roles, "leads_org_unit_id": 0,
        "active": "y"}).status_code == 302
    db.session.refresh(other)
    assert other.roles == {Role(r) for r in roles}


def test_org_unit_cannot_become_its_own_ancestor(admin_client, org, db):
    resp = admin_client.post(f"/admin/org-units/{org.group.id}", data={
        "name": org.group.name, "kind": "group", "parent_id": org.center.id, "active": "y"})
    assert resp.status_code == 200
    db.session.refresh(org.group)
    assert org.group.parent_id is None


def test_duplicate_category_code_is_a_message_not_a_500(admin_client, org, db):
    resp = admin_client.post("/admin/categories", data={"code": "other", "name": "另一个其他", "sort_order": 5})
    assert resp.status_code == 200
    assert db.session.scalar(db.select(ComplaintCategory).where(ComplaintCategory.name == "另一个其他")) is None


def test_default_categories_come_from_seed_000(org, db):
    names = set(db.session.scalars(db.select(ComplaintCategory.name)))
    assert names == {"工程质量", "销售管理", "物业管理", "客户服务", "其他"}


def test_calendar_override_and_fallback_warning(admin_client, db):
    resp = admin_client.post("/admin/calendar", data={"day": "2027-10-01", "is_working_day": "0", "note": "国庆"})
    assert resp.status_code == 302
    assert db.session.get(CalendarOverride, date(2027, 10, 1)).is_working_day is False
    page = admin_client.get("/admin/calendar?year=2031").get_data(as_text=True)
    assert "不包含 2031" in page
    # the special days name their weekday in Chinese: 1 Jan 2031 is a Wednesday
    assert "2031-01-01 (周三)" in page and "(Wed)" not in page
    bad = admin_client.post("/admin/calendar", data={"day": "2027-13-45", "is_working_day": "0"})
    assert bad.status_code == 200 and "日期" in bad.get_data(as_text=True)


def test_audit_log_is_append_only(db, org):
    from portal.services import audit

    event = audit.record("test.event", reason="x")
    db.session.commit()
    event.reason = "changed"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()


def test_audit_log_search(admin_client, org, db):
    from portal.services import audit

    audit.record("archive.read", object_type="customer", object_id=42, reason="grant 7")
    audit.record("login.ok")
    db.session.commit()
    html = admin_client.get("/admin/audit?action=archive&object_id=42").get_data(as_text=True)
    assert "archive.read" in html and "login.ok" not in html
    assert admin_client.get("/admin/audit?from=not-a-date").status_code == 200


def test_permission_denial_is_audited(client, org, login, db):
    staff = f.make_user(org.center, Role.CENTER_STAFF)
    login(client, staff)
    assert client.get("/admin/users").status_code == 403
    denial = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "access.denied"))
    assert denial is not None and denial.user_id == staff.id
