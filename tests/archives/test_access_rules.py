"""The grant rules as plain functions: scope matching, liveness at the boundaries, periods, who decides."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal.models import AccessScope, AccessStatus
from portal.services.archive_access import (
    CustomerFacts, clamp_period, expiry_for, grant_covers, grant_is_live, may_decide,
)

A = CustomerFacts(customer_id=1, project_ids=frozenset({10, 11}), archive_year=2025)


@pytest.mark.parametrize("scope, customer_id, project_id, year, expected", [
    (AccessScope.CUSTOMER, 1, None, None, True),
    (AccessScope.CUSTOMER, 2, None, None, False),  # a grant for customer 2 does not open customer 1
    (AccessScope.CUSTOMER, None, 10, 2025, False),  # targets of other scopes do not count
    (AccessScope.PROJECT, None, 10, None, True),
    (AccessScope.PROJECT, None, 11, None, True),  # any of the customer's projects
    (AccessScope.PROJECT, None, 12, None, False),
    (AccessScope.PROJECT, 1, None, None, False),
    (AccessScope.VOLUME, None, None, 2025, True),
    (AccessScope.VOLUME, None, None, 2024, False),
    (AccessScope.VOLUME, None, None, None, False),
])
def test_grant_covers(scope, customer_id, project_id, year, expected):
    assert grant_covers(scope, customer_id=customer_id, project_id=project_id, volume_year=year, facts=A) is expected


END = datetime(2026, 10, 8, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("status, now, expected", [
    (AccessStatus.APPROVED, END - timedelta(days=3), True),
    (AccessStatus.APPROVED, END - timedelta(seconds=1), True),  # the last second of the period counts
    (AccessStatus.APPROVED, END, False),  # the period is over at its end: 7 days after approval
    (AccessStatus.APPROVED, END + timedelta(seconds=1), False),
    (AccessStatus.REVOKED, END - timedelta(days=3), False),
    (AccessStatus.PENDING, END - timedelta(days=3), False),
    (AccessStatus.REJECTED, END - timedelta(days=3), False),
    (AccessStatus.WITHDRAWN, END - timedelta(days=3), False),
])
def test_grant_is_live(status, now, expected):
    assert grant_is_live(status, END, now) is expected


def test_a_grant_without_an_end_is_not_live():
    assert grant_is_live(AccessStatus.APPROVED, None, END) is False


@pytest.mark.parametrize("asked, given", [(None, 7), (1, 1), (7, 7), (30, 30), (31, 30), (0, 1), (-5, 1)])
def test_clamp_period(asked, given):
    assert clamp_period(asked) == given


def test_expiry_is_the_period_after_approval():
    approved = datetime(2026, 10, 1, 2, 0, tzinfo=timezone.utc)
    assert expiry_for(approved, 7) == datetime(2026, 10, 8, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("decider, requester, approvers, perm, expected", [
    (5, 9, {5, 6}, True, True),
    (5, 5, {5, 6}, True, False),  # never one's own request, even when routed to oneself
    (7, 9, {5, 6}, True, False),  # not routed to this leader
    (5, 9, {5, 6}, False, False),  # without the approve permission
])
def test_may_decide(decider, requester, approvers, perm, expected):
    assert may_decide(decider, requester, approvers, perm) is expected
