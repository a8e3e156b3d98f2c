"""Foundation journey: the administrator creates a colleague, who signs in, sees Chinese,
changes the password; a stored-XSS canary in a name fires no dialog anywhere."""
from __future__ import annotations


XSS = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'


def test_admin_creates_a_user_who_signs_in(journey):
    admin = journey("admin")
    admin.login("admin")
    admin.shot("home")
    assert "我的工作" in admin.page.content()
    admin.go("/admin/users/new")
    admin.page.fill("#username", "xin.kefu")
    admin.page.fill("#display_name", "新客服" + XSS)
    admin.page.select_option("#org_unit_id", label="客户服务中心（客户服务中心）")
    admin.page.select_option("#roles", ["center_staff"])
    admin.page.fill("#password", "Blue-Lantern-Harbor-7")
    admin.shot("new-user-form")
    admin.page.click("form button[type=submit]")
    admin.page.wait_for_load_state()
    assert "用户 xin.kefu 已创建" in admin.page.content()
    admin.shot("user-created")
    admin.go("/admin/audit?action=user.")
    admin.shot("audit")
    assert "user.created" in admin.page.content()
    assert admin.dialogs == []

    staff = journey("new-staff")
    staff.login("xin.kefu", "Blue-Lantern-Harbor-7")
    assert "我的工作" in staff.page.content()
    staff.go("/auth/password")
    staff.page.fill("#current_password", "Blue-Lantern-Harbor-7")
    staff.page.fill("#new_password", "1234567890")
    staff.page.fill("#confirm", "1234567890")
    staff.page.click("form button[type=submit]")
    staff.shot("weak-password-refused")
    assert "常见" in staff.page.content()
    staff.page.fill("#current_password", "Blue-Lantern-Harbor-7")
    staff.page.fill("#new_password", "Quiet-Orchard-Lamp-58")
    staff.page.fill("#confirm", "Quiet-Orchard-Lamp-58")
    staff.page.click("form button[type=submit]")
    staff.shot("password-changed")
    assert "密码已修改" in staff.page.content()
    assert staff.dialogs == [] and admin.dialogs == []


def test_wrong_password_and_forbidden_page_in_chinese(journey):
    j = journey()
    j.login("kefu", "wrong-password-here")
    assert "用户名或密码错误" in j.page.content()
    j.login("kefu")
    j.go("/admin/users")
    j.shot("forbidden")
    assert "无权访问" in j.page.content()
