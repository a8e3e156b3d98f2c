"""Login, logout and the user's own password."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.auth.access import login_only, public, safe_next
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.auth.passwords import verify_password
from portal.extensions import db
from portal.services import accounts, audit

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        policy = accounts.LockoutPolicy(cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_FAILURE_WINDOW"], cfg["LOGIN_LOCKOUT"])
        outcome, user = accounts.authenticate(form.username.data, form.password.data, request.remote_addr, policy)
        db.session.commit()
        if outcome is accounts.LoginOutcome.OK:
            session.clear()  # a fresh session on login: nothing carried over from before
            login_user(user)
            now = datetime.now(timezone.utc).timestamp()
            session["login_at"] = now
            session["last_seen"] = now
            session.permanent = True
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        if outcome is accounts.LoginOutcome.LOCKED:
            flash(_("Too many failed attempts. Try again in 15 minutes."), "error")
        else:
            # One message whether the name is unknown, the password wrong or the user inactive.
            flash(_("Wrong user name or password."), "error")
    elif request.method == "GET" and request.args.get("expired"):
        flash(_("Your session has expired. Please sign in again."), "info")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_only
def logout():
    audit.record("logout", object_type="user", object_id=current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_only
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            try:
                accounts.set_password(current_user, form.new_password.data, by=current_user)
            except accounts.PasswordRejected as exc:
                form.new_password.errors.extend(exc.problems)
            else:
                db.session.commit()
                # This session continues with the new version; every other session has ended.
                login_user(current_user._get_current_object())
                flash(_("Your password has been changed. Other sessions have been signed out."), "success")
                return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
