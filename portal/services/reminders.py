"""Reminders: the registry areas plug into, and the flush-only operations on reminder rows.

How an area adds a reminder kind (the whole API; see README "Reminders"):

    from portal.services import reminders
    from portal.services.reminders import Message, ReminderSpec

    # 1. the message, built when the reminder is delivered (None: no longer due → cancelled)
    @reminders.message("complaint.first_reply_overdue")
    def _first_reply_overdue(r) -> Message | None:
        c = db.session.get(Complaint, r.object_id)
        if c is None or c.first_replied_at:
            return None
        return Message(title=f"投诉 {c.serial} 首次答复已超时", link=f"/complaints/{c.id}")

    # 2. either write the row with the business change (same transaction) ...
    reminders.schedule("complaint.major_created", "complaint", c.id, org.group_leaders(), due_at=now)

    # 3. ... or let the periodic sweep find what is due (every 5 minutes; dedupe makes it safe)
    @reminders.sweeper("complaint.first_reply_overdue")
    def _find_overdue(now_utc):
        for c in db.session.scalars(select(Complaint).where(...)):
            yield from ReminderSpec.for_users("complaint.first_reply_overdue", "complaint", c.id,
                                              [c.handler], due_at=c.first_reply_due)

The kinds DOMAIN.md §6 names are declared in ``reminders_catalogue`` (label, e-mail default,
webhook, schedule); an area only adds the message builder and the sweeper (or ``schedule`` calls).
Register them at import of a module the blueprint imports, so that both the web process and
the worker (which builds the app with ``create_app``) know them.

Messages never carry ID numbers or phone numbers: builders name the record (serial number,
project), and ``scrub`` masks anything that looks like one before any channel sees it.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Reminder, ReminderEmailPreference, ReminderStatus, User
from portal.services.masking import mask_id_number, mask_phone

SCHEDULE_SWEEP = "sweep"  # every 5 minutes
SCHEDULE_WORKORDER_CHECK = "workorder_check"  # daily at 16:00 in the portal's time zone
NO_LIVE_JOB = "-"  # job_id of a row whose job was lost (reclaimed): the next sweep enqueues it
_AFTER_COMMIT_KEY = "portal.reminders.due_now"


@dataclass(frozen=True)
class Message:
    """What a reminder says. ``link`` is a path inside the portal."""

    title: str
    body: str | None = None
    link: str | None = None
    # False keeps it off group channels (the webhook): a 举报 is confidential to the center and
    # leaders, and a group chat may hold the very person it is about (DOMAIN.md §2)
    to_group: bool = True


@dataclass(frozen=True)
class ReminderSpec:
    kind: str
    object_type: str
    object_id: int
    recipient_id: int
    due_at: datetime
    occurrence: str = "once"

    @classmethod
    def for_users(cls, kind: str, object_type: str, object_id: int, users: Iterable, *, due_at: datetime,
                  occurrence: str = "once") -> list[ReminderSpec]:
        return [cls(kind, object_type, object_id, _user_id(u), due_at, occurrence) for u in users]


@dataclass
class KindInfo:
    name: str
    label: object  # a lazy string
    email_default: bool = True
    webhook: bool = False  # also post to the group webhook (once per object and occurrence)
    schedule: str = SCHEDULE_SWEEP
    builder: Callable | None = None
    sweepers: list[Callable] = field(default_factory=list)


KINDS: dict[str, KindInfo] = {}


def define_kind(name: str, label, *, email_default: bool = True, webhook: bool = False,
                schedule: str = SCHEDULE_SWEEP) -> KindInfo:
    """Declare a kind (the catalogue does it for DOMAIN.md §6; areas only for new kinds)."""
    if len(name) > 64:
        raise ValueError("kind names have at most 64 characters")
    info = KINDS.get(name)
    if info is None:
        info = KINDS[name] = KindInfo(name, label)
    info.label, info.email_default, info.webhook, info.schedule = label, email_default, webhook, schedule
    return info


def _kind(name: str) -> KindInfo:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown reminder kind {name!r}: declare it with define_kind()") from None


def message(kind: str) -> Callable:
    """Register the message builder of ``kind``: ``fn(reminder) -> Message | None``."""

    def decorator(fn):
        _kind(kind).builder = fn
        return fn

    return decorator


def sweeper(kind: str) -> Callable:
    """Register ``fn(now_utc) -> Iterable[ReminderSpec]``; it runs on the kind's schedule."""

    def decorator(fn):
        sweepers = _kind(kind).sweepers
        if fn not in sweepers:
            sweepers.append(fn)
        return fn

    return decorator


