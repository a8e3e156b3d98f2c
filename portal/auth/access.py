"""Deny by default.

Every endpoint is refused unless it is public (``@public``), open to any signed-in user
(``@login_only``), or declares the permission it needs (``@require(Perm.X)``). The check runs
in a ``before_request`` hook for every endpoint, so a view that forgets to declare anything
is refused (403) rather than exposed. Per-object rules come after, in each area's
``get_*_or_403`` helpers, which call ``deny()`` below.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import wraps
from typing import Callable

from flask import abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.auth.permissions import Perm

PUBLIC = "public"
LOGIN_ONLY = "login"

# Endpoints that need no login: the login page itself, static files, the health check.
PUBLIC_ENDPOINTS = {"static", "auth.login", "main.set_language", "health"}


def require(*perms: Perm) -> Callable:
    """Declare that a view needs one of ``perms`` (any of them)."""
    if not perms:
        raise ValueError("require() needs at least one permission")

    def decorator(view):
        view.required_perms = frozenset(perms)
        return view

    return decorator


def login_only(view):
    """Declare that any signed-in user may use a view (own password, notifications, home)."""
    view.required_perms = LOGIN_ONLY
    return view


def public(view):
    """Declare a view open to everyone. Use sparingly; listed in PUBLIC_ENDPOINTS too."""
    view.required_perms = PUBLIC
    return view


def declared_access(view) -> object:
    return getattr(view, "required_perms", None)


def wants_fragment() -> bool:
    return request.headers.get("HX-Request") == "true"


def deny(reason: str = "permission", object_type: str | None = None, object_id=None):
    """Refuse with 403 and write the denial to the audit log."""
    from portal.services import audit

    try:
        audit.record_now(
            "access.denied",
            object_type=object_type,
            object_id=object_id,
            reason=reason,
            detail={"endpoint": request.endpoint, "method": request.method, "path": request.path[:300]},
        )
    except Exception:  # the denial stands even if the log cannot be written
        current_app.logger.exception("could not write access.denied audit event")
    abort(403)


def _unauthenticated():
    login = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if wants_fragment():
        # A 302 would swap the login page into a table cell; tell htmx to navigate instead.
        resp = current_app.response_class(status=401)
        resp.headers["HX-Redirect"] = login
        return resp
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error="login required"), 401
    return redirect(login)


# The idle clock is kept to the minute: the session (a signed cookie) is rewritten only when its
# last activity is a minute old, not on every request. Signing and sending it again each time
# was ~4 % of a list page's instructions; a session now ends after 29 to 30 idle minutes.
IDLE_CLOCK_STEP = 60  # seconds


def _session_expired() -> bool:
    """30 idle minutes or 12 hours since login end a session."""
    now = datetime.now(timezone.utc).timestamp()
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    absolute = current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    login_at = session.get("login_at")
    last_seen = session.get("last_seen")
    if login_at is None or last_seen is None:
        return True
    return now - last_seen > idle or now - login_at > absolute


def guard():
    """``before_request``: the single gate every request passes."""
    endpoint = request.endpoint
    if endpoint is None:  # no route: let Flask answer 404/405
        return None
    view = current_app.view_functions.get(endpoint)
    declared = declared_access(view)
    if endpoint in PUBLIC_ENDPOINTS or declared == PUBLIC:
        return None

    if current_user.is_authenticated and _session_expired():
        logout_user()
        session.clear()
        g.session_expired = True
    if not current_user.is_authenticated:
        return _unauthenticated()
    now = datetime.now(timezone.utc).timestamp()
    if now - session.get("last_seen", 0) >= IDLE_CLOCK_STEP:
        session["last_seen"] = now

    if declared is None:
        current_app.logger.error("endpoint %s declares no access rule; refused", endpoint)
        deny("undeclared endpoint")
    if declared == LOGIN_ONLY:
        return None
    if not any(current_user.can(p) for p in declared):
        deny("permission")
    return None


def forbidden_response(error):
    if wants_fragment():
        return render_template("errors/_forbidden_fragment.html"), 403
    return render_template("errors/403.html"), 403


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: '/x', never '//host', '/\\host', 'https:host' or 'javascript:'."""
    if not target:
        return None
    target = target.strip()
    if (
        not target.startswith("/")
        or target.startswith("//")
        or target.startswith("/\\")
        or "\\" in target
        or "%5c" in target.lower()
        or target.lower().startswith("/%2f")
        or any(ord(c) < 32 for c in target)
    ):
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


__all__ = [
    "LOGIN_ONLY", "PUBLIC", "PUBLIC_ENDPOINTS", "declared_access", "deny", "forbidden_response",
    "guard", "login_only", "public", "require", "safe_next", "wants_fragment",
]
