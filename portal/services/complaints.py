"""Complaint operations (DOMAIN.md §2). Flush-only: the view commits once.

Every operation takes ``now`` (default: the current instant) so the demo and the tests can
place events in time. The rules themselves are in ``severity.py`` and ``complaint_rules.py``.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import (
    Boolean, Integer, Interval, String, and_, bindparam, cast, exists, func, literal, literal_column, null, or_,
    select, union_all,
)
from sqlalchemy.orm import aliased

from portal.auth.permissions import Perm, Role
from portal.extensions import db
from portal.models import Attachment, Customer, OrgUnit, User
from portal.models.complaint import (
    OPEN_STATUSES, Channel, Complaint, ComplaintEvent, ComplaintStatus, CustomerContact, ContactWay, FilingStatus,
    LeaderComment, LeaderReport, Matter, Severity, WorkContactForm,
)
from portal.services import audit, notifications, org, reminders, serials, settings
from portal.services.clock import end_of_local_day, local_date, now_utc, to_local
from portal.services.complaint_rules import (
    Clocks, Viewer, can_reopen, clocks_after_contact, filing_due, first_reply_due, leader_may_comment, leader_report_due,
    leaders_follow, missed, missed_if_due_by, next_progress_due, transition_problems,
)
from portal.services.masking import mask_name, mask_phone
from portal.services.reminders_catalogue import COMPLAINT_MAJOR_CREATED
from portal.services.severity import (
    REPEAT_WINDOW_DAYS, SeverityFacts, all_reasons, complainant_keys, compute_severity, distinct_complainants,
    override_gives_way, same_complainant,
)
from portal.services.validators import normalise_phone
from portal.services.workdays import calendar_from_db

CLOSED_STATUSES = (ComplaintStatus.RESOLVED, ComplaintStatus.REVISITED, ComplaintStatus.ARCHIVED)


class ComplaintError(ValueError):
    """An operation refused by a rule; ``code`` says which (the view turns it into a message)."""

    def __init__(self, code: str, fields: list[str] | None = None):
        super().__init__(code)
        self.code = code
        self.fields = fields or []


@dataclass
class ComplaintInput:
    """What registering a complaint needs (already validated by the form)."""

    received_at: datetime
    channel: Channel
    project_id: int
    category_id: int
    subject: str
    description: str
    complainant_name: str = ""
    complainant_phone: str | None = None
    customer_id: int | None = None
    room: str | None = None
    people_count: int = 1
    lawsuit_filed: bool = False
    media_exposed: bool = False
    is_report: bool = False
    responsible_unit_id: int | None = None
    handler_id: int | None = None
    complained_staff_id: int | None = None
    plan: str | None = None
    source_contact_id: int | None = None


def _now(now: datetime | None) -> datetime:
    return now or now_utc()


def event(complaint: Complaint, kind: str, *, by=None, note: str | None = None, detail: dict | None = None,
          now: datetime | None = None) -> ComplaintEvent:
    row = ComplaintEvent(complaint=complaint, kind=kind, by_id=getattr(by, "id", None), note=note, detail=detail,
                         at=_now(now))
    db.session.add(row)
    return row


def _link(complaint: Complaint) -> str:
    return f"/complaints/{complaint.id}"


# --- matters ----------------------------------------------------------------------------------

def _bigrams(text: str) -> set[str]:
    text = "".join((text or "").split()).lower()
    if len(text) < 2:
        return {text} if text else set()
    return {text[i:i + 2] for i in range(len(text) - 1)}


def subject_similarity(a: str, b: str) -> float:
    """Character-bigram overlap (Jaccard), which works for Chinese without word segmentation."""
    left, right = _bigrams(a), _bigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def propose_matters(project_id: int | None, category_id: int | None, subject: str = "",
                    now: datetime | None = None, limit: int = 10, viewer: Viewer | None = None) -> list[Matter]:
    """Open matters of the same project and category with a complaint in the last 30 days,
    the most similar subjects first; to a ``viewer``, only those ``matter_open_to`` him (a
    matter's subject tells what its complaints are about)."""
    if not project_id or not category_id:
        return []
    since = end_of_local_day(local_date(_now(now)) - timedelta(days=REPEAT_WINDOW_DAYS + 1))
    stmt = select(Matter).where(Matter.project_id == project_id, Matter.category_id == category_id,
                                Matter.closed_at.is_(None), Matter.last_complaint_at > since)
    if viewer is not None:
        stmt = stmt.where(matter_open_to(viewer))
    rows = list(db.session.scalars(stmt.order_by(Matter.last_complaint_at.desc()).limit(100)))
    rows.sort(key=lambda m: (-subject_similarity(subject, m.subject), -m.last_complaint_at.timestamp()))
    return rows[:limit]


def matter_holds_a_report(matter_id=Matter.id, *, about=None):
    """The matter (the query's own by default) holds a report (举报), whose subject it carries;
    with ``about`` (a user id), a report about that staff member. Through an alias of the
    complaint table, so it also fits a query of complaints."""
    reported = aliased(Complaint)
    where = [reported.matter_id == matter_id, reported.is_report.is_(True)]
    if about is not None:
        where.append(reported.complained_staff_id == about)
    return exists().where(*where)


def matter_open_to(viewer: Viewer, matter_id=Matter.id):
    """The condition on a matter for this viewer to be offered it or to put a complaint into it:
    never one holding a report (举报) he may not see. For the center and the group's leaders that
    is a report about himself; for anyone else (a branch filing its own record), any report. A
    branch is offered other units' matters otherwise: the third complainant it files about the
    same matter within 30 days makes the complaints important (DOMAIN.md §2), wherever the first
    two were registered."""
    return ~matter_holds_a_report(matter_id, about=viewer.user_id if viewer.sees_all else None)


def may_join_matter(matter: Matter, viewer: Viewer) -> bool:
    """May this viewer put a complaint into ``matter``? Only into one ``propose_matters`` would
    offer him: joining it would show him its subject and complaints on the new complaint's page."""
    return bool(db.session.scalar(select(matter_open_to(viewer, matter.id))))


# --- severity ----------------------------------------------------------------------------------

def facts_of(c: Complaint) -> SeverityFacts:
    return SeverityFacts(people_count=c.people_count or 1, lawsuit_filed=bool(c.lawsuit_filed),
                         media_exposed=bool(c.media_exposed), second_complaint=bool(c.is_second_complaint),
                         matter_complainants=c.matter_complainants or 1)


def _keys(c: Complaint) -> frozenset[str]:
    return complainant_keys(c.customer_id, c.complainant_phone, c.complainant_name)


def matter_complainants_for(c: Complaint) -> int:
    """Distinct complainants of ``c``'s matter in the 30-day window around ``c`` that holds most."""
    others = db.session.execute(
        select(Complaint.customer_id, Complaint.complainant_phone, Complaint.complainant_name, Complaint.received_at)
        .where(Complaint.matter_id == c.matter_id, Complaint.id != c.id)
    ).all()
    records = [(complainant_keys(cid, phone, name), local_date(at)) for cid, phone, name, at in others]
    return distinct_complainants(records, _keys(c), local_date(c.received_at))


def apply_severity(c: Complaint, *, by=None, now: datetime | None = None, calendar=None,
                   initial: bool = False) -> bool:
    """Recompute from the facts; record any change on the timeline; escalate. True if changed."""
    now = _now(now)
    rule, reason = compute_severity(facts_of(c))
    previous = None if initial else c.severity
    rule_changed = not initial and rule != c.rule_severity
    c.rule_severity, c.rule_severity_reason = rule, reason
    if c.severity_override is not None and not initial and override_gives_way(
            c.severity_override, rule, reason, judged_rule=c.severity_override_rule,
            judged_reasons=c.severity_override_reasons, rule_changed=rule_changed):
        # New facts (a lawsuit filed, twelve people now) make it graver than what he set, and
        # are not the facts he judged: his reason was about the facts then. Keeping it would keep
        # a major complaint from the group leaders (DOMAIN.md §2: major → at once).
        event(c, "override_lifted", by=by, now=now, note=c.severity_override_reason,
              detail={"override": c.severity_override.value, "to": rule.value, "reason": reason})
        audit.record("complaint.severity_override_lifted", object_type="complaint", object_id=c.id,
                     detail={"override": c.severity_override.value, "rule": rule.value, "serial": c.serial})
        c.severity_override = c.severity_override_reason = c.severity_override_by_id = c.severity_override_at = None
        c.severity_override_rule = c.severity_override_reasons = None
    if c.severity_override is not None:
        effective, effective_reason = c.severity_override, "override"
        if rule_changed:
            event(c, "severity_rule", by=by, now=now, detail={"to": rule.value, "reason": reason})
    else:
        effective, effective_reason = rule, reason
    c.severity, c.severity_reason = effective, effective_reason
    if effective == Severity.GENERAL and c.reported_to_leaders_at is None:
        c.leader_report_due_at = None  # a general complaint owes no report (an override or a fact withdrawn)
    changed = previous != effective
    if changed:
        event(c, "severity", by=by, now=now, detail={
            "from": previous.value if previous else None, "to": effective.value, "reason": effective_reason})
    _escalate(c, by=by, now=now, calendar=calendar)
    return changed


def _escalate(c: Complaint, *, by, now: datetime, calendar=None) -> None:
    """major → every group leader at once; important → a report due within 1 working day."""
    if c.severity == Severity.MAJOR:
        already = any(r.automatic and r.severity == Severity.MAJOR for r in c.leader_reports)
        if not already:
            leaders = org.group_leaders()
            if leaders:  # with no group leader configured, the report stays due (and visible as such)
                _report(c, leaders, by=by, now=now, automatic=True, note=None)
            elif c.reported_to_leaders_at is None and c.leader_report_due_at is None:
                c.leader_report_due_at = now
    elif c.severity == Severity.IMPORTANT and c.reported_to_leaders_at is None and c.leader_report_due_at is None:
        c.leader_report_due_at = leader_report_due(now, calendar or calendar_from_db())


def _report(c: Complaint, leaders: list[User], *, by, now: datetime, automatic: bool, note: str | None) -> None:
    for leader in leaders:
        c.leader_reports.append(LeaderReport(leader_id=leader.id, reported_at=now, reported_by_id=getattr(by, "id", None),
                                             severity=c.severity, automatic=automatic, note=note))
    c.reported_to_leaders_at = c.reported_to_leaders_at or now
    if c.id is None:
        db.session.flush()
    if automatic and c.severity == Severity.MAJOR:
        # DOMAIN.md §6 "major complaint created → leaders at once": a reminder row per leader in
        # this transaction, due now, so each leader gets the bell, e-mail and the group webhook
        # exactly once (the message is built in complaint_reminders). Never later than the
        # present even when the operation is placed in time (``now``): "at once" means at once.
        reminders.schedule(COMPLAINT_MAJOR_CREATED, "complaint", c.id, leaders, due_at=min(now, now_utc()))
    else:
        notifications.notify(
            leaders, kind="complaint.reported",
            title=f"{c.serial} {'重大投诉' if c.severity == Severity.MAJOR else '投诉汇报'}：{c.project.name if c.project else ''} {c.subject}",
            link=_link(c), object_type="complaint", object_id=c.id)
    event(c, "reported", by=by, now=now, note=note,
          detail={"leaders": [u.display_name for u in leaders], "automatic": automatic, "severity": c.severity.value})


def override_severity(c: Complaint, severity: Severity | None, reason: str, *, by, now: datetime | None = None) -> None:
    """A center manager sets (or, with None, withdraws) the severity, with a written reason."""
    now = _now(now)
    if severity is not None and not (reason or "").strip():
        raise ComplaintError("override_reason", ["reason"])
    before = c.severity
    c.severity_override = severity
    c.severity_override_reason = reason.strip() if severity is not None else None
    c.severity_override_by_id = by.id if severity is not None else None
    c.severity_override_at = now if severity is not None else None
    c.severity_override_rule = c.rule_severity if severity is not None else None
    c.severity_override_reasons = all_reasons(facts_of(c)) if severity is not None else None
    audit.record("complaint.severity_overridden", object_type="complaint", object_id=c.id, reason=reason[:500],
                 detail={"from": before.value, "to": severity.value if severity else None, "serial": c.serial})
    event(c, "override", by=by, now=now, note=reason or None, detail={"to": severity.value if severity else None})
    apply_severity(c, by=by, now=now)


# --- registering -------------------------------------------------------------------------------

def _is_second_complaint(c: Complaint) -> bool:
    """A reopening, or the same complainant again about the same matter after an earlier
    complaint of theirs was closed (处理完毕后发生二次投诉)."""
    if c.reopened_from_id is not None:
        return True
    keys = _keys(c)
    earlier = db.session.execute(
        select(Complaint.customer_id, Complaint.complainant_phone, Complaint.complainant_name).where(
            Complaint.matter_id == c.matter_id, Complaint.id != c.id, Complaint.status.in_(CLOSED_STATUSES),
            Complaint.received_at <= c.received_at)
    ).all()
    return any(same_complainant(complainant_keys(*row), keys) for row in earlier)


def matter_subject(subject: str) -> str:
    """A subject as matters compare it: spaces collapsed, as long as the column holds."""
    return " ".join((subject or "").split())[:200]


def matter_of_subject(project_id: int, category_id: int, subject: str) -> Matter | None:
    """The matter a complaint belongs to when nobody chose one: DOMAIN.md §2 defines a matter as
    the same project + category + subject, so a complaint with that subject joins it — closed
    or not, and however old, since the same complainant again after the first was closed is a
    second complaint (处理完毕后发生二次投诉) and three complainants in 30 days are a repeat."""
    return db.session.scalars(
        select(Matter).where(Matter.project_id == project_id, Matter.category_id == category_id,
                             Matter.subject == matter_subject(subject))
        .order_by(Matter.last_complaint_at.desc(), Matter.id.desc()).limit(1)
    ).first()


def customer_link(user, customer: Customer, now: datetime) -> tuple[bool, object | None]:
    """May ``user`` link a complaint to this archive customer, and under which grant? A linked
    complaint takes the archive's name and phone: only a user who may read that archive may link
    it (DOMAIN.md §3: the center directly, grant None; anyone else under a leader's live grant).
    A branch's filing form posts whatever id it is given."""
    from portal.services import archive_access

    if archive_access.reads_directly(user):
        return True, None
    grant = archive_access.active_grant_for(user, customer, now)
    return grant is not None, grant


def register_complaint(data: ComplaintInput, *, by, matter: Matter | None = None, now: datetime | None = None,
                       filed_by_unit: OrgUnit | None = None, forwarded_by_unit: OrgUnit | None = None,
                       reopened_from: Complaint | None = None, calendar=None) -> Complaint:
    now = _now(now)
    source = None
    if data.source_contact_id is not None:
        from portal.models.reception import Contact

        source = db.session.get(Contact, data.source_contact_id)
        if source is not None and source.complaint_id is not None:
            # one complaint per reception record: a second one would take the record's link
            raise ComplaintError("contact_linked", ["source_contact_id"])
    if data.customer_id:
        customer = db.session.get(Customer, data.customer_id)
        if customer is None:
            raise ComplaintError("customer", ["customer_id"])
        if reopened_from is None or reopened_from.customer_id != customer.id:  # a reopening keeps its link
            allowed, grant = customer_link(by, customer, now)
            if not allowed:
                raise ComplaintError("customer", ["customer_id"])
            if grant is not None:  # linked under a grant: the archive's name and phone are read into it
                from portal.services import archives

                archives.log_reads(by, [customer], "complaint_link", grants={customer.id: grant})
        data.complainant_name = (data.complainant_name or "").strip() or customer.name
        data.complainant_phone = (data.complainant_phone or "").strip() or customer.phone1
    if data.complainant_phone:
        data.complainant_phone = normalise_phone(data.complainant_phone)
    if matter is None:
        matter = matter_of_subject(data.project_id, data.category_id, data.subject)
    if matter is None:
        matter = Matter(project_id=data.project_id, category_id=data.category_id, subject=matter_subject(data.subject),
                        created_at=now, last_complaint_at=data.received_at)
        db.session.add(matter)
    elif matter.project_id != data.project_id or matter.category_id != data.category_id:
        raise ComplaintError("matter_mismatch", ["matter_id"])
    matter.closed_at = None
    if matter.last_complaint_at is None or data.received_at > matter.last_complaint_at:
        matter.last_complaint_at = data.received_at
    serial = serials.next_serial("TS", to_local(data.received_at).year)
    c = Complaint(**{f.name: getattr(data, f.name) for f in fields(data)})
    db.session.add(c)
    c.serial = serial
    c.matter = matter
    c.first_reply_due_at = first_reply_due(data.received_at)
    c.status = ComplaintStatus.RECEIVED
    c.created_by_id = getattr(by, "id", None)
    c.created_at = now
    c.filed_by_unit_id = filed_by_unit.id if filed_by_unit else None
    c.forwarded_by_unit_id = forwarded_by_unit.id if forwarded_by_unit else None
    c.reopened_from_id = reopened_from.id if reopened_from else None
    db.session.add(c)
    db.session.flush()
    c.is_second_complaint = _is_second_complaint(c)
    c.matter_complainants = matter_complainants_for(c)
    event(c, "registered", by=by, now=now, detail={"serial": c.serial})
    if source is not None:  # both records point at each other (DOMAIN.md §1)
        from portal.services import reception

        reception.link_complaint(source, c.id, by=by, now=now)
    apply_severity(c, by=by, now=now, calendar=calendar, initial=True)
    _upgrade_matter(c, by=by, now=now, calendar=calendar)
    audit.record("complaint.created", object_type="complaint", object_id=c.id, detail={"serial": c.serial})
    return c


def _upgrade_matter(c: Complaint, *, by, now: datetime, calendar=None) -> None:
    """The third distinct complainant makes every open complaint of the matter important."""
    n = c.matter_complainants
    if n < 3:
        return
    siblings = db.session.scalars(
        select(Complaint).where(Complaint.matter_id == c.matter_id, Complaint.id != c.id,
                                Complaint.status.in_(OPEN_STATUSES)))
    for other in siblings:
        if (other.matter_complainants or 1) < n:
            other.matter_complainants = n
            apply_severity(other, by=by, now=now, calendar=calendar)


FACT_FIELDS = ("people_count", "lawsuit_filed", "media_exposed")
EDITABLE_FIELDS = FACT_FIELDS + ("is_report", "room", "description", "responsible_unit_id", "handler_id",
                                 "complained_staff_id", "plan", "channel")


def update_complaint(c: Complaint, values: dict, *, by, now: datetime | None = None) -> list[str]:
    """Edit facts and handling fields; severity is recomputed when a fact changed."""
    now = _now(now)
    changed = [k for k in EDITABLE_FIELDS if k in values and getattr(c, k) != values[k]]
    for k in changed:
        setattr(c, k, values[k])
    if changed:
        event(c, "edited", by=by, now=now, detail={"fields": changed})
        if "handler_id" in changed and c.handler_id:
            handler = db.session.get(User, c.handler_id)
            if handler is not None and handler.id != getattr(by, "id", None):
                notifications.notify([handler], kind="complaint.assigned", title=f"{c.serial} 投诉已指派给您：{c.subject}",
                                     link=_link(c), object_type="complaint", object_id=c.id)
    if set(changed) & set(FACT_FIELDS):
        apply_severity(c, by=by, now=now)
    return changed


# --- contacts, reports, comments ------------------------------------------------------------------

def add_contact(c: Complaint, *, contacted_at: datetime, way: ContactWay, content: str, by,
                now: datetime | None = None) -> CustomerContact:
    """Log a contact with the customer; it answers the first reply and restarts the progress clock."""
    now = _now(now)
    if contacted_at > now + timedelta(minutes=5):
        raise ComplaintError("contact_future", ["contacted_at"])
    if contacted_at < c.received_at - timedelta(minutes=1):
        raise ComplaintError("contact_before_receipt", ["contacted_at"])
    row = CustomerContact(contacted_at=contacted_at, way=way, content=content.strip(), by_id=by.id, created_at=now)
    c.contacts.append(row)
    _customer_told(c, contacted_at, by=by)
    event(c, "contact", by=by, now=now, detail={"way": way.value, "at": contacted_at.isoformat()})
    inform_leaders(c, "contact", by=by, now=now)
    return row


def _customer_told(c: Complaint, at: datetime, *, by) -> None:
    """The customer was told something at ``at`` (a contact, or the revisit telling the result):
    the first reply is answered if it was not yet, the progress clock restarts, and the reception
    record the complaint came from is answered too if it was still waiting (DOMAIN.md §1: the
    contact became this complaint, and the customer is answered in it)."""
    clocks = clocks_after_contact(Clocks(c.first_replied_at, c.last_contact_at, c.next_progress_due_at), at,
                                  settings.get_int("complaint_progress_interval_days"),
                                  resolved=c.status not in OPEN_STATUSES)
    c.first_replied_at, c.last_contact_at = clocks.first_replied_at, clocks.last_contact_at
    c.next_progress_due_at = clocks.next_progress_due_at
    if c.source_contact_id is not None:
        from portal.models.reception import Contact
        from portal.services import reception

        contact = db.session.get(Contact, c.source_contact_id)
        if contact is not None and contact.complaint_id == c.id:
            reception.answer_through_complaint(contact, at, serial=c.serial, by=by)


_STEP_TITLES = {"contact": "已联系客户", "start": "开始处理", "resolve": "已解决", "revisit": "已回访", "archive": "已归档"}


def inform_leaders(c: Complaint, step: str, *, by, now: datetime) -> list[User]:
    """Tell the leaders a major complaint was reported to of each step of its handling, and
    those of an important one of its resolution (seed 000 §7, DOMAIN.md §2 escalation): a bell
    notification each and one line on the timeline. Nobody when it was not reported yet; the
    report, when it is made, carries the state of the day."""
    if not leaders_follow(c.severity, step):
        return []
    ids = {r.leader_id for r in c.leader_reports} - {getattr(by, "id", None)}
    if not ids:
        return []
    leaders = list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
    kind = "重大投诉进展" if c.severity == Severity.MAJOR else "重要投诉处理结果"
    notifications.notify(leaders, kind="complaint.progress", title=f"{c.serial} {kind}：{_STEP_TITLES[step]}：{c.subject}",
                         link=_link(c), object_type="complaint", object_id=c.id)
    event(c, "leaders_informed", by=by, now=now, detail={"step": step, "leaders": [u.display_name for u in leaders]})
    return leaders


def report_to_leaders(c: Complaint, leaders: list[User], note: str | None, *, by, now: datetime | None = None) -> None:
    if not leaders:
        raise ComplaintError("no_leaders", ["leader_ids"])
    # the due time stays: a report made after it is counted late (monthly report, complaint page)
    _report(c, leaders, by=by, now=_now(now), automatic=False, note=(note or "").strip() or None)


def may_comment(c: Complaint, leader: User) -> bool:
    # through the collection, which the complaint's page loads to show anyway (no extra query)
    return leader_may_comment(c.severity, any(r.leader_id == leader.id for r in c.leader_reports))


def add_leader_comment(c: Complaint, leader: User, body: str, *, is_instruction: bool = False,
                       now: datetime | None = None) -> LeaderComment:
    now = _now(now)
    if not may_comment(c, leader):
        raise ComplaintError("comment_not_allowed")
    row = LeaderComment(leader_id=leader.id, body=body.strip(), is_instruction=is_instruction, at=now)
    c.leader_comments.append(row)
    for report in c.leader_reports:
        if report.leader_id == leader.id and report.commented_at is None:
            report.commented_at = now
    recipients = [u for u in (c.handler, c.created_by) if u is not None and u.id != leader.id]
    notifications.notify(recipients, kind="complaint.leader_comment",
                         title=f"{c.serial} 领导{'批示' if is_instruction else '意见'}：{leader.display_name}",
                         link=_link(c), object_type="complaint", object_id=c.id)
    event(c, "comment", by=leader, now=now, detail={"instruction": is_instruction})
    return row


# --- workflow ---------------------------------------------------------------------------------

_transition_hooks: dict[str, list[Callable]] = {}


def on_transition(action: str):
    """Register ``fn(complaint, by)`` to run in the same transaction after ``action`` ("resolve",
    "revisit", …). The revisits area plans the complaint revisit on "resolve" here."""

    def decorator(fn: Callable) -> Callable:
        hooks = _transition_hooks.setdefault(action, [])
        if fn not in hooks:
            hooks.append(fn)
        return fn

    return decorator


def transition(c: Complaint, action: str, values: dict | None = None, *, by, now: datetime | None = None) -> None:
    """Move along the permitted workflow (complaint_rules.TRANSITIONS), or raise ComplaintError."""
    now = _now(now)
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in (values or {}).items()}
    merged = {"resolution": c.resolution, "cause_analysis": c.cause_analysis,
              "corrective_measures": c.corrective_measures, "preventive_measures": c.preventive_measures,
              "revisit_summary": c.revisit_summary, "revisit_satisfaction": c.revisit_satisfaction,
              "revisit_method": c.revisit_method}
    merged.update({k: v for k, v in values.items() if v not in (None, "")})
    problems = transition_problems(action, c.status, merged)
    if problems:
        raise ComplaintError("not_permitted" if problems == ["not_permitted"] else "missing", problems)
    before = c.status
    for key, value in values.items():
        if key in merged and value not in (None, ""):
            setattr(c, key, value)
    if action == "resolve":
        c.resolved_at, c.next_progress_due_at = now, None
    elif action == "revisit":
        c.revisited_at, c.revisited_by_id = now, by.id
    elif action == "archive":
        c.archived_at = now
    c.status = {"start": ComplaintStatus.IN_HANDLING, "resolve": ComplaintStatus.RESOLVED,
                "revisit": ComplaintStatus.REVISITED, "archive": ComplaintStatus.ARCHIVED}[action]
    event(c, "status", by=by, now=now, detail={"from": before.value, "to": c.status.value})
    inform_leaders(c, action, by=by, now=now)
    if action == "archive":
        open_left = db.session.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.matter_id == c.matter_id, Complaint.id != c.id, Complaint.status != ComplaintStatus.ARCHIVED))
        if not open_left:
            c.matter.closed_at = now
    db.session.flush()
    _run_hooks(action, c, by)


