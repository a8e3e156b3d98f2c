"""Revisits: the work queue, doing a revisit, follow-ups, rates and scripts. Thin views:
permission, form, service, one commit."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from portal.auth import Perm, require
from portal.auth.access import deny
from portal.blueprints.revisits import bp
from portal.blueprints.revisits.forms import (
    AssignForm, FollowUpCloseForm, ScriptForm, answer_fields, clean_revisit_form, revisit_form_class,
)
from portal.extensions import db, htmx
from portal.labels import translated_labels
from portal.models import OrgKind, OrgUnit, Project, User
from portal.models.revisit import FollowUpStatus, RevisitFollowUp, RevisitPlan, RevisitStatus
from portal.services import archives, revisit_rates, revisits
from portal.services.clock import now_utc, to_local
from portal.services.masking import mask_phone
from portal.services.pending import PendingItem, provider
from portal.services.revisit_rules import RevisitKind, week_bounds


def get_plan_or_403(plan_id: int) -> RevisitPlan:
    """The plan, 404 when it does not exist. Revisits are the center's work: a holder of the
    revisit permission outside the center (none by default) is refused."""
    plan = db.session.get(RevisitPlan, plan_id)
    if plan is None:
        abort(404)
    if not current_user.is_center_member or revisits.is_about(plan, current_user):
        deny("scope", "revisit_plan", plan_id)
    return plan


def get_follow_up_or_403(follow_up_id: int) -> RevisitFollowUp:
    """The follow-up, 404 when it does not exist; refused outside the center and to the staff
    member its plan's complaint is about (its problem and plan name the complainant)."""
    row = db.session.get(RevisitFollowUp, follow_up_id)
    if row is None:
        abort(404)
    if not current_user.is_center_member or revisits.is_about(row.plan, current_user):
        deny("scope", "revisit_follow_up", follow_up_id)
    return row


def _projects() -> dict[int, Project]:
    return {p.id: p for p in db.session.scalars(select(Project).order_by(Project.name))}


def _int_arg(name: str) -> int | None:
    try:
        value = int(request.args.get(name) or 0)
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def _month_arg() -> date:
    raw = (request.args.get("month") or "").strip()
    try:
        year, month = (int(x) for x in raw.split("-", 1))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    except ValueError:
        pass
    return revisits.local_today().replace(day=1)


def _staff_choices(blank_label: str, plan=None) -> list[tuple[int, str]]:
    return [(0, blank_label)] + [(u.id, u.display_name) for u in revisits.staff_choices(plan)]


# --- the work queue ---------------------------------------------------------------------------

@bp.route("/")
@require(Perm.REVISIT_READ)
def queue():
    args = request.args
    view = args.get("view") if args.get("view") in revisits.QUEUE_VIEWS else "open"
    try:
        kind = RevisitKind(args.get("kind")) if args.get("kind") else None
    except ValueError:
        kind = None
    f = revisits.QueueFilter(view=view, project_id=_int_arg("project_id"), kind=kind,
                             assignee=args.get("assignee") if args.get("assignee") in ("me", "none") else "",
                             q=(args.get("q") or "").strip()[:50])
    today = revisits.local_today()
    page = revisits.queue_page(f, current_user, today, (args.get("after") or "")[:80] or None)
    next_url = None
    if page.next_cursor:
        next_url = url_for("revisits.queue", **{**args.to_dict(), "after": page.next_cursor})
    context = dict(page=page, f=f, today=today, next_url=next_url, projects=_projects(),
                   week_end=week_bounds(today)[1], mask_phone=mask_phone,
                   kind_labels=translated_labels(revisits.KIND_LABELS), views=_view_labels())
    if htmx:
        html = render_template("revisits/_queue.html", **context)
    else:
        context.update(load=revisits.load_by_project(today), rates=revisit_rates.revisit_rates(today))
        html = render_template("revisits/queue.html", **context)
    _log_archive_reads({p.customer_id for p in page.rows if p.customer_id is not None}, "revisit_queue")
    return html


def _log_archive_reads(customer_ids, context: str) -> None:
    """The queue and a revisit's page show archive records (name, project and room, dates):
    reads, logged as the archive's own pages log theirs (DOMAIN.md §3), after rendering (a
    commit first would expire the rows it shows)."""
    if customer_ids:
        archives.log_reads(current_user, sorted(customer_ids), context, via_role=archives.reading_role(current_user))
        db.session.commit()


def _view_labels() -> dict[str, str]:
    return {"open": _("Open now"), "today": _("Due today"), "week": _("Due this week"), "overdue": _("Overdue"),
            "upcoming": _("Not yet open"), "done": _("Done")}


