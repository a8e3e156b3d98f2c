"""The working-day calendar beyond the official package's range: from November on, the
calendar's administrators are told that next year's holidays need checking (DOMAIN.md,
"Working days": administrators add or override days)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.auth.permissions import Role
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
WARNING = "官方节假日日历不包含 2027 年"


@pytest.fixture()
def admin(org):
    return f.make_user(org.center, Role.ADMIN, username="root_cal")


def _pages(client, login, user, when):
    with time_machine.travel(when, tick=False):
        login(client, user)
        return {url: client.get(url).get_data(as_text=True) for url in ("/admin/calendar", "/admin/", "/")}


def test_in_december_the_admin_is_told_next_year_is_not_in_the_package(client, login, admin):
    pages = _pages(client, login, admin, datetime(2026, 12, 5, 9, 0, tzinfo=SH))
    for url, html in pages.items():
        assert WARNING in html or "2027 年节假日待核对" in html, url
    assert "/admin/calendar?year=2027" in pages["/"] and "/admin/calendar?year=2027" in pages["/admin/calendar"]


def test_before_november_nothing_is_said(client, login, admin):
    pages = _pages(client, login, admin, datetime(2026, 10, 31, 23, 0, tzinfo=SH))
    assert not any("2027" in html and "待核对" in html for html in pages.values())
    assert WARNING not in pages["/admin/calendar"] and WARNING not in pages["/admin/"]


def test_other_users_get_no_calendar_card(client, login, org):
    staff = f.user_with_role(org, Role.CENTER_STAFF)
    with time_machine.travel(datetime(2026, 12, 5, 9, 0, tzinfo=SH), tick=False):
        login(client, staff)
        assert "待核对" not in client.get("/").get_data(as_text=True)


def test_next_years_page_lists_the_statutory_days_off(client, login, admin):
    with time_machine.travel(datetime(2026, 12, 5, 9, 0, tzinfo=SH), tick=False):
        login(client, admin)
        html = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert WARNING in html
    for day in ("2027-01-01", "2027-02-05", "2027-02-10", "2027-10-05"):
        assert day in html, day
