"""Customer archives (客户档案): records, purchases, quality customers, special owners, care
activities, change history, read logging and search. Flush-only; the view commits.

Every purchase change goes through ``add_purchase``/``update_purchase``/``delete_purchase``
(and the importer's bulk path calls the same hooks): they keep the quality-customer basis in
step and call the functions registered with ``@purchase_hook`` (revisit plans hook in there).
"""
from __future__ import annotations

import calendar
import functools
from collections.abc import Callable, Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, and_, any_, bindparam, exists, extract, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from portal.extensions import db
from portal.models import (
    ArchiveReadLog, CareActivity, Customer, CustomerChange, CustomerKind, Gender, Project, Purchase, QualityBasis,
    QualityBasisKind, SpecialKind,
)
from portal.models.base import utcnow
from portal.services import audit
from portal.services.masking import mask_id_number, mask_phone
from portal.services.validators import normalise_id_number, normalise_phone


class ArchiveError(ValueError):
    """A change the rules refuse; ``field`` names the form field, ``message`` says why."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


# Every editable field of a customer, with its label (history, export and import use these).
CUSTOMER_FIELDS: dict[str, object] = {
    "kind": _l("Type"),
    "name": _l("Name"),
    "gender": _l("Gender"),
    "birthday": _l("Birthday"),
    "stated_age": _l("Age (stated)"),
    "id_number": _l("ID number"),
    "phone1": _l("Phone 1"),
    "phone2": _l("Phone 2"),
    "address": _l("Address"),
    "postcode": _l("Postcode"),
    "employer": _l("Employer"),
    "position": _l("Position"),
    "occupation": _l("Occupation"),
    "living_area": _l("Living area"),
    "working_area": _l("Working area"),
    "education": _l("Education"),
    "marital_status": _l("Marital status"),
    "family_structure": _l("Family structure"),
    "household_size": _l("Household size"),
    "income_band": _l("Income band"),
    "how_learned": _l("How they learned of the project"),
    "car_plate": _l("Car plate"),
    "prospect_project_id": _l("Project of interest"),
    "wanted_layout": _l("Wanted layout"),
    "wanted_area": _l("Wanted area"),
    "wanted_floor": _l("Wanted floor"),
    "payment_method": _l("Payment method"),
    "purchase_purpose": _l("Purpose of purchase"),
    "previous_purchases": _l("Previous purchases"),
    "receiving_salesperson": _l("Receiving salesperson"),
    "archive_year": _l("Archive volume (year)"),
    "special_kind": _l("Special owner"),
    "special_note": _l("Special owner note"),
    "note": _l("Note"),
}

PURCHASE_FIELDS: dict[str, object] = {
    "project_id": _l("Project"),
    "building": _l("Building"),
    "room": _l("Room"),
    "signing_date": _l("Signing date"),
    "handover_date": _l("Handover date"),
    "property_nature": _l("Property nature"),
    "property_type": _l("Property type"),
    "floor_area": _l("Floor area (m²)"),
    "unit_price": _l("Unit price (yuan/m²)"),
    "total_price": _l("Total price (yuan)"),
    "salesperson": _l("Salesperson"),
}

# Shown masked everywhere unless revealed; stored masked in the change history.
SENSITIVE: dict[str, Callable[[str | None], str]] = {
    "id_number": mask_id_number,
    "phone1": mask_phone,
    "phone2": mask_phone,
}

SPECIAL_LABELS = {
    SpecialKind.ELDERLY_ALONE: _l("Elderly living alone"),
    SpecialKind.RETIRED_APART: _l("Retired, not living with children"),
    SpecialKind.MILITARY_FAMILY: _l("Military family"),
    SpecialKind.OTHER: _l("Other special owner"),
}
QUALITY_LABELS = {
    QualityBasisKind.REPEAT_PURCHASE: _l("Bought twice or more"),
    QualityBasisKind.REFERRAL: _l("Referred a buyer"),
    QualityBasisKind.SUGGESTION: _l("Suggestion adopted"),
}
KIND_LABELS = {CustomerKind.OWNER: _l("Owner"), CustomerKind.PROSPECT: _l("Prospective customer")}
GENDER_LABELS = {Gender.MALE: _l("Male"), Gender.FEMALE: _l("Female")}
# where a record was read (archive_read_log.context), for the "who read it" page
READ_CONTEXT_LABELS = {
    "list": _l("Archive list"), "detail": _l("Customer page"), "history": _l("Change history"),
    "attachment": _l("Attachment"), "edit": _l("Edit form"), "reveal": _l("Number revealed"),
    "export": _l("Export"), "reception_search": _l("Customer search when registering a contact"),
    "complaint_search": _l("Customer search when registering a complaint"),
    "revisit_reveal": _l("Phone numbers shown for a revisit"),
    "revisit_queue": _l("Revisit queue"), "revisit": _l("Revisit page"),
    "reception_reveal": _l("Phone number shown for a reception contact"),
    "complaint_prefill": _l("Complaint form filled in from a reception contact"),
    "complaint_link": _l("Complaint linked to the customer"),
    "request_decision": _l("Access request to decide"),
}
CARE_KINDS = {
    "birthday": _l("Birthday greeting"),
    "festival": _l("Festival greeting or gift"),
    "event": _l("Community event"),
    "visit": _l("Visit"),
    "other": _l("Other"),
}


def masked(field: str, value) -> str:
    if value is None or value == "":
        return ""
    if field in SENSITIVE:
        return SENSITIVE[field](str(value))
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def hides_birth_year(customer: Customer) -> bool:
    """The mask 110101********1234 hides exactly the eight birth-date digits, so wherever the ID
    number is shown masked nothing may give the birth year beside it: the birthday is shown as
    month-day (customer care needs the day), and no age — an age with the month and day is the
    year again. Shown in full with the revealed number (a logged reveal) or in an export that
    carries the full number. A customer without an ID number has nothing to complete."""
    return bool(customer.id_number)


def month_day(day: date | None) -> str:
    """A birthday without its year: 11-23."""
    return f"{day:%m-%d}" if day else ""


# Fields that give the birth year: shown without it beside a masked ID number (``hides_birth_year``).
BIRTH_YEAR_FIELDS: dict[str, Callable] = {
    "birthday": lambda value: value[5:10] if isinstance(value, str) else month_day(value),  # history keeps ISO text
    "stated_age": lambda value: "**" if value not in (None, "") else "",
}


# Fields holding a project's id: the history writes the project's name (an id means nothing to a reader).
PROJECT_FIELDS = ("prospect_project_id", "project_id")


def history_value(field: str, value) -> str:
    """``value`` as the change history keeps it: masked (``masked``), a project by its name."""
    if field in PROJECT_FIELDS and value:
        project = db.session.get(Project, value)
        return project.name if project is not None else str(value)
    return masked(field, value)


# --- hooks ---------------------------------------------------------------------------------

_purchase_hooks: list[Callable[[str, list[int]], None]] = []


def purchase_hook(fn: Callable[[str, list[int]], None]) -> Callable:
    """Register ``fn(action, purchase_ids)``; action is "added" (one purchase entered on the
    form), "imported" (the new purchases of an import), "updated" or "deleted".

    Called inside the transaction, after the change is flushed (for "deleted", before the rows
    go). The revisits area registers here to keep its plans in step with signing/handover dates.
    """
    if fn not in _purchase_hooks:
        _purchase_hooks.append(fn)
    return fn


def _run_hooks(action: str, purchase_ids: list[int]) -> None:
    for fn in _purchase_hooks:
        fn(action, purchase_ids)


# --- customers -----------------------------------------------------------------------------

def _clean(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip() or None
        out[key] = value
    if out.get("id_number"):
        out["id_number"] = normalise_id_number(out["id_number"])
    for key in ("phone1", "phone2"):
        if out.get(key):
            out[key] = normalise_phone(out[key])
    return out


def _id_number_taken(id_number: str | None, except_id: int | None = None) -> bool:
    if not id_number:
        return False
    stmt = select(Customer.id).where(Customer.id_number == id_number)
    if except_id is not None:
        stmt = stmt.where(Customer.id != except_id)
    return db.session.scalar(stmt) is not None


# seed 000: an owner's record holds 联系电话(至少2个以上). Not enforced: the property company's list
# often has one number, and refusing the record would lose the one it has; the form says so.
OWNER_PHONES = 2


def lacks_owner_phones(customer: Customer) -> bool:
    """An owner with fewer than the two phone numbers the archive asks for."""
    phones = sum(1 for number in (customer.phone1, customer.phone2) if number)
    return customer.kind == CustomerKind.OWNER and phones < OWNER_PHONES


def create_customer(values: dict, by) -> Customer:
    values = _clean(values)
    if _id_number_taken(values.get("id_number")):
        raise ArchiveError(_l("A customer with this ID number is in the archive already."), "id_number")
    customer = Customer(**values)
    db.session.add(customer)
    db.session.flush()
    audit.record("archive.customer_created", object_type="customer", object_id=customer.id, user=by)
    return customer


def update_customer(customer: Customer, values: dict, by, source: str = "form") -> list[str]:
    """Apply ``values``; keep one history row per changed field. Returns the changed fields."""
    values = _clean(values)
    if "id_number" in values and _id_number_taken(values["id_number"], customer.id):
        raise ArchiveError(_l("A customer with this ID number is in the archive already."), "id_number")
    changed = []
    now = utcnow()
    for field, new in values.items():
        old = getattr(customer, field)
        if old == new:
            continue
        setattr(customer, field, new)
        changed.append(field)
        db.session.add(CustomerChange(customer_id=customer.id, at=now, user_id=getattr(by, "id", None), field=field,
                                      old_value=history_value(field, old)[:300] or None,
                                      new_value=history_value(field, new)[:300] or None, source=source))
    if changed:
        customer.updated_at = now
        audit.record("archive.customer_updated", object_type="customer", object_id=customer.id,
                     detail={"fields": changed}, user=by)
    return changed


def history(customer: Customer, projects: set[int] | None = None) -> list[CustomerChange]:
    """The customer's changes, newest first. ``projects``: what a project grant opens
    (``archive_access.granted_projects``): rows about his purchases elsewhere are left out, as are
    purchase rows written before their project was kept (which project they name is not known)."""
    rows = db.session.scalars(select(CustomerChange).where(CustomerChange.customer_id == customer.id)
                              .order_by(CustomerChange.at.desc(), CustomerChange.id.desc()))
    if projects is None:
        return list(rows)
    return [r for r in rows if not is_purchase_change(r.field) or r.project_id in projects]


def is_purchase_change(field: str) -> bool:
    return field == "purchase" or field.startswith("purchase.")


# --- purchases -----------------------------------------------------------------------------

def room_label(project: str, building: str | None, room: str) -> str:
    """阳光花园 2栋-1-301: how a room is named on pages and in the history."""
    return f"{project} {building or ''}{'-' if building else ''}{room}"


def _room_label(p: Purchase) -> str:
    return room_label(p.project.name if p.project is not None else str(p.project_id), p.building, p.room)


def _room_owner(project_id: int, building: str | None, room: str, except_purchase: int | None = None):
    stmt = select(Purchase).where(Purchase.project_id == project_id, Purchase.room == room,
                                  func.coalesce(Purchase.building, "") == (building or ""))
    if except_purchase is not None:
        stmt = stmt.where(Purchase.id != except_purchase)
    return db.session.scalar(stmt.limit(1))


def _check_purchase(values: dict, except_purchase: int | None = None) -> None:
    if not values.get("room"):
        raise ArchiveError(_l("Give the room."), "room")
    if values.get("signing_date") and values.get("handover_date") and values["handover_date"] < values["signing_date"]:
        raise ArchiveError(_l("The handover date cannot be before the signing date."), "handover_date")
    if _room_owner(values["project_id"], values.get("building"), values["room"], except_purchase) is not None:
        raise ArchiveError(_l("This room is recorded for a customer already."), "room")


def _purchase_history(customer: Customer, by, old: str | None, new: str | None, project_id: int) -> None:
    customer.updated_at = utcnow()
    db.session.add(CustomerChange(customer_id=customer.id, user_id=getattr(by, "id", None), field="purchase",
                                  old_value=old, new_value=new, source="purchase", project_id=project_id))


def add_purchase(customer: Customer, values: dict, by) -> Purchase:
    values = _clean(values)
    _check_purchase(values)
    purchase = Purchase(customer=customer, **values)
    db.session.add(purchase)
    db.session.flush()
    if customer.kind == CustomerKind.PROSPECT:  # a prospect who buys becomes an owner
        update_customer(customer, {"kind": CustomerKind.OWNER}, by, source="purchase")
    _purchase_history(customer, by, None, _room_label(purchase), purchase.project_id)
    refresh_repeat_purchase(customer)
    audit.record("archive.purchase_added", object_type="customer", object_id=customer.id,
                 detail={"purchase_id": purchase.id}, user=by)
    _run_hooks("added", [purchase.id])
    return purchase


def update_purchase(purchase: Purchase, values: dict, by) -> list[str]:
    values = _clean(values)
    merged = {k: getattr(purchase, k) for k in PURCHASE_FIELDS} | values
    _check_purchase(merged, except_purchase=purchase.id)
    before = {k: getattr(purchase, k) for k in values}
    changed = [k for k, v in values.items() if before[k] != v]
    if not changed:
        return []
    old_label = _room_label(purchase)
    for k in changed:
        setattr(purchase, k, values[k])
    db.session.flush()
    db.session.refresh(purchase, ["project"])
    for k in changed:
        db.session.add(CustomerChange(customer_id=purchase.customer_id, user_id=getattr(by, "id", None),
                                      field=f"purchase.{k}",
                                      old_value=f"{old_label}: {history_value(k, before[k])}"[:300],
                                      new_value=history_value(k, values[k])[:300] or None, source="purchase",
                                      project_id=purchase.project_id))
    purchase.customer.updated_at = utcnow()
    refresh_repeat_purchase(purchase.customer)
    audit.record("archive.purchase_updated", object_type="customer", object_id=purchase.customer_id,
                 detail={"purchase_id": purchase.id, "fields": changed}, user=by)
    _run_hooks("updated", [purchase.id])
    return changed


def delete_purchase(purchase: Purchase, by) -> None:
    customer = purchase.customer
    _run_hooks("deleted", [purchase.id])
    _purchase_history(customer, by, _room_label(purchase), None, purchase.project_id)
    audit.record("archive.purchase_deleted", object_type="customer", object_id=customer.id,
                 detail={"purchase_id": purchase.id}, user=by)
    db.session.delete(purchase)
    db.session.flush()
    db.session.expire(customer, ["purchases"])
    refresh_repeat_purchase(customer)


# --- quality customers and special owners ----------------------------------------------------

def qualifies_by_purchases(purchase_count: int) -> bool:
    """两次或两次以上重复购买: two purchases or more."""
    return purchase_count >= 2


def refresh_repeat_purchase(customer: Customer) -> None:
    """Keep the automatic "bought twice or more" basis in step with the purchases."""
    purchases = list(db.session.scalars(select(Purchase).where(Purchase.customer_id == customer.id)
                                        .order_by(Purchase.id)))
    auto = db.session.scalar(select(QualityBasis).where(
        QualityBasis.customer_id == customer.id, QualityBasis.basis == QualityBasisKind.REPEAT_PURCHASE,
        QualityBasis.automatic.is_(True)))
    if qualifies_by_purchases(len(purchases)):
        evidence = "; ".join(_room_label(p) for p in purchases)[:500]
        if auto is None:
            db.session.add(QualityBasis(customer_id=customer.id, basis=QualityBasisKind.REPEAT_PURCHASE,
                                        evidence=evidence, automatic=True))
        else:
            auto.evidence = evidence
    elif auto is not None:
        db.session.delete(auto)
    db.session.flush()
    _refresh_is_quality([customer.id])


def _refresh_is_quality(customer_ids: list[int]) -> None:
    has_basis = exists().where(QualityBasis.customer_id == Customer.id)
    for chunk in _chunks(customer_ids, 5000):
        db.session.execute(update(Customer).where(among(Customer.id, chunk)).values(is_quality=has_basis)
                           .execution_options(synchronize_session=False))
    wanted = set(customer_ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Customer) and obj.id in wanted:
            db.session.expire(obj, ["is_quality"])


def refresh_repeat_purchase_bulk(customer_ids: list[int]) -> None:
    """The importer's path: add the automatic basis for every customer now holding 2+ purchases."""
    if not customer_ids:
        return
    for chunk in _chunks(customer_ids, 5000):
        counts = db.session.execute(select(Purchase.customer_id, func.count()).where(
            among(Purchase.customer_id, chunk)).group_by(Purchase.customer_id)).all()
        qualifying = [cid for cid, n in counts if qualifies_by_purchases(n)]
        if not qualifying:
            continue
        have = set(db.session.scalars(select(QualityBasis.customer_id).where(
            among(QualityBasis.customer_id, qualifying), QualityBasis.automatic.is_(True))))
        missing = [cid for cid in qualifying if cid not in have]
        if missing:
            db.session.execute(insert(QualityBasis), [
                {"customer_id": cid, "basis": QualityBasisKind.REPEAT_PURCHASE, "automatic": True,
                 "evidence": str(_l("Detected from the imported purchases")), "recorded_at": utcnow()}
                for cid in missing])
        _refresh_is_quality(qualifying)


