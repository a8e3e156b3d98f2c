"""Reception: the register of calls, visits and letters, and the work orders (派工单).

Views stay thin: permission, per-object scope (``get_contact_or_403``/``get_work_order_or_403``),
form, one service call, one commit. The rules are in ``portal/services/reception.py``.
"""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select

from portal.auth import Perm, require
from portal.auth.access import deny
from portal.blueprints.reception import bp
from portal.blueprints.reception.forms import (
    CATEGORY_CHOICES, CHANNEL_CHOICES, STATUS_CHOICES, URGENCY_CHOICES, CloseForm, CompleteForm, ContactFilterForm,
    ContactForm, DispatchForm, ProgressForm, ReassignForm, ReopenForm, RepairRevisitForm, ReplyForm, local_input_value,
    satisfaction_value,
)
from portal.extensions import db, htmx
from portal.forms import filter_date
from portal.models import Attachment, OrgKind, OrgUnit, Project, User
from portal.models.reception import (
    Channel, Contact, ContactCategory, ContactStatus, RepairKind, RepairRevisitWay, RepairType, ReplyMethod, Urgency,
    WorkOrder, WorkOrderStatus,
)
from portal.services import archives, attachments, lookups, reception
from portal.services.clock import end_of_local_day, now_utc, start_of_local_day, to_local
from portal.services.masking import mask_name, mask_phone
from portal.services.validators import normalise_phone
from portal.services.paging import keyset_page
from portal.labels import translated, translated_choices
from portal.services.reception_labels import TEMPLATE_LABELS


@bp.context_processor
def _labels():
    return {**translated(TEMPLATE_LABELS), "mask_phone": mask_phone, "reply_state": reception.reply_state,
            "revisit_method": reception.revisit_method, "now": now_utc()}


# --- loading with scope ---------------------------------------------------------------------------

def get_contact_or_403(contact_id: int) -> Contact:
    """The contact, if it exists (404) and the user may see it (403, audited): branch and
    department users see only what was given to their unit."""
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        abort(404)
    if not reception.can_see_contact(current_user, contact):
        deny("out of scope", "reception_contact", contact_id)
    return contact


def get_work_order_or_403(work_order_id: int) -> WorkOrder:
    work_order = db.session.get(WorkOrder, work_order_id)
    if work_order is None:
        abort(404)
    if not reception.can_see_work_order(current_user, work_order):
        deny("out of scope", "work_order", work_order_id)
    return work_order


def _handle_or_403(contact: Contact) -> None:
    if not reception.can_handle(current_user, contact):
        deny("not the responsible person", "reception_contact", contact.id)


# --- choices --------------------------------------------------------------------------------------

def _project_choices(blank):
    return [(0, blank)] + lookups.names_and_active(Project, Project.name)[1]


def _unit_choices(blank, kinds=(OrgKind.DEPARTMENT, OrgKind.BRANCH)):
    """Units work is sent to: departments and branches. Praise may name any unit, the center
    first of all (its staff are the ones customers meet)."""
    rows = db.session.scalars(select(OrgUnit).where(
        OrgUnit.active.is_(True), OrgUnit.kind.in_(list(kinds))
    ).order_by(OrgUnit.kind, OrgUnit.name))
    return [(0, blank)] + [(u.id, u.name) for u in rows]


# --- the register -----------------------------------------------------------------------------------

