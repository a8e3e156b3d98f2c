"""Revisits (客户回访): generating the plans, doing a revisit, following up problems, scripts.

Plan generation is a **reconciliation**: each ``sync_*`` function computes the plans the data
asks for and brings the table in line — it creates the missing ones (``INSERT … ON CONFLICT
DO NOTHING`` on the unique ``plan_key``), moves *open* plans whose dates changed (a done plan
is history and stays), and cancels open plans whose reason disappeared. Running any of them
twice changes nothing the second time.

Who calls what:
- the archives area, from ``add_purchase``/``update_purchase``: ``sync_purchase_plans(purchase)``;
  from an import of many rows: ``sync_purchase_plans_bulk(ids)``; from ``delete_purchase``,
  *before* the row is deleted: ``cancel_purchase_plans(purchase.id)``;
- the complaints area, when a complaint is resolved: ``sync_complaint_plan(...)``; and it
  connects ``link_complaints(...)`` so completing a complaint revisit moves the complaint to
  "revisited";
- the daily job ``portal.jobs.revisits.revisit_plans``: ``reconcile_all()`` (also catches
  changes that bypassed the service).

Flush-only: the caller commits.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, String, and_, bindparam, case, exists, func, or_, select

from portal.extensions import db
from portal.models import Complaint, Customer, Purchase, User
from portal.models.revisit import (
    CancelReason, FollowUpStatus, RevisitAttempt, RevisitFollowUp, RevisitMethod, RevisitPlan, RevisitScript,
    RevisitStatus,
)
from portal.services import archives, audit, notifications
from portal.services import revisit_rules as rules
from portal.services.clock import now_utc, portal_tz, to_local
from portal.services.masking import mask_phone
from portal.services.paging import Page, decode_cursor, encode_cursor, keyset_page
from portal.services.revisit_rules import ROUTINE_KINDS, RevisitKind

# A routine window that closed more than this many days before a plan would be created is
# not planned any more (see ``revisit_rules.is_stale``): 31 days for an import, where a list of
# owners from years back would flood the queue; a year for one purchase entered on the form,
# whose missed revisits of the last months are still owed (签约客户例行回访率100%) and show as
# overdue, in the completion rate of their month too.
STALE_GRACE_DAYS = 31
STALE_GRACE_DAYS_ONE_PURCHASE = 366

KIND_LABELS = {
    RevisitKind.SIGNING: _l("Within 1 week of signing"),
    RevisitKind.HANDOVER_1M: _l("Within 1 month of handover"),
    RevisitKind.HANDOVER_3M: _l("1 to 3 months after handover"),
    RevisitKind.HANDOVER_1Y: _l("1 year after handover"),
    RevisitKind.COMPLAINT: _l("Complaint revisit"),
    RevisitKind.OLD_CUSTOMER: _l("Old-customer annual revisit"),
}

METHOD_LABELS = {
    RevisitMethod.PHONE: _l("Phone"),
    RevisitMethod.VISIT: _l("On-site visit"),
    RevisitMethod.SMS: _l("SMS"),
    RevisitMethod.SURVEY: _l("Survey"),
}

STATUS_LABELS = {
    RevisitStatus.OPEN: _l("Open"),
    RevisitStatus.DONE: _l("Done"),
    RevisitStatus.CANCELLED: _l("Cancelled"),
}

SATISFACTION_LABELS = {
    5: _l("5 – very satisfied"),
    4: _l("4 – satisfied"),
    3: _l("3 – neutral"),
    2: _l("2 – dissatisfied"),
    1: _l("1 – very dissatisfied"),
}

_OPENING = ("您好，我是{公司}客户服务中心的客服专员{姓名}。为了解您对我们产品和服务的意见，"
            "想占用您几分钟时间做个回访，请问现在方便吗？")

# Seed 000 §6: what each revisit asks about. Center managers edit these (统一说辞).
DEFAULT_SCRIPTS: dict[RevisitKind, tuple[str, list[str]]] = {
    RevisitKind.SIGNING: (_OPENING, [
        "您对所购房屋（户型、面积、朝向等产品情况）是否满意？",
        "您对置业顾问的销售服务是否满意？有没有需要补充说明的承诺？",
        "签约、付款、贷款等业务流程是否顺畅？有哪些不便？",
        "您对工作人员的办事效率是否满意？",
        "您还有什么意见或建议？",
    ]),
    RevisitKind.HANDOVER_1M: (_OPENING, [
        "您对小区的规划设计是否满意？",
        "您对房屋户型是否满意？",
        "收房时发现的房屋质量问题是否都已处理？目前还有哪些问题？",
        "您对销售服务和物业服务是否满意？",
        "收楼、办证等业务流程是否顺畅？工作人员的效率如何？",
        "您还有什么意见或建议？",
    ]),
    RevisitKind.HANDOVER_3M: (_OPENING, [
        "入住以来，水、电、暖（供暖）的设计和使用是否正常、方便？",
        "实际居住后，您觉得户型是否合理？",
        "房屋质量方面是否出现渗漏、开裂等问题？",
        "您对物业服务（保洁、安保、维修响应）是否满意？",
        "您还有什么意见或建议？",
    ]),
    RevisitKind.HANDOVER_1Y: (_OPENING, [
        "入住一年来，房屋质量是否出现问题？保修期内的问题是否已处理？",
        "您对小区的规划（绿化、停车、配套设施）是否满意？",
        "您对物业服务是否满意？",
        "您还有什么意见或建议？",
    ]),
    RevisitKind.COMPLAINT: (
        "您好，我是{公司}客户服务中心的客服专员{姓名}，关于您之前反映的问题，想向您了解一下处理情况。",
        [
            "您反映的问题是否已经处理好？",
            "您对投诉处理的结果是否满意？",
            "您对处理过程中工作人员的服务质量（态度、及时性）是否满意？",
            "您还有什么意见或建议？",
        ]),
    RevisitKind.OLD_CUSTOMER: (_OPENING, [
        "您对我们的房屋产品总体是否满意？",
        "您对物业服务和客户服务总体是否满意？",
        "您对公司的产品和服务有什么意见和建议？",
        "您或您的亲友近期是否有置业意向？",
    ]),
}


class RevisitError(ValueError):
    """A revisit cannot be recorded as asked (the plan is not open, …); the message is for the user."""


def local_today() -> date:
    return to_local(now_utc()).date()


# --- scripts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Script:
    kind: RevisitKind
    opening: str
    questions: list[str]
    version: int  # 0: the built-in default


def script_for(kind: RevisitKind) -> Script:
    row = db.session.scalar(select(RevisitScript).where(RevisitScript.kind == kind))
    if row is not None:
        return Script(kind, row.opening, list(row.questions), row.version)
    opening, questions = DEFAULT_SCRIPTS[kind]
    return Script(kind, opening, list(questions), 0)


def save_script(kind: RevisitKind, opening: str, questions: list[str], by: User) -> RevisitScript:
    questions = [q.strip() for q in questions if q.strip()]
    if not questions:
        raise RevisitError("a script needs at least one question")
    row = db.session.scalar(select(RevisitScript).where(RevisitScript.kind == kind))
    if row is None:
        row = RevisitScript(kind=kind, opening=opening.strip(), questions=questions, version=1, updated_by_id=by.id)
        db.session.add(row)
    else:
        row.opening, row.questions, row.version = opening.strip(), questions, row.version + 1
        row.updated_at, row.updated_by_id = now_utc(), by.id
    db.session.flush()
    audit.record("revisit.script_changed", object_type="revisit_script", object_id=kind.value,
                 detail={"version": row.version, "questions": len(questions)}, user=by)
    return row


# --- generating plans ------------------------------------------------------------------------

@dataclass
class SyncResult:
    created: int = 0
    moved: int = 0
    cancelled: int = 0
    reopened: int = 0

    def __iadd__(self, other: SyncResult) -> SyncResult:
        self.created += other.created
        self.moved += other.moved
        self.cancelled += other.cancelled
        self.reopened += other.reopened
        return self

    def as_dict(self) -> dict:
        return {"created": self.created, "moved": self.moved, "cancelled": self.cancelled, "reopened": self.reopened}


def routine_plan_key(kind: RevisitKind, purchase_id: int) -> str:
    return f"{kind.value}:purchase:{purchase_id}"


def annual_plan_key(customer_id: int, year: int) -> str:
    return f"{RevisitKind.OLD_CUSTOMER.value}:customer:{customer_id}:{year}"


def complaint_plan_key(complaint_id: int, resolved_at: datetime) -> str:
    return f"{RevisitKind.COMPLAINT.value}:{complaint_id}:{int(resolved_at.timestamp())}"


def _plan_insert():
    """``INSERT INTO revisit_plan … ON CONFLICT (plan_key) DO NOTHING RETURNING id``: a plan key
    already taken (also by a concurrent insert) is skipped; an id comes back only for a row
    that was inserted (an executemany's rowcount is not reliable across drivers)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = RevisitPlan.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["plan_key"]).returning(table.c.id)


def _plan_values(values: dict) -> dict:
    now = now_utc()
    values.setdefault("status", RevisitStatus.OPEN)
    values.setdefault("attempts", 0)
    values.setdefault("created_at", now)
    values.setdefault("updated_at", now)
    return values


def _insert_plan(**values) -> bool:
    """Insert one plan unless its ``plan_key`` exists."""
    return db.session.execute(_plan_insert().values(**_plan_values(values))).scalar() is not None


def _insert_plans(rows: list[dict]) -> int:
    """Insert many plans, skipping plan keys already taken; returns how many were new."""
    if not rows:
        return 0
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(_plan_insert_arrays(), _plan_arrays(rows)).rowcount
    # _sync_purchase builds every row with the same keys, as one executemany needs
    return len(db.session.execute(_plan_insert(), [_plan_values(dict(r)) for r in rows]).all())


# What varies from one routine plan to the next (``_sync_purchase``'s rows); the rest is the same
# for all the plans of one insert (``_plan_values``).
_PLAN_ARRAYS = {"plan_key": String, "kind": String, "customer_id": Integer, "purchase_id": Integer,
                "project_id": Integer, "window_start": Date, "due": Date}


@functools.cache
def _plan_insert_arrays():
    """PostgreSQL: ``INSERT INTO revisit_plan … SELECT unnest(:plan_key), unnest(:kind), …
    ON CONFLICT (plan_key) DO NOTHING``, built once, each column's values one array. The
    executemany with RETURNING it replaces went out as multi-row VALUES statements of 1,000 plans
    (11,000 parameters), each written out by SQLAlchemy, converted by psycopg and parsed by
    PostgreSQL anew: the import of a 100,000-row owner list wrote in 24 s instead of 30
    (bench/HISTORY.md). Its row count is the number of plans inserted (one statement)."""
    from sqlalchemy.dialects.postgresql import ARRAY, insert

    table = RevisitPlan.__table__
    varying = [func.unnest(bindparam(name, type_=ARRAY(type_))) for name, type_ in _PLAN_ARRAYS.items()]
    constant = [bindparam(name, type_=table.c[name].type) for name in ("status", "attempts", "created_at", "updated_at")]
    return (insert(table).from_select([*_PLAN_ARRAYS, "status", "attempts", "created_at", "updated_at"],
                                      select(*varying, *constant))
            .on_conflict_do_nothing(index_elements=["plan_key"])
            # SQLAlchemy keeps the driver's row count of UPDATE and DELETE only unless told
            .execution_options(preserve_rowcount=True))


def _plan_arrays(rows: list[dict]) -> dict:
    if any(r.keys() != _PLAN_ARRAYS.keys() for r in rows):
        # a column the arrays do not carry would be dropped here, and written on SQLite
        raise ValueError("routine plans are inserted with exactly the columns of _PLAN_ARRAYS")
    arrays = {name: [r[name] for r in rows] for name in _PLAN_ARRAYS}
    arrays["kind"] = [RevisitKind(k).value for k in arrays["kind"]]
    return _plan_values(arrays)


def _cancel(plan: RevisitPlan, reason: CancelReason) -> None:
    plan.status, plan.cancel_reason = RevisitStatus.CANCELLED, reason
    if reason == CancelReason.PURCHASE_DELETED:
        # Free the key: SQLite may give a later purchase the same id again.
        plan.plan_key = f"{plan.plan_key}:x{plan.id}"[:64]


def _sync_purchase(purchase: Purchase, existing: dict[RevisitKind, RevisitPlan], today: date,
                   new_plans: list[dict] | None = None, grace_days: int = STALE_GRACE_DAYS) -> SyncResult:
    """One purchase's routine plans. With ``new_plans`` the missing plans are appended there for
    the caller's bulk insert (and counted by it) instead of being inserted one by one."""
    result = SyncResult()
    wanted = rules.routine_windows(purchase.signing_date, purchase.handover_date)
    for kind in ROUTINE_KINDS:
        plan, window = existing.get(kind), wanted.get(kind)
        if window is None:
            if plan is not None and plan.status == RevisitStatus.OPEN:
                _cancel(plan, CancelReason.DATE_REMOVED)
                result.cancelled += 1
            continue
        if plan is None:
            if rules.is_stale(window, today, grace_days):
                continue
            values = dict(plan_key=routine_plan_key(kind, purchase.id), kind=kind, customer_id=purchase.customer_id,
                          purchase_id=purchase.id, project_id=purchase.project_id,
                          window_start=window.start, due=window.due)
            if new_plans is not None:
                new_plans.append(values)
            elif _insert_plan(**values):
                result.created += 1
            continue
        reopen = plan.status == RevisitStatus.CANCELLED and plan.cancel_reason == CancelReason.DATE_REMOVED
        if plan.status == RevisitStatus.OPEN or reopen:
            if plan.window != window:
                plan.window_start, plan.due = window.start, window.due
                result.moved += 0 if reopen else 1
            if reopen:
                plan.status, plan.cancel_reason = RevisitStatus.OPEN, None
                result.reopened += 1
            plan.customer_id, plan.project_id = purchase.customer_id, purchase.project_id
    return result


def _routine_plans_of(purchase_ids) -> dict[int, dict[RevisitKind, RevisitPlan]]:
    found: dict[int, dict[RevisitKind, RevisitPlan]] = defaultdict(dict)
    stmt = select(RevisitPlan).where(RevisitPlan.kind.in_(ROUTINE_KINDS), RevisitPlan.purchase_id.is_not(None))
    if purchase_ids is not None:
        stmt = stmt.where(archives.among(RevisitPlan.purchase_id, list(purchase_ids)))
    for plan in db.session.scalars(stmt):
        found[plan.purchase_id][plan.kind] = plan
    return found


def sync_purchase_plans(purchase: Purchase, today: date | None = None,
                        grace_days: int = STALE_GRACE_DAYS_ONE_PURCHASE) -> SyncResult:
    """Bring the four routine revisits of ``purchase`` in line with its signing and handover
    dates: create the missing ones, move open ones whose window changed, cancel open ones
    whose date was cleared. Done plans are never touched."""
    db.session.flush()  # a new purchase needs its id
    existing = _routine_plans_of([purchase.id]).get(purchase.id, {})
    return _sync_purchase(purchase, existing, today or local_today(), grace_days=grace_days)


BULK_CHUNK = 2000


def sync_purchase_plans_bulk(purchase_ids: list[int], today: date | None = None) -> SyncResult:
    """``sync_purchase_plans`` for many purchases at once (an owner-list import adds 100,000).

    The same reconciliation, but per chunk of purchases: their plans are read in one query and
    the missing plans written in one ``INSERT … ON CONFLICT DO NOTHING`` (``_insert_plans``: of
    arrays on PostgreSQL, an executemany on SQLite) instead of one statement per plan (which took
    ~17 minutes for 100,000 imported purchases)."""
    db.session.flush()
    today = today or local_today()
    result = SyncResult()
    ids = sorted(set(purchase_ids))
    for start in range(0, len(ids), BULK_CHUNK):
        chunk = ids[start:start + BULK_CHUNK]
        existing = _routine_plans_of(chunk)
        purchases = db.session.execute(select(
            Purchase.id, Purchase.customer_id, Purchase.project_id, Purchase.signing_date, Purchase.handover_date,
        ).where(archives.among(Purchase.id, chunk)).order_by(Purchase.id)).all()
        new_plans: list[dict] = []
        for purchase in purchases:
            result += _sync_purchase(purchase, existing.get(purchase.id, {}), today, new_plans=new_plans)
        result.created += _insert_plans(new_plans)
    db.session.flush()
    return result


def cancel_purchase_plans(purchase_id: int) -> int:
    """Cancel the open plans of a purchase that is being deleted (call before deleting it)."""
    plans = db.session.scalars(select(RevisitPlan).where(
        RevisitPlan.purchase_id == purchase_id, RevisitPlan.status == RevisitStatus.OPEN)).all()
    for plan in plans:
        _cancel(plan, CancelReason.PURCHASE_DELETED)
    db.session.flush()
    return len(plans)


def sync_annual_plans(year: int, today: date | None = None) -> SyncResult:
    """One old-customer revisit per old customer in ``year`` (see ``revisit_rules``); never twice.
    A purchase without a handover date counts from its signing date."""
    result = SyncResult()
    cutoff = rules.old_customer_handover_cutoff(year)
    # the customer's most recently handed-over (else signed) room names the project the revisit is filed under
    latest: dict[int, tuple[date, int]] = {}
    since = func.coalesce(Purchase.handover_date, Purchase.signing_date)
    rows = db.session.execute(select(Purchase.customer_id, since, Purchase.project_id).where(
        since.is_not(None), since <= cutoff))
    for customer_id, day, project_id in rows:
        if customer_id not in latest or day > latest[customer_id][0]:
            latest[customer_id] = (day, project_id)
    prefix = f"{RevisitKind.OLD_CUSTOMER.value}:customer:"
    have = set(db.session.scalars(select(RevisitPlan.plan_key).where(
        RevisitPlan.kind == RevisitKind.OLD_CUSTOMER, RevisitPlan.plan_key.like(f"{prefix}%:{year}"))))
    window = rules.annual_window(year)
    for customer_id, (_handover, project_id) in sorted(latest.items()):
        key = annual_plan_key(customer_id, year)
        if key in have:
            continue
        if _insert_plan(plan_key=key, kind=RevisitKind.OLD_CUSTOMER, customer_id=customer_id,
                        project_id=project_id, window_start=window.start, due=window.due):
            result.created += 1
    return result


def sync_complaint_plan(complaint_id: int, customer_id: int | None, project_id: int | None, resolved_at: datetime,
                        *, contact_name: str | None = None, contact_phone: str | None = None) -> RevisitPlan:
    """The revisit of a resolved complaint, due within 2 days of ``resolved_at``.

    The same resolution given twice makes one plan. A complaint resolved again (after a
    reopening) gets a new revisit; an older one still open is cancelled as superseded."""
    db.session.flush()
    window = rules.complaint_window(resolved_at, portal_tz())
    key = complaint_plan_key(complaint_id, resolved_at)
    _insert_plan(plan_key=key, kind=RevisitKind.COMPLAINT, complaint_id=complaint_id, customer_id=customer_id,
                 project_id=project_id, contact_name=(contact_name or None) and contact_name[:100],
                 contact_phone=(contact_phone or None) and contact_phone[:20],
                 window_start=window.start, due=window.due)
    for older in db.session.scalars(select(RevisitPlan).where(
            RevisitPlan.kind == RevisitKind.COMPLAINT, RevisitPlan.complaint_id == complaint_id,
            RevisitPlan.status == RevisitStatus.OPEN, RevisitPlan.plan_key != key)):
        _cancel(older, CancelReason.SUPERSEDED)
    db.session.flush()
    return db.session.scalar(select(RevisitPlan).where(RevisitPlan.plan_key == key))


def reconcile_all(today: date | None = None) -> SyncResult:
    """The daily job: every purchase's routine plans, orphans of deleted purchases, this year's
    old-customer plans. Safe to run any number of times."""
    today = today or local_today()
    result = SyncResult()
    # chunk by chunk, as an import does (every purchase and plan as ORM objects at once, with one
    # INSERT per missing plan, does not scale to the 200,000 purchases of the benchmark database)
    result += sync_purchase_plans_bulk(list(db.session.scalars(select(Purchase.id))), today)
    # a purchase deleted without the service: the foreign key has set purchase_id to NULL
    for plan in db.session.scalars(select(RevisitPlan).where(
            RevisitPlan.kind.in_(ROUTINE_KINDS), RevisitPlan.purchase_id.is_(None),
            RevisitPlan.status == RevisitStatus.OPEN)):
        _cancel(plan, CancelReason.PURCHASE_DELETED)
        result.cancelled += 1
    result += sync_annual_plans(today.year, today)
    db.session.flush()
    return result


# --- the complaint link ----------------------------------------------------------------------

_completed_callbacks: dict[RevisitKind, list[Callable]] = defaultdict(list)


def on_revisit_completed(kind: RevisitKind):
    """Register ``fn(plan, by)`` to run (in the same transaction) when a revisit of ``kind`` is done."""

    def decorator(fn: Callable) -> Callable:
        if fn not in _completed_callbacks[kind]:
            _completed_callbacks[kind].append(fn)
        return fn

    return decorator


def remove_revisit_callback(kind: RevisitKind, fn: Callable) -> None:
    if fn in _completed_callbacks[kind]:
        _completed_callbacks[kind].remove(fn)


def link_complaints(load_complaint: Callable[[int], object], record_revisit: Callable) -> Callable:
    """Connect the complaints area: completing a complaint revisit calls
    ``record_revisit(complaint, summary, satisfaction, by, at, method)``, which moves the complaint to
    "revisited". The lead calls this once at start-up, e.g.
    ``link_complaints(lambda cid: db.session.get(Complaint, cid), complaints.record_revisit)``."""

    @on_revisit_completed(RevisitKind.COMPLAINT)
    def forward(plan: RevisitPlan, by: User) -> None:
        if plan.complaint_id is None:
            return
        complaint = load_complaint(plan.complaint_id)
        if complaint is not None:
            # at the revisit's own time and by its method: telling the customer the result on it
            # may be the complaint's first reply (seed 000 §7), which is timed by it
            record_revisit(complaint, summary=plan.summary or "", satisfaction=plan.satisfaction, by=by,
                           at=plan.revisited_at, method=plan.method.value if plan.method else None)

    return forward


# --- doing a revisit ---------------------------------------------------------------------------

def _require_open(plan: RevisitPlan) -> None:
    if plan.status != RevisitStatus.OPEN:
        raise RevisitError("this revisit is not open any more")


def record_unreachable(plan: RevisitPlan, *, by: User, method: RevisitMethod, at: datetime,
                       note: str | None = None) -> RevisitAttempt:
    """The customer could not be reached: the attempt is kept and the plan stays open."""
    _require_open(plan)
    attempt = RevisitAttempt(plan=plan, at=at, by_id=by.id, method=method, reached=False, note=note or None)
    db.session.add(attempt)
    plan.attempts = (plan.attempts or 0) + 1
    if plan.assignee_id is None:
        plan.assignee_id = by.id
    db.session.flush()
    return attempt


@dataclass
class FollowUpRequest:
    owner: User
    promised_at: datetime


def complete_revisit(plan: RevisitPlan, *, by: User, method: RevisitMethod, at: datetime,
                     answers: list[tuple[str, str]], satisfaction: int, summary: str | None = None,
                     problem: str | None = None, problem_reply: str | None = None,
                     follow_up: FollowUpRequest | None = None) -> RevisitPlan:
    """Record the revisit and close the plan. A problem either has its on-the-spot reply or a
    follow-up (promised reply time and owner) that stays open until it is done."""
    _require_open(plan)
    if not 1 <= satisfaction <= 5:
        raise RevisitError("satisfaction is 1 to 5")
    if problem and not (problem_reply or follow_up):
        raise RevisitError("a problem needs a reply or a follow-up")
    done_on = to_local(at).date()
    plan.status, plan.method, plan.revisited_at, plan.done_by_id = RevisitStatus.DONE, method, at, by.id
    plan.on_time = rules.timeliness(plan.window, done_on) == rules.Timeliness.ON_TIME
    plan.answers = [{"question": q, "answer": a} for q, a in answers]
    plan.satisfaction, plan.summary = satisfaction, summary or None
    plan.problem = problem or None
    plan.problem_reply = (problem_reply or None) if problem else None
    if plan.assignee_id is None:
        plan.assignee_id = by.id
    db.session.add(RevisitAttempt(plan=plan, at=at, by_id=by.id, method=method, reached=True))
    if problem and follow_up is not None and not problem_reply:
        row = RevisitFollowUp(plan=plan, problem=problem, owner_id=follow_up.owner.id, promised_at=follow_up.promised_at)
        db.session.add(row)
        db.session.flush()
        if follow_up.owner.id != by.id:
            notifications.notify([follow_up.owner], kind="revisit.follow_up",
                                 title=lambda: str(_l("A revisit problem to follow up: reply promised by %(when)s",
                                                      when=to_local(follow_up.promised_at).strftime("%Y-%m-%d %H:%M"))),
                                 link=f"/revisits/{plan.id}", object_type="revisit_plan", object_id=plan.id)
    db.session.flush()
    audit.record("revisit.completed", object_type="revisit_plan", object_id=plan.id,
                 detail={"kind": plan.kind.value, "on_time": plan.on_time, "satisfaction": satisfaction}, user=by)
    for fn in list(_completed_callbacks.get(plan.kind, ())):
        fn(plan, by)
    return plan


def close_follow_up(row: RevisitFollowUp, *, reply: str, by: User) -> RevisitFollowUp:
    if row.status != FollowUpStatus.OPEN:
        raise RevisitError("this follow-up is closed already")
    row.status, row.reply, row.closed_at, row.closed_by_id = FollowUpStatus.DONE, reply, now_utc(), by.id
    db.session.flush()
    audit.record("revisit.follow_up_closed", object_type="revisit_follow_up", object_id=row.id, user=by)
    return row


def assign(plan: RevisitPlan, assignee: User | None, *, by: User) -> None:
    plan.assignee_id = assignee.id if assignee is not None else None
    db.session.flush()
    audit.record("revisit.assigned", object_type="revisit_plan", object_id=plan.id,
                 detail={"assignee_id": plan.assignee_id}, user=by)


def reveal_phones(plan: RevisitPlan, *, by: User) -> list[str]:
    """The full numbers to call, for a deliberate "show number": the act is audited (masked)."""
    phones = plan.phones
    audit.record("revisit.phone_revealed", object_type="revisit_plan", object_id=plan.id,
                 detail={"customer_id": plan.customer_id, "phones": [mask_phone(p) for p in phones]}, user=by)
    if plan.customer is not None:  # the archive record's numbers: a read of it, in its read log
        archives.log_reads(by, [plan.customer], "revisit_reveal", via_role=archives.reading_role(by))
    return phones


def staff_choices(plan: RevisitPlan | None = None) -> list[User]:
    """Who can be given a revisit or a follow-up: active center staff and managers, but never
    the staff member the plan's complaint is about (he may not open it)."""
    from portal.auth.permissions import Role
    from portal.models import UserRole

    stmt = (select(User).join(UserRole).where(User.active.is_(True),
                                              UserRole.role.in_([Role.CENTER_STAFF, Role.CENTER_MANAGER]))
            .distinct().order_by(User.display_name, User.id))
    about = _complained_staff_id(plan) if plan is not None else None
    if about is not None:
        stmt = stmt.where(User.id != about)
    return list(db.session.scalars(stmt))


def _complained_staff_id(plan: RevisitPlan) -> int | None:
    """The staff member the plan's complaint is about, if any."""
    if plan.complaint_id is None:
        return None
    return db.session.scalar(select(Complaint.complained_staff_id).where(Complaint.id == plan.complaint_id))


# --- the work queue --------------------------------------------------------------------------

QUEUE_VIEWS = ("open", "today", "week", "overdue", "upcoming", "done")


@dataclass
class QueueFilter:
    view: str = "open"
    project_id: int | None = None
    kind: RevisitKind | None = None
    assignee: str = ""  # "", "me", "none"
    q: str = ""


def about_user_clause(user_id: int):
    """The plan revisits a complaint about this staff member: he must not learn who complained
    (DOMAIN.md §2 confidentiality), so the plan, with the complainant's name and phone, is not his."""
    return exists().where(Complaint.id == RevisitPlan.complaint_id, Complaint.complained_staff_id == user_id)


def is_about(plan: RevisitPlan, user: User) -> bool:
    return _complained_staff_id(plan) == user.id


def queue_statement(f: QueueFilter, user: User | None, today: date):
    """``user`` None: every plan (no one's complaint to hide)."""
    P = RevisitPlan
    stmt = select(P)
    if user is not None:
        stmt = stmt.where(or_(P.complaint_id.is_(None), ~about_user_clause(user.id)))
    if f.view == "done":
        stmt = stmt.where(P.status == RevisitStatus.DONE)
    else:
        stmt = stmt.where(P.status == RevisitStatus.OPEN)
        if f.view == "today":
            stmt = stmt.where(P.due == today)
        elif f.view == "week":
            stmt = stmt.where(P.due >= today, P.due <= rules.week_bounds(today)[1], P.window_start <= rules.week_bounds(today)[1])
        elif f.view == "overdue":
            stmt = stmt.where(P.due < today)
        elif f.view == "upcoming":
            stmt = stmt.where(P.window_start > today)
        else:  # open now
            stmt = stmt.where(P.window_start <= today)
    if f.project_id:
        stmt = stmt.where(P.project_id == f.project_id)
    if f.kind is not None:
        stmt = stmt.where(P.kind == f.kind)
    if f.assignee == "me":
        stmt = stmt.where(P.assignee_id == user.id)
    elif f.assignee == "none":
        stmt = stmt.where(P.assignee_id.is_(None))
    q = f.q.strip()
    if q:
        stmt = stmt.outerjoin(Customer, Customer.id == P.customer_id)
        if q.isdigit() and len(q) >= 7:
            stmt = stmt.where(or_(Customer.phone1 == q, Customer.phone2 == q, P.contact_phone == q))
        else:
            stmt = stmt.where(or_(Customer.name.contains(q, autoescape=True), P.contact_name.contains(q, autoescape=True)))
    return stmt


def queue_page(f: QueueFilter, user: User | None, today: date, cursor: str | None, per_page: int = 50) -> Page:
    """Open plans earliest-due first; done ones latest first. Keyset paging, no COUNT."""
    stmt = queue_statement(f, user, today)
    if f.view == "done":
        return keyset_page(stmt, RevisitPlan.revisited_at, RevisitPlan.id, cursor, per_page)
    after = decode_cursor(cursor, date.fromisoformat)
    if after is not None:
        value, ident = after
        stmt = stmt.where(or_(RevisitPlan.due > value, and_(RevisitPlan.due == value, RevisitPlan.id > ident)))
    rows = list(db.session.scalars(stmt.order_by(RevisitPlan.due, RevisitPlan.id).limit(per_page + 1)))
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        next_cursor = encode_cursor(rows[-1].due.isoformat(), rows[-1].id)
    return Page(rows, next_cursor)


@dataclass
class ProjectLoad:
    project_id: int | None
    overdue: int = 0
    today: int = 0
    week: int = 0


def load_by_project(today: date) -> list[ProjectLoad]:
    """Open revisits per project: overdue, due today, due later this week."""
    P = RevisitPlan
    sunday = rules.week_bounds(today)[1]
    rows = db.session.execute(
        select(P.project_id,
               func.sum(case((P.due < today, 1), else_=0)),
               func.sum(case((P.due == today, 1), else_=0)),
               func.sum(case((and_(P.due > today, P.due <= sunday), 1), else_=0)))
        .where(P.status == RevisitStatus.OPEN, P.window_start <= sunday)
        .group_by(P.project_id))
    return [ProjectLoad(pid, int(o or 0), int(t or 0), int(w or 0)) for pid, o, t, w in rows if (o or t or w)]


@dataclass
class MyCounts:
    due_today: int = 0
    overdue: int = 0
    follow_ups: int = 0
    unassigned_overdue: int = 0


def my_counts(user: User, today: date) -> MyCounts:
    P = RevisitPlan
    mine = db.session.execute(
        select(func.sum(case((P.due == today, 1), else_=0)), func.sum(case((P.due < today, 1), else_=0)))
        .where(P.assignee_id == user.id, P.status == RevisitStatus.OPEN, P.due <= today)).one()
    unassigned = db.session.scalar(select(func.count()).select_from(P).where(
        P.assignee_id.is_(None), P.status == RevisitStatus.OPEN, P.due < today)) or 0
    follow = db.session.scalar(select(func.count()).select_from(RevisitFollowUp).where(
        RevisitFollowUp.owner_id == user.id, RevisitFollowUp.status == FollowUpStatus.OPEN)) or 0
    return MyCounts(int(mine[0] or 0), int(mine[1] or 0), int(follow), int(unassigned))


# --- for the reminders area --------------------------------------------------------------------

def plans_due_between(first: date, last: date) -> list[RevisitPlan]:
    """Open plans due from ``first`` to ``last`` (inclusive): "due today / this week" reminders."""
    return list(db.session.scalars(select(RevisitPlan).where(
        RevisitPlan.status == RevisitStatus.OPEN, RevisitPlan.due >= first, RevisitPlan.due <= last)
        .order_by(RevisitPlan.due, RevisitPlan.id)))


def overdue_plans(today: date) -> list[RevisitPlan]:
    return list(db.session.scalars(select(RevisitPlan).where(
        RevisitPlan.status == RevisitStatus.OPEN, RevisitPlan.due < today).order_by(RevisitPlan.due, RevisitPlan.id)))


def overdue_follow_ups(now: datetime) -> list[RevisitFollowUp]:
    return list(db.session.scalars(select(RevisitFollowUp).where(
        RevisitFollowUp.status == FollowUpStatus.OPEN, RevisitFollowUp.promised_at < now)
        .order_by(RevisitFollowUp.promised_at)))


__all__ = [
    "DEFAULT_SCRIPTS", "KIND_LABELS", "METHOD_LABELS", "FollowUpRequest", "QueueFilter", "RevisitError",
    "SyncResult", "assign", "cancel_purchase_plans", "close_follow_up", "complete_revisit", "link_complaints",
    "on_revisit_completed", "reconcile_all", "record_unreachable", "reveal_phones", "script_for", "save_script",
    "sync_annual_plans", "sync_complaint_plan", "sync_purchase_plans", "sync_purchase_plans_bulk",
]
