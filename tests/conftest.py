"""Test set-up: a real database (PostgreSQL by default, SQLite with PORTAL_TEST_DB=sqlite)
and, for the tests that need it, a real Redis.

PostgreSQL and Redis are required: when they cannot be reached the run stops with an error
(never a skip), so CI cannot pass without them.
"""
from __future__ import annotations

import contextvars
import os
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from flask import has_app_context
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db as _db

TEST_DB = os.environ.get("PORTAL_TEST_DB", "postgresql")
PG_ADMIN_URL = os.environ.get("PORTAL_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB_NAME = os.environ.get("PORTAL_TEST_PG_DB", "portal_test")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def pg_url(name: str = PG_DB_NAME) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def ensure_pg_database(name: str) -> None:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.exit(f"PostgreSQL is required for the tests and cannot be reached at {PG_ADMIN_URL}: {exc}", 3)
    finally:
        engine.dispose()


def database_url(tmp_path_factory) -> str:
    if TEST_DB == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    ensure_pg_database(PG_DB_NAME)
    return pg_url()


def pytest_report_header(config):
    return f"portal test database: {TEST_DB}"


class PortalClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Flask reuses an app context that is already pushed (the test's own, for ``db``), which
    would share ``g`` and the database session between requests and hide a missing commit.
    Running the request in an empty ``contextvars.Context`` gives it a fresh app context and
    session; afterwards the test's session is expired so it reads what was really committed.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = database_url(tmp_path_factory)
    instance = tmp_path_factory.mktemp("instance")
    app = create_app({
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "UPLOAD_DIR": str(instance / "uploads"),
        "REDIS_URL": REDIS_URL,
        "SERVER_NAME": "portal.test",
    })
    app.test_client_class = PortalClient
    with app.app_context():
        _db.drop_all()
        _reset_schema()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _reset_schema():
    if _db.engine.dialect.name == "postgresql":
        with _db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def _truncate_all():
    from portal.services import lookups

    _db.session.remove()
    lookups.forget()  # the rows its copies came from are gone
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(sa.text(f'DELETE FROM "{t}"'))


@pytest.fixture()
def db(app):
    """An app context with empty tables; everything written is removed afterwards."""
    with app.app_context():
        yield _db
        _truncate_all()


@pytest.fixture()
def csrf_off(app):
    """Forms posted without their CSRF token: for tests about something else (permissions, rules,
    messages). CSRF itself is tested by the security suite with the token required."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def org(db):
    """The default organisation (group, center, departments, categories) plus two branches."""
    from tests import factories as f

    return f.default_org()


@pytest.fixture()
def login(app):
    """``login(client, user)``: make ``client`` signed in as ``user`` without the slow form."""

    def _login(client, user):
        now = datetime.now(timezone.utc).timestamp()
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
            sess["login_at"] = now
            sess["last_seen"] = now
        return client

    return _login


@pytest.fixture()
def redis_conn():
    import redis

    conn = redis.Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is required for this test and cannot be reached at {REDIS_URL}: {exc}")
    conn.flushdb()
    yield conn
    conn.flushdb()