@bp.route("/")
@require(Perm.RECEPTION_READ)
def index():
    form = ContactFilterForm(request.args)
    # the register's names and filter choices may be a few seconds old (services/lookups.py)
    project_names, projects = lookups.names_and_active(Project, Project.name, cached=True)
    form.project.choices = [(0, _("All projects"))] + projects
    center_users = lookups.center_staff_choices(cached=True)
    form.responsible.choices = [(0, _("Anyone"))] + center_users
    for field, lazy in ((form.channel, CHANNEL_CHOICES), (form.category, CATEGORY_CHOICES),
                        (form.urgency, URGENCY_CHOICES), (form.status, STATUS_CHOICES)):
        field.choices = translated_choices(lazy)
    filters_ok = form.validate()
    now = now_utc()
    stmt = select(*LIST_COLUMNS)
    if (scope := reception.contact_scope(current_user)) is not None:
        stmt = stmt.where(scope)
    sees_people = reception.sees_people(current_user)
    if filters_ok:
        stmt = _apply_filters(stmt, form, now, sees_people)
    page = keyset_page(stmt, Contact.received_at, Contact.id, request.args.get("after"), per_page=50)
    args = {k: v for k, v in request.args.items() if k != "after"}
    next_url = url_for("reception.index", **args, after=page.next_cursor) if page.next_cursor else None
    # the responsible people are nearly always center staff, already named for the filter
    responsible_names = dict(center_users)
    responsible_names.update(lookups.display_names(
        c.responsible_id for c in page.rows if c.responsible_id not in responsible_names))
    template = "reception/_table.html" if htmx else "reception/index.html"
    confidential = _("(confidential)")
    rows = [_register_line(c, now, sees_people, confidential) for c in page.rows]
    return render_template(template, form=form, rows=rows, next_url=next_url, now=now,
                           project_names=project_names, responsible_names=responsible_names)


def _register_line(c, now, sees_people: bool, confidential: str) -> tuple:
    """A row of the register as the template unpacks it (``REGISTER_LINE``): its columns, its
    reply-deadline state, and its phone masked in place of the number (the register never reveals
    a phone, so the template never gets one). Computed here once rather than by template calls per
    row; plain tuples, because reading each row's attributes through Jinja was two fifths of the
    table. A complaint contact shown to a unit outside the center names no customer, room or
    phone (``reception.shows_person``)."""
    reply = reception.reply_state(c.reply_due_at, c.replied_at, c.is_closed, now)
    if not reception.shows_person(sees_people, c.category, c.complaint_id is not None):
        line = list(c[:-2])
        line[_NAME_AT], line[_ROOM_AT] = confidential, None
        return (*line, reply, "")
    if reception.is_complaint_contact(c.category, c.complaint_id is not None):
        # a complainant's name in full only on the contact's page, where the view is logged
        line = list(c[:-2])
        line[_NAME_AT] = mask_name(c.customer_name)
        return (*line, reply, mask_phone(c.customer_phone))
    return (*c[:-2], reply, mask_phone(c.customer_phone))


# What a row of the register shows (and its reply-deadline mark needs), read as plain rows: a
# contact has some 40 columns with long texts, and ORM objects for 50 rows cost more than the page.
LIST_COLUMNS = (
    Contact.id, Contact.is_closed.label("is_closed"), Contact.serial, Contact.received_at, Contact.channel,
    Contact.customer_name, Contact.project_id, Contact.room, Contact.category, Contact.urgency,
    Contact.responsible_id, Contact.status, Contact.reply_due_at, Contact.replied_at,
    # last two: _register_line decides from the first whether the customer is shown, and puts
    # the masked phone in their place
    Contact.complaint_id, Contact.customer_phone,
)

# The names the register's template unpacks each line into (reception/_table.html).
REGISTER_LINE = (*(col.key for col in LIST_COLUMNS[:-2]), "reply", "phone")
_NAME_AT, _ROOM_AT = REGISTER_LINE.index("customer_name"), REGISTER_LINE.index("room")


def _apply_filters(stmt, form: ContactFilterForm, now, sees_people: bool):
    if form.q.data and form.q.data.strip():
        q = form.q.data.strip()
        by_name = Contact.customer_name.contains(q, autoescape=True)
        if not sees_people:
            # a hit on a contact whose customer the row hides would tell who complained: the
            # name is searched only where the row shows it (reception.shows_person)
            by_name = and_(by_name, Contact.category != ContactCategory.COMPLAINT, Contact.complaint_id.is_(None))
        stmt = stmt.where(or_(Contact.content.contains(q, autoescape=True), Contact.serial == q.upper(), by_name))
    for name, column, enum_cls in (("channel", Contact.channel, Channel), ("category", Contact.category,
                                   ContactCategory), ("urgency", Contact.urgency, Urgency)):
        if getattr(form, name).data:
            stmt = stmt.where(column == enum_cls(getattr(form, name).data))
    if form.status.data == "active":
        stmt = stmt.where(Contact.status != ContactStatus.CLOSED)
    elif form.status.data:
        stmt = stmt.where(Contact.status == ContactStatus(form.status.data))
    if form.project.data:
        stmt = stmt.where(Contact.project_id == form.project.data)
    if form.responsible.data:
        stmt = stmt.where(Contact.responsible_id == form.responsible.data)
    # a date outside the years the portal records (0001-01-01, 9999-12-31) limits nothing
    if date_from := filter_date(form.date_from.data):
        stmt = stmt.where(Contact.received_at >= start_of_local_day(date_from))
    if date_to := filter_date(form.date_to.data):
        stmt = stmt.where(Contact.received_at <= end_of_local_day(date_to))
    if form.overdue.data:
        stmt = stmt.where(reception.overdue_clause(now))
    return stmt


