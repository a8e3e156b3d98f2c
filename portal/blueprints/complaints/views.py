"""Complaints (投诉): register, handle, escalate, close, file, and print the 投诉处理单.

Views stay thin: permission, per-object scope (``get_complaint_or_403``), form, service,
one commit. Confidentiality is decided in ``complaint_rules`` and applied here: a viewer who
may not see the complainant gets pages without the name, phone, contact log or attachments.
"""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, case, null, or_, select
from sqlalchemy.orm import joinedload

from portal.auth import Perm, Role, deny, require
from portal.blueprints.complaints import bp
from portal.blueprints.complaints.forms import (
    CHANNEL_LABELS, SEVERITY_LABELS, WAY_LABELS, ArchiveForm, CommentForm, ComplaintForm, ContactForm,
    ContactFormForm, EditForm, FilingForm, ForwardForm, OverrideForm, ReopenForm, ReplyForm, ReportForm,
    ResolveForm, ReviewForm, RevisitForm, UploadForm,
)
from portal.extensions import db, htmx
from portal.forms import filter_date
from portal.http import db_id
from portal.labels import translated, translated_labels
from portal.models import Attachment, ComplaintCategory, Customer, OrgKind, OrgUnit, Project, User, UserRole
from portal.models.complaint import (
    Channel, Complaint, ComplaintStatus, ContactWay, FilingStatus, LeaderReport, Matter, Severity, WorkContactForm,
)
from portal.services import archives, attachments, complaints as svc, lookups
from portal.services.clock import local_date, now_utc, to_local
from portal.services.complaint_rules import (
    can_see_complainant, can_view, clock_state, is_permitted, leader_may_comment, viewer_for, workflow_steps,
)
from portal.services.masking import mask_phone
from portal.services.paging import keyset_page
from portal.services.severity import describe_reason

# Labels are lazy strings built once: a list page asks for one per row, and building the
# whole dict with gettext on every call was most of the list's translation cost.
STATUS_LABELS = {
    ComplaintStatus.RECEIVED: _l("Received"), ComplaintStatus.IN_HANDLING: _l("In handling"),
    ComplaintStatus.RESOLVED: _l("Resolved"), ComplaintStatus.REVISITED: _l("Revisited"),
    ComplaintStatus.ARCHIVED: _l("Archived"),
}
# seed 002 §4.2: 接收 → 归类 → 初步处理 → 上报 → 解决 → 跟进反馈 → 归档
WORKFLOW_LABELS = {
    "received": _l("Received"), "classified": _l("Classified"), "in_handling": _l("Initial handling"),
    "escalated": _l("Escalated to leaders"), "resolved": _l("Resolved"), "revisited": _l("Followed up"),
    "archived": _l("Archived"),
}
FILING_LABELS = {
    "due": _l("to submit"), "overdue": _l("submission overdue"), "returned": _l("returned for correction"),
    "submitted": _l("submitted"), "submitted_late": _l("submitted late"), "accepted": _l("accepted"),
    "accepted_late": _l("accepted (submitted late)"),
}


def _status_label(status) -> str:
    return str(STATUS_LABELS[ComplaintStatus(status)])


@bp.app_context_processor
def _labels():
    labels = translated({"channel_labels": CHANNEL_LABELS, "severity_labels": SEVERITY_LABELS,
                         "way_labels": WAY_LABELS, "status_labels": STATUS_LABELS, "filing_labels": FILING_LABELS})
    return {**labels, "status_label": lambda status: labels["status_labels"][ComplaintStatus(status)],
            "filing_label": lambda state: labels["filing_labels"].get(state, state or ""),
            "describe_reason": describe_reason, "mask_phone": mask_phone}


# --- loading with scope ------------------------------------------------------------------------

def get_complaint_or_403(complaint_id: int, options=()) -> Complaint:
    """The complaint if the current user may see it: 404 if it does not exist, an audited 403
    if it is outside the user's scope (branch/department) or a report (举报) he may not see.
    ``options`` are loader options for what the caller will show."""
    c = db.session.get(Complaint, complaint_id, options=options)
    if c is None:
        abort(404)
    if not _may_open(viewer_for(current_user), c):
        deny("complaint scope", "complaint", complaint_id)
    return c


def _may_open(viewer, c: Complaint) -> bool:
    """The scope, else a report to this leader: looked up only for those the scope alone refuses
    (a page of the center's makes no extra query)."""
    return can_view(viewer, c) or can_view(viewer, c, reported_to=svc.was_reported_to(c, current_user))


def _require_center_writer(c: Complaint) -> None:
    if not current_user.can(Perm.COMPLAINT_WRITE):
        deny("complaint write", "complaint", c.id)


def _own_filing_or_403(c: Complaint) -> None:
    viewer = viewer_for(current_user)
    if c.filed_by_unit_id is None or c.filed_by_unit_id != viewer.unit_id:
        deny("not this unit's filing", "complaint", c.id)


# --- choices ----------------------------------------------------------------------------------

def _with_own(choices: list, own_id: int | None, own_name) -> list:
    """The active ``choices`` and, when the record being edited points at a retired one (a project
    since closed, a unit dissolved, a handler who left), that one too: the record stays valid as
    it is, and correcting something else on it does not fail on a field that is not even shown."""
    if own_id and own_id not in {ident for ident, _name in choices}:
        return [*choices, (own_id, own_name() if callable(own_name) else own_name)]
    return choices


def _projects(keep: Complaint | None = None):
    names, active = lookups.names_and_active(Project, Project.name)
    return _with_own(active, keep and keep.project_id, lambda: names.get(keep.project_id, ""))


def _categories(keep: Complaint | None = None):
    names, active = lookups.names_and_active(ComplaintCategory, ComplaintCategory.sort_order)
    return _with_own(active, keep and keep.category_id, lambda: names.get(keep.category_id, ""))


