"""Who may read which archive record (DOMAIN.md §3, 保密管理).

Center staff and managers read directly (``Perm.ARCHIVE_READ``). Everyone else — leaders
included — reads only under a *grant*: an approved access request whose scope (one customer,
one project, one year's volume) covers the record, that has not been revoked, and whose
period has not ended. Grants are read-only; exporting needs a grant that says so.

The rules are plain functions over plain values (``grant_covers``, ``grant_is_live``,
``clamp_period``, ``may_decide``) with table-driven tests; the rest reads the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, false, or_, select

from portal.auth.permissions import Perm
from portal.extensions import db
from portal.models import (
    AccessScope, AccessStatus, ArchiveAccessRequest, Customer, Project, Purchase, User,
)
from portal.services import archives, audit, org

DEFAULT_PERIOD_DAYS = 7
MAX_PERIOD_DAYS = 30


class AccessRequestError(ValueError):
    """A request or decision that the rules refuse; ``message`` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CustomerFacts:
    """What scope matching needs to know about a customer."""

    customer_id: int
    project_ids: frozenset[int]
    archive_year: int


def facts_of(customer: Customer) -> CustomerFacts:
    return CustomerFacts(customer.id, frozenset(p.project_id for p in customer.purchases)
                         | ({customer.prospect_project_id} if customer.prospect_project_id else frozenset()),
                         customer.archive_year)


def grant_covers(scope: AccessScope, *, customer_id: int | None, project_id: int | None,
                 volume_year: int | None, facts: CustomerFacts) -> bool:
    """Does a grant of ``scope`` (with its target) cover the customer described by ``facts``?"""
    if scope == AccessScope.CUSTOMER:
        return customer_id is not None and customer_id == facts.customer_id
    if scope == AccessScope.PROJECT:
        return project_id is not None and project_id in facts.project_ids
    if scope == AccessScope.VOLUME:
        return volume_year is not None and volume_year == facts.archive_year
    return False


def grant_is_live(status: AccessStatus, expires_at: datetime | None, now: datetime) -> bool:
    """Approved, not revoked, and the period not over: it ends at ``expires_at`` (approved at
    10:00 for 7 days, the grant opens nothing from 10:00:00 on the eighth day)."""
    return status == AccessStatus.APPROVED and expires_at is not None and now < expires_at


def clamp_period(days: int | None) -> int:
    """Default 7 days; at least 1; at most 30."""
    if days is None:
        return DEFAULT_PERIOD_DAYS
    return max(1, min(int(days), MAX_PERIOD_DAYS))


def expiry_for(approved_at: datetime, period_days: int) -> datetime:
    return approved_at + timedelta(days=period_days)


def reads_directly(user) -> bool:
    return user.can(Perm.ARCHIVE_READ)


# --- grants --------------------------------------------------------------------------------

def live_grants(user, now: datetime) -> list[ArchiveAccessRequest]:
    return list(db.session.scalars(
        select(ArchiveAccessRequest).where(
            ArchiveAccessRequest.requester_id == user.id,
            ArchiveAccessRequest.status == AccessStatus.APPROVED,
            ArchiveAccessRequest.expires_at > now,
        ).order_by(ArchiveAccessRequest.id)
    ))


def _covers(grant: ArchiveAccessRequest, facts: CustomerFacts) -> bool:
    return grant_covers(grant.scope, customer_id=grant.customer_id, project_id=grant.project_id,
                        volume_year=grant.volume_year, facts=facts)


def active_grant_for(user, customer: Customer, now: datetime, *, export: bool = False
                     ) -> ArchiveAccessRequest | None:
    """The user's live grant covering ``customer`` (one allowing export when ``export``), or None."""
    facts = facts_of(customer)
    for grant in live_grants(user, now):
        if grant_is_live(grant.status, grant.expires_at, now) and _covers(grant, facts) and (
                grant.wants_export or not export):
            return grant
    return None


def granted_projects(user, customer: Customer, now: datetime) -> set[int] | None:
    """The projects whose purchases of ``customer`` the user may see: None for all (a direct
    reader, or a grant of this customer or of his volume); else the projects of the user's live
    project grants. A grant for 阳光花园 opens a buyer's 阳光花园 room, not his rooms elsewhere."""
    if reads_directly(user):
        return None
    return visible_projects(live_grants(user, now), customer)


def visible_projects(grants: list[ArchiveAccessRequest], customer) -> set[int] | None:
    """Of ``grants``, the projects whose purchases of ``customer`` they open (None: all of them)."""
    facts = facts_of(customer)
    projects: set[int] = set()
    for grant in grants:
        if not _covers(grant, facts):
            continue
        if grant.scope != AccessScope.PROJECT:
            return None
        projects.add(grant.project_id)
    return projects


