"""Customer archives (客户档案). Views stay thin: permission, the per-customer gate
(``get_customer_or_403``), form, service, one commit.

Reading is logged for every record shown (list rows included): center staff read under their
role, everyone else under a grant. ID numbers and phones are masked unless revealed (logged).
"""
from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import Forbidden

from portal.auth import Perm, require
from portal.auth.access import deny, wants_fragment
from portal.auth.permissions import Role
from portal.blueprints.admin.forms import ROLE_LABELS
from portal.blueprints.archives import bp
from portal.blueprints.archives.forms import (
    AccessRequestForm, AttachmentForm, CareForm, CustomerForm, DecisionForm, ImportForm, PurchaseForm, QualityForm,
    RevealForm,
)
from portal.extensions import db, htmx
from portal.http import db_id
from portal.labels import translated
from portal.models import (
    AccessScope, AccessStatus, ArchiveAccessRequest, ArchiveImport, Attachment, Customer, CustomerKind,
    ImportSource, ImportStatus, Project, Purchase, QualityBasis, QualityBasisKind, User,
)
from portal.services import archive_access as access
from portal.services import archive_export, archive_import, archives, attachments, audit, lookups, paging
from portal.services.archive_links import sections_for
from portal.services.clock import now_utc, to_local
from portal.services.masking import mask_id_number, mask_phone
from portal.services.pending import PendingItem, provider

PER_PAGE = 50
EXPORT_LIMIT = 100_000
# Files up to this size are checked and imported inside the request; larger ones by an RQ job.
INLINE_IMPORT_BYTES = 256 * 1024


# --- the per-customer gate -------------------------------------------------------------------

# the read log's "via" column holds a role's value
_VIA_ROLE_LABELS = {role.value: label for role, label in ROLE_LABELS.items()}


def _refuse_customer(customer_id: int | None):
    """403 with the audit entry of ``deny``, on a page that offers to request access."""
    try:
        deny("no archive grant", "customer", customer_id)
    except Forbidden:
        pass
    can_request = current_user.can(Perm.ARCHIVE_REQUEST)
    template = "archives/_forbidden.html" if wants_fragment() else "archives/forbidden.html"
    abort(make_response(render_template(template, customer_id=customer_id, can_request=can_request), 403))


