"""Revisit rates: done in the window counts, done late and not done count against it."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from portal.auth.permissions import Role
from portal.models.revisit import RevisitMethod, RevisitPlan, RevisitStatus
from portal.services import revisits
from portal.services.revisit_rates import rates_by_project, revisit_rates, tally
from portal.services.revisit_rules import RevisitKind
from tests import factories as f
from tests.revisits.factories import make_purchase, complaint_id

K, S = RevisitKind, RevisitStatus


@pytest.mark.parametrize("rows, due, on_time, late, not_done, rate", [
    ([], 0, 0, 0, 0, None),
    ([(K.SIGNING, S.DONE, True)], 1, 1, 0, 0, 1.0),
    ([(K.SIGNING, S.DONE, True), (K.HANDOVER_1M, S.DONE, False)], 2, 1, 1, 0, 0.5),
    ([(K.SIGNING, S.DONE, True), (K.HANDOVER_3M, S.OPEN, None), (K.HANDOVER_1Y, S.DONE, False),
      (K.HANDOVER_1Y, S.DONE, True, 2)], 5, 3, 1, 1, 0.6),
    ([(K.SIGNING, S.CANCELLED, None), (K.SIGNING, S.DONE, True)], 1, 1, 0, 0, 1.0),  # cancelled is not due
    ([(K.OLD_CUSTOMER, S.DONE, True), (K.COMPLAINT, S.DONE, False)], 0, 0, 0, 0, None),  # not routine
])
def test_tally_routine(rows, due, on_time, late, not_done, rate):
    r = tally(rows, date(2027, 3, 9))
    assert (r.routine_due, r.routine_on_time, r.routine_late, r.routine_not_done) == (due, on_time, late, not_done)
    assert r.routine_rate == rate and r.month == date(2027, 3, 1)


def test_tally_complaints_counts_done_at_all():
    r = tally([(K.COMPLAINT, S.DONE, False), (K.COMPLAINT, S.DONE, True), (K.COMPLAINT, S.OPEN, None),
               (K.COMPLAINT, S.CANCELLED, None)], date(2027, 3, 1))
    assert (r.complaint_due, r.complaint_done, r.complaint_on_time) == (3, 2, 1)
    assert r.complaint_rate == pytest.approx(2 / 3)


def _done(plan, staff, local_day):
    at = datetime(local_day.year, local_day.month, local_day.day, 2, 0, tzinfo=timezone.utc)  # 10:00 local
    revisits.complete_revisit(plan, by=staff, method=RevisitMethod.PHONE, at=at, answers=[], satisfaction=4)


def test_monthly_rates_from_the_database_with_late_and_missed_revisits(db, org):
    staff = f.user_with_role(org, Role.CENTER_STAFF)
    today = date(2027, 3, 20)
    # three purchases signed so their signing revisits fall due in March 2027
    p1 = make_purchase(org.project1, signing=date(2027, 3, 1))   # due 03-08, done 03-05: on time
    p2 = make_purchase(org.project1, signing=date(2027, 3, 2))   # due 03-09, done 03-12: late
    p3 = make_purchase(org.project2, signing=date(2027, 3, 3))   # due 03-10, never done
    p4 = make_purchase(org.project2, signing=date(2027, 2, 15))  # due 02-22: another month
    for p in (p1, p2, p3, p4):
        revisits.sync_purchase_plans(p, today)
    plan = {p.id: db.session.scalar(db.select(RevisitPlan).where(RevisitPlan.purchase_id == p.id)) for p in (p1, p2, p4)}
    _done(plan[p1.id], staff, date(2027, 3, 5))
    _done(plan[p2.id], staff, date(2027, 3, 12))
    _done(plan[p4.id], staff, date(2027, 2, 16))
    complaint = revisits.sync_complaint_plan(complaint_id(org), p1.customer_id, org.project1.id,
                                             datetime(2027, 3, 15, 2, 0, tzinfo=timezone.utc))
    _done(complaint, staff, date(2027, 3, 19))  # done, although late

    march = revisit_rates(date(2027, 3, 1))
    assert (march.routine_due, march.routine_on_time, march.routine_late, march.routine_not_done) == (3, 1, 1, 1)
    assert march.routine_rate == pytest.approx(1 / 3)
    assert (march.complaint_due, march.complaint_done, march.complaint_on_time, march.complaint_rate) == (1, 1, 0, 1.0)
    assert revisit_rates(date(2027, 2, 14)).routine_rate == 1.0

    one = revisit_rates(date(2027, 3, 1), project_id=org.project1.id)
    assert (one.routine_due, one.routine_on_time, one.complaint_due) == (2, 1, 1)
    by_project = {r.project_id: r for r in rates_by_project(date(2027, 3, 1))}
    assert by_project[org.project2.id].routine_not_done == 1 and by_project[org.project2.id].routine_rate == 0.0
    branch = revisit_rates(date(2027, 3, 1), branch_id=org.branch2.id)
    assert (branch.routine_due, branch.complaint_due) == (1, 0)