# --- one revisit ------------------------------------------------------------------------------

def _render_detail(plan: RevisitPlan, form=None, script=None, phones=None, status=200):
    script = script or revisits.script_for(plan.kind)
    if form is None:
        form = revisit_form_class(script)(formdata=None)
        form.revisited_at.data = to_local(now_utc()).strftime("%Y-%m-%dT%H:%M")
        form.script_version.data = str(script.version)
        form.owner_id.choices = _staff_choices(_("— choose —"), plan)
        form.owner_id.data = current_user.id
    assign_form = AssignForm(formdata=None)
    assign_form.assignee_id.choices = _staff_choices(_("— nobody —"), plan)
    assign_form.assignee_id.data = plan.assignee_id or 0
    return render_template(
        "revisits/detail.html", plan=plan, form=form, script=script, answers=answer_fields(form, script),
        assign_form=assign_form, close_form=FollowUpCloseForm(formdata=None), phones=phones,
        masked=[mask_phone(p) for p in plan.phones], kind_labels=revisits.KIND_LABELS,
        method_labels=revisits.METHOD_LABELS, status_labels=revisits.STATUS_LABELS,
        satisfaction_labels=revisits.SATISFACTION_LABELS, today=revisits.local_today(),
        now=now_utc()), status


@bp.route("/<int:plan_id>")
@require(Perm.REVISIT_READ)
def detail(plan_id: int):
    plan = get_plan_or_403(plan_id)
    response = _render_detail(plan)
    _log_archive_reads({plan.customer_id} - {None}, "revisit")
    return response


@bp.route("/<int:plan_id>/record", methods=["POST"])
@require(Perm.REVISIT_WRITE)
def record(plan_id: int):
    plan = get_plan_or_403(plan_id)
    script = revisits.script_for(plan.kind)
    form = revisit_form_class(script)()
    form.owner_id.choices = _staff_choices(_("— choose —"), plan)
    if plan.status != RevisitStatus.OPEN:
        flash(_("This revisit is not open any more."), "error")
        return redirect(url_for("revisits.detail", plan_id=plan.id))
    owner_ids = {c[0] for c in form.owner_id.choices if c[0]}
    clean = clean_revisit_form(form, plan, script, now_utc(), owner_ids)
    if clean is None:
        return _render_detail(plan, form=form, script=script)
    try:
        if clean.outcome == "unreachable":
            revisits.record_unreachable(plan, by=current_user, method=clean.method, at=clean.at, note=clean.note)
            message = _("The attempt is recorded; the revisit stays open.")
        else:
            follow_up = None
            if clean.problem and clean.owner_id:
                follow_up = revisits.FollowUpRequest(owner=db.session.get(User, clean.owner_id),
                                                     promised_at=clean.promised_at)
            revisits.complete_revisit(plan, by=current_user, method=clean.method, at=clean.at, answers=clean.answers,
                                      satisfaction=clean.satisfaction, summary=clean.summary, problem=clean.problem,
                                      problem_reply=clean.problem_reply, follow_up=follow_up)
            message = _("The revisit is recorded.")
    except revisits.RevisitError:
        db.session.rollback()
        flash(_("This revisit is not open any more."), "error")
        return redirect(url_for("revisits.detail", plan_id=plan_id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("revisits.detail", plan_id=plan.id))


@bp.route("/<int:plan_id>/phone", methods=["POST"])
@require(Perm.REVISIT_WRITE)
def reveal_phone(plan_id: int):
    """"Show number": the full numbers to call from, and an audit event saying who looked."""
    plan = get_plan_or_403(plan_id)
    phones = revisits.reveal_phones(plan, by=current_user)
    db.session.commit()
    if htmx:
        return render_template("revisits/_phones.html", plan=plan, phones=phones,
                               masked=[mask_phone(p) for p in plan.phones])
    return _render_detail(plan, phones=phones)


@bp.route("/<int:plan_id>/assign", methods=["POST"])
@require(Perm.REVISIT_WRITE)
def assign(plan_id: int):
    plan = get_plan_or_403(plan_id)
    form = AssignForm()
    form.assignee_id.choices = _staff_choices(_("— nobody —"), plan)
    if not form.validate():
        flash(_("Choose a staff member of the center."), "error")
        return redirect(url_for("revisits.detail", plan_id=plan.id))
    assignee = db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
    revisits.assign(plan, assignee, by=current_user)
    db.session.commit()
    flash(_("Assigned to %(name)s.", name=assignee.display_name) if assignee else _("Nobody is assigned now."),
          "success")
    return redirect(request.form.get("back") == "queue" and url_for("revisits.queue")
                    or url_for("revisits.detail", plan_id=plan.id))


# --- follow-ups ------------------------------------------------------------------------------

@bp.route("/follow-ups")
@require(Perm.REVISIT_READ)
def follow_ups():
    show = request.args.get("show") if request.args.get("show") in ("mine", "all", "done") else "mine"
    # the follow-ups of a complaint about the viewer name its complainant: not his to see
    stmt = (select(RevisitFollowUp).join(RevisitPlan, RevisitPlan.id == RevisitFollowUp.plan_id)
            .where(or_(RevisitPlan.complaint_id.is_(None), ~revisits.about_user_clause(current_user.id))))
    if show == "done":
        stmt = stmt.where(RevisitFollowUp.status == FollowUpStatus.DONE).order_by(RevisitFollowUp.closed_at.desc())
    else:
        stmt = stmt.where(RevisitFollowUp.status == FollowUpStatus.OPEN).order_by(RevisitFollowUp.promised_at)
        if show == "mine":
            stmt = stmt.where(RevisitFollowUp.owner_id == current_user.id)
    rows = db.session.scalars(stmt.limit(200)).all()
    return render_template("revisits/follow_ups.html", rows=rows, show=show, now=now_utc(),
                           close_form=FollowUpCloseForm(formdata=None),
                           kind_labels=translated_labels(revisits.KIND_LABELS))


@bp.route("/follow-ups/<int:follow_up_id>/close", methods=["POST"])
@require(Perm.REVISIT_WRITE)
def follow_up_close(follow_up_id: int):
    row = get_follow_up_or_403(follow_up_id)
    form = FollowUpCloseForm()
    if row.status != FollowUpStatus.OPEN:
        flash(_("This follow-up is closed already."), "error")
    elif not form.validate():
        for message in form.reply.errors:
            flash(message, "error")
    else:
        revisits.close_follow_up(row, reply=form.reply.data.strip(), by=current_user)
        db.session.commit()
        flash(_("The follow-up is closed."), "success")
    return redirect(url_for("revisits.detail", plan_id=row.plan_id))


# --- rates -----------------------------------------------------------------------------------

@bp.route("/rates")
@require(Perm.REVISIT_READ)
def rates():
    month = _month_arg()
    branch_id = _int_arg("branch_id")
    branches = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH).order_by(OrgUnit.name)).all()
    if branch_id not in {b.id for b in branches}:
        branch_id = None
    return render_template(
        "revisits/rates.html", month=month, branch_id=branch_id, branches=branches, projects=_projects(),
        total=revisit_rates.revisit_rates(month, branch_id=branch_id),
        by_project=revisit_rates.rates_by_project(month, branch_id=branch_id),
        series=revisit_rates.monthly_series(month, 6, branch_id=branch_id))


