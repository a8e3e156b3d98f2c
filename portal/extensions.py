"""Every Flask extension object, created unbound and initialised in ``create_app``."""
import time
from collections.abc import Sequence
from weakref import WeakKeyDictionary

from flask_babel import Babel, Domain
from flask_babel import _get_current_context
from jinja2 import pass_context
from markupsafe import Markup
from psycopg import Column as PgColumn
from psycopg import Cursor as PgCursor
from psycopg.pq import ExecStatus
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
babel = Babel()


class RequestCachedDomain(Domain):
    """Flask-Babel's domain, but the catalogue is looked up once per request and locale.

    Flask-Babel finds the catalogue again on every ``_()`` (``str(locale)`` and three
    context-local lookups, ~11 µs); a list page of 50 rows calls ``_()`` about 300 times, a
    third of its rendering. The cached catalogue is tied to the request's ``Locale`` object:
    ``force_locale`` and ``refresh`` replace or remove that object, so a changed locale is
    never served the old catalogue."""

    def get_translations(self):
        ctx = _get_current_context()
        if ctx is None:
            return super().get_translations()
        cached = getattr(ctx, "portal_translations", None)
        locale = getattr(ctx, "babel_locale", None)
        if cached is not None and locale is not None and cached[0] is locale:
            return cached[1]
        translations = super().get_translations()  # selects the locale when none is yet
        ctx.portal_translations = (getattr(ctx, "babel_locale", None), translations)
        return translations


def template_gettext(catalogue) -> dict:
    """``_`` and ``gettext`` for one rendering, bound to the catalogue of that rendering.

    Flask-Babel's Jinja callables find the catalogue again on every ``_()``, through three nested
    ``Context.call``s and several context-local look-ups: ~10 µs a string, and a page's layout
    and filter bar hold about sixty (half a millisecond of a 50-row list). Returned by the app's
    context processor, which runs for every ``render_template`` (inside ``force_locale`` too),
    so the catalogue is the one in force for that rendering. Same behaviour as Jinja's
    new-style gettext: marked safe under autoescaping, and always %-formatted (``%%`` → ``%``,
    placeholders escaped).

    A string without placeholders comes out the same each time: it is kept, as its ``Markup``,
    with the catalogue (``Markup(text) % {}`` took ~3 µs, and a list page prints ~50 of them).
    Up to ``_KEPT_PER_CATALOGUE`` strings, in case a template translates a string from its data."""
    translate = catalogue.ugettext
    try:
        kept = _kept_translations[catalogue]
    except KeyError:
        kept = _kept_translations[catalogue] = {}

    @pass_context
    def gettext(context, string, **variables):
        if not variables and context.eval_ctx.autoescape:
            rv = kept.get(string)
            if rv is None:
                rv = Markup(translate(string)) % variables
                if len(kept) < _KEPT_PER_CATALOGUE:
                    kept[string] = rv
            return rv
        rv = translate(string)
        if context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    return {"_": gettext, "gettext": gettext}


# catalogue → {string: its translation as Markup}; a catalogue Flask-Babel drops takes its strings
_kept_translations: "WeakKeyDictionary[object, dict[str, Markup]]" = WeakKeyDictionary()
_KEPT_PER_CATALOGUE = 4000


def sessions_in_utc(engine) -> None:
    """Each new PostgreSQL connection's session runs in UTC, whatever the server's default zone,
    ``ALTER DATABASE … SET timezone``, PGTZ or PGOPTIONS say. Every stored instant is UTC
    (models.base.UTCDateTime); psycopg then returns them with ``datetime.timezone.utc``, which
    needs no conversion per value (a list page reads ~350), and a cast of an instant to a date
    in SQL means the UTC day everywhere. A SET rather than a startup option: PGTZ overrides
    the option; committed, or the pool's rollback at check-in would undo it."""

    @event.listens_for(engine, "connect")
    def _utc(dbapi_connection, record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TimeZone TO 'UTC'")
        dbapi_connection.commit()


def describe_results_lazily(engine) -> None:
    """PostgreSQL cursors whose ``description`` makes its column objects only when something reads
    them (``LazyDescriptionCursor``)."""

    @event.listens_for(engine, "connect")
    def _lazy(dbapi_connection, record):
        dbapi_connection.cursor_factory = LazyDescriptionCursor


class _ResultColumns(Sequence):
    """``cursor.description`` of one result: psycopg's ``Column`` objects, made on first use.

    psycopg builds a ``Column`` for every column of every result when ``description`` is read, and
    SQLAlchemy reads it after each statement only to learn whether rows came back: it describes
    the rows from the compiled statement it cached. A complaint's page reads ~150 columns (the
    complaint with its project, units and handler in one statement): their objects were 8 % of the
    page's instructions. The result (not the cursor) is kept, so a later statement on the same
    cursor cannot change what this description says."""

    __slots__ = ("pgresult", "_encoding", "adapters", "_columns")

    def __init__(self, cursor, pgresult):
        # what psycopg's Column reads of a cursor: its result, encoding and adapters
        self.pgresult, self._encoding, self.adapters = pgresult, cursor._encoding, cursor.adapters
        self._columns = None

    def __len__(self) -> int:
        return self.pgresult.nfields

    def _made(self) -> list:
        if self._columns is None:
            self._columns = [PgColumn(self, i) for i in range(self.pgresult.nfields)]
        return self._columns

    def __getitem__(self, index):
        return self._made()[index]

    def __iter__(self):
        return iter(self._made())


class LazyDescriptionCursor(PgCursor):
    @property
    def description(self):
        res = self.pgresult
        # psycopg's own rule: columns when the result has fields or says it returned rows
        if res and (res.nfields or res.status in _ROWS_RETURNED):
            return _ResultColumns(self, res)
        return None


_ROWS_RETURNED = frozenset({ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK})


def ping_idle_connections(engine, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout if it sat unused for ``idle_seconds``; a dead one is
    replaced before the request uses it (SQLAlchemy retries the checkout on DisconnectionError).

    ``pool_pre_ping`` does the same on every checkout: one more round trip on every request,
    although a connection checked in a few milliseconds ago by the previous request is alive.
    After a database restart the first use of each connection is past the idle limit."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        if time.monotonic() - record.info.get("checked_in_at", float("-inf")) < idle_seconds:
            return
        try:
            ok = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError() from exc
        if ok is False:
            raise DisconnectionError()
