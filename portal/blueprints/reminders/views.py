"""Thin views: the e-mail preferences page (any signed-in user) and the queue page (admin)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from portal.auth import Perm, require
from portal.auth.access import login_only
from portal.blueprints.reminders import bp
from portal.blueprints.reminders.forms import EmailPreferencesForm
from portal.extensions import db
from portal.labels import translated
from portal.jobs import redis_ok_cached
from portal.models import PeriodicRun, Reminder, ReminderStatus
from portal.services import audit, reminders
from portal.services import reminders_queues as queues


@bp.app_context_processor
def _degraded_banner():
    def reminders_delayed() -> bool:
        """Only administrators of the jobs see the banner, so only they pay for the (cached) check."""
        return bool(current_user.is_authenticated and current_user.can(Perm.ADMIN_JOBS) and not redis_ok_cached())

    return {"reminders_delayed": reminders_delayed}


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_only
def preferences():
    form = EmailPreferencesForm()
    form.kinds.choices = [(name, str(info.label)) for name, info in reminders.KINDS.items()]
    if not form.is_submitted():
        form.kinds.data = [k for k, chosen in reminders.email_choices(current_user).items() if chosen]
    if form.validate_on_submit():
        reminders.set_email_choices(current_user, form.kinds.data or [])
        db.session.commit()
        flash(_("Your reminder preferences have been saved."), "success")
        return redirect(url_for("reminders.preferences"))
    return render_template("reminders/preferences.html", form=form, has_email=bool(current_user.email))


@bp.route("/admin/jobs")
@require(Perm.ADMIN_JOBS)
def queues_page():
    counts = dict(db.session.execute(
        select(Reminder.status, func.count()).group_by(Reminder.status)).all())
    waiting = db.session.scalars(
        select(Reminder).where(Reminder.status.in_([ReminderStatus.PENDING, ReminderStatus.CLAIMED]))
        .order_by(Reminder.due_at).limit(50)).all()
    failed = db.session.scalars(
        select(Reminder).where(Reminder.status == ReminderStatus.FAILED).order_by(Reminder.id.desc()).limit(50)).all()
    runs = {r.name: r for r in db.session.scalars(select(PeriodicRun))}
    return render_template("reminders/queues.html", counts=counts, waiting=waiting, failed=failed, runs=runs,
                           rq=queues.rq_overview(), statuses=list(ReminderStatus),
                           # translated once: the tables show a label on each of up to 100 rows
                           **translated({"status_labels": STATUS_LABELS, "delivery_labels": DELIVERY_LABELS}),
                           kind_labels={name: str(info.label) for name, info in reminders.KINDS.items()},
                           now_utc=datetime.now(timezone.utc))


STATUS_LABELS = {ReminderStatus.PENDING: _l("pending"), ReminderStatus.CLAIMED: _l("being sent"),
                 ReminderStatus.SENT: _l("sent"), ReminderStatus.FAILED: _l("failed"),
                 ReminderStatus.CANCELLED: _l("cancelled")}
# a channel's outcome (ReminderDelivery.status) and the channels, in words
DELIVERY_LABELS = {"sent": _l("sent"), "retrying": _l("retrying"), "failed": _l("failed"), "skipped": _l("skipped"),
                   "portal": _l("in-portal bell"), "email": _l("e-mail"), "webhook": _l("group webhook")}


@bp.route("/admin/jobs/reminders/<int:reminder_id>/retry", methods=["POST"])
@require(Perm.ADMIN_JOBS)
def reminder_retry(reminder_id: int):
    if queues.retry_reminder(reminder_id):
        audit.record("reminder.retried", object_type="reminder", object_id=reminder_id)
        db.session.commit()
        queues.send_now(reminder_id)
        flash(_("The reminder will be sent again."), "success")
    else:
        flash(_("Only a failed reminder can be retried."), "error")
    return redirect(url_for("reminders.queues_page"))


@bp.route("/admin/jobs/failed/<job_id>/retry", methods=["POST"])
@require(Perm.ADMIN_JOBS)
def job_retry(job_id: str):
    job_id = job_id[:100]
    outcome = queues.prepare_failed_job_retry(job_id)
    if outcome == "ok":
        audit.record("job.retried", object_type="rq_job", object_id=job_id[:64])
        db.session.commit()
        if queues.requeue_failed(job_id):
            flash(_("The job has been queued again."), "success")
        else:
            flash(_("The job queue (Redis) cannot be reached; try again later."), "error")
    elif outcome == "redis":
        flash(_("The job queue (Redis) cannot be reached; try again later."), "error")
    else:
        flash(_("This job is no longer in the failed list."), "error")
    return redirect(url_for("reminders.queues_page"))