def _run_hooks(action: str, c: Complaint, by) -> None:
    for hook in _transition_hooks.get(action, []):
        hook(c, by)


def record_revisit(complaint: Complaint, summary: str, satisfaction: int, by, now: datetime | None = None,
                   method: str | None = None) -> None:
    """The complaint revisit (跟进反馈). The revisits area calls this when it records a complaint
    revisit; until then the center records it on the complaint."""
    if satisfaction is None or not 1 <= int(satisfaction) <= 5:
        raise ComplaintError("missing", ["revisit_satisfaction"])
    now = _now(now)
    transition(complaint, "revisit", {"revisit_summary": summary, "revisit_satisfaction": int(satisfaction),
                                      "revisit_method": method}, by=by, now=now)
    # Seed 000 §7: resolved within two days, the customer is told the result on the revisit
    # (回访客户，告知客户投诉处理的结果): that is the reply, the first one if none was given.
    _customer_told(complaint, now, by=by)


def reopen(c: Complaint, *, received_at: datetime, channel: Channel, description: str, by,
           now: datetime | None = None) -> Complaint:
    """Reopening a closed complaint makes a second complaint, linked to the first (important by rule)."""
    now = _now(now)
    if not can_reopen(c.status):
        raise ComplaintError("not_reopenable")
    data = ComplaintInput(
        received_at=received_at, channel=channel, project_id=c.project_id, category_id=c.category_id,
        subject=c.subject, description=description, complainant_name=c.complainant_name,
        complainant_phone=c.complainant_phone, customer_id=c.customer_id, room=c.room, people_count=c.people_count,
        lawsuit_filed=c.lawsuit_filed, media_exposed=c.media_exposed, is_report=c.is_report,
        responsible_unit_id=c.responsible_unit_id, handler_id=c.handler_id, complained_staff_id=c.complained_staff_id)
    second = register_complaint(data, by=by, matter=c.matter, now=now, reopened_from=c)
    event(c, "reopened", by=by, now=now, detail={"serial": second.serial, "id": second.id})
    return second


