"""Administration: users, org units, projects, complaint categories, the working-day
calendar, settings and the audit log. Views stay thin: permission, form, service, commit."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal.auth import Perm, Role, require
from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import (
    ORG_KIND_LABELS, ROLE_LABELS, CalendarOverrideForm, CategoryForm, OrgUnitForm, ProjectForm,
    ResetPasswordForm, SettingsForm, UserForm,
)
from portal.extensions import db
from portal.forms import filter_date
from portal.models import AuditEvent, CalendarOverride, ComplaintCategory, OrgKind, OrgUnit, Project, User
from portal.services import accounts, audit, settings
from portal.services.clock import local_date, now_utc, portal_tz
from portal.services.pending import PendingItem, provider
from portal.services.workdays import calendar_from_db, official_calendar_range, year_to_check


def _get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def _unit_choices(kinds=None, blank=False):
    stmt = select(OrgUnit).where(OrgUnit.active.is_(True)).order_by(OrgUnit.kind, OrgUnit.name)
    rows = [(u.id, f"{u.name}（{ORG_KIND_LABELS[u.kind]}）") for u in db.session.scalars(stmt)
            if kinds is None or u.kind in kinds]
    return ([(0, _("— none —"))] if blank else []) + rows


@bp.route("/")
@require(Perm.ADMIN_USERS, Perm.ADMIN_ORG, Perm.ADMIN_CATALOG, Perm.ADMIN_CALENDAR, Perm.AUDIT_READ)
def index():
    return render_template("admin/index.html", check_year=_calendar_year_to_check(),
                           calendar_range=official_calendar_range())


def _calendar_year_to_check() -> int | None:
    """The year whose holidays an administrator should check (see ``workdays.year_to_check``)."""
    if not current_user.can(Perm.ADMIN_CALENDAR):
        return None
    return year_to_check(local_date(now_utc()))


@provider
def calendar_to_check(user) -> list[PendingItem]:
    """From November on, the home page tells the calendar's administrators that next year's
    holidays are not in the official package (no query: a look at the package's table)."""
    if not user.can(Perm.ADMIN_CALENDAR):
        return []
    year = year_to_check(local_date(now_utc()))
    if year is None:
        return []
    return [PendingItem(_("Holidays of %(year)s to check: not in the official calendar", year=year), 1,
                        url_for("admin.calendar", year=year), urgent=True)]


# --- users ---------------------------------------------------------------------------------

@bp.route("/users")
@require(Perm.ADMIN_USERS)
def users():
    q = (request.args.get("q") or "").strip()[:64]
    stmt = select(User).order_by(User.username)
    if q:
        stmt = stmt.where(or_(User.username.contains(q), User.display_name.contains(q)))
    return render_template("admin/users.html", users=db.session.scalars(stmt.limit(500)).all(), q=q,
                           role_labels=ROLE_LABELS)


def _fill_user_form(form: UserForm) -> None:
    form.org_unit_id.choices = _unit_choices()
    form.leads_org_unit_id.choices = _unit_choices(blank=True)


@bp.route("/users/new", methods=["GET", "POST"])
@require(Perm.ADMIN_USERS)
def user_new():
    form = UserForm()
    _fill_user_form(form)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Give the new user an initial password."))
        else:
            unit = _get_or_404(OrgUnit, form.org_unit_id.data)
            leads = db.session.get(OrgUnit, form.leads_org_unit_id.data) if form.leads_org_unit_id.data else None
            try:
                user = accounts.create_user(
                    username=form.username.data, display_name=form.display_name.data, password=form.password.data,
                    org_unit=unit, roles=form.roles.data, email=form.email.data, leads_org_unit=leads, by=current_user)
            except accounts.PasswordRejected as exc:
                form.password.errors.extend(exc.problems)
            except ValueError:
                form.username.errors.append(_("This user name is already taken."))
            else:
                db.session.commit()
                flash(_("User %(name)s created.", name=user.username), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(Perm.ADMIN_USERS)
def user_edit(user_id: int):
    user = _get_or_404(User, user_id)
    form = UserForm(obj=user)
    _fill_user_form(form)
    if request.method == "GET":
        form.roles.data = [r.value for r in user.roles]
        form.leads_org_unit_id.data = user.leads_org_unit_id or 0
    form.username.data = user.username  # the name is fixed once created
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or Role.ADMIN.value not in form.roles.data):
            flash(_("You cannot deactivate yourself or remove your own administrator role."), "error")
        elif user.id == current_user.id and set(form.roles.data) != {r.value for r in user.roles}:
            # The administrator has no implicit access to archives (DOMAIN.md roles); giving
            # himself center_staff or leader would be that access by the back door.
            flash(_("You cannot change your own roles; another administrator must do it."), "error")
        else:
            unit = _get_or_404(OrgUnit, form.org_unit_id.data)
            leads = db.session.get(OrgUnit, form.leads_org_unit_id.data) if form.leads_org_unit_id.data else None
            accounts.update_user(user, display_name=form.display_name.data, email=form.email.data, org_unit=unit,
                                 roles=form.roles.data, leads_org_unit=leads, active=form.active.data, by=current_user)
            db.session.commit()
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, reset_form=ResetPasswordForm())


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require(Perm.ADMIN_USERS)
def user_reset_password(user_id: int):
    user = _get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.password.data, by=current_user)
        except accounts.PasswordRejected as exc:
            for problem in exc.problems:
                flash(problem, "error")
        else:
            db.session.commit()
            flash(_("The password of %(name)s has been reset; the user's sessions have ended.", name=user.username),
                  "success")
    else:
        flash(_("Enter a new password."), "error")
    return redirect(url_for("admin.user_edit", user_id=user.id))


