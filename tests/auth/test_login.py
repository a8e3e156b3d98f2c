"""Logging in: lockout, identical failure messages, safe redirects, session lifetime, CSRF,
and the password hash parameters."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from argon2 import extract_parameters

from portal.auth.access import safe_next
from portal.auth.permissions import Role
from portal.models import AuditEvent, User
from portal.services import accounts
from tests import factories as f


@pytest.fixture()
def staff(org):
    return f.make_user(org.center, Role.CENTER_STAFF, username="wang")


def _login(client, username, password, next_url=None):
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password}, follow_redirects=False)


def test_correct_password_signs_in(client, staff, csrf_off):
    resp = _login(client, "wang", f.PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_username_is_case_insensitive(client, staff, csrf_off):
    assert _login(client, " WANG ", f.PASSWORD).status_code == 302


def test_unknown_user_and_wrong_password_read_the_same(client, staff, csrf_off):
    wrong = _login(client, "wang", "not-the-password")
    unknown = _login(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert "用户名或密码错误" in wrong.get_data(as_text=True)
    import re

    def strip(resp):  # the user name typed and the (time-stamped) CSRF token may differ
        html = resp.get_data(as_text=True).replace("wang", "X").replace("nobody", "X")
        return re.sub(r'value="[^"]*"', 'value=""', re.sub(r'"X-CSRFToken": "[^"]*"', "", html))

    assert strip(wrong) == strip(unknown)


def test_inactive_user_gets_the_same_message(client, org, csrf_off, db):
    user = f.make_user(org.center, Role.CENTER_STAFF, username="gone", active=False)
    resp = _login(client, user.username, f.PASSWORD)
    assert "用户名或密码错误" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("username", ["wang", "nobody"])
def test_ten_failures_in_fifteen_minutes_lock_for_fifteen_minutes(client, staff, csrf_off, username):
    start = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        for i in range(9):
            _login(client, username, "wrong-password")
            clock.shift(timedelta(seconds=90))
        # nine failures: not locked yet, the right password works for the real user
        if username == "wang":
            assert _login(client, "wang", f.PASSWORD).status_code == 302
            client.post("/auth/logout", data={})
            clock.shift(timedelta(seconds=1))
            for i in range(10):
                _login(client, username, "wrong-password")
        else:
            _login(client, username, "wrong-password")
        locked = _login(client, username, f.PASSWORD if username == "wang" else "x")
        assert locked.status_code == 200
        assert "15 分钟" in locked.get_data(as_text=True)
        clock.shift(timedelta(minutes=14, seconds=50))
        assert "15 分钟" in _login(client, username, "x").get_data(as_text=True)
        clock.shift(timedelta(seconds=20))
        if username == "wang":
            assert _login(client, "wang", f.PASSWORD).status_code == 302


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(client, staff, csrf_off):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc), tick=False) as clock:
        for _ in range(10):
            _login(client, "wang", "wrong-password")
            clock.shift(timedelta(minutes=2))  # ten failures over 18 minutes
        assert _login(client, "wang", f.PASSWORD).status_code == 302


def test_lockout_is_audited(client, staff, csrf_off, db):
    for _ in range(10):
        _login(client, "wang", "wrong-password")
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent))]
    assert actions.count("login.failed") == 10
    assert "login.lockout" in actions


@pytest.mark.parametrize("payload", [
    "//evil.example", "/\\evil.example", "https:evil.example", "javascript:alert(1)",
    "https://evil.example/", "\\\\evil.example", "/%5Cevil.example", " //evil.example", "/\t/evil.example",
])
def test_next_never_leaves_the_portal(client, staff, csrf_off, payload):
    from urllib.parse import quote

    resp = _login(client, "wang", f.PASSWORD, next_url=quote(payload, safe=""))
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location == "/", (payload, location)


def test_next_inside_the_portal_is_followed(client, staff, csrf_off):
    resp = _login(client, "wang", f.PASSWORD, next_url="/notifications")
    assert resp.headers["Location"] == "/notifications"


@pytest.mark.parametrize("value, ok", [
    ("/admin/users?q=1", True), ("/", True), ("//x", False), ("/\\x", False), ("http://x", False),
    ("javascript:alert(1)", False), ("x", False), ("", False), (None, False), ("/a\nb", False),
])
def test_safe_next(value, ok):
    assert (safe_next(value) is not None) is ok


def test_password_change_ends_other_sessions(app, staff, csrf_off, login):
    first, second = app.test_client(), app.test_client()
    login(first, staff)
    login(second, staff)
    assert second.get("/").status_code == 200
    resp = first.post("/auth/password", data={"current_password": f.PASSWORD,
                                               "new_password": "Blue-Lantern-Harbor-7", "confirm": "Blue-Lantern-Harbor-7"})
    assert resp.status_code == 302
    assert first.get("/").status_code == 200  # the session that changed it goes on
    resp = second.get("/")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_deactivation_ends_sessions(app, staff, login, db):
    c = app.test_client()
    login(c, staff)
    assert c.get("/").status_code == 200
    admin = f.make_user(staff.org_unit, Role.ADMIN)
    accounts.update_user(staff, display_name=staff.display_name, email=None, org_unit=staff.org_unit,
                         roles=staff.roles, leads_org_unit=None, active=False, by=admin)
    db.session.commit()
    assert c.get("/").status_code == 302


def test_idle_and_absolute_session_timeouts(app, staff, login):
    c = app.test_client()
    start = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        login(c, staff)
        clock.shift(timedelta(minutes=29))
        assert c.get("/").status_code == 200
        clock.shift(timedelta(minutes=31))
        assert c.get("/").status_code == 302  # 31 idle minutes
    with time_machine.travel(start, tick=False) as clock:
        login(c, staff)
        for _ in range(12 * 3 + 1):  # busy all day, never idle
            clock.shift(timedelta(minutes=20))
            resp = c.get("/")
        assert resp.status_code == 302  # past 12 hours


def test_activity_is_written_to_the_session_once_a_minute_and_keeps_it_alive(app, staff, login):
    c = app.test_client()
    start = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        login(c, staff)
        c.get("/")  # the first page after signing in puts its CSRF token in the session
        clock.shift(timedelta(seconds=59))
        resp = c.get("/")
        assert resp.status_code == 200
        assert "Set-Cookie" not in resp.headers  # the same minute: the signed cookie is not sent again
        clock.shift(timedelta(seconds=1))
        resp = c.get("/")
        assert "session=" in resp.headers.get("Set-Cookie", "")  # a minute old: the activity is recorded
        for _ in range(4):  # 100 minutes of work, never 30 idle
            clock.shift(timedelta(minutes=25))
            assert c.get("/").status_code == 200
        clock.shift(timedelta(minutes=30, seconds=1))
        assert c.get("/").status_code == 302


def test_new_password_must_follow_the_policy(client, staff, login):
    login(client, staff)
    page = client.get("/auth/password").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    for weak in ("short1!", "1234567890", "password123", "qwertyuiop"):
        resp = client.post("/auth/password", data={"csrf_token": token, "current_password": f.PASSWORD,
                                                   "new_password": weak, "confirm": weak})
        assert resp.status_code == 200, weak
        assert "密码" in resp.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, staff, login):
    login(client, staff)
    resp = client.post("/auth/password", data={"current_password": f.PASSWORD, "new_password": "Blue-Lantern-Harbor-7",
                                               "confirm": "Blue-Lantern-Harbor-7"})
    assert resp.status_code == 400
    assert "安全" in resp.get_data(as_text=True)
    resp = client.post("/notifications/read-all", headers={"HX-Request": "true"})
    assert resp.status_code == 400


def test_csrf_token_in_htmx_header_is_accepted(client, staff, login):
    login(client, staff)
    page = client.get("/").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    resp = client.post("/notifications/read-all", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert resp.status_code == 302


def test_password_hash_is_argon2id_with_strong_parameters(db, staff):
    params = extract_parameters(staff.password_hash)
    assert staff.password_hash.startswith("$argon2id$")
    assert params.memory_cost >= 64 * 1024 and params.time_cost >= 3 and params.parallelism >= 1


def test_logout_needs_post(client, staff, login):
    login(client, staff)
    assert client.get("/auth/logout").status_code == 405


def test_very_long_passwords_are_judged_not_crashed():
    from portal.auth.passwords import password_problems

    assert password_problems("0" * 200) != []  # a long run of one character is still weak
    assert password_problems("Quiet-Orchard-Lamp-58" * 5) == []
