"""IDOR: every object URL (a route with an id argument), requested by a branch user, a department
user and a leader without grants with the ids of objects that belong to ANOTHER unit or another
person, leaks nothing: the answer is 403 or 404, or a page without the object's identifying text
(serial, name, reason, file content). A POST never acts on such an object (no redirect after it).
Administration objects must be refused outright."""
from __future__ import annotations

import pytest

from tests.security.objects import add_missing_objects, foreign_objects, user
from tests.security.routes import routes

SUBJECTS = ["fgs1_kefu", "gongcheng", "fgs1_lingdao"]
NOT_IDS = {"day", "kind", "job_id"}  # path arguments that name no stored object


def _object_rules(app):
    for method in ("GET", "POST"):
        for rule in routes(app, method):
            args = set(rule.arguments) - NOT_IDS
            if args:
                yield method, rule, frozenset(args)


def _leak(method: str, resp, obj) -> str | None:
    if resp.status_code in (403, 404):
        return None
    if obj.strict:
        return f"status {resp.status_code} for an administration object"
    if resp.status_code >= 500:
        return f"server error {resp.status_code}"
    if 300 <= resp.status_code < 400:
        return "POST acted on it (redirect)" if method == "POST" else None
    body = resp.get_data(as_text=True)
    shown = [t for t in obj.texts if t and t in body]
    return f"shows {shown}" if shown else None


@pytest.mark.parametrize("username", SUBJECTS)
def test_no_object_of_another_unit_leaks(app, client, demo, login, csrf_off, username):
    add_missing_objects()
    me = user(username)
    foreign = foreign_objects(me)
    leaks, checked, uncovered = [], 0, set()
    for method, rule, args in _object_rules(app):
        objs = foreign.get(args)
        if not objs:
            uncovered.add(rule.endpoint)
            continue
        for obj in objs:
            url = rule.build(obj.ids, append_unknown=False)[1]
            login(client, me)
            resp = client.get(url) if method == "GET" else client.post(url, data={})
            checked += 1
            problem = _leak(method, resp, obj)
            if problem:
                leaks.append((method, rule.endpoint, url, resp.status_code, problem))
    assert not uncovered, f"object routes without a foreign object to try: {sorted(uncovered)}"
    assert checked > 100
    assert leaks == [], "\n".join(map(str, leaks))
