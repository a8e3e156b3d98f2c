"""Steps the journeys share: submitting a form and waiting for the next page, registering a
complaint through the form, unique texts, valid ID numbers, and a look into the e2e database
for ids the journeys did not create themselves (a demo customer to search for or be refused)."""
from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from playwright.sync_api import Page, expect

XSS = "<img src=x onerror=alert(1)>"


def unique(tag: str) -> str:
    """A text no other journey (or demo record) contains."""
    return f"{tag}{uuid.uuid4().hex[:8]}"


def unique_phone() -> str:
    return "139" + f"{uuid.uuid4().int % 10**8:08d}"


def valid_id_number(area: str = "110101", birth: str = "19870214", seq: str | None = None) -> str:
    """A GB 11643 ID number with a correct check digit."""
    seq = seq or f"{uuid.uuid4().int % 1000:03d}"
    body = area + birth + seq
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def submit(page: Page, button: str, *, exact: bool = True) -> None:
    """Click a submit button by its (Chinese) text and wait until the next page has loaded."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=exact).click()
    page.wait_for_load_state()


def follow(page: Page, link: str, *, exact: bool = True) -> None:
    """Follow a link (plain or styled as a button) by its text and wait for the next page."""
    selector = f"a:text-is('{link}')" if exact else f"a:has-text('{link}')"
    with page.expect_navigation():
        page.locator(selector).first.click()
    page.wait_for_load_state()


def flash(page: Page):
    return page.locator(".flashes")


def id_in_url(page: Page, pattern: str) -> int:
    match = re.search(pattern, page.url)
    assert match, (pattern, page.url)
    return int(match.group(1))


def db_scalar(env: dict, sql: str, **params):
    engine = sa.create_engine(env["PORTAL_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


def bell_count(page: Page) -> int:
    """The unread count the bell in the header shows (0 when it shows no badge)."""
    badge = page.locator("a.bell .badge")
    return int(badge.get_attribute("data-unread")) if badge.count() else 0


def register_complaint(j, *, name: str, phone: str, subject: str, description: str, project: str = "阳光花园",
                       category: str = "工程质量", people: int = 1, matter_subject: str | None = None,
                       unit: str | None = None) -> int:
    """Center staff register a complaint through the form; returns its id. With
    ``matter_subject`` the proposed matter of that subject is chosen (the htmx proposals)."""
    page = j.go("/complaints/new")
    page.fill("#complainant_name", name)
    page.fill("#complainant_phone", phone)
    page.select_option("#project_id", label=project)
    page.select_option("#category_id", label=category)
    page.fill("#subject", subject)
    page.fill("#description", description)
    page.fill("#people_count", str(people))
    if unit:
        page.select_option("#responsible_unit_id", label=unit)
    if matter_subject:
        proposal = page.locator("#matter-proposals label", has_text=matter_subject)
        expect(proposal).to_be_visible()
        proposal.locator("input[name=matter_id]").check()
    j.shot("complaint-form")
    submit(page, "登记")
    expect(page.locator("h1")).to_contain_text("投诉")
    expect(flash(page)).to_contain_text("已登记")
    return id_in_url(page, r"/complaints/(\d+)$")


def section(page: Page, heading: str):
    """The <section> whose heading is exactly this text."""
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))