def export_grants(user, now: datetime) -> list[ArchiveAccessRequest]:
    """The user's live grants that allow export (DOMAIN.md §3: exporting needs its own approval)."""
    return [g for g in live_grants(user, now) if g.wants_export]


def grant_condition(grants: list[ArchiveAccessRequest], room: str = ""):
    """A WHERE clause over ``Customer`` matching what any of ``grants`` covers (for lists).
    ``room``: the list looks for that room, which a project grant finds only in its project."""
    clauses = []
    for g in grants:
        if g.scope == AccessScope.CUSTOMER and g.customer_id:
            clauses.append(Customer.id == g.customer_id)
        elif g.scope == AccessScope.PROJECT and g.project_id:
            in_project = [Purchase.customer_id == Customer.id, Purchase.project_id == g.project_id]
            if room:
                clauses.append(exists().where(and_(*in_project, Purchase.room == room)))
                continue
            clauses.append(or_(Customer.prospect_project_id == g.project_id, exists().where(and_(*in_project))))
        elif g.scope == AccessScope.VOLUME and g.volume_year:
            clauses.append(Customer.archive_year == g.volume_year)
    return or_(*clauses) if clauses else false()


def grant_for_row(grants: list[ArchiveAccessRequest], customer: Customer) -> ArchiveAccessRequest | None:
    facts = facts_of(customer)
    return next((g for g in grants if _covers(g, facts)), None)


# --- requests ------------------------------------------------------------------------------

def approvers_for(requester: User) -> list[User]:
    """The leaders a request goes to: the requester's unit's leaders, else the group's (DOMAIN.md
    §3, word for word: not a parent unit's in between) — never the requester himself (a leader
    never decides on his own request)."""
    leaders = [u for u in org.leaders_of(requester.org_unit) if u.id != requester.id]
    if not leaders:
        leaders = [u for u in org.group_leaders() if u.id != requester.id]
    return leaders


def may_decide(decider_id: int, requester_id: int, approver_ids: set[int], has_approve_perm: bool) -> bool:
    """A leader decides a request routed to him, and never his own."""
    return has_approve_perm and decider_id != requester_id and decider_id in approver_ids


def can_decide(user, req: ArchiveAccessRequest) -> bool:
    return may_decide(user.id, req.requester_id, {u.id for u in approvers_for(req.requester)},
                      user.can(Perm.ARCHIVE_APPROVE))


def can_revoke(user, req: ArchiveAccessRequest) -> bool:
    """The requester, or a leader the request was routed to."""
    return user.id == req.requester_id or can_decide(user, req)


def can_see_request(user, req: ArchiveAccessRequest) -> bool:
    return user.id == req.requester_id or can_decide(user, req)


def create_request(requester: User, *, reason: str, scope: AccessScope, customer: Customer | None = None,
                   project_id: int | None = None, volume_year: int | None = None, period_days: int | None = None,
                   wants_export: bool = False) -> ArchiveAccessRequest:
    from flask_babel import lazy_gettext as _l

    reason = (reason or "").strip()
    if not reason:
        raise AccessRequestError(_l("Give the reason for the request."))
    if scope == AccessScope.CUSTOMER and customer is None:
        raise AccessRequestError(_l("Choose the customer."))
    if scope == AccessScope.PROJECT and not project_id:
        raise AccessRequestError(_l("Choose the project."))
    if scope == AccessScope.VOLUME and not volume_year:
        raise AccessRequestError(_l("Give the year of the volume."))
    if period_days is not None and not 1 <= period_days <= MAX_PERIOD_DAYS:
        raise AccessRequestError(_l("The period is 1 to %(max)d days.", max=MAX_PERIOD_DAYS))
    if not approvers_for(requester):
        raise AccessRequestError(_l("No leader can decide on this request; ask the administrator."))
    if reads_directly(requester):
        wants_export = True  # the center reads without asking: what it asks a leader for is the export
    req = ArchiveAccessRequest(
        requester_id=requester.id, requester_unit_id=requester.org_unit_id, reason=reason[:500], scope=scope,
        customer_id=customer.id if scope == AccessScope.CUSTOMER else None,
        project_id=project_id if scope == AccessScope.PROJECT else None,
        volume_year=volume_year if scope == AccessScope.VOLUME else None,
        period_days=clamp_period(period_days), wants_export=bool(wants_export),
    )
    db.session.add(req)
    db.session.flush()
    req.requester = requester
    audit.record("archive.access_requested", object_type="archive_access_request", object_id=req.id,
                 reason=req.reason, detail={"scope": scope.value, "period_days": req.period_days,
                                            "export": req.wants_export}, user=requester)
    _notify_approvers(req)
    return req