# What a row of the register shows and what its deadline tags are computed from, read as plain
# rows: a complaint has some 60 columns, seven of them long texts, and turning them into ORM
# objects for 50 rows was a third of the list's time (a quarter even with only these columns).
LIST_COLUMNS = (
    Complaint.id, Complaint.is_open.label("is_open"), Complaint.serial, Complaint.received_at, Complaint.project_id,
    Complaint.room, Complaint.category_id, Complaint.matter_id, Complaint.subject, Complaint.is_report,
    Complaint.severity, Complaint.status, Complaint.first_reply_due_at, Complaint.first_replied_at, Complaint.next_progress_due_at,
    Complaint.reported_to_leaders_at, Complaint.filing_status, Complaint.filing_due_at,
    Complaint.filing_submitted_at,
)


def _room_shown(viewer):
    """Where the register shows (and searches) the room: as ``complaint_rules.can_see_complainant``,
    since the room names the household that complained — never on the complaints about the viewer,
    and outside the center and the group's leaders only on those his unit took from the customer
    (a unit merely responsible gets the matter, as reception does for its contacts)."""
    shown = svc.not_about(viewer.user_id)
    if viewer.sees_all:
        return shown
    unit = viewer.unit_id if viewer.unit_id is not None else -1
    return and_(shown, or_(Complaint.filed_by_unit_id == unit, Complaint.forwarded_by_unit_id == unit))


def _list_columns(viewer) -> tuple:
    """``LIST_COLUMNS`` with the room left out where it is hidden from the viewer (in the query,
    so no row carries it)."""
    room = case((_room_shown(viewer), Complaint.room), else_=null()).label("room")
    return tuple(room if col is Complaint.room else col for col in LIST_COLUMNS)


def _units(blank=True):
    rows = [(u.id, u.name) for u in db.session.scalars(
        select(OrgUnit).where(OrgUnit.active.is_(True), OrgUnit.kind.in_([OrgKind.DEPARTMENT, OrgKind.BRANCH,
                                                                          OrgKind.CENTER]))
        .order_by(OrgUnit.kind, OrgUnit.name))]
    return ([(0, _("— none —"))] if blank else [(0, _("— choose —"))]) + rows


def _center_users():
    return [(0, _("— none —"))] + lookups.center_staff_choices()


def _all_staff():
    rows = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name))
    return [(0, _("— none —"))] + [(u.id, f"{u.display_name}（{u.org_unit.name}）") for u in rows]


def _leaders():
    rows = db.session.scalars(select(User).join(UserRole).where(
        User.active.is_(True), UserRole.role == Role.LEADER).order_by(User.display_name)).unique()
    return [(u.id, f"{u.display_name}（{(u.leads_org_unit or u.org_unit).name}）") for u in rows]


def _fill(form, keep: Complaint | None = None) -> None:
    """The choices of a complaint form; ``keep``: the complaint being edited, whose own project,
    category, unit and people stay valid choices though retired since."""
    if hasattr(form, "project_id"):
        form.project_id.choices = [(0, _("— choose —"))] + _projects(keep)
        form.category_id.choices = [(0, _("— choose —"))] + _categories(keep)
    if hasattr(form, "responsible_unit_id"):
        form.responsible_unit_id.choices = _with_own(
            _units(), keep and keep.responsible_unit_id, lambda: keep.responsible_unit.name)
        form.handler_id.choices = _with_own(_center_users(), keep and keep.handler_id,
                                            lambda: keep.handler.display_name)
        form.complained_staff_id.choices = _with_own(_all_staff(), keep and keep.complained_staff_id,
                                                     lambda: db.session.get(User, keep.complained_staff_id).display_name)


def _local_now_str() -> str:
    return to_local(now_utc()).strftime("%Y-%m-%dT%H:%M")


def _nonzero(value):
    return value or None


# --- registering ------------------------------------------------------------------------------

def _load_contact(contact_id: int):
    """The reception record a complaint is registered from."""
    from portal.models.reception import Contact

    return db.session.get(Contact, contact_id)


def _input(form) -> svc.ComplaintInput:
    # checked by _source_contact_ok
    source = db_id((form.source_contact_id.data or "").strip()) if form.source_contact_id.data else None
    return svc.ComplaintInput(
        received_at=form.received_at.instant, channel=Channel(form.channel.data), project_id=form.project_id.data,
        category_id=form.category_id.data, subject=form.subject.data.strip(), description=form.description.data.strip(),
        complainant_name=(form.complainant_name.data or "").strip(),
        complainant_phone=(form.complainant_phone.data or "").strip() or None,
        customer_id=_nonzero(form.customer_id.data), room=(form.room.data or "").strip() or None,
        people_count=form.people_count.data, lawsuit_filed=form.lawsuit_filed.data,
        media_exposed=form.media_exposed.data, is_report=bool(getattr(form, "is_report", None) and form.is_report.data),
        responsible_unit_id=_nonzero(getattr(getattr(form, "responsible_unit_id", None), "data", None)),
        handler_id=_nonzero(getattr(getattr(form, "handler_id", None), "data", None)),
        complained_staff_id=_nonzero(getattr(getattr(form, "complained_staff_id", None), "data", None)),
        plan=(getattr(getattr(form, "plan", None), "data", None) or "").strip() or None,
        source_contact_id=source)