def add_quality_basis(customer: Customer, basis: QualityBasisKind, evidence: str, by) -> QualityBasis:
    """Staff record a referral or an adopted suggestion, with its evidence."""
    if basis == QualityBasisKind.REPEAT_PURCHASE:
        raise ArchiveError(_l("Repeat purchases are detected from the purchases."), "basis")
    evidence = (evidence or "").strip()
    if not evidence:
        raise ArchiveError(_l("Describe the evidence."), "evidence")
    row = QualityBasis(customer_id=customer.id, basis=basis, evidence=evidence[:500], automatic=False,
                       recorded_by_id=getattr(by, "id", None))
    db.session.add(row)
    db.session.flush()
    customer.is_quality = True
    db.session.add(CustomerChange(customer_id=customer.id, user_id=getattr(by, "id", None), field="quality_basis",
                                  new_value=f"{QUALITY_LABELS[basis]}: {evidence}"[:300], source="form"))
    audit.record("archive.quality_basis_added", object_type="customer", object_id=customer.id,
                 detail={"basis": basis.value}, user=by)
    return row


def remove_quality_basis(basis: QualityBasis, by) -> None:
    if basis.automatic:
        raise ArchiveError(_l("Repeat purchases are detected from the purchases."), "basis")
    customer_id = basis.customer_id
    db.session.add(CustomerChange(customer_id=customer_id, user_id=getattr(by, "id", None), field="quality_basis",
                                  old_value=f"{QUALITY_LABELS[basis.basis]}: {basis.evidence}"[:300], source="form"))
    db.session.delete(basis)
    db.session.flush()
    _refresh_is_quality([customer_id])
    audit.record("archive.quality_basis_removed", object_type="customer", object_id=customer_id, user=by)