# --- org units and projects ------------------------------------------------------------------

@bp.route("/org-units", methods=["GET", "POST"])
@require(Perm.ADMIN_ORG)
def org_units():
    form = OrgUnitForm()
    form.parent_id.choices = _unit_choices(blank=True)
    if form.validate_on_submit():
        unit = OrgUnit(name=form.name.data.strip(), kind=OrgKind(form.kind.data),
                       parent_id=form.parent_id.data or None, active=form.active.data)
        db.session.add(unit)
        if _commit_unique(form.name, _("An org unit of this name exists already.")):
            audit.record("org_unit.created", object_type="org_unit", object_id=unit.id)
            db.session.commit()
            flash(_("Org unit saved."), "success")
            return redirect(url_for("admin.org_units"))
    units = db.session.scalars(select(OrgUnit).order_by(OrgUnit.kind, OrgUnit.name)).all()
    return render_template("admin/org_units.html", form=form, units=units, kind_labels=ORG_KIND_LABELS)


@bp.route("/org-units/<int:unit_id>", methods=["GET", "POST"])
@require(Perm.ADMIN_ORG)
def org_unit_edit(unit_id: int):
    unit = _get_or_404(OrgUnit, unit_id)
    form = OrgUnitForm(obj=unit)
    form.parent_id.choices = [c for c in _unit_choices(blank=True) if c[0] != unit.id]
    if request.method == "GET":
        form.kind.data = unit.kind.value
        form.parent_id.data = unit.parent_id or 0
    if form.validate_on_submit():
        parent = db.session.get(OrgUnit, form.parent_id.data) if form.parent_id.data else None
        if parent is not None and (parent.id == unit.id or unit in parent.ancestors()):
            form.parent_id.errors.append(_("A unit cannot sit below itself."))
        else:
            unit.name, unit.kind = form.name.data.strip(), OrgKind(form.kind.data)
            unit.parent, unit.active = parent, form.active.data
            if _commit_unique(form.name, _("An org unit of this name exists already.")):
                audit.record("org_unit.updated", object_type="org_unit", object_id=unit.id)
                db.session.commit()
                flash(_("Org unit saved."), "success")
                return redirect(url_for("admin.org_units"))
    return render_template("admin/org_unit_form.html", form=form, unit=unit)