def _extra_checks(form) -> tuple[Matter | None, bool]:
    """Checks beyond the form: time not in the future, matter and customer exist (ids a row can
    have: a number beyond the database's range is a message on the form, not an error page),
    the matter is one this user may join, the reception record may be handed off, uploads
    acceptable."""
    ok = True
    if form.received_at.instant and form.received_at.instant > now_utc() + timedelta(minutes=5):
        form.received_at.errors.append(_("The time of receipt cannot be in the future."))
        ok = False
    if form.customer_id.data:
        customer_id = db_id(form.customer_id.data)
        customer = db.session.get(Customer, customer_id) if customer_id is not None else None
        if customer is None:
            form.customer_id.errors.append(_("This archive customer does not exist."))
            form.customer_id.data = None
            ok = False
        elif not svc.customer_link(current_user, customer, now_utc())[0]:
            # the same words as for a missing one: whether an archive id exists is not told either
            form.customer_id.errors.append(_("This archive customer does not exist."))
            form.customer_id.data = None
            ok = False
    matter = None
    if form.matter_id.data:
        matter_id = db_id(form.matter_id.data)
        matter = db.session.get(Matter, matter_id) if matter_id else None
        if (matter is None or matter.closed_at is not None or matter.project_id != form.project_id.data
                or matter.category_id != form.category_id.data
                or not svc.may_join_matter(matter, viewer_for(current_user))):
            form.matter_id.errors.append(_("This matter does not fit the project and category; choose another or start a new matter."))
            form.matter_id.data, matter = None, None
            ok = False
    if not _source_contact_ok(form):
        ok = False
    for upload in form.attachments.data or []:
        if not getattr(upload, "filename", ""):
            continue
        try:
            attachments.check_upload(upload)
        except attachments.AttachmentRejected as exc:
            form.attachments.errors.append(f"{upload.filename}: {exc.message}")
            ok = False
        finally:
            upload.stream.seek(0)
    return matter, ok


def _source_contact_ok(form) -> bool:
    """The reception record a complaint is registered from (a hidden field, so anything can be
    posted): it must exist, be visible to this user, be a complaint, and not be registered
    already: a second tab or a double submit would register the complaint twice, and a record
    taken over from another complaint would open its complainant to the staff member that one
    is about. A refused record is dropped from the form, so it can be sent again without it."""
    raw = (form.source_contact_id.data or "").strip()
    if not raw:
        return True
    from portal.models.reception import ContactCategory
    from portal.services import reception

    contact_id = db_id(raw)
    contact = _load_contact(contact_id) if contact_id else None
    if contact is None or not reception.can_see_contact(current_user, contact):
        problem = _("The reception record was not found; register the complaint by hand.")
    elif contact.complaint_id is not None:
        problem = _("A complaint has already been registered from this reception record.")
    elif contact.category != ContactCategory.COMPLAINT:
        problem = _("This reception record is not a complaint; register the complaint by hand.")
    else:
        return True
    form.source_contact_id.errors.append(problem)
    form.source_contact_id.data = ""
    return False


def _store_uploads(form, c: Complaint) -> None:
    for upload in form.attachments.data or []:
        if getattr(upload, "filename", ""):
            attachments.store(upload, owner_type="complaint", owner_id=c.id, user=current_user)


def _proposals(form):
    return svc.propose_matters(db_id(form.project_id.data), db_id(form.category_id.data), form.subject.data or "",
                               viewer=viewer_for(current_user))


def _selected_customer(form):
    customer_id = db_id(form.customer_id.data)
    return db.session.get(Customer, customer_id) if customer_id else None


@bp.route("/new", methods=["GET", "POST"])
@require(Perm.COMPLAINT_WRITE)
def new():
    form = ComplaintForm()
    _fill(form)
    if request.method == "GET":
        form.received_at.data = _local_now_str()
        contact_id = db_id(request.args.get("contact_id"))
        if contact_id:
            from portal.models.reception import ContactCategory
            from portal.services import reception

            contact = _load_contact(contact_id)
            if contact is None or not reception.can_see_contact(current_user, contact):
                flash(_("The reception record was not found; register the complaint by hand."), "warning")
            elif contact.complaint_id:
                flash(_("A complaint has already been registered from this reception record."), "info")
                return redirect(url_for("complaints.detail", complaint_id=contact.complaint_id))
            elif contact.category != ContactCategory.COMPLAINT:
                flash(_("This reception record is not a complaint; register the complaint by hand."), "warning")
            else:
                for key, value in svc.prefill_from_contact(contact).items():
                    if hasattr(form, key) and value is not None:
                        getattr(form, key).data = value
                if contact.customer_phone:  # the form shows the number in full: a reveal, audited
                    from portal.services import reception

                    reception.record_phone_reveal(contact, by=current_user, where="complaint_prefill")
                    db.session.commit()
    if form.validate_on_submit():
        matter, ok = _extra_checks(form)
        if ok:
            try:
                c = svc.register_complaint(_input(form), by=current_user, matter=matter)
                _store_uploads(form, c)
            except (svc.ComplaintError, attachments.AttachmentRejected):
                db.session.rollback()
                flash(_("The complaint could not be saved; check the entries."), "error")
            else:
                db.session.commit()
                flash(_("Complaint %(serial)s registered.", serial=c.serial), "success")
                return redirect(url_for("complaints.detail", complaint_id=c.id))
    return render_template("complaints/new.html", form=form, proposals=_proposals(form),
                           customer=_selected_customer(form), mode="center")


@bp.route("/matters")
@require(Perm.COMPLAINT_WRITE, Perm.COMPLAINT_FILE)
def matters():
    """The open matters to link to (htmx fragment while the registration form is filled in)."""
    project_id = db_id(request.args.get("project_id"))
    category_id = db_id(request.args.get("category_id"))
    subject = (request.args.get("subject") or "")[:200]
    selected = db_id(request.args.get("matter_id"))
    proposals = svc.propose_matters(project_id, category_id, subject, viewer=viewer_for(current_user))
    return render_template("complaints/_matters.html", proposals=proposals, selected=selected)


@bp.route("/customers")
@require(Perm.COMPLAINT_WRITE)
def customers():
    """Archive customers by name or phone (htmx fragment): the complainant is linked to one."""
    q = (request.args.get("q") or "").strip()[:50]
    rows = []
    if len(q) >= 2:
        rows = db.session.scalars(select(Customer).where(or_(
            Customer.name.contains(q), Customer.phone1.contains(q), Customer.phone2.contains(q)))
            .order_by(Customer.name).limit(10)).all()
    # names and masked phones from the archive: a read, logged like the archive list's
    archives.log_reads(current_user, rows, "complaint_search", via_role=archives.reading_role(current_user))
    db.session.commit()
    return render_template("complaints/_customers.html", rows=rows, q=q)