def add_care_activity(customer: Customer, *, day: date, kind: str, description: str, by) -> CareActivity:
    if kind not in CARE_KINDS:
        raise ArchiveError(_l("Choose the kind of activity."), "kind")
    row = CareActivity(customer_id=customer.id, day=day, kind=kind, description=description.strip()[:500],
                       recorded_by_id=getattr(by, "id", None))
    db.session.add(row)
    audit.record("archive.care_added", object_type="customer", object_id=customer.id, user=by)
    return row


def care_activities(customer: Customer) -> list[CareActivity]:
    return list(db.session.scalars(select(CareActivity).where(CareActivity.customer_id == customer.id)
                                   .order_by(CareActivity.day.desc(), CareActivity.id.desc())))


# --- reading: the read log -------------------------------------------------------------------

def reading_role(user) -> str:
    """The role under which ``user`` reads archives directly, as the read log names it."""
    for role in ("center_manager", "center_staff"):
        if any(r.value == role for r in user.roles):
            return role
    return "role"


def log_reads(user, customers: Iterable[Customer | int], context: str, *, grants: dict[int, object] | None = None,
              via_role: str | None = None) -> int:
    """Log that ``user`` read ``customers`` (records or their ids; one row each, plus one audit
    event naming them).

    ``grants`` maps customer id → the grant it was read under; otherwise ``via_role`` names
    the role that allows direct reading. Nothing personal goes into the log: ids only.
    """
    ids = [c if isinstance(c, int) else c.id for c in customers]
    if not ids:
        return 0
    now = utcnow()
    user_id = user.id  # ``user`` is often the current_user proxy: resolved once, not per row
    rows = []
    for cid in ids:
        grant = (grants or {}).get(cid)
        rows.append({"at": now, "customer_id": cid, "user_id": user_id, "context": context,
                     "via": "grant" if grant is not None else (via_role or "role"),
                     "grant_id": getattr(grant, "id", None)})
    _insert_read_rows(rows)
    grant_ids = sorted({r["grant_id"] for r in rows if r["grant_id"]})
    audit.record_read("archive.read", object_type="customer", object_id=ids[0] if len(ids) == 1 else None,
                      reason=(f"grant #{', #'.join(map(str, grant_ids))}" if grant_ids else f"role {via_role}"),
                      detail={"context": context, "count": len(ids), "customer_ids": ids[:500],
                              "grant_ids": grant_ids},
                      user=user)
    return len(ids)