def sweepers_for(schedule: str) -> list[tuple[str, Callable]]:
    return [(k.name, fn) for k in KINDS.values() if k.schedule == schedule for fn in k.sweepers]


def _user_id(user) -> int:
    return user if isinstance(user, int) else user.id


def dedupe_key(kind: str, object_type: str, object_id: int, recipient_id: int, occurrence: str) -> str:
    return f"{kind}|{object_type}|{object_id}|{recipient_id}|{occurrence}"[:255]


def _insert():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the portal runs on PostgreSQL or SQLite
        raise RuntimeError(f"unsupported database {dialect}")
    return insert


def schedule(kind: str, object_type: str, object_id: int, recipients: Iterable, *, due_at: datetime,
             occurrence: str = "once") -> list[int]:
    """Write reminder rows (flush-only, in the caller's transaction); duplicates are ignored.

    Returns the ids of the rows that are new. Rows already due are handed to a worker as soon
    as the transaction commits; the others wait for the sweep after their due time.
    """
    _kind(kind)
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    insert = _insert()
    now = datetime.now(timezone.utc)
    new_ids: list[int] = []
    for recipient_id in dict.fromkeys(_user_id(u) for u in recipients):
        stmt = insert(Reminder).values(
            kind=kind, object_type=object_type, object_id=object_id, recipient_id=recipient_id,
            occurrence=occurrence[:64], dedupe_key=dedupe_key(kind, object_type, object_id, recipient_id, occurrence),
            due_at=due_at, status=ReminderStatus.PENDING, attempts=0, created_at=now,
        ).on_conflict_do_nothing().returning(Reminder.id)
        new_id = db.session.execute(stmt).scalar()
        if new_id is not None:
            new_ids.append(new_id)
    due_now = [i for i in new_ids if due_at <= now]
    if due_now:
        db.session.info.setdefault(_AFTER_COMMIT_KEY, []).extend(due_now)
    return new_ids


SCHEDULE_BATCH = 1000  # reminders per key lookup and per INSERT in schedule_specs


def schedule_specs(specs: Iterable[ReminderSpec], *, hand_over_due: bool = True) -> list[int]:
    """``schedule`` for many reminders at once: what a sweep finds (73,000 overdue contacts on
    the benchmark database took 48 s one row at a time). Per batch of 1,000: one look-up of the
    dedupe keys already on file, one executemany ``INSERT … ON CONFLICT DO NOTHING``.

    Returns the ids of the new rows. Rows already due go to a worker after the commit, as with
    ``schedule``; ``hand_over_due=False`` when the caller enqueues them itself (the sweep's
    ``enqueue_due`` pipelines them to Redis instead of one enqueue per row)."""
    now = datetime.now(timezone.utc)
    rows: dict[str, dict] = {}
    for s in specs:
        _kind(s.kind)
        if s.due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        key = dedupe_key(s.kind, s.object_type, s.object_id, s.recipient_id, s.occurrence)
        rows.setdefault(key, dict(
            kind=s.kind, object_type=s.object_type, object_id=s.object_id, recipient_id=s.recipient_id,
            occurrence=s.occurrence[:64], dedupe_key=key, due_at=s.due_at, status=ReminderStatus.PENDING,
            attempts=0, created_at=now))
    table = Reminder.__table__
    stmt = _insert()(table).on_conflict_do_nothing().returning(table.c.id, table.c.due_at)
    keys = list(rows)
    new_ids: list[int] = []
    due_now: list[int] = []
    for start in range(0, len(keys), SCHEDULE_BATCH):
        batch = keys[start:start + SCHEDULE_BATCH]
        on_file = set(db.session.scalars(select(Reminder.dedupe_key).where(Reminder.dedupe_key.in_(batch))))
        todo = [rows[k] for k in batch if k not in on_file]
        if not todo:
            continue
        for new_id, due_at in db.session.execute(stmt, todo):  # only rows actually inserted come back
            new_ids.append(new_id)
            if due_at <= now:
                due_now.append(new_id)
    if due_now and hand_over_due:
        db.session.info.setdefault(_AFTER_COMMIT_KEY, []).extend(due_now)
    return new_ids