# --- branch filing (备案) and forwarding ------------------------------------------------------------

@dataclass
class FilingRecord:
    handled_closed_on: date
    resolution: str
    cause_analysis: str
    corrective_measures: str | None = None
    preventive_measures: str | None = None


def _check_closed_on(closed_on: date, received_at: datetime, now: datetime) -> None:
    if closed_on > local_date(now):
        raise ComplaintError("closed_in_future", ["handled_closed_on"])
    if closed_on < local_date(received_at):
        raise ComplaintError("closed_before_receipt", ["handled_closed_on"])


def register_filing(data: ComplaintInput, record: FilingRecord, *, unit: OrgUnit, by, submit: bool = False,
                    matter: Matter | None = None, now: datetime | None = None, calendar=None) -> Complaint:
    """A branch or department records a complaint it received and handled itself, in the matter
    it chose (else the matter of its subject), so its complainant counts towards the third."""
    now = _now(now)
    _check_closed_on(record.handled_closed_on, data.received_at, now)
    data.responsible_unit_id = unit.id
    calendar = calendar or calendar_from_db()
    c = register_complaint(data, by=by, matter=matter, now=now, filed_by_unit=unit, calendar=calendar)
    _apply_record(c, record, calendar)
    c.status = ComplaintStatus.RESOLVED
    c.filing_status = FilingStatus.DRAFT
    event(c, "filing_registered", by=by, now=now, detail={"closed_on": record.handled_closed_on.isoformat()})
    if submit:
        submit_filing(c, by=by, now=now)
    return c