def _insert_read_rows(rows: list[dict]) -> None:
    """Every list page writes one row per customer shown, all of one read (the same time, user and
    context). PostgreSQL takes them as one INSERT of arrays (one statement to parse, plan and check
    instead of 50: a third of the page's database time); SQLite, the embedded default, as an
    executemany. Neither builds ORM objects."""
    table = ArchiveReadLog.__table__
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(table), rows)
        return
    at, user_id, context = rows[0]["at"], rows[0]["user_id"], rows[0]["context"]
    if any((r["at"], r["user_id"], r["context"]) != (at, user_id, context) for r in rows):
        raise ValueError("the rows of one INSERT are one read: one time, user and context")
    db.session.execute(_insert_read_arrays(), {
        "at": at, "user_id": user_id, "context": context, "customer_ids": [r["customer_id"] for r in rows],
        "vias": [r["via"] for r in rows], "grant_ids": [r["grant_id"] for r in rows]})


@functools.cache
def _insert_read_arrays():
    """``INSERT INTO archive_read_log … SELECT :at, unnest(:customer_ids), :user_id, :context,
    unnest(:vias), unnest(:grant_ids)``, built once: building it for each page, with the values
    in it, cost as much as running it (the name search's read log was a seventh of the page)."""
    table = ArchiveReadLog.__table__

    def each(name, type_):
        return func.unnest(bindparam(name, type_=ARRAY(type_)))

    columns = select(bindparam("at", type_=table.c.at.type), each("customer_ids", Integer),
                     bindparam("user_id", type_=Integer), bindparam("context", type_=table.c.context.type),
                     each("vias", String), each("grant_ids", Integer))
    return insert(table).from_select(["at", "customer_id", "user_id", "context", "via", "grant_id"], columns)