def _notify_approvers(req: ArchiveAccessRequest) -> None:
    from flask_babel import gettext as _

    from portal.services.notifications import notify

    link = f"/archives/requests/{req.id}"
    notify(approvers_for(req.requester), kind="archive_access_request",
           title=lambda: _("Archive access request from %(name)s", name=req.requester.display_name),
           link=link, object_type="archive_access_request", object_id=req.id)


def decide(req: ArchiveAccessRequest, decider: User, *, approve: bool, comment: str, now: datetime) -> None:
    from flask_babel import lazy_gettext as _l

    if req.status != AccessStatus.PENDING:
        raise AccessRequestError(_l("This request has been decided already."))
    if decider.id == req.requester_id:
        raise AccessRequestError(_l("You cannot decide on your own request."))
    if not can_decide(decider, req):
        raise AccessRequestError(_l("This request is not yours to decide."))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise AccessRequestError(_l("Say why the request is rejected."))
    req.status = AccessStatus.APPROVED if approve else AccessStatus.REJECTED
    req.decided_by_id, req.decided_at, req.decision_comment = decider.id, now, comment[:500] or None
    if approve:
        req.expires_at = expiry_for(now, req.period_days)
    audit.record("archive.access_approved" if approve else "archive.access_rejected",
                 object_type="archive_access_request", object_id=req.id, reason=req.decision_comment,
                 user=decider)
    _notify_requester(req, approve)


def _notify_requester(req: ArchiveAccessRequest, approved: bool) -> None:
    from flask_babel import gettext as _

    from portal.services.notifications import notify

    def title():
        return _("Your archive access request was approved") if approved else _(
            "Your archive access request was rejected")

    notify([req.requester], kind="archive_access_decision", title=title, link=f"/archives/requests/{req.id}",
           object_type="archive_access_request", object_id=req.id)


def revoke(req: ArchiveAccessRequest, by: User, now: datetime) -> None:
    from flask_babel import lazy_gettext as _l

    if not can_revoke(by, req):
        raise AccessRequestError(_l("You cannot revoke this grant."))
    if req.status == AccessStatus.PENDING and by.id == req.requester_id:
        req.status = AccessStatus.WITHDRAWN
    elif req.status == AccessStatus.APPROVED:
        req.status = AccessStatus.REVOKED
    else:
        raise AccessRequestError(_l("Only a pending request or a grant can be ended."))
    req.revoked_by_id, req.revoked_at = by.id, now
    audit.record("archive.access_revoked", object_type="archive_access_request", object_id=req.id, user=by)


def queue_for(leader: User) -> list[ArchiveAccessRequest]:
    """Pending requests this leader may decide (routing is computed, so a change of leaders applies)."""
    pending = db.session.scalars(select(ArchiveAccessRequest).where(
        ArchiveAccessRequest.status == AccessStatus.PENDING).order_by(ArchiveAccessRequest.created_at))
    return [r for r in pending if can_decide(leader, r)]


def grants_decided_by_me(leader: User, now: datetime) -> list[ArchiveAccessRequest]:
    """Live grants this leader may revoke."""
    rows = db.session.scalars(select(ArchiveAccessRequest).where(
        ArchiveAccessRequest.status == AccessStatus.APPROVED, ArchiveAccessRequest.expires_at > now,
        ArchiveAccessRequest.requester_id != leader.id).order_by(ArchiveAccessRequest.expires_at))
    return [r for r in rows if can_decide(leader, r)]


@dataclass(frozen=True)
class RequestSubject:
    """Whom a one-customer request is about, as the leaders it is routed to see him to decide it:
    the name and the rooms the grant would open, never the ID number or phones. ``id`` is the
    customer's (what ``archives.log_reads`` logs: showing them is a read of the record)."""

    id: int
    name: str
    rooms: list[str]


def request_subjects(requests: list[ArchiveAccessRequest]) -> dict[int, RequestSubject]:
    """request id → its customer, for the one-customer requests among ``requests`` (one query for
    the names, one for the rooms). Show them only to those who decide (``can_decide``)."""
    wanted = {r.customer_id for r in requests if r.scope == AccessScope.CUSTOMER and r.customer_id}
    if not wanted:
        return {}
    names = dict(db.session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(wanted))).all())
    rooms: dict[int, list[str]] = {}
    for customer_id, project, building, room in db.session.execute(
            select(Purchase.customer_id, Project.name, Purchase.building, Purchase.room).join(Project)
            .where(Purchase.customer_id.in_(wanted)).order_by(Purchase.customer_id, Purchase.id)):
        rooms.setdefault(customer_id, []).append(archives.room_label(project, building, room))
    return {r.id: RequestSubject(r.customer_id, names[r.customer_id], rooms.get(r.customer_id, []))
            for r in requests if r.scope == AccessScope.CUSTOMER and r.customer_id in names}