def _apply_record(c: Complaint, record: FilingRecord, calendar) -> None:
    c.handled_closed_on = record.handled_closed_on
    c.resolution, c.cause_analysis = record.resolution.strip(), record.cause_analysis.strip()
    c.corrective_measures = (record.corrective_measures or "").strip() or None
    c.preventive_measures = (record.preventive_measures or "").strip() or None
    c.resolved_at = max(c.received_at, end_of_local_day(record.handled_closed_on) - timedelta(hours=12))
    c.next_progress_due_at = None
    if c.filing_status in (None, FilingStatus.DRAFT):
        # Before the first submission the clock runs from the closing date first stated: a later
        # edit may correct that date but never moves the deadline later (a draft left too long
        # cannot be re-dated out of it). A returned record keeps its correction deadline.
        due = filing_due(record.handled_closed_on, calendar)
        c.filing_due_at = min(c.filing_due_at, due) if c.filing_due_at is not None else due


def update_filing(c: Complaint, values: dict, record: FilingRecord, *, by, now: datetime | None = None) -> None:
    now = _now(now)
    if c.filing_status not in (FilingStatus.DRAFT, FilingStatus.RETURNED):
        raise ComplaintError("filing_locked")
    _check_closed_on(record.handled_closed_on, c.received_at, now)
    update_complaint(c, values, by=by, now=now)
    _apply_record(c, record, calendar_from_db())
    event(c, "filing_updated", by=by, now=now)