# --- the register -------------------------------------------------------------------------------

def _list_statement(args, viewer, now):
    stmt = svc.scope_filter(select(Complaint), viewer)
    q = (args.get("q") or "").strip()[:100]
    if q:
        # the room names the household: not searchable on the complaints about oneself either
        like = [Complaint.serial.contains(q), Complaint.subject.contains(q),
                and_(_room_shown(viewer), Complaint.room.contains(q))]
        if viewer.sees_all:  # only those who may see complainants may search by them,
            # and never for the complaints about themselves (a hit would tell who complained)
            like.append(and_(svc.not_about(viewer.user_id), or_(Complaint.complainant_name.contains(q),
                                               Complaint.complainant_phone.contains(q))))
        stmt = stmt.where(or_(*like))
    for key, col, kind in (("status", Complaint.status, ComplaintStatus), ("severity", Complaint.severity, Severity),
                           ("channel", Complaint.channel, Channel)):
        value = args.get(key)
        if value in {m.value for m in kind}:
            stmt = stmt.where(col == kind(value))
    for key, col in (("project", Complaint.project_id), ("category", Complaint.category_id),
                     ("matter", Complaint.matter_id), ("unit", Complaint.responsible_unit_id)):
        value = args.get(key, type=int)
        if value:
            stmt = stmt.where(col == value)
    due = args.get("due")
    if due == "first_reply_overdue":
        stmt = stmt.where(svc.overdue_first_reply_clause(now))
    elif due == "first_reply_soon":
        stmt = stmt.where(svc.first_reply_due_soon_clause(now))
    elif due == "progress":
        stmt = stmt.where(svc.progress_due_clause(now))
    elif due == "unreported":
        stmt = stmt.where(svc.unreported_important_clause())
    elif due == "awaiting_me":
        stmt = stmt.where(Complaint.id.in_(select(LeaderReport.complaint_id).where(
            LeaderReport.leader_id == current_user.id, LeaderReport.commented_at.is_(None))))
    elif due == "open":
        stmt = stmt.where(Complaint.status.in_([ComplaintStatus.RECEIVED, ComplaintStatus.IN_HANDLING]))
    filing = args.get("filing")
    if filing == "branch":
        stmt = stmt.where(Complaint.filed_by_unit_id.is_not(None))
    elif filing == "overdue":
        stmt = stmt.where(svc.filing_overdue_clause(now))
    elif filing == "late":
        stmt = stmt.where(svc.filed_late_clause())
    elif filing == "to_submit":
        stmt = stmt.where(Complaint.filing_status.in_([FilingStatus.DRAFT, FilingStatus.RETURNED]))
    elif filing in {s.value for s in FilingStatus}:
        stmt = stmt.where(Complaint.filing_status == FilingStatus(filing))
    for key, op in (("from", "ge"), ("to", "lt")):
        day = filter_date(args.get(key))  # unreadable, or outside the years recorded: no limit
        if day is None:
            continue
        from portal.services.clock import start_of_local_day

        if op == "ge":
            stmt = stmt.where(Complaint.received_at >= start_of_local_day(day))
        else:
            stmt = stmt.where(Complaint.received_at < start_of_local_day(day + timedelta(days=1)))
    return stmt


@bp.route("/")
@require(Perm.COMPLAINT_READ)
def index():
    now = now_utc()
    viewer = viewer_for(current_user)
    stmt = _list_statement(request.args, viewer, now).with_only_columns(*_list_columns(viewer))
    page = keyset_page(stmt, Complaint.received_at, Complaint.id, request.args.get("after"), per_page=50)
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    (project_names, projects), (category_names, categories) = lookups.names_and_active_of(
        (Project, Project.name), (ComplaintCategory, ComplaintCategory.sort_order), cached=True)
    ctx = dict(page=page, rows=_register_rows(page.rows, now), args=args, now=now, projects=projects,
               categories=categories, project_names=project_names, category_names=category_names)
    if htmx:
        return render_template("complaints/_table.html", **ctx)
    return render_template("complaints/index.html", **ctx)


def _register_rows(rows, now) -> list[tuple]:
    """Each row as a plain tuple: its ``LIST_COLUMNS`` in their order, then its first-reply clock
    and filing state (computed here, once per row, rather than by two template calls per row).
    The template's loop unpacks these names (``REGISTER_LINE``; a test holds the two together):
    reading fourteen attributes of each row through Jinja was two fifths of the table."""
    return [(*c, clock_state(c.first_reply_due_at, c.first_replied_at, now), svc.filing_state(c, now))
            for c in rows]


# The names the register's template unpacks each line into (complaints/_table.html).
REGISTER_LINE = (*(col.key for col in LIST_COLUMNS), "first_reply", "filing")


# --- one complaint -------------------------------------------------------------------------------

# The complaint's page names its project, category, matter, units and people: loaded with the
# complaint in one query instead of one lazy query each while rendering.
PAGE_RELATIONS = (
    joinedload(Complaint.project), joinedload(Complaint.category), joinedload(Complaint.matter),
    joinedload(Complaint.responsible_unit), joinedload(Complaint.handler).lazyload(User.role_rows),
    joinedload(Complaint.filed_by_unit),
    joinedload(Complaint.forwarded_by_unit),
)