def read_log(customer_id: int, limit: int = 500) -> list[ArchiveReadLog]:
    return list(db.session.scalars(select(ArchiveReadLog).where(ArchiveReadLog.customer_id == customer_id)
                                   .order_by(ArchiveReadLog.at.desc(), ArchiveReadLog.id.desc()).limit(limit)))


# --- the list ------------------------------------------------------------------------------

class ListedCustomer:
    """A row of the customer list, ready to show: its columns with the phone already masked (the
    list never reveals, so the template is never handed the number), its rooms as one line, and
    its purchases (project, building, room) for the grant check (``archive_access.facts_of``).
    Plain attributes: the template reads ten of them on each of 50 rows."""

    __slots__ = ("id", "name", "kind", "phone_masked", "archive_year", "is_quality", "special_kind",
                 "prospect_project_id", "purchases", "rooms")

    def __init__(self, row, purchases: list, project_names: dict[int, str]):
        self.id, self.name, self.kind = row.id, row.name, row.kind
        self.phone_masked = mask_phone(row.phone1)
        self.archive_year, self.is_quality, self.special_kind = row.archive_year, row.is_quality, row.special_kind
        self.prospect_project_id = row.prospect_project_id
        self.purchases = purchases
        self.rooms = self._rooms(purchases, project_names)

    @staticmethod
    def _rooms(purchases: list, project_names: dict[int, str]) -> str:
        return "；".join(f"{project_names.get(p.project_id, '')} {p.building or ''}{p.room or ''}" for p in purchases)

    def show_only_projects(self, projects: set[int], project_names: dict[int, str]) -> None:
        """The row as a project grant shows it: that project's rooms, not the customer's others."""
        self.rooms = self._rooms([p for p in self.purchases if p.project_id in projects], project_names)


