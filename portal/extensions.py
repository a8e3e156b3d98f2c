"""Every Flask extension object, created unbound and initialised in ``create_app``."""
from flask_babel import Babel, Domain
from flask_babel import _get_current_context
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
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