@bp.route("/new", methods=["GET", "POST"])
@require(Perm.RECEPTION_WRITE)
def new():
    form = ContactForm()
    form.project_id.choices = _project_choices("—")
    form.handling_unit_id.choices = _unit_choices("—")
    form.praised_unit_id.choices = _unit_choices("—", kinds=tuple(OrgKind))
    if request.method == "GET":
        form.received_at.data = local_input_value(now_utc())
    if form.validate_on_submit():
        data = reception.ContactData(
            channel=Channel(form.channel.data), received_at=form.received_at_utc,
            category=ContactCategory(form.category.data), urgency=Urgency(form.urgency.data),
            content=form.content.data.strip(), customer=form.customer,
            customer_name=(form.customer.name if form.customer else form.customer_name.data.strip()),
            customer_phone=(form.customer.phone1 if form.customer else normalise_phone(form.customer_phone.data)),
            project=db.session.get(Project, form.project_id.data) if form.project_id.data else None,
            room=(form.room.data or "").strip(),
            handling_unit=db.session.get(OrgUnit, form.handling_unit_id.data) if form.handling_unit_id.data else None,
            visitor_count=form.visitor_count.data, identity_checked=form.identity_checked.data,
            letter_sender=(form.letter_sender.data or "").strip(), letter_date=form.letter_date.data,
            praised_name=(form.praised_name.data or "").strip(),
            praised_unit=db.session.get(OrgUnit, form.praised_unit_id.data) if form.praised_unit_id.data else None,
            reply_on_the_spot=(form.reply_on_the_spot.data or "").strip(), reply_method=ReplyMethod(form.reply_method.data),
        )
        try:
            contact = reception.register_contact(data, by=current_user, scan=form.scan.data if form.scan_present else None)
        except attachments.AttachmentRejected as exc:  # checked already; a race on the file system
            db.session.rollback()
            form.scan.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("%(serial)s registered; reply due %(due)s.", serial=contact.serial,
                    due=to_local(contact.reply_due_at).strftime("%Y-%m-%d %H:%M")), "success")
            if contact.category == ContactCategory.COMPLAINT and current_user.can(Perm.COMPLAINT_WRITE):
                # DOMAIN.md §1: a complaint contact becomes a complaint record; the handling form
                # comes next, filled in from the contact, rather than a button to remember
                flash(_("This contact is a complaint: complete the complaint handling form."), "info")
                return redirect(url_for("complaints.new", contact_id=contact.id))
            return redirect(url_for("reception.detail", contact_id=contact.id))
    selected = form.customer if form.is_submitted() else None
    return render_template("reception/new.html", form=form, selected=selected)


@bp.route("/customers/search")
@require(Perm.RECEPTION_WRITE)
def customer_search():
    """The live search (htmx, as the user types): archive customers by name, phone or room.
    Phones are shown masked."""
    q = (request.args.get("customer_q") or "").strip()[:50]
    customers = reception.search_customers(q) if q else []
    # names, masked phones and rooms from the archive: a read, logged like the archive list's
    archives.log_reads(current_user, customers, "reception_search", via_role=archives.reading_role(current_user))
    db.session.commit()
    return render_template("reception/_customer_results.html", customers=customers, q=q)


@bp.route("/<int:contact_id>")
@require(Perm.RECEPTION_READ)
def detail(contact_id: int):
    contact = get_contact_or_403(contact_id)
    return _render_detail(contact)


