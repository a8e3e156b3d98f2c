"""The list's "Export to Excel" submits the search form as it stands: what the page fixes (the
special-owner list, a yearly volume) travels with it, and a live search is what gets exported."""
from __future__ import annotations

import io
from html.parser import HTMLParser
from urllib.parse import urlencode

from openpyxl import load_workbook

from portal.models import AccessScope, SpecialKind
from tests.archives.factories import make_customer, make_grant


class _Form(HTMLParser):
    """The filters form as a browser submits it: its fields and the export button's formaction."""

    def __init__(self):
        super().__init__()
        self.inside, self.fields, self.export, self.links = False, [], None, []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("class") == "filters":
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and (a.get("type") != "checkbox" or "checked" in a):
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select = a["name"]
            self.fields.append((self._select, ""))
        elif tag == "option" and self._select and "selected" in a:
            self.fields[-1] = (self._select, a.get("value") or "")
        elif tag == "button" and a.get("formaction"):
            self.export = a
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def _form(page: str) -> _Form:
    form = _Form()
    form.feed(page)
    return form


def _export(client, form: _Form, **typed) -> list[str]:
    """Submit ``form`` through its export button, with ``typed`` filled in as a user would."""
    fields = [(name, typed.pop(name, value)) for name, value in form.fields]
    resp = client.get(form.export["formaction"] + "?" + urlencode(fields + list(typed.items())))
    assert resp.status_code == 200, resp.status_code
    return [r[2] for r in list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))[1:]]


def test_the_special_owner_list_exports_special_owners(client, login, people, org):
    make_customer(org.project1, name="孤老张", special_kind=SpecialKind.ELDERLY_ALONE, archive_year=2025)
    make_customer(org.project1, name="军属王", special_kind=SpecialKind.MILITARY_FAMILY, archive_year=2025)
    make_customer(org.project1, name="普通李", archive_year=2025)
    make_grant(people.manager, scope=AccessScope.VOLUME, year=2025, export=True)
    login(client, people.manager)
    form = _form(client.get("/archives/special").get_data(as_text=True))
    assert form.export is not None and "data-native-submit" in form.export
    assert not any("/archives/export" in href for href in form.links)  # no link frozen with the page
    assert sorted(_export(client, form)) == ["军属王", "孤老张"]
    assert _export(client, form, special_kind="military_family") == ["军属王"]


def test_the_special_owner_list_filters_by_kind(client, login, people, org):
    make_customer(org.project1, name="孤老张", special_kind=SpecialKind.ELDERLY_ALONE)
    make_customer(org.project1, name="军属王", special_kind=SpecialKind.MILITARY_FAMILY)
    login(client, people.staff)
    page = client.get("/archives/special?special_kind=military_family").get_data(as_text=True)
    assert "军属王" in page and "孤老张" not in page


def test_the_export_takes_what_was_typed_after_the_page_loaded(client, login, people, org):
    make_customer(org.project1, name="王建国", archive_year=2025)
    make_customer(org.project1, name="李秀英", archive_year=2025)
    make_grant(people.manager, scope=AccessScope.VOLUME, year=2025, export=True)
    login(client, people.manager)
    form = _form(client.get("/archives/").get_data(as_text=True))
    assert _export(client, form, q="王") == ["王建国"]


def test_a_volume_stays_the_volume_for_the_search_and_the_export(client, login, people, org):
    make_customer(org.project1, name="王二五", archive_year=2025)
    make_customer(org.project1, name="王二六", archive_year=2026)
    make_grant(people.manager, scope=AccessScope.VOLUME, year=2025, export=True)
    make_grant(people.manager, scope=AccessScope.VOLUME, year=2026, export=True)
    login(client, people.manager)
    form = _form(client.get("/archives/?year=2025").get_data(as_text=True))
    assert ("year", "2025") in form.fields
    assert _export(client, form, q="王") == ["王二五"]
    fragment = client.get("/archives/?" + urlencode([*form.fields, ("q", "王")]),
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "王二五" in fragment and "王二六" not in fragment
