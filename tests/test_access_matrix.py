"""Every endpoint × every role (and anonymous) × GET/POST against the permission table.

Anonymous users are sent to the login page, a role without the permission gets 403, and
nothing answers 500. The test fails when an endpoint is missing from ``tests/access/``.
"""
from __future__ import annotations

import pytest

from portal.auth.access import LOGIN_ONLY, PUBLIC, declared_access
from portal.auth.permissions import Role, permissions_for
from tests import factories as f
from tests.access import load_scoped, load_table

SAMPLE_ARGS = {"day": "2026-10-01"}


def _url_for_rule(rule) -> str:
    values = {}
    for arg in rule.arguments:
        values[arg] = SAMPLE_ARGS.get(arg, 1)
    return rule.build(values, append_unknown=False)[1]


def _endpoints(app):
    return {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}


def test_every_endpoint_is_in_the_table(app):
    table = load_table()
    missing = _endpoints(app) - table.keys()
    assert not missing, f"endpoints with no entry in tests/access/: {sorted(missing)}"
    stale = table.keys() - _endpoints(app)
    assert not stale, f"entries for endpoints that no longer exist: {sorted(stale)}"


def test_views_declare_what_the_table_says(app):
    table = load_table()
    for endpoint in _endpoints(app):
        declared = declared_access(app.view_functions[endpoint])
        expected = table[endpoint]
        if expected in (PUBLIC, LOGIN_ONLY):
            assert declared == expected, endpoint
        else:
            assert declared == frozenset(expected), endpoint


def _requests(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in ("GET", "POST"):
            if method in rule.methods:
                yield rule.endpoint, method, _url_for_rule(rule)


def test_anonymous_is_sent_to_login(app, client, org, csrf_off):
    table = load_table()
    for endpoint, method, url in _requests(app):
        resp = client.open(url, method=method)
        assert resp.status_code < 500, (endpoint, method, resp.status_code)
        if table[endpoint] == PUBLIC:
            continue
        assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"], (endpoint, method)
        htmx = client.open(url, method=method, headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and "/auth/login" in htmx.headers["HX-Redirect"], (endpoint, method)


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(app, client, org, login, role, csrf_off):
    table = load_table()
    scoped = load_scoped()
    user = f.user_with_role(org, role)
    perms = permissions_for({role})
    unexpected = []
    for endpoint, method, url in _requests(app):
        login(client, user)
        resp = client.open(url, method=method)
        rule = table[endpoint]
        allowed = rule in (PUBLIC, LOGIN_ONLY) or bool(perms & frozenset(rule))
        if resp.status_code >= 500:
            unexpected.append((endpoint, method, resp.status_code))
        elif allowed and resp.status_code == 403 and endpoint not in scoped:
            unexpected.append((endpoint, method, "403 but allowed"))
        elif not allowed and resp.status_code != 403:
            unexpected.append((endpoint, method, f"{resp.status_code} but not allowed"))
    assert not unexpected, unexpected
