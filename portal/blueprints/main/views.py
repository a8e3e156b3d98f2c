"""Home (my pending work), language preference, and the notification list."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.auth.access import login_only, public, safe_next
from portal.blueprints.main import bp
from portal.extensions import db, htmx
from portal.models import Notification
from portal.services import notifications
from portal.services.pending import pending_for

LOCALES = {"zh_Hans_CN", "en"}


@bp.route("/")
@login_only
def home():
    return render_template("main/home.html", pending=pending_for(current_user))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    else:
        session["locale"] = locale
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/notifications")
@login_only
def notification_list():
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(200)
    ).all()
    return render_template("main/notifications.html", rows=rows)


@bp.route("/notifications/bell")
@login_only
def notification_bell():
    return render_template("main/_bell.html", unread=notifications.unread_count(current_user.id))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_only
def notification_read(notification_id: int):
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    notifications.mark_read(current_user.id, notification_id)
    db.session.commit()
    if row.link and request.form.get("follow"):
        return redirect(safe_next(row.link) or url_for("main.notification_list"))
    if htmx:
        return render_template("main/_bell.html", unread=notifications.unread_count(current_user.id))
    return redirect(url_for("main.notification_list"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_only
def notification_read_all():
    notifications.mark_read(current_user.id)
    db.session.commit()
    return redirect(url_for("main.notification_list"))