def listed_customers(rows: list, project_names: dict[int, str]) -> list[ListedCustomer]:
    """``rows`` (the list's columns, ``id`` and ``phone1`` among them) and their purchases, in one
    query for the page."""
    purchases: dict[int, list] = {row.id: [] for row in rows}
    if purchases:
        statement = _purchases_of(db.session.get_bind().dialect.name)
        for p in db.session.execute(statement, {"ids": list(purchases)}):
            purchases[p.customer_id].append(p)
    return [ListedCustomer(row, purchases[row.id], project_names) for row in rows]


@functools.cache
def _purchases_of(dialect: str):
    """The purchases of a page's customers, built once per dialect (``among`` writes each its
    own way): the ids come as one parameter, so a page of any length runs the same statement."""
    return (select(Purchase.customer_id, Purchase.project_id, Purchase.building, Purchase.room)
            .where(among(Purchase.customer_id, key="ids")).order_by(Purchase.customer_id, Purchase.id))


def among(column, values=None, *, key: str | None = None):
    """``column IN (values)``; on PostgreSQL ``column = ANY(array)``: one array parameter instead of
    one per value (the import's lookups of a 100,000-row file ran 2.5–4.5 times faster), and one
    statement text whatever the number of values. With ``key`` instead of ``values`` the values
    come when the statement runs (``{key: [...]}``): a statement built once takes any number."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(key, None if key else list(values), type_=ARRAY(column.type)))
    return column.in_(bindparam(key, expanding=True) if key else values)


# --- search --------------------------------------------------------------------------------

def _looks_like_phone(q: str) -> bool:
    digits = normalise_phone(q).replace("-", "")
    return digits.isdigit() and len(digits) >= 7


def _looks_like_id_number(q: str) -> bool:
    v = normalise_id_number(q)
    return len(v) in (15, 18) and v[:-1].isdigit()


def birthday_on_clause(day: date):
    """Customers whose birthday falls on ``day``: the customer-care list of the day. 29 February
    birthdays fall on 28 February in common years (``reminders_rules.birthday_in``)."""
    month, dom = extract("month", Customer.birthday), extract("day", Customer.birthday)
    cond = and_(month == day.month, dom == day.day)
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        cond = or_(cond, and_(month == 2, dom == 29))
    return and_(Customer.birthday.is_not(None), cond)


def search_statement(*, q: str = "", room: str = "", project_id: int | None = None, kind: str = "",
                     quality: bool = False, special: bool = False, special_kind: str = "", year: int | None = None,
                     birthday: date | None = None):
    """Customers matching the filters (combine with ``paging.keyset_page``).

    ``q`` is a full phone number (phone1 or phone2), a full ID number, or the start of a name;
    each has its index (README, "Customer archives").
    """
    stmt = select(Customer)
    q = (q or "").strip()[:50]
    if q:
        if _looks_like_id_number(q):
            stmt = stmt.where(Customer.id_number == normalise_id_number(q))
        elif _looks_like_phone(q):
            phone = normalise_phone(q)
            stmt = stmt.where(or_(Customer.phone1 == phone, Customer.phone2 == phone))
        else:
            escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Customer.name.like(escaped + "%", escape="\\"))
    room = (room or "").strip()[:30]
    if room or project_id:
        cond = [Purchase.customer_id == Customer.id]
        if room:
            cond.append(Purchase.room == room)
        if project_id:
            cond.append(Purchase.project_id == project_id)
        match = exists().where(and_(*cond))
        if project_id and not room:
            match = or_(match, Customer.prospect_project_id == project_id)
        stmt = stmt.where(match)
    if kind in {k.value for k in CustomerKind}:
        stmt = stmt.where(Customer.kind == CustomerKind(kind))
    if quality:
        stmt = stmt.where(Customer.is_quality.is_(True))
    if special_kind in {k.value for k in SpecialKind}:  # one kind of special owner (only 军属 …)
        stmt = stmt.where(Customer.special_kind == SpecialKind(special_kind))
    elif special:
        stmt = stmt.where(Customer.special_kind.is_not(None))
    if year:
        stmt = stmt.where(Customer.archive_year == year)
    if birthday:
        stmt = stmt.where(birthday_on_clause(birthday))
    return stmt


def volumes() -> list[tuple[int, int]]:
    """(year, number of records) for each yearly volume, newest first."""
    return [tuple(r) for r in db.session.execute(
        select(Customer.archive_year, func.count()).group_by(Customer.archive_year)
        .order_by(Customer.archive_year.desc())).all()]


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


__all__ = [
    "ArchiveError", "BIRTH_YEAR_FIELDS", "CUSTOMER_FIELDS", "birthday_on_clause", "PURCHASE_FIELDS", "SENSITIVE",
    "add_care_activity", "add_purchase", "add_quality_basis", "among", "create_customer", "delete_purchase",
    "hides_birth_year",
    "history", "history_value", "log_reads", "masked", "month_day", "purchase_hook",
    "ListedCustomer", "listed_customers", "refresh_repeat_purchase", "search_statement", "update_customer",
    "update_purchase", "volumes",
]


def today_local() -> date:
    from portal.services.clock import now_utc, to_local

    return to_local(now_utc()).date()


def age_of(customer: Customer, now: datetime | None = None) -> int | None:
    from portal.services.clock import now_utc, to_local

    return customer.age_on(to_local(now or now_utc()).date())