def submit_filing(c: Complaint, *, by, now: datetime | None = None) -> None:
    now = _now(now)
    if c.filing_status not in (FilingStatus.DRAFT, FilingStatus.RETURNED):
        raise ComplaintError("filing_locked")
    resubmitted = c.filing_status == FilingStatus.RETURNED
    c.filing_status, c.filing_submitted_at = FilingStatus.SUBMITTED, now
    late = c.filing_due_at is not None and missed(c.filing_due_at, now)
    event(c, "filing_submitted", by=by, now=now, detail={"late": late, "resubmitted": resubmitted})
    reviewers = [u for u in _center_users() if u.can(Perm.COMPLAINT_ACCEPT_FILING)]
    notifications.notify(reviewers, kind="complaint.filing_submitted",
                         title=f"{c.serial} 投诉处理记录报备：{c.filed_by_unit.name if c.filed_by_unit else ''}",
                         link=_link(c), object_type="complaint", object_id=c.id)


def review_filing(c: Complaint, *, accept: bool, reason: str | None, by, now: datetime | None = None) -> None:
    now = _now(now)
    if c.filing_status != FilingStatus.SUBMITTED:
        raise ComplaintError("filing_not_submitted")
    if not accept and not (reason or "").strip():
        raise ComplaintError("return_reason", ["reason"])
    c.filing_status = FilingStatus.ACCEPTED if accept else FilingStatus.RETURNED
    c.filing_return_reason = None if accept else reason.strip()[:500]
    c.filing_reviewed_by_id, c.filing_reviewed_at = by.id, now
    if not accept:
        # The correction has a deadline of its own, as the record had: 2 working days from the
        # return. A record sent in time is not late for having been returned; one left with
        # the branch after its return falls due again (and is reminded again).
        c.filing_due_at = filing_due(local_date(now), calendar_from_db())
    event(c, "filing_accepted" if accept else "filing_returned", by=by, now=now, note=c.filing_return_reason)
    if accept:  # the revisits area plans the center's revisit of the resolved complaint here
        db.session.flush()
        _run_hooks("accept_filing", c, by)
    if c.created_by is not None:
        notifications.notify([c.created_by], kind="complaint.filing_reviewed",
                             title=f"{c.serial} 备案{'已接收' if accept else '被退回'}",
                             link=_link(c), object_type="complaint", object_id=c.id)