def get_customer_or_403(customer_id: int, *, export: bool = False):
    """The customer and the grant it is read under (None for center staff). 404 when there is no
    such customer; 403 (audited) without the center role or a live grant covering it."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    if access.reads_directly(current_user):
        return customer, None
    grant = access.active_grant_for(current_user, customer, now_utc(), export=export)
    if grant is None:
        _refuse_customer(customer_id)
    return customer, grant


def _log_one(customer, grant, context: str) -> None:
    archives.log_reads(current_user, [customer], context, grants={customer.id: grant} if grant else None,
                       via_role=archives.reading_role(current_user))


def _project_choices(blank: bool = False):
    rows = [(p.id, p.name) for p in db.session.scalars(select(Project).order_by(Project.name))]
    return ([(0, _("— none —"))] if blank else []) + rows


# --- lists ---------------------------------------------------------------------------------

def _filters() -> dict:
    args = request.args
    def as_int(name):
        try:
            return int(args.get(name) or 0) or None
        except ValueError:
            return None
    return {"q": (args.get("q") or "").strip()[:50], "room": (args.get("room") or "").strip()[:30],
            "project_id": as_int("project_id"), "kind": (args.get("kind") or "")[:16],
            "quality": args.get("quality") == "1", "special": args.get("special") == "1",
            "special_kind": (args.get("special_kind") or "")[:20], "year": as_int("year"),
            "birthday": _as_date(args.get("birthday"))}


def _as_date(value: str | None):
    """A YYYY-MM-DD query argument (the birthday reminder's link to the day's care list), or None."""
    try:
        return date.fromisoformat((value or "").strip()[:10]) if value else None
    except ValueError:
        return None


@bp.route("/")
@require(Perm.ARCHIVE_READ, Perm.ARCHIVE_REQUEST)
def index():
    return _customer_list("archives/index.html")


@bp.route("/special")
@require(Perm.ARCHIVE_READ, Perm.ARCHIVE_REQUEST)
def special():
    """特殊业主: elderly living alone, retired elderly not living with children, military families."""
    return _customer_list("archives/special.html", force_special=True)


def _customer_list(template: str, force_special: bool = False):
    filters = _filters()
    if force_special:
        filters["special"] = True
    stmt = archives.search_statement(**filters)
    grants: list = []
    usable: list = []  # the grants that answer this list's question
    direct = access.reads_directly(current_user)
    if not direct:
        grants = access.live_grants(current_user, now_utc())
        if not grants:
            # Outside the center, no grant means no archive page at all (DOMAIN.md §3).
            _refuse_customer(None)
        usable = grants
        if filters["project_id"]:
            # asking about one project: a grant for another project says nothing about it
            usable = [g for g in grants if g.scope != AccessScope.PROJECT or g.project_id == filters["project_id"]]
        stmt = stmt.where(access.grant_condition(usable, room=filters["room"]))
    page = paging.keyset_page(stmt.with_only_columns(*LIST_COLUMNS), Customer.id, Customer.id,
                              request.args.get("after"), PER_PAGE, kind=int)
    project_names, _active = lookups.names_and_active(Project, Project.name, cached=True)
    page.rows = archives.listed_customers(page.rows, project_names)
    row_grants = {} if direct else {c.id: access.grant_for_row(usable, c) for c in page.rows}
    if not direct:
        for row in page.rows:
            projects = access.visible_projects(usable, row)
            if projects is not None:
                row.show_only_projects(projects, project_names)
    archives.log_reads(current_user, page.rows, "list", grants=row_grants or None, via_role=archives.reading_role(current_user))
    args = {k: v for k, v in request.args.items() if k != "after"}
    next_url = url_for(request.endpoint, after=page.next_cursor, **args) if page.next_cursor else None
    ctx = dict(page=page, filters=filters, next_url=next_url, direct=direct, has_grants=bool(grants),
               projects=list(project_names.items()), project_names=project_names,
               # translated once here: a lazy label is looked up again each time a row shows it
               **translated({"special_labels": archives.SPECIAL_LABELS, "kind_labels": archives.KIND_LABELS}),
               customer_url=url_for("archives.customer", customer_id=0).removesuffix("0"),
               endpoint=request.endpoint)
    # Render first, commit the read log after: a commit expires every loaded row, and rendering
    # after it reloaded each customer, its purchases and their projects one by one (N+1).
    html = render_template("archives/_list.html" if htmx else template, **ctx)
    db.session.commit()
    return html


# What a row of the list shows, and what a grant's scope is checked against (id, the projects of
# the purchases and the prospect, the volume year), read as plain rows: a customer has some 50
# columns of §3 facts, and ORM objects for the page's customers and purchases cost more than it.
LIST_COLUMNS = (Customer.id, Customer.name, Customer.kind, Customer.phone1, Customer.archive_year,
                Customer.is_quality, Customer.special_kind, Customer.prospect_project_id)


@bp.route("/volumes")
@require(Perm.ARCHIVE_READ)
def volumes():
    """The yearly volumes (按年度分类归档): how many records each holds."""
    return render_template("archives/volumes.html", volumes=archives.volumes())


# --- one customer --------------------------------------------------------------------------

@bp.route("/customers/<int:customer_id>")
@require(Perm.ARCHIVE_READ, Perm.ARCHIVE_REQUEST)
def customer(customer_id: int):
    customer, grant = get_customer_or_403(customer_id)
    _log_one(customer, grant, "detail")
    db.session.commit()
    projects = access.granted_projects(current_user, customer, now_utc())
    purchases = [p for p in customer.purchases if projects is None or p.project_id in projects]
    hide_year = archives.hides_birth_year(customer)
    return render_template(
        "archives/customer.html", c=customer, grant=grant, purchases=purchases,
        birthday=archives.month_day(customer.birthday) if hide_year else customer.birthday,
        age=None if hide_year else archives.age_of(customer), hide_year=hide_year and customer.birthday is not None,
        # a project grant: the automatic "bought twice" basis names rooms in other projects
        show_evidence=projects is None,
        mask_id_number=mask_id_number, mask_phone=mask_phone, care=archives.care_activities(customer),
        files=attachments.for_owner("customer", customer.id), linked=sections_for(customer, current_user),
        special_labels=archives.SPECIAL_LABELS, quality_labels=archives.QUALITY_LABELS,
        kind_labels=archives.KIND_LABELS, care_kinds=archives.CARE_KINDS, quality_form=QualityForm(),
        care_form=CareForm(), attachment_form=AttachmentForm(), reveal_form=RevealForm(),
        can_edit=grant is None and current_user.can(Perm.ARCHIVE_WRITE),
    )


@bp.route("/customers/<int:customer_id>/reveal", methods=["POST"])
@require(Perm.ARCHIVE_REVEAL)
def reveal(customer_id: int):
    """Show one unmasked ID number or phone; the act (not the value) is logged."""
    customer, grant = get_customer_or_403(customer_id)
    field = request.form.get("field", "")
    if grant is not None or field not in archives.SENSITIVE:
        abort(400)
    archives.log_reads(current_user, [customer], "reveal", via_role=archives.reading_role(current_user))
    audit.record("archive.revealed", object_type="customer", object_id=customer.id, detail={"field": field})
    db.session.commit()
    # the revealed ID number shows the birth date anyway: the birthday cell gets its year and the age
    full_birthday = field == "id_number" and customer.birthday is not None
    return render_template("archives/_revealed.html", value=getattr(customer, field) or "",
                           birthday=customer.birthday if full_birthday else None,
                           age=archives.age_of(customer) if full_birthday else None)


def _warn_missing_phone(customer: Customer) -> None:
    if archives.lacks_owner_phones(customer):
        flash(_("An owner's record should hold at least two phone numbers: add the second when you have it."),
              "warning")


def _fill_customer_form(form: CustomerForm) -> None:
    form.prospect_project_id.choices = _project_choices(blank=True)


@bp.route("/customers/new", methods=["GET", "POST"])
@require(Perm.ARCHIVE_WRITE)
def customer_new():
    form = CustomerForm()
    _fill_customer_form(form)
    if request.method == "GET":
        form.archive_year.data = to_local(now_utc()).year
    if form.validate_on_submit():
        try:
            customer = archives.create_customer(form.values(), current_user)
        except archives.ArchiveError as exc:
            db.session.rollback()
            form[exc.field or "name"].errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Customer record created."), "success")
            _warn_missing_phone(customer)
            return redirect(url_for("archives.customer", customer_id=customer.id))
    return render_template("archives/customer_form.html", form=form, c=None)


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@require(Perm.ARCHIVE_WRITE)
def customer_edit(customer_id: int):
    customer, _grant = get_customer_or_403(customer_id)
    form = CustomerForm(obj=customer)
    _fill_customer_form(form)
    # The edit page never shows the ID number and phones (DOMAIN.md §3: masked until a logged
    # reveal), nor beside a masked ID number the birth year (``archives.hides_birth_year``): their
    # inputs start empty, the masked value as a hint, and empty keeps them.
    hidden = dict(SENSITIVE_FIELDS)
    if archives.hides_birth_year(customer):
        hidden.update(archives.BIRTH_YEAR_FIELDS)
    stored = {name: getattr(customer, name) for name in hidden if getattr(customer, name) not in (None, "")}
    form.owner_needs_id_number = not (customer.kind == CustomerKind.OWNER and customer.id_number is None)
    if request.method == "POST":
        remove_phone2 = form.clear_phone2.data and _left_empty(form.phone2)
        form.birthday_typed = not _left_empty(form.birthday)
        for name, value in stored.items():
            if _left_empty(form[name]):
                form[name].data = value
        if remove_phone2:
            form.phone2.data = ""  # ticked, and no new number typed: the second phone goes
    if request.method == "GET":
        form.kind.data = customer.kind.value
        form.gender.data = customer.gender.value if customer.gender else ""
        form.special_kind.data = customer.special_kind.value if customer.special_kind else ""
        form.prospect_project_id.data = customer.prospect_project_id or 0
    if form.validate_on_submit():
        try:
            archives.update_customer(customer, form.values(), current_user)
        except archives.ArchiveError as exc:
            db.session.rollback()
            form[exc.field or "name"].errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Customer record saved."), "success")
            _warn_missing_phone(customer)
            return redirect(url_for("archives.customer", customer_id=customer.id))
    # the page shows the record (the first time, or again with the errors): a read
    _log_one(customer, None, "edit")
    db.session.commit()
    for name, value in stored.items():
        if request.method == "GET" or form[name].data == value:
            form[name].data = "" if name in SENSITIVE_FIELDS else None
    masked = {name: mask(stored.get(name)) for name, mask in hidden.items()}
    return render_template("archives/customer_form.html", form=form, c=customer, masked=masked)


def _left_empty(field) -> bool:
    """Nothing typed into ``field`` (absent, or blanks only)."""
    return not field.raw_data or not str(field.raw_data[0]).strip()


# shown masked on the edit page (with these masks), kept when left empty there
SENSITIVE_FIELDS = {"id_number": mask_id_number, "phone1": mask_phone, "phone2": mask_phone}


@bp.route("/customers/<int:customer_id>/history")
@require(Perm.ARCHIVE_READ, Perm.ARCHIVE_REQUEST)
def history(customer_id: int):
    customer, grant = get_customer_or_403(customer_id)
    _log_one(customer, grant, "history")
    # a project grant: his purchases in other projects stay off, as on his page
    rows = archives.history(customer, access.granted_projects(current_user, customer, now_utc()))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in rows if r.user_id})))}
    db.session.commit()
    labels = {**archives.CUSTOMER_FIELDS, **{f"purchase.{k}": v for k, v in archives.PURCHASE_FIELDS.items()},
              "purchase": _("Purchase"), "quality_basis": _("Quality customer basis")}
    sources = {"form": _("Edited"), "import": _("Imported list"), "purchase": _("Purchase record")}
    # the coded fields' stored values (owner, male, elderly_alone …) in words
    values = {"kind": {k.value: v for k, v in archives.KIND_LABELS.items()},
              "special_kind": {k.value: v for k, v in archives.SPECIAL_LABELS.items()},
              "gender": {k.value: v for k, v in archives.GENDER_LABELS.items()}}
    # rows written before the history kept a project's name hold its id
    names, _active = lookups.names_and_active(Project, Project.name, cached=True)
    project_names = {str(pid): name for pid, name in names.items()}
    values["prospect_project_id"] = values["purchase.project_id"] = project_names
    shown = {}  # row id → (old, new) where the stored value is not what the page may show
    if archives.hides_birth_year(customer):
        for r in rows:
            if r.field in archives.BIRTH_YEAR_FIELDS:
                hide = archives.BIRTH_YEAR_FIELDS[r.field]
                shown[r.id] = (hide(r.old_value), hide(r.new_value))
    return render_template("archives/history.html", c=customer, rows=rows, users=users, labels=labels, sources=sources,
                           values=values, shown=shown)


@bp.route("/customers/<int:customer_id>/readers")
@require(Perm.ARCHIVE_AUDIT_READ)
def readers(customer_id: int):
    """Who has looked at this record, when, and under which grant (reason) or role. Shows no
    archive data itself, so leaders and the administrator may see it without a grant."""
    if db.session.get(Customer, customer_id) is None:
        abort(404)
    labels = translated({"contexts": archives.READ_CONTEXT_LABELS, "roles": _VIA_ROLE_LABELS})
    return render_template("archives/readers.html", customer_id=customer_id, rows=archives.read_log(customer_id),
                           **labels)


# --- purchases, quality, care, attachments --------------------------------------------------

@bp.route("/customers/<int:customer_id>/purchases/new", methods=["GET", "POST"])
@require(Perm.ARCHIVE_WRITE)
def purchase_new(customer_id: int):
    customer, _grant = get_customer_or_403(customer_id)
    form = PurchaseForm()
    form.project_id.choices = _project_choices()
    if form.validate_on_submit():
        try:
            archives.add_purchase(customer, form.values(), current_user)
        except archives.ArchiveError as exc:
            db.session.rollback()
            form[exc.field or "room"].errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Purchase saved."), "success")
            return redirect(url_for("archives.customer", customer_id=customer.id))
    return render_template("archives/purchase_form.html", form=form, c=customer, purchase=None)


def _get_purchase_or_403(purchase_id: int) -> Purchase:
    purchase = db.session.get(Purchase, purchase_id)
    if purchase is None:
        abort(404)
    get_customer_or_403(purchase.customer_id)
    return purchase


@bp.route("/purchases/<int:purchase_id>", methods=["GET", "POST"])
@require(Perm.ARCHIVE_WRITE)
def purchase_edit(purchase_id: int):
    purchase = _get_purchase_or_403(purchase_id)
    form = PurchaseForm(obj=purchase)
    form.project_id.choices = _project_choices()
    if form.validate_on_submit():
        try:
            archives.update_purchase(purchase, form.values(), current_user)
        except archives.ArchiveError as exc:
            db.session.rollback()
            form[exc.field or "room"].errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Purchase saved."), "success")
            return redirect(url_for("archives.customer", customer_id=purchase.customer_id))
    _log_one(purchase.customer, None, "edit")  # the page shows the record's purchase: a read
    db.session.commit()
    return render_template("archives/purchase_form.html", form=form, c=purchase.customer, purchase=purchase)


@bp.route("/purchases/<int:purchase_id>/delete", methods=["POST"])
@require(Perm.ARCHIVE_WRITE)
def purchase_delete(purchase_id: int):
    purchase = _get_purchase_or_403(purchase_id)
    customer_id = purchase.customer_id
    archives.delete_purchase(purchase, current_user)
    db.session.commit()
    flash(_("Purchase removed."), "success")
    return redirect(url_for("archives.customer", customer_id=customer_id))


@bp.route("/customers/<int:customer_id>/quality", methods=["POST"])
@require(Perm.ARCHIVE_WRITE)
def quality_add(customer_id: int):
    customer, _grant = get_customer_or_403(customer_id)
    form = QualityForm()
    if form.validate_on_submit():
        try:
            archives.add_quality_basis(customer, QualityBasisKind(form.basis.data), form.evidence.data, current_user)
        except archives.ArchiveError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Quality customer basis recorded."), "success")
    else:
        flash(_("Describe the evidence."), "error")
    return redirect(url_for("archives.customer", customer_id=customer.id))


@bp.route("/quality/<int:basis_id>/delete", methods=["POST"])
@require(Perm.ARCHIVE_WRITE)
def quality_delete(basis_id: int):
    basis = db.session.get(QualityBasis, basis_id)
    if basis is None:
        abort(404)
    customer, _grant = get_customer_or_403(basis.customer_id)
    try:
        archives.remove_quality_basis(basis, current_user)
    except archives.ArchiveError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Basis removed."), "success")
    return redirect(url_for("archives.customer", customer_id=customer.id))


@bp.route("/customers/<int:customer_id>/care", methods=["POST"])
@require(Perm.ARCHIVE_WRITE)
def care_add(customer_id: int):
    customer, _grant = get_customer_or_403(customer_id)
    form = CareForm()
    if form.validate_on_submit():
        archives.add_care_activity(customer, day=form.day.data, kind=form.kind.data,
                                   description=form.description.data, by=current_user)
        db.session.commit()
        flash(_("Care activity recorded."), "success")
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
    return redirect(url_for("archives.customer", customer_id=customer.id))


@bp.route("/customers/<int:customer_id>/attachments", methods=["POST"])
@require(Perm.ARCHIVE_WRITE)
def attachment_add(customer_id: int):
    customer, _grant = get_customer_or_403(customer_id)
    form = AttachmentForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        flash(_("Choose a file."), "error")
    else:
        try:
            attachments.store(upload, owner_type="customer", owner_id=customer.id, user=current_user)
        except attachments.AttachmentRejected as exc:
            flash(exc.message, "error")
        else:
            audit.record("archive.attachment_added", object_type="customer", object_id=customer.id)
            db.session.commit()
            flash(_("File attached."), "success")
    return redirect(url_for("archives.customer", customer_id=customer.id))


@bp.route("/attachments/<int:attachment_id>")
@require(Perm.ARCHIVE_READ, Perm.ARCHIVE_REQUEST)
def attachment(attachment_id: int):
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.owner_type != "customer":
        abort(404)
    customer, grant = get_customer_or_403(att.owner_id)
    _log_one(customer, grant, "attachment")
    db.session.commit()
    return attachments.send(att)


# --- export --------------------------------------------------------------------------------

def _xlsx(data: bytes, name: str) -> Response:
    resp = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = f"attachment; filename={name}"
    return resp


@bp.route("/export")
@require(Perm.ARCHIVE_EXPORT)
def export():
    """The center manager's export of the current search, as far as his approved export grants
    cover it (DOMAIN.md §3: exporting archives needs its own approval, the center's too). Masked
    unless ``reveal=1`` (logged)."""
    grants = access.export_grants(current_user, now_utc())
    if not grants:
        flash(_("Exporting customer archives needs a leader's approval: request it here."), "error")
        return redirect(url_for("archives.request_new", export=1))
    reveal = request.args.get("reveal") == "1" and current_user.can(Perm.ARCHIVE_REVEAL)
    stmt = archives.search_statement(**_filters()).where(access.grant_condition(grants)).order_by(
        Customer.id).limit(EXPORT_LIMIT).options(selectinload(Customer.purchases).selectinload(Purchase.project))
    customers = list(db.session.scalars(stmt))
    archives.log_reads(current_user, customers, "export", grants={c.id: access.grant_for_row(grants, c) for c in customers})
    audit.record("archive.exported", detail={"count": len(customers), "revealed": reveal,
                                             "grant_ids": [g.id for g in grants]})
    data = archive_export.workbook_bytes(customers, reveal=reveal,
                                         projects_of=lambda c: access.visible_projects(grants, c))
    db.session.commit()
    return _xlsx(data, f"archives-{to_local(now_utc()):%Y%m%d-%H%M}.xlsx")


@bp.route("/requests/<int:request_id>/export")
@require(Perm.ARCHIVE_REQUEST)
def grant_export(request_id: int):
    """Export what a live grant covers, when the grant allows export. Always masked."""
    grant = db.session.get(ArchiveAccessRequest, request_id)
    if grant is None:
        abort(404)
    now = now_utc()
    if (grant.requester_id != current_user.id or not grant.wants_export
            or not access.grant_is_live(grant.status, grant.expires_at, now)):
        deny("no export grant", "archive_access_request", request_id)
    stmt = select(Customer).where(access.grant_condition([grant])).order_by(Customer.id).limit(EXPORT_LIMIT).options(
        selectinload(Customer.purchases).selectinload(Purchase.project))
    customers = list(db.session.scalars(stmt))
    archives.log_reads(current_user, customers, "export", grants={c.id: grant for c in customers})
    audit.record("archive.exported", object_type="archive_access_request", object_id=grant.id,
                 detail={"count": len(customers), "revealed": False})
    data = archive_export.workbook_bytes(customers, reveal=False,
                                         projects_of=lambda c: access.visible_projects([grant], c))
    db.session.commit()
    return _xlsx(data, f"archives-grant-{grant.id}.xlsx")


# --- access requests -------------------------------------------------------------------------

@bp.route("/requests")
@require(Perm.ARCHIVE_REQUEST)
def my_requests():
    rows = db.session.scalars(select(ArchiveAccessRequest).where(ArchiveAccessRequest.requester_id == current_user.id)
                              .order_by(ArchiveAccessRequest.id.desc()).limit(200)).all()
    return render_template("archives/requests.html", rows=rows, now=now_utc(), labels=_request_labels())


def _request_labels():
    return {
        "scope": {AccessScope.CUSTOMER: _("One customer"), AccessScope.PROJECT: _("One project"),
                  AccessScope.VOLUME: _("One year's volume")},
        "status": {AccessStatus.PENDING: _("Waiting for a leader"), AccessStatus.APPROVED: _("Approved"),
                   AccessStatus.REJECTED: _("Rejected"), AccessStatus.REVOKED: _("Revoked"),
                   AccessStatus.WITHDRAWN: _("Withdrawn")},
    }


@bp.route("/requests/new", methods=["GET", "POST"])
@require(Perm.ARCHIVE_REQUEST)
def request_new():
    form = AccessRequestForm()
    form.project_id.choices = _project_choices(blank=True)
    direct = access.reads_directly(current_user)
    if request.method == "GET":
        form.wants_export.data = direct or request.args.get("export") == "1"
        if db_id(request.args.get("customer_id")):
            form.customer_id.data = db_id(request.args["customer_id"])
        if db_id(request.args.get("project_id")):
            form.scope.data, form.project_id.data = AccessScope.PROJECT.value, db_id(request.args["project_id"])
    if form.validate_on_submit():
        scope = AccessScope(form.scope.data)
        customer = db.session.get(Customer, db_id(form.customer_id.data)) if db_id(form.customer_id.data) else None
        if scope == AccessScope.CUSTOMER and customer is None:
            form.customer_id.errors.append(_("There is no customer with this number."))
        else:
            try:
                req = access.create_request(
                    current_user, reason=form.reason.data, scope=scope, customer=customer,
                    project_id=form.project_id.data or None, volume_year=form.volume_year.data,
                    period_days=form.period_days.data, wants_export=form.wants_export.data)
            except access.AccessRequestError as exc:
                db.session.rollback()
                target = {AccessScope.PROJECT: form.project_id, AccessScope.VOLUME: form.volume_year}.get(scope, form.reason)
                target.errors.append(exc.message)
            else:
                db.session.commit()
                flash(_("Your request has gone to the leaders."), "success")
                return redirect(url_for("archives.request_detail", request_id=req.id))
    return render_template("archives/request_form.html", form=form, direct=direct)


def _subjects_for_decider(requests: list) -> dict:
    """The customers of the one-customer requests the current leader decides (name and rooms, the
    grant's reach), logged as reads of their records. Nobody else is shown them: a requester would
    learn the name behind any record number he typed."""
    subjects = access.request_subjects([r for r in requests if access.can_decide(current_user, r)])
    if subjects:
        unique = {s.id: s for s in subjects.values()}.values()
        archives.log_reads(current_user, unique, "request_decision", via_role=Role.LEADER.value)
    return subjects


@bp.route("/requests/queue")
@require(Perm.ARCHIVE_APPROVE)
def request_queue():
    now = now_utc()
    rows, grants = access.queue_for(current_user), access.grants_decided_by_me(current_user, now)
    subjects = _subjects_for_decider([*rows, *grants])
    html = render_template("archives/queue.html", rows=rows, grants=grants, now=now, labels=_request_labels(),
                           subjects=subjects)
    db.session.commit()
    return html


def _get_request_or_403(request_id: int) -> ArchiveAccessRequest:
    req = db.session.get(ArchiveAccessRequest, request_id)
    if req is None:
        abort(404)
    if not access.can_see_request(current_user, req):
        deny("not a party to the request", "archive_access_request", request_id)
    return req


def _request_page(req: ArchiveAccessRequest, form: DecisionForm, can_decide: bool):
    now = now_utc()
    html = render_template("archives/request_detail.html", req=req, now=now, labels=_request_labels(),
                           live=access.grant_is_live(req.status, req.expires_at, now), can_decide=can_decide,
                           can_revoke=access.can_revoke(current_user, req), form=form,
                           subjects=_subjects_for_decider([req]))
    db.session.commit()
    return html


@bp.route("/requests/<int:request_id>")
@require(Perm.ARCHIVE_REQUEST, Perm.ARCHIVE_APPROVE)
def request_detail(request_id: int):
    req = _get_request_or_403(request_id)
    return _request_page(req, DecisionForm(),
                         can_decide=req.status == AccessStatus.PENDING and access.can_decide(current_user, req))


@bp.route("/requests/<int:request_id>/decide", methods=["POST"])
@require(Perm.ARCHIVE_APPROVE)
def request_decide(request_id: int):
    req = _get_request_or_403(request_id)
    if req.requester_id == current_user.id:
        deny("own archive access request", "archive_access_request", request_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            access.decide(req, current_user, approve=form.decision.data == "approve", comment=form.comment.data,
                          now=now_utc())
        except access.AccessRequestError as exc:
            db.session.rollback()
            form.comment.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Decision recorded."), "success")
            return redirect(url_for("archives.request_queue"))
    return _request_page(req, form, can_decide=access.can_decide(current_user, req))


@bp.route("/requests/<int:request_id>/revoke", methods=["POST"])
@require(Perm.ARCHIVE_REQUEST, Perm.ARCHIVE_APPROVE)
def request_revoke(request_id: int):
    req = _get_request_or_403(request_id)
    try:
        access.revoke(req, current_user, now_utc())
    except access.AccessRequestError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Access ended."), "success")
    return redirect(url_for("archives.request_detail", request_id=req.id))


@provider
def _pending_requests(user) -> list[PendingItem]:
    if not user.can(Perm.ARCHIVE_APPROVE):
        return []
    count = len(access.queue_for(user))
    return [PendingItem(label=_("Archive access requests to decide"), count=count,
                        link=url_for("archives.request_queue"))]


# --- import --------------------------------------------------------------------------------

@bp.route("/imports", methods=["GET", "POST"])
@require(Perm.ARCHIVE_IMPORT)
def imports():
    form = ImportForm()
    form.project_id.choices = _project_choices(blank=True)
    if request.method == "GET":
        form.year.data = to_local(now_utc()).year
    if form.validate_on_submit():
        upload = request.files.get("file")
        name = Path(upload.filename or "").name if upload else ""
        if not name.lower().endswith((".xlsx", ".csv")):
            form.file.errors.append(_("Upload an Excel (.xlsx) or CSV file."))
        else:
            stored = secrets.token_hex(16) + Path(name).suffix.lower()
            target = archive_import.import_dir() / stored
            upload.save(target)
            imp = ArchiveImport(source=ImportSource(form.source.data), year=form.year.data, filename=name[:200],
                                customer_kind=CustomerKind(form.customer_kind.data),
                                stored_name=stored, size=target.stat().st_size, created_by_id=current_user.id,
                                project_id=form.project_id.data or None)
            db.session.add(imp)
            db.session.flush()
            audit.record("archive.import_uploaded", object_type="archive_import", object_id=imp.id)
            if imp.size <= INLINE_IMPORT_BYTES:
                archive_import.check_import(imp)
                db.session.commit()
            else:
                db.session.commit()
                _enqueue("check", imp)
            return redirect(url_for("archives.import_detail", import_id=imp.id))
    rows = db.session.scalars(select(ArchiveImport).order_by(ArchiveImport.id.desc()).limit(50)).all()
    return render_template("archives/imports.html", form=form, rows=rows)


def _enqueue(what: str, imp: ArchiveImport) -> None:
    from portal.jobs import enqueue
    from portal.jobs.archives import check_import_job, run_import_job

    job_id = f"archive-import-{imp.id}-{what}-{secrets.token_hex(4)}"
    imp.job_id = job_id
    db.session.commit()
    if what == "check":
        enqueue(check_import_job, imp.id, job_id=job_id, job_timeout=3600)
    else:
        enqueue(run_import_job, imp.id, current_user.id, job_id=job_id, job_timeout=3600)


@bp.route("/imports/template.xlsx")
@require(Perm.ARCHIVE_IMPORT)
def import_template():
    if request.args.get("kind") == CustomerKind.PROSPECT.value:
        return _xlsx(archive_import.template_workbook(CustomerKind.PROSPECT), "prospect-register-template.xlsx")
    return _xlsx(archive_import.template_workbook(), "archive-import-template.xlsx")


def _get_import_or_404(import_id: int) -> ArchiveImport:
    imp = db.session.get(ArchiveImport, import_id)
    if imp is None:
        abort(404)
    return imp


def _job_meta(imp: ArchiveImport) -> dict:
    if not imp.job_id:
        return {}
    try:
        from rq.job import Job

        from portal.jobs import redis_connection

        return Job.fetch(imp.job_id, connection=redis_connection()).meta or {}
    except Exception:  # Redis away or job expired: the row's status still tells the story
        return {}


@bp.route("/imports/<int:import_id>")
@require(Perm.ARCHIVE_IMPORT)
def import_detail(import_id: int):
    imp = _get_import_or_404(import_id)
    return render_template("archives/import_detail.html", imp=imp, meta=_job_meta(imp), ImportStatus=ImportStatus)


@bp.route("/imports/<int:import_id>/progress")
@require(Perm.ARCHIVE_IMPORT)
def import_progress(import_id: int):
    """The htmx-polled progress bar; once finished it asks the browser to reload the page."""
    imp = _get_import_or_404(import_id)
    resp = make_response(render_template("archives/_import_progress.html", imp=imp, meta=_job_meta(imp),
                                         ImportStatus=ImportStatus))
    if imp.status not in (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.IMPORTING):
        resp.headers["HX-Refresh"] = "true"
    return resp


@bp.route("/imports/<int:import_id>/run", methods=["POST"])
@require(Perm.ARCHIVE_IMPORT)
def import_run(import_id: int):
    imp = _get_import_or_404(import_id)
    form = RevealForm()  # CSRF only
    if not form.validate_on_submit() or imp.status != ImportStatus.VALID:
        flash(_("Only a checked file without errors can be imported."), "error")
        return redirect(url_for("archives.import_detail", import_id=imp.id))
    if imp.size <= INLINE_IMPORT_BYTES:
        try:
            archive_import.run_import(imp, current_user)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        if imp.status == ImportStatus.DONE:
            flash(_("Imported: %(new)d new customers, %(upd)d updated.", new=imp.inserted, upd=imp.updated), "success")
        else:
            flash(_("The file has errors now; nothing was imported."), "error")
    else:
        imp.status = ImportStatus.QUEUED
        _enqueue("run", imp)
    return redirect(url_for("archives.import_detail", import_id=imp.id))
