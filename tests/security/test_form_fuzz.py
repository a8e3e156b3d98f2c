"""Hypothesis-generated input for every form the portal renders: 0 server errors and 0
unescaped markup. Forms are found by crawling every GET page as every role, so each area's
forms are covered as soon as they exist. PORTAL_FUZZ_EXAMPLES sets the examples per form
(500 by default)."""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.auth.permissions import Role
from portal.extensions import db as _db
from portal.models import User
from tests.security.conftest import ROLE_USERS
from tests.security.routes import routes, sample_url

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "500"))
CANARY = "<x-canary onmouseover=alert(1)>"
SKIP_ACTIONS = {"/auth/logout"}  # signing out is not a form with input


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._current = {"action": a.get("action") or "", "fields": {}, "enctype": a.get("enctype")}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "textarea", "select") and a.get("name"):
            name = a["name"]
            if name == "csrf_token":
                return
            kind = a.get("type", tag)
            field = self._current["fields"].setdefault(name, {"kind": kind, "options": []})
            if tag == "select":
                self._select = field
        elif tag == "option" and self._select is not None:
            self._select["options"].append(dict(attrs).get("value", ""))
        elif self._current is not None and tag == "button" and a.get("name"):
            self._current["fields"].setdefault(a["name"], {"kind": "button", "options": [a.get("value", "")]})

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def discover_forms(app, client, login) -> dict[tuple, dict]:
    """(role, action) → form description, for every POST form on every GET page."""
    found: dict[tuple, dict] = {}
    for role, username in ROLE_USERS.items():
        for rule in routes(app, "GET"):
            user = _db.session.scalar(sa.select(User).where(User.username == username))
            login(client, user)
            url = sample_url(rule)
            resp = client.get(url)
            if resp.status_code != 200 or resp.mimetype != "text/html":
                continue
            parser = FormParser()
            parser.feed(resp.get_data(as_text=True))
            for form in parser.forms:
                action = form["action"] or url
                if action in SKIP_ACTIONS or not action.startswith("/"):
                    continue
                key = (action, tuple(sorted(form["fields"])))
                found.setdefault(key, {"role": role, "action": action, "fields": form["fields"]})
    return found


text = st.one_of(
    st.text(max_size=40),
    st.text(min_size=200, max_size=3000),
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "2026-02-30", "2026-10-01T25:61", "1e309",
                     "NaN", "null", "../../etc/passwd", "%00", "\x00", "😀" * 50, "'; DROP TABLE complaint; --",
                     CANARY, "13800138000", "11010519491231002X"]),
)


def value_for(field):
    if field["kind"] in ("select", "button") and field["options"]:
        return st.one_of(st.sampled_from(field["options"]), text)
    if field["kind"] == "checkbox":
        return st.sampled_from(["y", "", "on", "x" * 10])
    return text


def test_every_form_survives_generated_input(app, client, demo, login, csrf_off):
    forms = discover_forms(app, client, login)
    assert len(forms) >= 10, "form discovery found too few forms"
    print(f"fuzzing {len(forms)} forms with {EXAMPLES} examples each")
    failures = []
    for (action, _), form in sorted(forms.items()):
        username = ROLE_USERS[form["role"]]
        strategy = st.fixed_dictionaries({name: value_for(f) for name, f in form["fields"].items()})

        user = _db.session.scalar(sa.select(User).where(User.username == username))
        login(client, user)

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(data=strategy)
        def post_it(data):
            resp = client.post(action, data=data)
            if resp.status_code in (302, 401) and "/auth/login" in resp.headers.get("Location", ""):
                # the form changed the password or the session ended: sign in again and retry
                login(client, _db.session.scalar(sa.select(User).where(User.username == username)))
                resp = client.post(action, data=data)
            body = resp.get_data(as_text=True) if resp.mimetype == "text/html" else ""
            assert resp.status_code < 500, (action, data, resp.status_code)
            assert CANARY not in body, (action, "unescaped markup reflected")

        try:
            post_it()
        except AssertionError as exc:
            failures.append(str(exc)[:500])
    assert not failures, failures