def _render_detail(contact: Contact, **forms):
    can_handle = current_user.can(Perm.RECEPTION_WRITE) and reception.can_handle(current_user, contact)
    dispatch_form = forms.get("dispatch_form") or DispatchForm()
    dispatch_form.unit_id.choices = _unit_choices("—")
    if not dispatch_form.due_at.data:
        dispatch_form.due_at.data = local_input_value(now_utc() + timedelta(days=1))
    reassign_form = forms.get("reassign_form") or ReassignForm()
    reassign_form.user_id.choices = [(0, "—")] + lookups.center_staff_choices()
    complaint_url = url_for("complaints.new", contact_id=contact.id)
    # finished repairs still owing their revisit, with a form for each this user may record
    awaiting = reception.awaiting_repair_revisit(contact)
    revisit_forms = {}
    for wo in awaiting:
        if reception.may_record_repair_revisit(current_user, wo):
            form = forms["revisit_form"] if forms.get("revisit_wo_id") == wo.id else RepairRevisitForm(prefix=f"rv{wo.id}")
            if not form.revisited_at.data:
                form.revisited_at.data = local_input_value(now_utc())
            revisit_forms[wo.id] = form
    show_person = _shows_person_logged(contact, "reception")
    return render_template(
        "reception/detail.html", contact=contact, can_handle=can_handle, show_person=show_person,
        may_reveal=reception.may_reveal_phone(current_user, contact),
        awaiting_revisit=awaiting, revisit_forms=revisit_forms,
        scans=attachments.for_owner(reception.ATTACHMENT_OWNER, contact.id),
        dispatch_form=dispatch_form, reply_form=forms.get("reply_form") or ReplyForm(),
        close_form=forms.get("close_form") or CloseForm(), reopen_form=forms.get("reopen_form") or ReopenForm(),
        reassign_form=reassign_form, complaint_url=complaint_url,
        complaint_serials=reception.complaint_serials(contact.events),
    )


@bp.route("/<int:contact_id>/reveal", methods=["POST"])
@require(Perm.RECEPTION_WRITE)
def reveal_phone(contact_id: int):
    """The customer's full number, to call back; the reveal is audited (and, for an archive
    customer, logged as an archive read)."""
    contact = get_contact_or_403(contact_id)
    if not reception.may_reveal_phone(current_user, contact):
        deny("may not reveal the phone", "reception_contact", contact.id)
    phone = reception.record_phone_reveal(contact, by=current_user, where="reception_reveal")
    db.session.commit()
    if htmx:
        return render_template("reception/_phone.html", c=contact, revealed=phone)
    flash(_("Phone: %(phone)s", phone=phone), "info")
    return redirect(url_for("reception.detail", contact_id=contact.id))


def _done(contact: Contact, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("reception.detail", contact_id=contact.id))


@bp.route("/<int:contact_id>/reassign", methods=["POST"])
@require(Perm.RECEPTION_ASSIGN)
def reassign(contact_id: int):
    contact = get_contact_or_403(contact_id)
    form = ReassignForm()
    form.user_id.choices = [(0, "—")] + lookups.center_staff_choices()
    if form.validate_on_submit():
        if not form.user_id.data:
            form.user_id.errors.append(_("Choose the new responsible person."))
        else:
            try:
                reception.reassign(contact, db.session.get(User, form.user_id.data), by=current_user,
                                   reason=(form.note.data or "").strip())
            except reception.ReceptionError as exc:
                form.user_id.errors.append(exc.message)
            else:
                return _done(contact, _("The responsible person has been changed."))
    return _render_detail(contact, reassign_form=form)


@bp.route("/<int:contact_id>/reply", methods=["POST"])
@require(Perm.RECEPTION_WRITE)
def reply(contact_id: int):
    contact = get_contact_or_403(contact_id)
    _handle_or_403(contact)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            reception.record_reply(contact, form.text.data.strip(), ReplyMethod(form.method.data), by=current_user)
        except reception.ReceptionError as exc:
            form.text.errors.append(exc.message)
        else:
            return _done(contact, _("The reply has been recorded."))
    return _render_detail(contact, reply_form=form)