def filing_state(c: Complaint, now: datetime | None = None) -> str | None:
    """None (not a filing) | 'accepted' | 'submitted' | 'submitted_late' | 'overdue' | 'due' | 'returned'."""
    if c.filing_status is None:
        return None
    now = _now(now)
    if c.filing_status in (FilingStatus.SUBMITTED, FilingStatus.ACCEPTED):
        if c.filing_due_at and c.filing_submitted_at and missed(c.filing_due_at, c.filing_submitted_at):
            return "submitted_late" if c.filing_status == FilingStatus.SUBMITTED else "accepted_late"
        return c.filing_status.value
    if c.filing_due_at and missed(c.filing_due_at, now):
        return "overdue"
    return "returned" if c.filing_status == FilingStatus.RETURNED else "due"


def forward_to_center(data: ComplaintInput, *, unit: OrgUnit, by, matter: Matter | None = None,
                      now: datetime | None = None) -> Complaint:
    """A complaint outside the branch's responsibility goes to the center in one step (in the
    matter the branch chose, else the matter of its subject)."""
    now = _now(now)
    c = register_complaint(data, by=by, matter=matter, now=now, forwarded_by_unit=unit)
    event(c, "forwarded", by=by, now=now, detail={"unit": unit.name})
    notifications.notify(org.center_managers(), kind="complaint.forwarded",
                         title=f"{c.serial} {unit.name}转来投诉：{c.subject}",
                         link=_link(c), object_type="complaint", object_id=c.id)
    return c


def _center_users() -> list[User]:
    from portal.models import UserRole

    return list(db.session.scalars(select(User).join(UserRole).where(
        UserRole.role.in_([Role.CENTER_STAFF, Role.CENTER_MANAGER]), User.active.is_(True)).distinct()))


# --- work contact forms (工作联系单) ----------------------------------------------------------------

def send_contact_form(c: Complaint, *, to_unit: OrgUnit, proposal: str, reply_due_on: date | None, by,
                      now: datetime | None = None) -> WorkContactForm:
    now = _now(now)
    if c.status not in CLOSED_STATUSES:
        raise ComplaintError("contact_form_before_closing")
    form = WorkContactForm(serial=serials.next_serial("LX", to_local(now).year), to_unit_id=to_unit.id,
                           proposal=proposal.strip(), reply_due_on=reply_due_on, sent_by_id=by.id, sent_at=now)
    c.contact_forms.append(form)
    db.session.flush()
    # a report's subject is confidential to the center and leaders (DOMAIN.md §2): the
    # department hears only that a form awaits it, and reads only the proposal
    about = "" if c.is_report else f"：{c.project.name} {c.subject}"
    notifications.notify(contact_form_answerers(to_unit), kind="complaint.contact_form",
                         title=f"{form.serial} 工作联系单{about}",
                         link=f"/complaints/contact-forms/{form.id}", object_type="contact_form", object_id=form.id)
    event(c, "contact_form", by=by, now=now, detail={"serial": form.serial, "unit": to_unit.name})
    return form


def contact_form_unit(user) -> int | None:
    """The unit whose work contact forms (工作联系单) ``user`` reads and answers: his own unit's
    for the staff who answer them, the unit he leads for its leader (部门领导, the unit's first
    responsible person, seed 000 §4.1); None for anyone else."""
    if user.can(Perm.CONTACT_FORM_REPLY):
        return user.leads_org_unit_id or user.org_unit_id
    if user.can(Perm.COMPLAINT_COMMENT) and user.leads_org_unit_id is not None:
        return user.leads_org_unit_id
    return None


