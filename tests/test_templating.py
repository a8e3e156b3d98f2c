"""The portal's Jinja environment prints ``{{ value }}`` exactly as Jinja's own escaping would."""
from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask_babel import lazy_gettext
from jinja2 import Environment, StrictUndefined, Undefined
from markupsafe import Markup, escape

from portal.templating import PortalEnvironment, output_escape


class Colour(enum.Enum):
    RED = "<red>"


class Level(enum.IntEnum):
    HIGH = 3


class Html:
    def __html__(self):
        return "<b>trusted</b>"


class Text:
    def __str__(self):
        return 'O\'Brien & "Sons" <x>'


VALUES = [
    "", "plain 文字", "<script>alert('x')</script>", "a & b", "\"quoted\" 'single'", "&amp; already",
    0, -12, 10**30, True, False, 1.5, Decimal("2.50"), None,
    date(2026, 12, 6), datetime(2026, 12, 6, 8, 30, tzinfo=timezone.utc),
    Colour.RED, Level.HIGH, Markup("<i>safe</i>"), Html(), Text(), ["<li>"], {"k": "<v>"},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_output_escape_is_markupsafes_text(value):
    assert output_escape(value) == str(escape(value))
    assert type(output_escape(value)) in (str, Markup)


def test_lazy_translations_and_undefined_print_as_before(app):
    with app.test_request_context():
        label = lazy_gettext("Complaints")
        assert output_escape(label) == str(escape(label))
    assert output_escape(Undefined(name="missing")) == "" == str(escape(Undefined(name="missing")))
    with pytest.raises(Exception):
        output_escape(StrictUndefined(name="missing"))


# Each block hands a buffer, not the page, what its output expressions yield: each must come out
# escaped once, never twice, and never left raw.
TEMPLATES = {
    "output": "{{ v }}|{{ n }}|{{ m }}",
    "set block": "{% set b %}[{{ v }}]{% endset %}{{ b }}{{ b }}",
    "macro": "{% macro row(x) %}<td>{{ x }}</td>{% endmacro %}{{ row(v) }}{{ row(m) }}",
    "call block": "{% macro box() %}<div>{{ caller() }}</div>{% endmacro %}{% call box() %}{{ v }}{% endcall %}",
    "filter block": "{% filter upper %}{{ v }}{% endfilter %}",
    "loop and if": "{% for x in [v, m, n] %}{% if x %}({{ x }}){% endif %}{% endfor %}",
    "explicit filters": "{{ v|e }}{{ m|safe }}{{ v ~ m }}{{ v|default('x') }}{{ (v ~ '')|length }}",
    "autoescape off": "{% autoescape false %}{{ v }}{% endautoescape %}{{ v }}",
    "include": "{% include 'child' %}",
    "extends and super": "{% extends 'parent' %}{% block b %}{{ super() }}{{ v }}{% endblock %}",
    "self block": "{% block b %}{{ v }}{% endblock %}{{ self.b() }}",
    "import": "{% import 'lib' as lib %}{{ lib.cell(v) }}",
}
SHARED = {"child": "<p>{{ v }}</p>", "parent": "{% block b %}<{{ v }}>{% endblock %}",
          "lib": "{% macro cell(x) %}<td>{{ x }}</td>{% endmacro %}"}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_templates_render_as_with_jinjas_escaping(app, name):
    from jinja2 import DictLoader

    sources = dict(SHARED, page=TEMPLATES[name])
    values = {"v": "<img src=x onerror=alert(1)> & 'q'", "m": Markup("<em>ok</em>"), "n": 42}
    ours = PortalEnvironment(app, loader=DictLoader(sources), autoescape=True)
    jinjas = Environment(loader=DictLoader(sources), autoescape=True)
    expected = jinjas.get_template("page").render(**values)
    assert ours.get_template("page").render(**values) == expected
    # and Jinja's own rendering escaped the value (upper-cased by the filter block)
    assert "<img" not in expected.lower() and "&lt;img" in expected.lower() or name == "autoescape off"


def test_the_apps_templates_use_it(app):
    assert isinstance(app.jinja_env, PortalEnvironment)
    source = app.jinja_env.loader.get_source(app.jinja_env, "complaints/_table.html")[0]
    code = app.jinja_env.compile(source, raw=True)
    assert "environment.output_escape(" in code and " escape(" not in code