def _commit_unique(field, message) -> bool:
    """Flush; on a unique-constraint clash roll back and put ``message`` on ``field``."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        field.errors.append(message)
        return False
    return True


@bp.route("/projects", methods=["GET", "POST"])
@require(Perm.ADMIN_ORG)
def projects():
    form = ProjectForm()
    form.branch_id.choices = _unit_choices(kinds={OrgKind.BRANCH})
    if form.validate_on_submit():
        project = Project(name=form.name.data.strip(), code=(form.code.data or "").strip() or None,
                          branch_id=form.branch_id.data, active=form.active.data)
        db.session.add(project)
        if _commit_unique(form.name, _("A project of this name or code exists already.")):
            audit.record("project.created", object_type="project", object_id=project.id)
            db.session.commit()
            flash(_("Project saved."), "success")
            return redirect(url_for("admin.projects"))
    rows = db.session.scalars(select(Project).order_by(Project.name)).all()
    return render_template("admin/projects.html", form=form, projects=rows)


@bp.route("/projects/<int:project_id>", methods=["GET", "POST"])
@require(Perm.ADMIN_ORG)
def project_edit(project_id: int):
    project = _get_or_404(Project, project_id)
    form = ProjectForm(obj=project)
    form.branch_id.choices = _unit_choices(kinds={OrgKind.BRANCH})
    if form.validate_on_submit():
        project.name, project.code = form.name.data.strip(), (form.code.data or "").strip() or None
        project.branch_id, project.active = form.branch_id.data, form.active.data
        if _commit_unique(form.name, _("A project of this name or code exists already.")):
            audit.record("project.updated", object_type="project", object_id=project.id)
            db.session.commit()
            flash(_("Project saved."), "success")
            return redirect(url_for("admin.projects"))
    return render_template("admin/project_form.html", form=form, project=project)


# --- complaint categories --------------------------------------------------------------------

@bp.route("/categories", methods=["GET", "POST"])
@require(Perm.ADMIN_CATALOG)
def categories():
    form = CategoryForm()
    if form.validate_on_submit():
        row = ComplaintCategory(code=form.code.data, name=form.name.data.strip(), description=form.description.data,
                                sort_order=form.sort_order.data or 0, active=form.active.data)
        db.session.add(row)
        if _commit_unique(form.code, _("A category with this code or name exists already.")):
            audit.record("category.created", object_type="complaint_category", object_id=row.id)
            db.session.commit()
            flash(_("Category saved."), "success")
            return redirect(url_for("admin.categories"))
    rows = db.session.scalars(select(ComplaintCategory).order_by(ComplaintCategory.sort_order)).all()
    return render_template("admin/categories.html", form=form, rows=rows)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@require(Perm.ADMIN_CATALOG)
def category_edit(category_id: int):
    row = _get_or_404(ComplaintCategory, category_id)
    form = CategoryForm(obj=row)
    if form.validate_on_submit():
        row.code, row.name, row.description = form.code.data, form.name.data.strip(), form.description.data
        row.sort_order, row.active = form.sort_order.data or 0, form.active.data
        if _commit_unique(form.code, _("A category with this code or name exists already.")):
            audit.record("category.updated", object_type="complaint_category", object_id=row.id)
            db.session.commit()
            flash(_("Category saved."), "success")
            return redirect(url_for("admin.categories"))
    return render_template("admin/category_form.html", form=form, row=row)


# --- working-day calendar ---------------------------------------------------------------------

@bp.route("/calendar", methods=["GET", "POST"])
@require(Perm.ADMIN_CALENDAR)
def calendar():
    form = CalendarOverrideForm()
    if form.validate_on_submit():
        row = db.session.get(CalendarOverride, form.day.data) or CalendarOverride(day=form.day.data)
        row.is_working_day, row.note = form.is_working_day.data == "1", form.note.data or None
        db.session.add(row)
        audit.record("calendar.override_set", object_type="calendar_override", object_id=row.day.isoformat(),
                     detail={"working": row.is_working_day})
        db.session.commit()
        flash(_("Calendar entry saved."), "success")
        return redirect(url_for("admin.calendar", year=form.day.data.year))
    try:
        year = int(request.args.get("year") or datetime.now(portal_tz()).year)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year = datetime.now(portal_tz()).year
    cal = calendar_from_db()
    overrides = db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)).all()
    # The days off and working weekends of the year, as the portal will count them.
    special = []
    day = date(year, 1, 1)
    while day.year == year:
        working = cal.is_working_day(day)
        if working != (day.weekday() < 5):
            special.append((day, working))
        day += timedelta(days=1)
    first, last = official_calendar_range()
    return render_template("admin/calendar.html", form=form, year=year, overrides=overrides, special=special,
                           covered=cal.covers(year), first_year=first, last_year=last,
                           check_year=_calendar_year_to_check(), calendar_range=(first, last),
                           weekdays=[str(name) for name in WEEKDAY_NAMES])


# the list of special days names each day's weekday in the reader's language (strftime's %a is English)
WEEKDAY_NAMES = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


@bp.route("/calendar/<day>/delete", methods=["POST"])
@require(Perm.ADMIN_CALENDAR)
def calendar_delete(day: str):
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        abort(404)
    row = _get_or_404(CalendarOverride, parsed)
    db.session.delete(row)
    audit.record("calendar.override_removed", object_type="calendar_override", object_id=day)
    db.session.commit()
    flash(_("Calendar entry removed."), "success")
    return redirect(url_for("admin.calendar", year=parsed.year))


# --- settings -------------------------------------------------------------------------------

@bp.route("/settings", methods=["GET", "POST"])
@require(Perm.ADMIN_SETTINGS)
def settings_page():
    form = SettingsForm()
    if request.method == "GET":
        form.complaint_progress_interval_days.data = settings.get_int("complaint_progress_interval_days")
    if form.validate_on_submit():
        settings.set_value("complaint_progress_interval_days", form.complaint_progress_interval_days.data)
        audit.record("settings.changed", object_type="setting", object_id="complaint_progress_interval_days",
                     detail={"value": form.complaint_progress_interval_days.data})
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("admin.settings_page"))
    return render_template("admin/settings.html", form=form)


# --- audit log ------------------------------------------------------------------------------

@bp.route("/audit")
@require(Perm.AUDIT_READ)
def audit_log():
    args = request.args
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if args.get("user"):
        stmt = stmt.where(AuditEvent.username == args["user"].strip().lower()[:64])
    if args.get("action"):
        stmt = stmt.where(AuditEvent.action.startswith(args["action"].strip()[:64]))
    if args.get("object_type"):
        stmt = stmt.where(AuditEvent.object_type == args["object_type"].strip()[:64])
    if args.get("object_id"):
        stmt = stmt.where(AuditEvent.object_id == args["object_id"].strip()[:64])
    tz = portal_tz()
    for key, op in (("from", "ge"), ("to", "lt")):
        if args.get(key):
            try:
                day = date.fromisoformat(args[key])
            except ValueError:
                flash(_("Dates are written as YYYY-MM-DD."), "error")
                continue
            if filter_date(day) is None:  # 0001-01-01 or 9999-12-31: no limit (and no OverflowError)
                continue
            if op == "lt":
                day += timedelta(days=1)
            bound = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(timezone.utc)
            stmt = stmt.where(AuditEvent.at >= bound if op == "ge" else AuditEvent.at < bound)
    try:
        before = int(args.get("before", 0))
    except ValueError:
        before = 0
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    rows = db.session.scalars(stmt.limit(101)).all()
    older_url = None
    if len(rows) > 100:
        older_url = url_for("admin.audit_log", **{**args.to_dict(), "before": rows[99].id})
    return render_template("admin/audit.html", rows=rows[:100], older_url=older_url, args=args)



