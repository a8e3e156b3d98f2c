"""What every signed-in request pays for, made cheaper (issue #9): template strings translated
through a per-rendering catalogue, the bell's count read with the user, pooled connections
pinged only after an idle spell, reference names in one round trip and reused for a few seconds, keyset pages of plain rows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import select

from portal.auth.permissions import Role
from portal.extensions import db as _db
from portal.models import ComplaintCategory, Notification, Project
from portal.services import lookups, notifications
from portal.services.paging import keyset_page
from tests import factories as f


# --- template strings ---------------------------------------------------------------------------

@pytest.mark.parametrize("source, locale, expected", [
    ("{{ _('Complaints') }}", None, "客户投诉"),
    ("{{ _('Complaints') }}", "en", "Complaints"),
    ("{{ gettext('Complaints') }}", None, "客户投诉"),
    # placeholders are filled and escaped, as Jinja's new-style gettext does
    ("{{ _('%(n)s complaints', n='<b>') }}", "en", "&lt;b&gt; complaints"),
    # always %-formatted, even without placeholders: '%%' is one '%'
    ("{{ _('100%%') }}", "en", "100%"),
    # an untranslated string is itself, and marked safe only under autoescaping
    ("{{ _('<i>no such msgid</i>') }}", None, "<i>no such msgid</i>"),
])
def test_template_strings_use_the_catalogue_of_the_rendering(app, source, locale, expected):
    with app.test_request_context("/"):
        if locale:
            with force_locale(locale):
                assert render_template_string(source) == expected
        else:
            assert render_template_string(source) == expected


def test_a_template_rendered_inside_force_locale_gets_that_locale_and_the_page_its_own(app):
    with app.test_request_context("/"):
        assert render_template_string("{{ _('Complaints') }}") == "客户投诉"
        with force_locale("en"):
            assert render_template_string("{{ _('Complaints') }}") == "Complaints"
        assert render_template_string("{{ _('Complaints') }}") == "客户投诉"


def test_trans_blocks_use_the_same_gettext(app):
    with app.test_request_context("/"), force_locale("en"):
        assert render_template_string("{% trans %}Complaints{% endtrans %}") == "Complaints"


def test_strings_kept_with_their_catalogue_come_out_the_same_and_stay_bounded(app, monkeypatch):
    from portal import extensions

    monkeypatch.setattr(extensions, "_KEPT_PER_CATALOGUE", 2)
    source = "{{ _('Complaints') }}|{{ _('100%%') }}|{{ _('Archives') }}|{{ _('%(n)s complaints', n='<b>') }}"
    with app.test_request_context("/"):
        with force_locale("en"):
            first = render_template_string(source)
            assert render_template_string(source) == first  # the second time from what was kept
        chinese = render_template_string("{{ _('Complaints') }}|{{ _('100%%') }}")
    assert first.startswith("Complaints|100%|") and first.endswith("&lt;b&gt; complaints")
    assert chinese == "客户投诉|100%"  # kept per catalogue: the English one is not served
    kept = [dict(k) for k in extensions._kept_translations.values()]
    # only strings without placeholders are kept, at most _KEPT_PER_CATALOGUE per catalogue
    assert kept and all(len(k) <= 2 and not any("%(" in msgid for msgid in k) for k in kept)
    # outside autoescaping a string is translated as before, not taken from what was kept
    with app.test_request_context("/"):
        tmpl = "{% autoescape false %}{{ _('Complaints') ~ '' }}{% endautoescape %}"
        assert render_template_string(tmpl) == "客户投诉"


# --- the bell's count, read with the user -------------------------------------------------------

def _notify(user, n=1):
    for i in range(n):
        _db.session.add(Notification(user_id=user.id, kind="test", title=f"note {i}"))
    _db.session.commit()


def test_the_bell_counts_unread_notifications_read_with_the_user(client, org, login, db):
    user = f.make_user(org.center, Role.CENTER_STAFF)
    other = f.make_user(org.center, Role.CENTER_STAFF)
    _notify(user, 2)
    _notify(other, 5)
    login(client, user)
    assert 'data-unread="2"' in client.get("/notifications/bell").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert 'data-unread="2"' in home
    db.session.execute(sa.update(Notification).where(Notification.user_id == user.id).values(
        read_at=datetime.now(timezone.utc)))
    db.session.commit()
    assert "data-unread" not in client.get("/notifications/bell").get_data(as_text=True)


def test_marking_read_in_the_same_request_is_not_hidden_by_the_count_read_with_the_user(client, org, login, db,
                                                                                        app):
    user = f.make_user(org.center, Role.CENTER_STAFF)
    _notify(user, 2)
    note_id = db.session.scalar(select(Notification.id).where(Notification.user_id == user.id).limit(1))
    login(client, user)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        resp = client.post(f"/notifications/{note_id}/read", headers={"HX-Request": "true"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert 'data-unread="1"' in resp.get_data(as_text=True)


def test_a_count_remembered_for_one_user_is_not_given_to_another_or_kept_after_a_change(app, org, db):
    a = f.make_user(org.center, Role.CENTER_STAFF)
    b = f.make_user(org.center, Role.CENTER_STAFF)
    _notify(b, 3)
    with app.test_request_context("/"):
        notifications.remember_unread(a.id, 7)
        assert notifications.unread_count(a.id) == 7
        assert notifications.unread_count(b.id) == 3
        notifications.notify([a], kind="test", title="new")
        db.session.flush()
        assert notifications.unread_count(a.id) == 1  # forgotten by notify, counted again
        notifications.remember_unread(a.id, 1)
        notifications.mark_read(a.id)
        assert notifications.unread_count(a.id) == 0


# --- pooled connections: pinged after an idle spell only ----------------------------------------

@pytest.fixture()
def pinged(app, monkeypatch):
    calls = []
    dialect = _db.engine.dialect
    real = dialect.do_ping

    def counting(dbapi_connection):
        calls.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counting)
    return calls


def _idle_pooled_connections(engine, seconds: float) -> None:
    """As if every connection waiting in the pool had been checked in ``seconds`` ago."""
    for record in list(engine.pool._pool.queue):
        record.info["checked_in_at"] -= seconds


def test_a_connection_used_a_moment_ago_is_not_pinged_and_an_idle_one_is(app, db, pinged):
    engine = _db.engine
    assert app.config["DB_PING_AFTER_IDLE_SECONDS"] == 10
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    pinged.clear()
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert pinged == []
    _idle_pooled_connections(engine, 9)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert pinged == []
    _idle_pooled_connections(engine, 11)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert len(pinged) == 1


def test_a_connection_the_database_dropped_while_idle_is_replaced_before_use(app, db):
    engine = _db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("a server that ends a session is PostgreSQL's (SQLite has no server)")
    with engine.connect() as conn:
        pid = conn.scalar(sa.text("SELECT pg_backend_pid()"))
    admin = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()
    admin.dispose()
    _idle_pooled_connections(engine, 3600)
    with engine.connect() as conn:  # the dead connection fails the ping and is replaced
        assert conn.scalar(sa.text("SELECT pg_backend_pid()")) != pid


# --- reference names in one round trip ----------------------------------------------------------

def test_names_and_active_of_several_tables_equals_one_query_each(org, db):
    branch = org.branch1.id
    retired = Project(name="已撤场项目", branch_id=branch, active=False)
    db.session.add_all([Project(name="B 项目", branch_id=branch), Project(name="A 项目", branch_id=branch), retired])
    db.session.flush()
    db.session.add(ComplaintCategory(code="retired-test", name="停用类别", sort_order=0, active=False))
    db.session.commit()
    both = lookups.names_and_active_of((Project, Project.name), (ComplaintCategory, ComplaintCategory.sort_order))
    assert both == [lookups.names_and_active(Project, Project.name),
                    lookups.names_and_active(ComplaintCategory, ComplaintCategory.sort_order)]
    (project_names, project_choices), (category_names, category_choices) = both
    assert project_names[retired.id] == "已撤场项目"
    assert retired.id not in dict(project_choices)
    ordered = [name for _id, name in project_choices]
    assert ordered == sorted(ordered)
    expected_categories = [(c.id, c.name) for c in db.session.scalars(
        select(ComplaintCategory).where(ComplaintCategory.active.is_(True))
        .order_by(ComplaintCategory.sort_order, ComplaintCategory.id))]
    assert category_choices == expected_categories


# --- the registers' reference rows, reused for a few seconds -------------------------------------

@pytest.fixture()
def statements(db):
    """A list that counts the statements the database is sent."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        sent.append(statement)

    sa.event.listen(_db.engine, "before_cursor_execute", count)
    yield sent
    sa.event.remove(_db.engine, "before_cursor_execute", count)


