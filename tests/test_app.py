"""Application-wide behaviour: configuration, security headers, errors, language."""
from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigError
from portal.auth.permissions import Role
from tests import factories as f


def test_secret_key_required_outside_development(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        create_app({"ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_development_generates_and_keeps_a_key(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    a = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    b = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] and len(a.config["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql+psycopg://u@h/db")
    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_security_headers_on_html(client, org, login):
    login(client, f.make_user(org.center, Role.CENTER_STAFF))
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in resp.headers.get("Vary", "")


def test_no_inline_script_in_pages(client, org, login):
    login(client, f.make_user(org.center, Role.ADMIN))
    for url in ("/", "/admin/", "/admin/users", "/admin/calendar", "/notifications"):
        html = client.get(url).get_data(as_text=True)
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), url


def test_nothing_loads_from_a_cdn(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert "http://" not in html and "https://" not in html


def test_error_pages_are_in_chinese(client, org, login):
    login(client, f.make_user(org.center, Role.CENTER_STAFF))
    assert "页面不存在" in client.get("/no/such/page").get_data(as_text=True)
    assert "无权" in client.get("/admin/users").get_data(as_text=True)


def test_english_is_selectable_per_user(app, client, org, login, db):
    user = f.make_user(org.center, Role.CENTER_STAFF)
    login(client, user)
    assert "我的工作" in client.get("/").get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client.post("/language", data={"locale": "en"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert "My work" in client.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "en"


def test_upload_limit(app, client, org, login):
    login(client, f.make_user(org.center, Role.CENTER_STAFF))
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    resp = client.post("/auth/password", data=big, content_type="application/octet-stream")
    assert resp.status_code == 413


def test_control_characters_never_reach_the_database(app, client, org, login, db):
    """PostgreSQL refuses NUL bytes; the portal strips control characters from all input."""
    from portal.models import AuditEvent

    admin = f.make_user(org.center, Role.ADMIN)
    login(client, admin)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        resp = client.post("/admin/categories", data={"code": "a\x00b", "name": "名\x00称\x07", "sort_order": "1"})
        assert resp.status_code == 302
        resp = client.get("/admin/audit?user=a\x00b&action=x\x00")
        assert resp.status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    from portal.models import ComplaintCategory

    row = db.session.scalar(db.select(ComplaintCategory).where(ComplaintCategory.code == "ab"))
    assert row is not None and row.name == "名称"


def test_ids_beyond_the_database_range_are_not_found(client, org, login):
    login(client, f.make_user(org.center, Role.ADMIN))
    assert client.get("/admin/users/99999999999").status_code == 404
    assert client.get("/admin/users/2147483647").status_code == 404


def test_huge_or_odd_ids_in_forms_are_messages_not_errors(app, client, org, login, db):
    """The fuzzer's finds: 2^63 in a customer field (SQLite overflows), superscript digits."""
    login(client, f.make_user(org.center, Role.CENTER_STAFF))
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for value in ("9223372036854775808", "²³", "-1"):
            resp = client.post("/reception/new", data={"customer_id": value, "content": "测试"})
            assert resp.status_code == 200, value
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    leader = f.make_user(org.branch1, Role.BRANCH_STAFF)
    login(client, leader)
    assert client.get("/archives/requests/new?customer_id=%C2%B2&project_id=99999999999").status_code == 200


def test_the_per_request_catalogue_follows_a_forced_or_refreshed_locale(app):
    """The catalogue is looked up once per request for speed; a locale forced for an e-mail or
    refreshed after a user's change must still get its own catalogue, and the page's after it."""
    from flask import g
    from flask_babel import force_locale, gettext, refresh

    with app.test_request_context("/"):
        assert gettext("Complaints") == "客户投诉"
        with force_locale("en"):
            assert gettext("Complaints") == "Complaints"
        assert gettext("Complaints") == "客户投诉"
        g._flask_babel.babel_locale = None  # what a changed user preference leads to
        refresh()
        with force_locale("en"):
            assert gettext("Complaints") == "Complaints"
        assert gettext("Complaints") == "客户投诉"


def test_postgresql_sessions_run_in_utc_whatever_the_server_zone(app, db, monkeypatch, tmp_path):
    """Every stored instant is UTC; the portal's PostgreSQL sessions are set to UTC at connect
    (``SET TimeZone``), so a server or client configured for Beijing time changes nothing and
    values come back as ``datetime.timezone.utc`` without a conversion each."""
    from datetime import datetime, timezone

    import psycopg
    import sqlalchemy as sa

    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL session setting")
    monkeypatch.setenv("PGTZ", "Asia/Shanghai")  # what libpq would otherwise give every session
    url = db.engine.url
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database) as raw:
        assert raw.execute("SHOW TimeZone").fetchone()[0] == "Asia/Shanghai"
    shanghai_client = create_app({"ENV": "testing", "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                                  "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)})
    instant = datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)  # 00:30 on 1 January in Beijing
    with shanghai_client.app_context():
        from portal.extensions import db as other
        from portal.models.base import UTCDateTime

        try:
            assert other.session.execute(sa.text("SHOW TimeZone")).scalar() == "UTC"
            read = other.session.execute(sa.select(sa.literal(instant, UTCDateTime()))).scalar()
            assert read == instant and read.tzinfo is timezone.utc
            # what the session's zone would decide: the calendar day of a stored instant
            day = other.session.execute(sa.select(sa.cast(sa.literal(instant, UTCDateTime()), sa.Date))).scalar()
            assert day.isoformat() == "2026-12-31"
        finally:
            other.session.remove()
            other.engine.dispose()


@pytest.mark.parametrize("value, fmt, shown", [
    (None, None, ""),
    ("2026-12-31T16:30:00+00:00", None, "2027-01-01 00:30"),  # past midnight in Beijing: the next day and year
    ("2026-12-31T15:59:59+00:00", None, "2026-12-31 23:59"),  # seconds are cut, not rounded
    ("2000-01-01T00:00:00+00:00", None, "2000-01-01 08:00"),
    ("2026-05-01T09:05:00+08:00", None, "2026-05-01 09:05"),  # already local
    ("2026-05-01T01:05:00", None, "2026-05-01 09:05"),  # naive (SQLite) means UTC
    ("2026-12-31T16:30:00+00:00", "%Y-%m-%d", "2027-01-01"),  # any other format through strftime
    ("2026-12-31T16:30:07+00:00", "%H:%M:%S", "00:30:07"),
])
def test_localtime_filter_shows_beijing_time(app, value, fmt, shown):
    from datetime import datetime

    instant = datetime.fromisoformat(value) if value else None
    localtime = app.jinja_env.filters["localtime"]
    assert (localtime(instant) if fmt is None else localtime(instant, fmt)) == shown


def test_each_server_worker_compiles_every_template_before_its_first_request(tmp_path):
    """gunicorn.conf.py's post_worker_init: every page template compiled and the start-up objects
    frozen out of full collections; a worker whose app failed to load is left alone."""
    import gc
    import logging
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    hook = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))["post_worker_init"]
    fresh = create_app({"ENV": "testing", "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                        "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    pages = {name for name in fresh.jinja_env.list_templates() if name.endswith(".html")}
    assert len(pages) > 50 and "reports/monthly.html" in pages
    assert not fresh.jinja_env.cache
    try:
        hook(SimpleNamespace(wsgi=fresh, log=logging.getLogger("test")))
        assert {key[1] for key in fresh.jinja_env.cache.keys()} == pages
        assert gc.get_freeze_count() > 0
        hook(SimpleNamespace(wsgi=lambda environ, start_response: [], log=logging.getLogger("test")))
    finally:
        gc.unfreeze()