@bp.route("/<int:contact_id>/close", methods=["POST"])
@require(Perm.RECEPTION_WRITE)
def close(contact_id: int):
    contact = get_contact_or_403(contact_id)
    _handle_or_403(contact)
    form = CloseForm()
    if form.validate_on_submit():
        satisfaction = satisfaction_value(form.satisfaction.data)
        try:
            reception.close_contact(contact, form.reply.data.strip(), ReplyMethod(form.reply_method.data), satisfaction,
                                    by=current_user)
        except reception.ReceptionError as exc:
            form.reply.errors.append(exc.message)
        else:
            return _done(contact, _("%(serial)s closed.", serial=contact.serial))
    return _render_detail(contact, close_form=form)


@bp.route("/<int:contact_id>/reopen", methods=["POST"])
@require(Perm.RECEPTION_WRITE)
def reopen(contact_id: int):
    contact = get_contact_or_403(contact_id)
    _handle_or_403(contact)
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            reception.reopen(contact, form.reason.data.strip(), by=current_user)
        except reception.ReceptionError as exc:
            form.reason.errors.append(exc.message)
        else:
            return _done(contact, _("%(serial)s reopened.", serial=contact.serial))
    return _render_detail(contact, reopen_form=form)


@bp.route("/<int:contact_id>/dispatch", methods=["POST"])
@require(Perm.RECEPTION_WRITE)
def dispatch(contact_id: int):
    contact = get_contact_or_403(contact_id)
    _handle_or_403(contact)
    form = DispatchForm()
    form.unit_id.choices = _unit_choices("—")
    if form.is_submitted() and form.validate(is_repair=contact.category == ContactCategory.REPAIR):
        try:
            work_order = reception.dispatch(
                contact, db.session.get(OrgUnit, form.unit_id.data), form.instructions.data.strip(), form.due_at_utc,
                by=current_user, repair_type=RepairType(form.repair_type.data) if form.repair_type.data else None)
        except reception.ReceptionError as exc:
            form.instructions.errors.append(exc.message)
        else:
            message = _("Work order %(serial)s sent to %(unit)s.", serial=work_order.serial, unit=work_order.unit.name)
            if work_order.repeat_repair:
                message += " " + _("Same repair in this room within 30 days: the leader has been asked to revisit.")
            return _done(contact, message)
    return _render_detail(contact, dispatch_form=form)


@bp.route("/<int:contact_id>/scans/<int:attachment_id>")
@require(Perm.RECEPTION_READ)
def scan(contact_id: int, attachment_id: int):
    """A letter's scan, served only after checking access to its contact."""
    contact = get_contact_or_403(contact_id)
    if not reception.may_see_person(current_user, contact):  # a letter's scan names its sender
        deny("customer confidential", "reception_contact", contact.id)
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.owner_type != reception.ATTACHMENT_OWNER or att.owner_id != contact.id:
        abort(404)
    return attachments.send(att)


# --- work orders ------------------------------------------------------------------------------------

@bp.route("/work-orders")
@require(Perm.WORKORDER_READ)
def work_orders():
    status = request.args.get("status", "open")
    stmt = select(WorkOrder)
    if (scope := reception.work_order_scope(current_user)) is not None:
        stmt = stmt.where(scope)
    if status in {s.value for s in WorkOrderStatus}:
        stmt = stmt.where(WorkOrder.status == WorkOrderStatus(status))
    if request.args.get("repeat"):
        stmt = stmt.where(WorkOrder.repeat_repair.is_(True))
    page = keyset_page(stmt, WorkOrder.dispatched_at, WorkOrder.id, request.args.get("after"), per_page=50)
    args = {k: v for k, v in request.args.items() if k != "after"}
    next_url = url_for("reception.work_orders", **args, after=page.next_cursor) if page.next_cursor else None
    template = "reception/_work_order_table.html" if htmx else "reception/work_orders.html"
    return render_template(template, rows=page.rows, next_url=next_url, status=status, now=now_utc(),
                           person_hidden=_person_hidden(page.rows))


def _person_hidden(work_orders) -> set[int]:
    """The work orders whose contact's room the list must not show (``reception.shows_person``)."""
    return {wo.id for wo in work_orders if not reception.may_see_person(current_user, wo.contact)}


@bp.route("/work-orders/check")
@require(Perm.WORKORDER_READ)
def work_order_check():
    """The 16:00 check: open work orders with no progress note today."""
    now = now_utc()
    rows = list(db.session.scalars(reception.work_orders_without_progress_today(now, user=current_user).limit(500)))
    return render_template("reception/work_order_check.html", rows=rows, now=now, today=to_local(now).date(),
                           person_hidden=_person_hidden(rows))


