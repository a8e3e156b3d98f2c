"""Every POST without a CSRF token gets 400; a crawl of every GET route as every role
changes no database row (reads write only the audit log, which is the point of it)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.permissions import Role
from portal.extensions import db as _db
from portal.models import User
from tests.security.conftest import ROLE_USERS
from tests.security.routes import routes, sample_url

# Tables a GET may write to, and why: reads of confidential data are audited.
WRITABLE_ON_GET = {"audit_event", "archive_read_log"}  # the archive read log is the audit of reads (DOMAIN.md §3)


@pytest.mark.parametrize("role", [None, Role.ADMIN, Role.CENTER_MANAGER, Role.BRANCH_STAFF])
def test_every_post_without_csrf_token_is_refused(app, client, demo, login, role):
    if role is not None:
        user = _db.session.scalar(sa.select(User).where(User.username == ROLE_USERS[role]))
        login(client, user)
    for rule in routes(app, "POST"):
        resp = client.post(sample_url(rule), data={"anything": "1"})
        assert resp.status_code == 400, (rule.endpoint, resp.status_code)
        htmx = client.post(sample_url(rule), data={}, headers={"HX-Request": "true"})
        assert htmx.status_code == 400, (rule.endpoint, "htmx", htmx.status_code)


def _row_counts() -> dict[str, int]:
    counts = {}
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            counts[table.name] = conn.scalar(sa.select(sa.func.count()).select_from(table))
    return counts


def _fingerprint() -> dict[str, int]:
    """Row counts plus a checksum of updatable columns would be ideal; counts and the
    maximum of every timestamp column catch inserts, deletes and touched rows."""
    counts = _row_counts()
    with _db.engine.connect() as conn:
        for table in _db.metadata.sorted_tables:
            for col in table.columns:
                if isinstance(col.type, sa.types.TypeDecorator) or isinstance(col.type, sa.DateTime):
                    counts[f"{table.name}.{col.name}"] = str(conn.scalar(sa.select(sa.func.max(col))))
    return counts


@pytest.mark.parametrize("role", list(Role))
def test_get_crawl_changes_nothing(app, client, demo, login, role):
    user = _db.session.scalar(sa.select(User).where(User.username == ROLE_USERS[role]))
    before = _fingerprint()
    for rule in routes(app, "GET"):
        login(client, user)
        resp = client.get(sample_url(rule))
        assert resp.status_code < 500, (rule.endpoint, resp.status_code)
        if resp.status_code == 200 and resp.mimetype == "text/html":
            client.get(sample_url(rule), headers={"HX-Request": "true"})
    after = _fingerprint()
    changed = {k for k in before if before[k] != after[k] and k.split(".")[0] not in WRITABLE_ON_GET}
    assert not changed, changed