def _page_context(c: Complaint, where: str) -> dict:
    viewer = viewer_for(current_user)
    show_person = can_see_complainant(viewer, c)
    if show_person:
        svc.record_complainant_view(c, where=where)
    now = now_utc()
    records = svc.page_records(c.id)  # its timeline, contacts, reports, comments, forms, files…: one statement
    return dict(
        c=c, show_person=show_person, now=now,
        # the room names the household that complained: shown only with the complainant
        show_room=show_person,
        first_reply_state=clock_state(c.first_reply_due_at, c.first_replied_at, now),
        progress_state=clock_state(c.next_progress_due_at, None, now) if c.is_open else "none",
        report_state=clock_state(c.leader_report_due_at, c.reported_to_leaders_at, now, working_day=True)
        if c.leader_report_due_at else "none",
        filing_state=svc.filing_state(c, now),
        steps=workflow_steps(c.status, c.severity, received_at=c.received_at, registered_at=c.created_at,
                             reported_at=c.reported_to_leaders_at,
                             resolved_at=c.resolved_at, revisited_at=c.revisited_at, archived_at=c.archived_at),
        step_labels=translated_labels(WORKFLOW_LABELS),
        files=records.files if show_person else [],
        is_permitted=is_permitted, can_write=current_user.can(Perm.COMPLAINT_WRITE),
        own_filing=c.filed_by_unit_id is not None and c.filed_by_unit_id == viewer.unit_id,
        records=records,
        may_comment=leader_may_comment(c.severity, any(r.leader_id == current_user.id for r in records.reports)),
    )


@bp.route("/<int:complaint_id>")
@require(Perm.COMPLAINT_READ)
def detail(complaint_id: int):
    c = get_complaint_or_403(complaint_id, PAGE_RELATIONS)
    ctx = _page_context(c, "detail")
    # render before committing the audit of the complainant's display: a commit first expired
    # the complaint and reloaded it and each relationship again while rendering
    html = render_template("complaints/detail.html", upload_form=UploadForm(), **ctx)
    db.session.commit()
    return html


@bp.route("/<int:complaint_id>/print")
@require(Perm.COMPLAINT_READ)
def print_form(complaint_id: int):
    c = get_complaint_or_403(complaint_id, PAGE_RELATIONS)
    ctx = _page_context(c, "print")
    db.session.commit()
    return render_template("complaints/print.html", **ctx)