def test_cached_names_are_reused_until_a_reference_row_changes(org, db, statements):
    first = lookups.names_and_active(Project, Project.name, cached=True)
    statements.clear()
    assert lookups.names_and_active(Project, Project.name, cached=True) == first
    assert lookups.center_staff_choices(cached=True) == lookups.center_staff_choices(cached=True)
    assert len(statements) == 1  # the first center-staff read; the rest from the copies
    # a change committed through this worker is seen on its next read
    org.project1.name = "改名后的项目"
    db.session.commit()
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="xin_kefu", display_name="新来的客服")
    names, _choices = lookups.names_and_active(Project, Project.name, cached=True)
    assert names[org.project1.id] == "改名后的项目"
    assert (staff.id, "新来的客服") in lookups.center_staff_choices(cached=True)


def test_a_rolled_back_change_keeps_the_copies_and_uncached_reads_are_fresh(org, db, statements):
    lookups.names_and_active(Project, Project.name, cached=True)
    project_id = org.project1.id
    org.project1.name = "没有保存的名字"
    db.session.flush()
    db.session.rollback()
    statements.clear()
    names, _ = lookups.names_and_active(Project, Project.name, cached=True)
    assert names[project_id] != "没有保存的名字" and statements == []
    # forms that store a choice read afresh, and see a row written behind the ORM's back
    with db.engine.begin() as conn:
        conn.execute(sa.insert(Project).values(name="直接写入的项目", branch_id=org.branch1.id, active=True))
    fresh, _ = lookups.names_and_active(Project, Project.name)
    assert "直接写入的项目" in fresh.values()
    assert "直接写入的项目" not in lookups.names_and_active(Project, Project.name, cached=True)[0].values()