def sees_every_contact_form(user) -> bool:
    """The center's writers send the forms and follow every one of them."""
    return user.can(Perm.COMPLAINT_WRITE) and user.is_center_member


def contact_form_answerers(unit: OrgUnit) -> list[User]:
    """Who is told of a form sent to ``unit``: its members and leaders who may open it (no one is
    told of a form he would be refused)."""
    people = {u.id: u for u in [*org.members_of(unit), *org.leaders_of(unit)]}
    return [u for _id, u in sorted(people.items())
            if contact_form_unit(u) == unit.id or sees_every_contact_form(u)]


def reply_contact_form(form: WorkContactForm, reply: str, *, by, now: datetime | None = None) -> None:
    now = _now(now)
    form.reply, form.replied_by_id, form.replied_at = reply.strip(), by.id, now
    if form.sent_by is not None:
        notifications.notify([form.sent_by], kind="complaint.contact_form_reply", title=f"{form.serial} 工作联系单已回复",
                             link=f"/complaints/contact-forms/{form.id}", object_type="contact_form", object_id=form.id)
    event(form.complaint, "contact_form_reply", by=by, now=now, detail={"serial": form.serial})


# --- confidentiality and scope --------------------------------------------------------------------

def record_complainant_view(c: Complaint, *, where: str) -> None:
    """Every display of a complainant's details is in the audit log (masked values only)."""
    audit.record_read("complaint.complainant_viewed", object_type="complaint", object_id=c.id,
                      detail={"serial": c.serial, "where": where, "name": mask_name(c.complainant_name),
                              "phone": mask_phone(c.complainant_phone)})


def scope_filter(stmt, viewer: Viewer):
    """The rows of ``stmt`` (a select of Complaint) the viewer may see (mirrors can_view)."""
    not_about_me = not_about(viewer.user_id)
    if viewer.sees_all:
        return stmt.where(or_(Complaint.is_report.is_(False), not_about_me))
    unit = viewer.unit_id if viewer.unit_id is not None else -1
    reported_to_me = and_(not_about_me, reported_to_clause(viewer.user_id))
    return stmt.where(or_(and_(Complaint.is_report.is_(False), or_(
        Complaint.filed_by_unit_id == unit, Complaint.forwarded_by_unit_id == unit,
        Complaint.responsible_unit_id == unit)), reported_to_me))


def not_about(user_id: int):
    """The complaint is not about this staff member (he may not learn who made one that is)."""
    return or_(Complaint.complained_staff_id.is_(None), Complaint.complained_staff_id != user_id)


def reported_to_clause(user_id: int):
    """The complaint was reported to this leader (a row of complaint_leader_report names him)."""
    return exists().where(LeaderReport.complaint_id == Complaint.id, LeaderReport.leader_id == user_id)


def was_reported_to(c: Complaint | int, user) -> bool:
    """The complaint (or complaint id) was reported to this leader."""
    complaint_id = c if isinstance(c, int) else c.id
    return bool(db.session.scalar(select(exists().where(LeaderReport.complaint_id == complaint_id,
                                                        LeaderReport.leader_id == user.id))))


# --- the complaint's page -----------------------------------------------------------------------

class TimelineLine(NamedTuple):
    at: datetime
    by_name: str | None
    kind: str
    note: str | None
    detail: dict | None


class ContactLine(NamedTuple):
    contacted_at: datetime
    way: str
    content: str
    by_name: str | None


class ReportLine(NamedTuple):
    reported_at: datetime
    leader_id: int
    leader_name: str
    automatic: bool
    note: str | None
    commented_at: datetime | None


class CommentLine(NamedTuple):
    at: datetime
    leader_name: str
    is_instruction: bool
    body: str


class FormLine(NamedTuple):
    id: int
    serial: str
    unit_name: str
    sent_at: datetime
    replied_at: datetime | None


class ReopenedLine(NamedTuple):
    id: int
    serial: str


class FileLine(NamedTuple):
    """An attachment of the complaint, as its page links it (shown only with the complainant)."""
    id: int
    filename: str
    size: int


@dataclass(frozen=True)
class PageRecords:
    """What the complaint's page lists under it, as plain lines (``page_records``)."""
    timeline: list[TimelineLine]
    contacts: list[ContactLine]
    reports: list[ReportLine]
    comments: list[CommentLine]
    forms: list[FormLine]
    reopened_as: list[ReopenedLine]
    files: list[FileLine]


@functools.cache
def _page_records_statement():
    """The lists of a complaint's page in one statement (UNION ALL): its timeline, contacts with
    the customer, leader reports, leader comments, work contact forms, the complaints it was
    reopened as and its attachments, with the names of the people and units. One round trip instead of five lazy loads of ORM collections plus their
    users: those were a quarter of the page's time (bench/HISTORY.md). Built once; the column
    types are the timeline's (the first SELECT), the others fit them."""
    from portal.models.base import UTCDateTime

    cid = bindparam("complaint_id")
    no_at = cast(null(), UTCDateTime())

    def named(user_col):
        return select(User.display_name).where(User.id == user_col).scalar_subquery()

    E, K, R, M, F, A = ComplaintEvent, CustomerContact, LeaderReport, LeaderComment, WorkContactForm, Attachment
    return union_all(
        select(literal("event").label("part"), E.id, E.at, cast(null(), Integer).label("user_id"),
               named(E.by_id).label("name"), E.kind.label("code"), E.note.label("text"),
               cast(null(), Boolean).label("flag"), no_at.label("at2"), E.detail.label("detail"))
        .where(E.complaint_id == cid),
        select(literal("contact"), K.id, K.contacted_at, null(), named(K.by_id), cast(K.way, String), K.content,
               null(), null(), null()).where(K.complaint_id == cid),
        select(literal("report"), R.id, R.reported_at, R.leader_id, named(R.leader_id), null(), R.note,
               R.automatic, R.commented_at, null()).where(R.complaint_id == cid),
        select(literal("comment"), M.id, M.at, M.leader_id, named(M.leader_id), null(), M.body, M.is_instruction,
               null(), null()).where(M.complaint_id == cid),
        select(literal("form"), F.id, F.sent_at, null(), select(OrgUnit.name).where(OrgUnit.id == F.to_unit_id)
               .scalar_subquery(), F.serial, null(), null(), F.replied_at, null()).where(F.complaint_id == cid),
        # the second complaints it was reopened as (ix_complaint_reopened_from_id)
        select(literal("reopened"), Complaint.id, Complaint.received_at, null(), null(), Complaint.serial, null(),
               null(), null(), null()).where(Complaint.reopened_from_id == cid),
        # its attachments (ix_attachment_owner): the size rides in the integer column. A query of
        # their own was a twentieth of the page.
        select(literal("file"), A.id, A.uploaded_at, A.size, null(), null(), A.filename, null(), null(), null())
        .where(A.owner_type == "complaint", A.owner_id == cid),
    )