# --- scripts ---------------------------------------------------------------------------------

@bp.route("/scripts")
@require(Perm.REVISIT_READ)
def scripts():
    return render_template("revisits/scripts.html", scripts=[revisits.script_for(k) for k in RevisitKind],
                           kind_labels=revisits.KIND_LABELS)


@bp.route("/scripts/<kind>", methods=["GET", "POST"])
@require(Perm.REVISIT_SCRIPT_EDIT)
def script_edit(kind: str):
    try:
        kind_ = RevisitKind(kind)
    except ValueError:
        abort(404)
    script = revisits.script_for(kind_)
    form = ScriptForm()
    if request.method == "GET":
        form.opening.data, form.questions.data = script.opening, "\n".join(script.questions)
    if form.validate_on_submit():
        questions = form.question_list()
        if questions is not None:
            revisits.save_script(kind_, form.opening.data, questions, by=current_user)
            db.session.commit()
            flash(_("The script is saved."), "success")
            return redirect(url_for("revisits.scripts"))
    return render_template("revisits/script_form.html", form=form, kind=kind_, script=script,
                           kind_labels=revisits.KIND_LABELS)


# --- the home page ---------------------------------------------------------------------------

@provider
def my_revisit_work(user) -> list[PendingItem]:
    if not user.can(Perm.REVISIT_WRITE):
        return []
    counts = revisits.my_counts(user, revisits.local_today())
    queue_url = url_for("revisits.queue")
    return [
        PendingItem(_("My revisits due today"), counts.due_today, f"{queue_url}?view=today&assignee=me"),
        PendingItem(_("My overdue revisits"), counts.overdue, f"{queue_url}?view=overdue&assignee=me", urgent=True),
        PendingItem(_("Revisit problems I follow up"), counts.follow_ups, url_for("revisits.follow_ups")),
        PendingItem(_("Overdue revisits nobody has taken"), counts.unassigned_overdue,
                    f"{queue_url}?view=overdue&assignee=none", urgent=True),
    ]