def test_cached_copies_expire_after_the_configured_seconds(app, org, db, statements, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(lookups.time, "monotonic", lambda: clock[0])
    lookups.forget()
    lookups.center_staff_choices(cached=True)
    clock[0] += app.config["REFERENCE_CACHE_SECONDS"] - 0.1
    lookups.center_staff_choices(cached=True)
    assert len(statements) == 1
    clock[0] += 0.2
    lookups.center_staff_choices(cached=True)
    assert len(statements) == 2
    monkeypatch.setitem(app.config, "REFERENCE_CACHE_SECONDS", 0)  # 0: no copies at all
    lookups.center_staff_choices(cached=True)
    lookups.center_staff_choices(cached=True)
    assert len(statements) == 4


def test_the_reception_register_shows_a_renamed_project_at_once(client, login, org, db):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_cache")
    login(client, staff)
    assert client.get("/reception/").status_code == 200  # fills the copies
    org.project1.name = "刚改名的项目"
    db.session.commit()
    assert "刚改名的项目" in client.get("/reception/").get_data(as_text=True)


# --- keyset pages of plain rows -----------------------------------------------------------------

def test_a_keyset_page_of_columns_gives_rows_and_walks_every_row_once(org, db):
    base = datetime(2026, 11, 1, tzinfo=timezone.utc)
    ids = []
    for i in range(7):
        note = Notification(user_id=f.make_user(org.center, Role.CENTER_STAFF).id, kind="t", title=str(i),
                            created_at=base + timedelta(hours=i // 2))  # pairs share a time
        db.session.add(note)
        db.session.flush()
        ids.append(note.id)
    db.session.commit()
    seen, cursor = [], None
    while True:
        page = keyset_page(select(Notification.id, Notification.created_at, Notification.title),
                           Notification.created_at, Notification.id, cursor, per_page=3)
        assert all(not isinstance(r, Notification) for r in page.rows)
        seen += [r.id for r in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    objects = keyset_page(select(Notification), Notification.created_at, Notification.id, None, per_page=3)
    assert all(isinstance(r, Notification) for r in objects.rows)


# --- WTForms' own messages: the catalogue parsed once per locale --------------------------------

def test_wtforms_messages_follow_the_locale_and_their_catalogue_is_parsed_once(app):
    from flask_babel import refresh
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from portal.forms import PortalForm, wtforms_catalogue

    class Probe(PortalForm):
        class Meta:
            csrf = False

        name = StringField("name", validators=[DataRequired()])

    with app.test_request_context("/", method="POST", data={}):
        form = Probe()
        assert not form.validate()
        assert form.name.errors == ["该字段是必填字段。"]
        with force_locale("en"):
            form = Probe()
            form.validate()
            assert form.name.errors == ["This field is required."]
        refresh()
        assert Probe().meta.get_translations(None) is wtforms_catalogue("zh_Hans_CN")


# --- register lines: plain tuples the templates unpack ------------------------------------------

@pytest.mark.parametrize("template, view_module", [
    ("complaints/_table.html", "portal.blueprints.complaints.views"),
    ("reception/_table.html", "portal.blueprints.reception.views"),
])
def test_a_register_template_unpacks_its_lines_in_the_order_the_view_builds_them(app, template, view_module):
    """The registers hand their template plain tuples (reading a row's attributes through Jinja
    was two fifths of the table); a column added to LIST_COLUMNS must be added to the loop too."""
    import importlib

    from jinja2 import nodes

    line = importlib.import_module(view_module).REGISTER_LINE
    source = app.jinja_env.loader.get_source(app.jinja_env, template)[0]
    loop = next(node for node in app.jinja_env.parse(source).find_all(nodes.For)
                if isinstance(node.iter, nodes.Name) and node.iter.name == "rows")
    assert tuple(name.name for name in loop.target.items) == line