def page_records(complaint_id: int) -> PageRecords:
    """The lists of a complaint's page, each in its own order (as the relationships order them)."""
    parts: dict[str, list] = {"event": [], "contact": [], "report": [], "comment": [], "form": [], "reopened": [],
                              "file": []}
    for row in db.session.execute(_page_records_statement(), {"complaint_id": complaint_id}):
        parts[row.part].append(row)
    by_id = lambda r: r.id  # noqa: E731
    return PageRecords(
        timeline=[TimelineLine(r.at, r.name, r.code, r.text, r.detail) for r in sorted(parts["event"], key=by_id)],
        contacts=[ContactLine(r.at, r.code, r.text, r.name)
                  for r in sorted(parts["contact"], key=lambda r: (r.at, r.id))],
        reports=[ReportLine(r.at, r.user_id, r.name, bool(r.flag), r.text, r.at2)
                 for r in sorted(parts["report"], key=by_id)],
        comments=[CommentLine(r.at, r.name, bool(r.flag), r.text) for r in sorted(parts["comment"], key=by_id)],
        forms=[FormLine(r.id, r.code, r.name, r.at, r.at2) for r in sorted(parts["form"], key=by_id)],
        reopened_as=[ReopenedLine(r.id, r.code) for r in sorted(parts["reopened"], key=by_id)],
        files=[FileLine(r.id, r.text, r.user_id) for r in sorted(parts["file"], key=by_id)],
    )


# --- the home page ------------------------------------------------------------------------------

def overdue_first_reply_clause(now: datetime):
    return and_(Complaint.first_replied_at.is_(None), Complaint.status.in_(OPEN_STATUSES),
                Complaint.first_reply_due_at < now)


def first_reply_due_soon_clause(now: datetime, soon: timedelta = timedelta(hours=12)):
    return and_(Complaint.first_replied_at.is_(None), Complaint.status.in_(OPEN_STATUSES),
                Complaint.first_reply_due_at >= now, Complaint.first_reply_due_at < now + soon)


def progress_due_clause(now: datetime):
    return and_(Complaint.status.in_(OPEN_STATUSES), Complaint.next_progress_due_at.is_not(None),
                Complaint.next_progress_due_at < end_of_local_day(local_date(now)))


def unreported_important_clause():
    return and_(Complaint.severity == Severity.IMPORTANT, Complaint.reported_to_leaders_at.is_(None))


def filing_overdue_clause(now: datetime):
    """A draft not filed within 2 working days of closing, or a returned record not sent again
    within 2 working days of its return."""
    return and_(Complaint.filing_status.in_([FilingStatus.DRAFT, FilingStatus.RETURNED]),
                Complaint.filing_due_at <= missed_if_due_by(now))


def _done_after_last_second(done_at, due_at):
    """``done_at`` past the working-day deadline ``due_at`` (``complaint_rules.missed``), as SQL:
    the deadline plus one second, in each database's own date arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        limit = due_at + literal_column("interval '1 second'", type_=Interval)
    else:  # SQLite keeps naive UTC as text, 'YYYY-MM-DD HH:MM:SS.ffffff', which compares in order
        limit = func.strftime("%Y-%m-%d %H:%M:%f", due_at, "+1 seconds")
    return done_at >= limit


def filed_late_clause():
    """Submitted after its deadline's last second."""
    return _done_after_last_second(Complaint.filing_submitted_at, Complaint.filing_due_at)


def reported_late_clause():
    """An important complaint reported to a leader, but after the last second of its working day
    (the due time stays on the complaint when it is reported, so the lateness can be counted).
    Important only, as for the reports still owed: a major complaint is reported to the group
    leaders at once by the portal, not within a working day by the staff."""
    return and_(Complaint.severity == Severity.IMPORTANT, Complaint.reported_to_leaders_at.is_not(None),
                Complaint.leader_report_due_at.is_not(None),
                _done_after_last_second(Complaint.reported_to_leaders_at, Complaint.leader_report_due_at))


def unreported_past_due_clause(now: datetime):
    """An important complaint not reported to a leader by the end of its working day."""
    return and_(unreported_important_clause(), Complaint.leader_report_due_at <= missed_if_due_by(now))


def count(stmt_where) -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint).where(*stmt_where)) or 0


# --- reception hand-off ---------------------------------------------------------------------------

# reception's channels are the complaint channels (phone/visit/letter/email/online)
_CHANNELS = {c.value: c for c in Channel}


def prefill_from_contact(contact) -> dict:
    """The registration form's initial values from a reception record (来电来访来函) — any object
    with ``id, customer_id, customer_name, customer_phone, project_id, room, channel, content,
    received_at`` and, for a visit, ``visitor_count``. Keys are the complaint form's field names.
    The number of visitors becomes the people count: twelve owners at the desk are a collective
    complaint (major at 10), and retyping it must not be what makes it one."""
    channel = getattr(contact.channel, "value", contact.channel)
    received = contact.received_at
    visitors = getattr(contact, "visitor_count", None)
    return {
        "people_count": visitors if visitors and visitors > 1 else 1,
        "source_contact_id": str(contact.id),
        "customer_id": contact.customer_id or None,
        "complainant_name": contact.customer_name or "",
        "complainant_phone": contact.customer_phone or "",
        "project_id": contact.project_id or 0,
        "room": contact.room or "",
        "channel": _CHANNELS[channel].value if channel in _CHANNELS else Channel.PHONE.value,
        "description": contact.content or "",
        "subject": (contact.content or "").strip().splitlines()[0][:60] if (contact.content or "").strip() else "",
        "received_at": to_local(received).strftime("%Y-%m-%dT%H:%M") if received else None,
    }