def cancel(object_type: str, object_id: int, kinds: Iterable[str] | None = None) -> int:
    """Cancel the pending reminders of an object (e.g. the complaint was answered). Flush-only."""
    stmt = update(Reminder).where(Reminder.object_type == object_type, Reminder.object_id == object_id,
                                  Reminder.status == ReminderStatus.PENDING)
    if kinds is not None:
        stmt = stmt.where(Reminder.kind.in_(list(kinds)))
    return db.session.execute(stmt.values(status=ReminderStatus.CANCELLED).execution_options(
        synchronize_session=False)).rowcount


# --- delivery bookkeeping (used by portal.jobs.reminders) -----------------------------------------

def claim(reminder_id: int, now: datetime) -> bool:
    """Atomically take a due, pending reminder for delivery. Only one caller ever gets True."""
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
        .values(status=ReminderStatus.CLAIMED, claimed_at=now, attempts=Reminder.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def reclaim_stale(now: datetime, lease: timedelta) -> int:
    """Claims older than the lease belong to a worker that died: make them pending again."""
    result = db.session.execute(
        update(Reminder)
        .where(Reminder.status == ReminderStatus.CLAIMED, Reminder.claimed_at < now - lease)
        .values(status=ReminderStatus.PENDING, claimed_at=None, job_id=NO_LIVE_JOB,
                last_error="claim expired (worker stopped); delivery resumed")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def due_pending(now: datetime, limit: int = 1000) -> list[Reminder]:
    return list(db.session.scalars(
        select(Reminder).where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id).limit(limit)
    ))


def wants_email(user: User, kind: str) -> bool:
    row = db.session.get(ReminderEmailPreference, (user.id, kind))
    if row is not None:
        return row.email
    info = KINDS.get(kind)
    return bool(info and info.email_default)


def email_choices(user: User) -> dict[str, bool]:
    """Every declared kind → whether it reaches ``user`` by e-mail."""
    rows = {r.kind: r.email for r in db.session.scalars(
        select(ReminderEmailPreference).where(ReminderEmailPreference.user_id == user.id))}
    return {name: rows.get(name, info.email_default) for name, info in KINDS.items()}


def set_email_choices(user: User, chosen: Iterable[str]) -> None:
    """Store the user's choice for every declared kind (flush-only)."""
    chosen = set(chosen)
    for name in KINDS:
        row = db.session.get(ReminderEmailPreference, (user.id, name))
        if row is None:
            db.session.add(ReminderEmailPreference(user_id=user.id, kind=name, email=name in chosen))
        else:
            row.email = name in chosen


# --- no ID numbers or phone numbers in messages -------------------------------------------------

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-\d{7,8})(?!\d)")


def scrub(text: str | None) -> str | None:
    """Mask anything in ``text`` that looks like an ID number or a phone number."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1)), text)
    text = _MOBILE.sub(lambda m: mask_phone(re.sub(r"[- ]", "", m.group(1))), text)
    return _LANDLINE.sub(lambda m: mask_phone(m.group(1)), text)


def scrub_message(msg: Message) -> Message:
    return Message(title=scrub(msg.title)[:200], body=scrub(msg.body), link=msg.link, to_group=msg.to_group)


# --- rows due now go to a worker right after the commit that wrote them -------------------------

@event.listens_for(Session, "after_commit")
def _enqueue_due_after_commit(session):
    ids = session.info.pop(_AFTER_COMMIT_KEY, None)
    if ids:
        from portal.jobs.reminders import enqueue_after_commit

        enqueue_after_commit(ids)


@event.listens_for(Session, "after_rollback")
def _forget_due_after_rollback(session):
    session.info.pop(_AFTER_COMMIT_KEY, None)


# The kinds DOMAIN.md §6 names (declared here so every area registers against the same names).
from portal.services import reminders_catalogue  # noqa: E402,F401