@bp.route("/<int:complaint_id>/edit", methods=["GET", "POST"])
@require(Perm.COMPLAINT_WRITE)
def edit(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    if c.complained_staff_id == current_user.id:
        # he would see the complainant on the form, or clear his own name to see it afterwards
        deny("complaint about this user", "complaint", c.id)
    form = EditForm(obj=c)
    _fill(form, keep=c)
    if request.method == "GET":
        form.channel.data = c.channel.value
        for name in ("responsible_unit_id", "handler_id", "complained_staff_id"):
            getattr(form, name).data = getattr(c, name) or 0
    if c.status == ComplaintStatus.ARCHIVED:
        flash(_("An archived complaint cannot be changed; reopen it instead."), "error")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    if form.validate_on_submit():
        values = {
            "channel": Channel(form.channel.data), "room": (form.room.data or "").strip() or None,
            "description": form.description.data.strip(), "people_count": form.people_count.data,
            "lawsuit_filed": form.lawsuit_filed.data, "media_exposed": form.media_exposed.data,
            "is_report": form.is_report.data, "responsible_unit_id": _nonzero(form.responsible_unit_id.data),
            "handler_id": _nonzero(form.handler_id.data), "complained_staff_id": _nonzero(form.complained_staff_id.data),
            "plan": (form.plan.data or "").strip() or None,
        }
        if (values["handler_id"] != c.handler_id and c.handler_id is not None
                and not current_user.can(Perm.COMPLAINT_MANAGE)):
            form.handler_id.errors.append(_("Only a center manager reassigns a complaint."))
        else:
            svc.update_complaint(c, values, by=current_user)
            db.session.commit()
            flash(_("Complaint saved."), "success")
            return redirect(url_for("complaints.detail", complaint_id=c.id))
    return render_template("complaints/edit.html", form=form, c=c)


def _action_page(c, form, template_title, action_url, submit_label, fields, intro=None):
    return render_template("complaints/action.html", c=c, form=form, title=template_title, action_url=action_url,
                           submit_label=submit_label, fields=fields, intro=intro)


@bp.route("/<int:complaint_id>/severity", methods=["GET", "POST"])
@require(Perm.COMPLAINT_MANAGE)
def override(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    form = OverrideForm()
    if request.method == "GET":
        form.severity.data = c.severity_override.value if c.severity_override else ""
    if form.validate_on_submit():
        svc.override_severity(c, Severity(form.severity.data) if form.severity.data else None, form.reason.data,
                              by=current_user)
        db.session.commit()
        flash(_("Severity saved."), "success")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    return _action_page(c, form, _("Override the severity"), url_for("complaints.override", complaint_id=c.id),
                        _("Save"), ["severity", "reason"],
                        intro=_("By the rules: %(sev)s — %(reason)s", sev=SEVERITY_LABELS[c.rule_severity],
                                reason=describe_reason(c.rule_severity_reason)))


@bp.route("/<int:complaint_id>/contacts", methods=["GET", "POST"])
@require(Perm.COMPLAINT_WRITE)
def add_contact(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    form = ContactForm()
    if request.method == "GET":
        form.contacted_at.data = _local_now_str()
    if form.validate_on_submit():
        try:
            svc.add_contact(c, contacted_at=form.contacted_at.instant, way=ContactWay(form.way.data),
                            content=form.content.data, by=current_user)
        except svc.ComplaintError as exc:
            db.session.rollback()
            form.contacted_at.errors.append(
                _("The time cannot be in the future.") if exc.code == "contact_future"
                else _("The time cannot be before the complaint was received."))
        else:
            db.session.commit()
            flash(_("Contact with the customer recorded."), "success")
            return redirect(url_for("complaints.detail", complaint_id=c.id))
    return _action_page(c, form, _("Record a contact with the customer"),
                        url_for("complaints.add_contact", complaint_id=c.id), _("Save"),
                        ["contacted_at", "way", "content"])


@bp.route("/<int:complaint_id>/report", methods=["GET", "POST"])
@require(Perm.COMPLAINT_WRITE)
def report(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    form = ReportForm()
    form.leader_ids.choices = _leaders()
    if request.method == "GET":
        from portal.services import org

        form.leader_ids.data = [u.id for u in org.group_leaders()]
    if form.validate_on_submit():
        leaders = db.session.scalars(select(User).where(User.id.in_(form.leader_ids.data))).all()
        svc.report_to_leaders(c, list(leaders), form.note.data, by=current_user)
        db.session.commit()
        flash(_("Reported to the leaders."), "success")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    return _action_page(c, form, _("Report to leaders"), url_for("complaints.report", complaint_id=c.id),
                        _("Send the report"), ["leader_ids", "note"])


@bp.route("/<int:complaint_id>/comment", methods=["GET", "POST"])
@require(Perm.COMPLAINT_COMMENT)
def comment(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    if not svc.may_comment(c, current_user):
        flash(_("Leaders comment on major and important complaints, or on a complaint reported to them."), "error")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    form = CommentForm()
    if form.validate_on_submit():
        svc.add_leader_comment(c, current_user, form.body.data, is_instruction=form.is_instruction.data)
        db.session.commit()
        flash(_("Comment recorded."), "success")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    return _action_page(c, form, _("Comment or instruct"), url_for("complaints.comment", complaint_id=c.id),
                        _("Save"), ["body", "is_instruction"])


def _missing_message(name: str) -> str:
    return {
        "resolution": _("Enter the resolution."), "cause_analysis": _("Enter the cause analysis."),
        "corrective_measures": _("Enter the corrective measures."),
        "preventive_measures": _("Enter the preventive measures."),
        "revisit_summary": _("Enter the revisit result."),
        "revisit_satisfaction": _("Choose the customer's satisfaction."),
    }.get(name, _("This field is required."))


def _transition_view(c, action, form, title, fields, submit_label):
    if not is_permitted(action, c.status):
        flash(_("This step is not possible while the complaint is %(status)s.", status=_status_label(c.status)),
              "error")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in fields}
        try:
            if action == "revisit":
                svc.record_revisit(c, values["revisit_summary"], values["revisit_satisfaction"], current_user,
                                   method=values["revisit_method"])
            else:
                svc.transition(c, action, values, by=current_user)
        except svc.ComplaintError as exc:
            db.session.rollback()
            for name in exc.fields:
                if name in fields:
                    getattr(form, name).errors.append(_missing_message(name))
        else:
            db.session.commit()
            flash(_("Complaint %(serial)s is now: %(status)s.", serial=c.serial, status=_status_label(c.status)),
                  "success")
            return redirect(url_for("complaints.detail", complaint_id=c.id))
    return _action_page(c, form, title, request.path, submit_label, fields)


@bp.route("/<int:complaint_id>/start", methods=["POST"])
@require(Perm.COMPLAINT_WRITE)
def start(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    if not is_permitted("start", c.status):
        flash(_("This step is not possible while the complaint is %(status)s.", status=_status_label(c.status)),
              "error")
    else:
        svc.transition(c, "start", by=current_user)
        if c.handler_id is None and current_user.is_center_member:
            svc.update_complaint(c, {"handler_id": current_user.id}, by=current_user)
        db.session.commit()
        flash(_("Complaint %(serial)s is now: %(status)s.", serial=c.serial, status=_status_label(c.status)), "success")
    return redirect(url_for("complaints.detail", complaint_id=c.id))


@bp.route("/<int:complaint_id>/resolve", methods=["GET", "POST"])
@require(Perm.COMPLAINT_WRITE)
def resolve(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    form = ResolveForm(obj=c) if request.method == "GET" else ResolveForm()
    return _transition_view(c, "resolve", form, _("Resolve the complaint"), ["resolution", "cause_analysis"],
                            _("Resolve"))


@bp.route("/<int:complaint_id>/revisit", methods=["GET", "POST"])
@require(Perm.COMPLAINT_WRITE)
def revisit(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    return _transition_view(c, "revisit", RevisitForm(), _("Record the revisit"),
                            ["revisit_method", "revisit_summary", "revisit_satisfaction"], _("Save"))


@bp.route("/<int:complaint_id>/archive", methods=["GET", "POST"])
@require(Perm.COMPLAINT_MANAGE)
def archive(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    form = ArchiveForm(obj=c) if request.method == "GET" else ArchiveForm()
    return _transition_view(c, "archive", form, _("Archive the complaint"),
                            ["corrective_measures", "preventive_measures"], _("Archive"))


@bp.route("/<int:complaint_id>/reopen", methods=["GET", "POST"])
@require(Perm.COMPLAINT_WRITE)
def reopen(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    if c.status not in svc.CLOSED_STATUSES:
        flash(_("Only a closed complaint can be reopened."), "error")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    form = ReopenForm()
    if request.method == "GET":
        form.received_at.data = _local_now_str()
        form.channel.data = c.channel.value
    if form.validate_on_submit():
        if form.received_at.instant > now_utc() + timedelta(minutes=5):
            form.received_at.errors.append(_("The time of receipt cannot be in the future."))
        else:
            second = svc.reopen(c, received_at=form.received_at.instant, channel=Channel(form.channel.data),
                                description=form.description.data, by=current_user)
            db.session.commit()
            flash(_("Reopened as the second complaint %(serial)s.", serial=second.serial), "success")
            return redirect(url_for("complaints.detail", complaint_id=second.id))
    return _action_page(c, form, _("Reopen: a second complaint"), url_for("complaints.reopen", complaint_id=c.id),
                        _("Reopen"), ["received_at", "channel", "description"],
                        intro=_("A second complaint after closing is important by rule."))


@bp.route("/<int:complaint_id>/attachments", methods=["POST"])
@require(Perm.COMPLAINT_WRITE, Perm.COMPLAINT_FILE)
def upload(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    if not current_user.can(Perm.COMPLAINT_WRITE):
        _own_filing_or_403(c)
    form = UploadForm()
    stored = 0
    if form.validate_on_submit():
        try:
            for f in form.attachments.data or []:
                if getattr(f, "filename", ""):
                    attachments.store(f, owner_type="complaint", owner_id=c.id, user=current_user)
                    stored += 1
        except attachments.AttachmentRejected as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("complaints.detail", complaint_id=c.id))
    if stored:
        svc.event(c, "attachment", by=current_user, detail={"count": stored})
        db.session.commit()
        flash(_("Attachment saved."), "success")
    else:
        flash(_("Choose a file to attach."), "error")
    return redirect(url_for("complaints.detail", complaint_id=c.id))


@bp.route("/<int:complaint_id>/attachments/<int:attachment_id>")
@require(Perm.COMPLAINT_READ)
def attachment(complaint_id: int, attachment_id: int):
    c = get_complaint_or_403(complaint_id)
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.owner_type != "complaint" or att.owner_id != c.id:
        abort(404)
    if not can_see_complainant(viewer_for(current_user), c):
        deny("complainant confidential", "complaint", c.id)
    return attachments.send(att)


@bp.route("/<int:complaint_id>/reveal", methods=["POST"])
@require(Perm.COMPLAINT_WRITE)
def reveal_phone(complaint_id: int):
    """The full phone number, for calling the customer back; the reveal is audited."""
    c = get_complaint_or_403(complaint_id)
    if not can_see_complainant(viewer_for(current_user), c):
        deny("complainant confidential", "complaint", c.id)
    svc.record_complainant_view(c, where="phone_revealed")
    db.session.commit()
    if htmx:
        return render_template("complaints/_phone.html", phone=c.complainant_phone or "")
    flash(_("Phone: %(phone)s", phone=c.complainant_phone or "—"), "info")
    return redirect(url_for("complaints.detail", complaint_id=c.id))


# --- branch filing (备案) and forwarding ----------------------------------------------------------

def _unit() -> OrgUnit:
    return db.session.get(OrgUnit, viewer_for(current_user).unit_id)


def _record(form) -> svc.FilingRecord:
    return svc.FilingRecord(handled_closed_on=form.handled_closed_on.data, resolution=form.resolution.data,
                            cause_analysis=form.cause_analysis.data,
                            corrective_measures=form.corrective_measures.data,
                            preventive_measures=form.preventive_measures.data)


CLOSED_ON_CODES = ("closed_in_future", "closed_before_receipt")


def _closed_on_problem(exc: svc.ComplaintError) -> str:
    return (_("The closing date cannot be in the future.") if exc.code == "closed_in_future"
            else _("The closing date cannot be before the complaint was received."))


@bp.route("/filings/new", methods=["GET", "POST"])
@require(Perm.COMPLAINT_FILE)
def filing_new():
    form = FilingForm()
    _fill(form)
    if request.method == "GET":
        form.received_at.data = _local_now_str()
        form.handled_closed_on.data = local_date(now_utc())
    if form.validate_on_submit():
        matter, ok = _extra_checks(form)
        if ok:
            try:
                c = svc.register_filing(_input(form), _record(form), unit=_unit(), by=current_user, matter=matter,
                                        submit=bool(request.form.get("submit_now")))
                _store_uploads(form, c)
            except svc.ComplaintError as exc:
                db.session.rollback()
                if exc.code in CLOSED_ON_CODES:
                    form.handled_closed_on.errors.append(_closed_on_problem(exc))
                else:
                    flash(_("The complaint could not be saved; check the entries."), "error")
            else:
                db.session.commit()
                flash(_("Complaint record %(serial)s saved.", serial=c.serial), "success")
                return redirect(url_for("complaints.detail", complaint_id=c.id))
    return render_template("complaints/new.html", form=form, proposals=_proposals(form), customer=None, mode="filing")


@bp.route("/<int:complaint_id>/filing/edit", methods=["GET", "POST"])
@require(Perm.COMPLAINT_FILE)
def filing_edit(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    _own_filing_or_403(c)
    if c.complained_staff_id == current_user.id:  # as on the center's edit form: it names the complainant
        deny("complaint about this user", "complaint", c.id)
    if c.filing_status not in (FilingStatus.DRAFT, FilingStatus.RETURNED):
        flash(_("A submitted record cannot be changed."), "error")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    form = FilingForm(obj=c)
    _fill(form, keep=c)
    if request.method == "GET":
        form.received_at.data = to_local(c.received_at).strftime("%Y-%m-%dT%H:%M")
        form.channel.data = c.channel.value
    # what identifies the complaint (and its matter) stays as registered
    form.received_at.data = to_local(c.received_at).strftime("%Y-%m-%dT%H:%M")
    form.project_id.data, form.category_id.data, form.subject.data = c.project_id, c.category_id, c.subject
    form.complainant_name.data, form.complainant_phone.data = c.complainant_name, c.complainant_phone
    form.customer_id.data, form.matter_id.data = c.customer_id, c.matter_id
    if form.validate_on_submit():
        values = {"channel": Channel(form.channel.data), "room": (form.room.data or "").strip() or None,
                  "description": form.description.data.strip(), "people_count": form.people_count.data,
                  "lawsuit_filed": form.lawsuit_filed.data, "media_exposed": form.media_exposed.data}
        try:
            svc.update_filing(c, values, _record(form), by=current_user)
            if request.form.get("submit_now"):
                svc.submit_filing(c, by=current_user)
        except svc.ComplaintError as exc:
            db.session.rollback()
            form.handled_closed_on.errors.append(_closed_on_problem(exc))
        else:
            db.session.commit()
            flash(_("Complaint record %(serial)s saved.", serial=c.serial), "success")
            return redirect(url_for("complaints.detail", complaint_id=c.id))
    # the page names the complainant (and the masked phone): a display, logged like the complaint's page
    svc.record_complainant_view(c, where="filing_edit")
    html = render_template("complaints/new.html", form=form, proposals=[], customer=None, mode="filing_edit", c=c)
    db.session.commit()
    return html


@bp.route("/<int:complaint_id>/filing/submit", methods=["POST"])
@require(Perm.COMPLAINT_FILE)
def filing_submit(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    _own_filing_or_403(c)
    try:
        svc.submit_filing(c, by=current_user)
    except svc.ComplaintError:
        flash(_("This record has been submitted already."), "error")
    else:
        db.session.commit()
        flash(_("Complaint record %(serial)s submitted to the center.", serial=c.serial), "success")
    return redirect(url_for("complaints.detail", complaint_id=c.id))


@bp.route("/<int:complaint_id>/filing/review", methods=["GET", "POST"])
@require(Perm.COMPLAINT_ACCEPT_FILING)
def filing_review(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    if c.filing_status != FilingStatus.SUBMITTED:
        flash(_("Only a submitted record can be accepted or returned."), "error")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    form = ReviewForm()
    if form.validate_on_submit():
        svc.review_filing(c, accept=form.decision.data == "accept", reason=form.reason.data, by=current_user)
        db.session.commit()
        flash(_("Decision recorded."), "success")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    return _action_page(c, form, _("Accept or return the branch's record"),
                        url_for("complaints.filing_review", complaint_id=c.id), _("Save"), ["decision", "reason"])


@bp.route("/forward", methods=["GET", "POST"])
@require(Perm.COMPLAINT_FILE)
def forward():
    form = ForwardForm()
    _fill(form)
    if request.method == "GET":
        form.received_at.data = _local_now_str()
    if form.validate_on_submit():
        matter, ok = _extra_checks(form)
        if ok:
            try:
                c = svc.forward_to_center(_input(form), unit=_unit(), by=current_user, matter=matter)
                if (form.note.data or "").strip():
                    svc.event(c, "note", by=current_user, note=form.note.data.strip())
                _store_uploads(form, c)
            except (svc.ComplaintError, attachments.AttachmentRejected):
                db.session.rollback()
                flash(_("The complaint could not be saved; check the entries."), "error")
            else:
                db.session.commit()
                flash(_("Complaint %(serial)s forwarded to the Customer Service Center.", serial=c.serial), "success")
                if can_view(viewer_for(current_user), c):
                    return redirect(url_for("complaints.detail", complaint_id=c.id))
                return redirect(url_for("complaints.index"))
    return render_template("complaints/new.html", form=form, proposals=_proposals(form), customer=None, mode="forward")


# --- work contact forms (工作联系单) ----------------------------------------------------------------

@bp.route("/<int:complaint_id>/contact-forms/new", methods=["GET", "POST"])
@require(Perm.COMPLAINT_WRITE)
def contact_form_new(complaint_id: int):
    c = get_complaint_or_403(complaint_id)
    if c.status not in svc.CLOSED_STATUSES:
        flash(_("A work contact form is sent after the complaint is resolved."), "error")
        return redirect(url_for("complaints.detail", complaint_id=c.id))
    form = ContactFormForm()
    form.to_unit_id.choices = _units(blank=False)
    if form.validate_on_submit():
        unit = db.session.get(OrgUnit, form.to_unit_id.data)
        if unit is None:
            form.to_unit_id.errors.append(_("Choose a department."))
        else:
            row = svc.send_contact_form(c, to_unit=unit, proposal=form.proposal.data,
                                        reply_due_on=form.reply_due_on.data, by=current_user)
            db.session.commit()
            flash(_("Work contact form %(serial)s sent.", serial=row.serial), "success")
            return redirect(url_for("complaints.detail", complaint_id=c.id))
    return _action_page(c, form, _("Send a work contact form"),
                        url_for("complaints.contact_form_new", complaint_id=c.id), _("Send"),
                        ["to_unit_id", "proposal", "reply_due_on"])


def get_contact_form_or_403(form_id: int) -> WorkContactForm:
    """The form if the user may read it: the center's writers every form; the unit it was sent to
    (its staff who answer forms and its leader, who are the ones told of it) its own forms, a
    report's (举报) too, shown without the report (``_contact_form_context``)."""
    row = db.session.get(WorkContactForm, form_id)
    if row is None:
        abort(404)
    if not svc.sees_every_contact_form(current_user) and row.to_unit_id != svc.contact_form_unit(current_user):
        deny("contact form scope", "contact_form", form_id)
    return row


@bp.route("/contact-forms")
@require(Perm.COMPLAINT_WRITE, Perm.CONTACT_FORM_REPLY, Perm.COMPLAINT_COMMENT)
def contact_forms():
    center = svc.sees_every_contact_form(current_user)
    stmt = select(WorkContactForm).options(joinedload(WorkContactForm.complaint))
    stmt = stmt.order_by(WorkContactForm.replied_at.is_not(None), WorkContactForm.sent_at.desc())
    if not center:
        stmt = stmt.where(WorkContactForm.to_unit_id == (svc.contact_form_unit(current_user) or -1))
    return render_template("complaints/contact_forms.html", rows=db.session.scalars(stmt.limit(200)).unique().all(),
                           center=center)


@bp.route("/contact-forms/<int:form_id>", methods=["GET", "POST"])
@require(Perm.COMPLAINT_WRITE, Perm.CONTACT_FORM_REPLY, Perm.COMPLAINT_COMMENT)
def contact_form(form_id: int):
    row = get_contact_form_or_403(form_id)
    may_reply = row.to_unit_id == svc.contact_form_unit(current_user)
    form = ReplyForm()
    if request.method == "POST":
        if not may_reply:
            deny("contact form reply", "contact_form", form_id)
        if form.validate_on_submit():
            svc.reply_contact_form(row, form.reply.data, by=current_user)
            db.session.commit()
            flash(_("Answer saved."), "success")
            return redirect(url_for("complaints.contact_form", form_id=row.id))
    elif row.reply:
        form.reply.data = row.reply
    # A report (举报) is confidential to the center and the leaders it was reported to: the unit
    # asked to improve reads the proposal, not what was reported nor why.
    show_complaint = svc.sees_every_contact_form(current_user) or not row.complaint.is_report
    can_open = show_complaint and _may_open(viewer_for(current_user), row.complaint)
    return render_template("complaints/contact_form.html", row=row, form=form, may_reply=may_reply,
                           can_open_complaint=can_open, show_complaint=show_complaint)