@bp.route("/work-orders/<int:work_order_id>")
@require(Perm.WORKORDER_READ)
def work_order(work_order_id: int):
    return _render_work_order(get_work_order_or_403(work_order_id))


def _shows_person_logged(contact: Contact, where: str) -> bool:
    """May this page show the contact's customer? If so and he is a complainant, the view is logged."""
    show_person = reception.may_see_person(current_user, contact)
    if show_person and reception.is_complaint_contact(contact.category, contact.complaint_id is not None):
        reception.record_complainant_view(contact, by=current_user, where=where)
    return show_person


def _render_work_order(work_order: WorkOrder, progress_form=None, complete_form=None):
    events = [e for e in work_order.contact.events if e.work_order_id == work_order.id]
    return render_template(
        "reception/work_order.html", wo=work_order, contact=work_order.contact, events=events,
        complaint_serials={},  # a work order's own events never link a complaint
        progress_form=progress_form or ProgressForm(), complete_form=complete_form or CompleteForm(),
        can_update=current_user.can(Perm.WORKORDER_UPDATE),
        can_see_contact=current_user.can(Perm.RECEPTION_READ),
        show_person=_shows_person_logged(work_order.contact, "work_order"),
    )


@bp.route("/work-orders/<int:work_order_id>/progress", methods=["POST"])
@require(Perm.WORKORDER_UPDATE)
def work_order_progress(work_order_id: int):
    work_order = get_work_order_or_403(work_order_id)
    form = ProgressForm()
    if form.validate_on_submit():
        try:
            reception.add_progress(work_order, form.text.data.strip(), by=current_user,
                                   handover_to=form.handover_to.data if form.continues_tomorrow.data else None,
                                   customer_told=bool(form.customer_told.data))
        except reception.ReceptionError as exc:
            form.text.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Progress noted."), "success")
            return redirect(url_for("reception.work_order", work_order_id=work_order.id))
    return _render_work_order(work_order, progress_form=form)


@bp.route("/work-orders/<int:work_order_id>/revisit", methods=["POST"])
@require(Perm.RECEPTION_READ)
def work_order_revisit(work_order_id: int):
    """The revisit of a finished repair, from the contact's page (where its leader can reach it)."""
    work_order = db.session.get(WorkOrder, work_order_id)
    if work_order is None:
        abort(404)
    contact = get_contact_or_403(work_order.contact_id)
    if not reception.may_record_repair_revisit(current_user, work_order):
        deny("repair revisit", "work_order", work_order_id)
    form = RepairRevisitForm(prefix=f"rv{work_order.id}")
    if form.validate_on_submit():
        satisfaction = satisfaction_value(form.satisfaction.data)
        try:
            reception.record_repair_revisit(
                work_order, by=current_user, way=RepairRevisitWay(form.way.data) if form.way.data else None,
                at=form.revisited_at_utc, result=form.result.data, satisfaction=satisfaction,
                cause=form.cause.data or "", measures=form.measures.data or "")
        except reception.RepairRevisitRejected as exc:
            for name, message in exc.problems.items():
                getattr(form, name).errors.append(message)
        except reception.ReceptionError as exc:
            form.result.errors.append(exc.message)
        else:
            return _done(contact, _("Revisit of %(serial)s recorded.", serial=work_order.serial))
    return _render_detail(contact, revisit_form=form, revisit_wo_id=work_order.id)


@bp.route("/work-orders/<int:work_order_id>/complete", methods=["POST"])
@require(Perm.WORKORDER_UPDATE)
def work_order_complete(work_order_id: int):
    work_order = get_work_order_or_403(work_order_id)
    form = CompleteForm()
    if form.validate_on_submit():
        try:
            reception.complete_work_order(
                work_order, form.result.data.strip(), by=current_user,
                repair_kind=RepairKind(form.repair_kind.data) if form.repair_kind.data else None)
        except reception.ReceptionError as exc:
            form.repair_kind.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Work order %(serial)s finished.", serial=work_order.serial), "success")
            return redirect(url_for("reception.work_order", work_order_id=work_order.id))
    return _render_work_order(work_order, complete_form=form)
