"""The Customer Service Center portal (客户服务中心管理门户).

``create_app(config=None)`` builds the Flask application from small ``register_*`` steps.
It never runs migrations and never touches the network at import time.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path

from flask import Flask, g, render_template, request
from flask_babel import get_locale, get_translations
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from portal.config import load_config
from portal.http import PortalRequest, bounded_int_converter
from portal.extensions import (
    RequestCachedDomain, babel, csrf, db, describe_results_lazily, htmx, login_manager, migrate, ping_idle_connections,
    sessions_in_utc, template_gettext,
)
from portal.templating import PortalEnvironment

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: dict | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=False)
    app.request_class = PortalRequest
    app.jinja_environment = PortalEnvironment  # before anything builds app.jinja_env
    app.url_map.converters["int"] = bounded_int_converter()
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["ENV"] == "production":
        logging.basicConfig(level=logging.INFO)

    register_extensions(app)
    register_request_hooks(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def compile_templates(app: Flask) -> int:
    """Compile every page template into the app's template cache; returns how many.

    A server process calls it before its first request (``gunicorn.conf.py``): otherwise each
    worker compiles a template when a page first needs it, and the first monthly report a
    worker served took ~0.3 s longer than the next. Jinja's cache (400 entries) holds them all."""
    names = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def register_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (registers every model on the metadata)

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])
            if engine.dialect.name == "postgresql":
                sessions_in_utc(engine)
                describe_results_lazily(engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    babel.domain_instance = RequestCachedDomain()  # replaces a cached_property of Flask-Babel
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        @event.listens_for(Engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            if type(dbapi_conn).__module__.startswith("sqlite3"):
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.close()


@functools.cache
def _signed_in_user_statement():
    """The user, his roles and the bell's unread count in one round trip (not three). Every
    signed-in request runs it, so it is built once: constructing the statement and its cache key
    each time was a third of its cost."""
    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import joinedload

    from portal.models import User
    from portal.services import notifications

    return (select(User, notifications.unread_count_of(User.id)).options(joinedload(User.role_rows))
            .where(User.id == bindparam("user_id")))


def _load_user(session_id: str):
    """Sessions carry "<user id>:<session version>"; an old version means the session has ended."""
    from portal.services import notifications

    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    row = db.session.execute(_signed_in_user_statement(), {"user_id": user_id}).unique().one_or_none()
    if row is None:
        return None
    user, unread = row
    if not user.active or user.session_version != version:
        return None
    notifications.remember_unread(user.id, unread)
    return user


def _select_locale():
    """Simplified Chinese unless the user chose English (stored on the user, or in the
    session before login)."""
    from flask import has_request_context, session

    if not has_request_context():
        return "zh_Hans_CN"
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    return session.get("locale") or "zh_Hans_CN"


def register_request_hooks(app: Flask) -> None:
    from portal.auth.access import guard

    app.before_request(guard)

    @app.after_request
    def security_headers(response):
        h = response.headers
        # No inline script anywhere: htmx and every script are files from /static.
        h.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'",
        )
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint != "static":
            # Pages may carry personal data: never keep them in a cache.
            h["Cache-Control"] = "no-store"
            h.add("Vary", "HX-Request")
        return response


def register_blueprints(app: Flask) -> None:
    from portal.auth.views import bp as auth_bp
    from portal.blueprints.admin import bp as admin_bp
    from portal.blueprints.archives import bp as archives_bp
    from portal.blueprints.complaints import bp as complaints_bp
    from portal.blueprints.main import bp as main_bp
    from portal.blueprints.reception import bp as reception_bp
    from portal.blueprints.reminders import bp as reminders_bp
    from portal.blueprints.reports import bp as reports_bp
    from portal.blueprints.revisits import bp as revisits_bp

    for bp in (auth_bp, main_bp, admin_bp, reminders_bp, reception_bp, complaints_bp, archives_bp, revisits_bp,
               reports_bp):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    from portal.auth.access import forbidden_response, wants_fragment

    def page(code: int, template: str):
        def handler(error):
            if wants_fragment():
                return render_template("errors/_fragment.html", code=code), code
            return render_template(template, code=code), code

        return handler

    app.register_error_handler(403, forbidden_response)
    app.register_error_handler(404, page(404, "errors/404.html"))
    app.register_error_handler(405, page(405, "errors/generic.html"))
    app.register_error_handler(413, page(413, "errors/413.html"))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if wants_fragment():
            return render_template("errors/_fragment.html", code=400, csrf=True), 400
        return render_template("errors/csrf.html", code=400), 400

    @app.errorhandler(400)
    def bad_request(error):
        return page(400, "errors/generic.html")(error)

    from sqlalchemy.exc import DataError

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)  # SQLite's answer to an integer beyond 64 bits
    def data_error(error):
        # The last line of defence for input a form let through that the database refuses
        # (a number out of range…): a clear 400, never a 500. Forms should catch it first.
        db.session.rollback()
        app.logger.warning("database refused input: %s", getattr(error, "orig", error))
        return page(400, "errors/generic.html")(error)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return page(500, "errors/500.html")(error)


MINUTES = "%Y-%m-%d %H:%M"  # how the portal shows an instant unless a template asks otherwise


def register_template_helpers(app: Flask) -> None:
    from portal.auth.permissions import Perm
    from portal.services.clock import portal_tz, to_local

    @app.template_filter("localtime")
    def localtime(value, fmt: str = MINUTES):
        if value is None:
            return ""
        # the zone from this app's config directly: a list calls this twice a row, and finding
        # current_app for it each time was a third of the filter's cost
        local = to_local(value, portal_tz(app.config["TIMEZONE"]))
        if fmt == MINUTES:  # the lists' format: %-formatting is a third of strftime's cost
            return "%04d-%02d-%02d %02d:%02d" % (local.year, local.month, local.day, local.hour, local.minute)
        return local.strftime(fmt)

    # The main menu depends only on what the user may do, the language and where the portal is
    # mounted: rendered once per worker for each such combination (a handful) rather than on every
    # page, where its nine permission checks and six url_for were ~3 % of a list page's work.
    main_menus: dict[tuple, Markup] = {}

    def main_nav() -> Markup:
        key = (current_user.permissions, str(get_locale()), request.script_root)
        menu = main_menus.get(key)
        if menu is None:
            menu = main_menus[key] = Markup(render_template("_nav.html"))
        return menu

    @app.context_processor
    def inject():
        from portal.services.notifications import unread_count

        def bell_unread() -> int:
            return unread_count(current_user.id) if current_user.is_authenticated else 0

        return {"Perm": Perm, "current_locale": str(get_locale()), "bell_unread": bell_unread,
                "main_nav": main_nav, **template_gettext(get_translations())}

    from portal.auth.access import public

    @app.route("/health")
    @public
    def health():
        return {"status": "ok"}


def register_commands(app: Flask) -> None:
    from portal.cli import register

    register(app)


__all__ = ["create_app", "g"]
