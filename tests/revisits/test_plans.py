"""Plan generation is a reconciliation: it creates what the data asks for, follows changes,
and does nothing the second time."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from portal.models.revisit import CancelReason, RevisitMethod, RevisitPlan, RevisitStatus
from portal.services import revisits
from portal.services.revisit_rules import RevisitKind
from tests import factories as f
from tests.revisits.factories import make_customer, make_purchase, complaint_id

K = RevisitKind
TODAY = date(2027, 1, 10)


def _plans(db, **where):
    stmt = sa.select(RevisitPlan).order_by(RevisitPlan.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(RevisitPlan, key) == value)
    return db.session.scalars(stmt).all()


def _by_kind(db, purchase):
    return {p.kind: p for p in _plans(db, purchase_id=purchase.id)}


def test_a_purchase_gets_its_four_routine_revisits_once(db, org):
    purchase = make_purchase(org.project1, signing=date(2026, 12, 20), handover=date(2027, 1, 5))
    first = revisits.sync_purchase_plans(purchase, TODAY)
    again = revisits.sync_purchase_plans(purchase, TODAY)
    plans = _by_kind(db, purchase)
    assert first.created == 4 and again.as_dict() == {"created": 0, "moved": 0, "cancelled": 0, "reopened": 0}
    assert (plans[K.SIGNING].window_start, plans[K.SIGNING].due) == (date(2026, 12, 20), date(2026, 12, 27))
    assert plans[K.HANDOVER_1Y].due == date(2028, 2, 5)
    assert all(p.project_id == org.project1.id and p.status == RevisitStatus.OPEN for p in plans.values())


def test_handover_on_31_january_plans_the_end_of_february(db, org):
    purchase = make_purchase(org.project1, handover=date(2027, 1, 31))
    revisits.sync_purchase_plans(purchase, date(2027, 2, 1))
    plans = _by_kind(db, purchase)
    assert plans[K.HANDOVER_1M].due == date(2027, 2, 28)
    assert plans[K.HANDOVER_3M].window_start == date(2027, 2, 28)


def test_a_corrected_handover_date_moves_open_plans_and_leaves_done_ones(db, org):
    from portal.auth.permissions import Role

    staff = f.user_with_role(org, Role.CENTER_STAFF)
    purchase = make_purchase(org.project1, handover=date(2027, 1, 5))
    revisits.sync_purchase_plans(purchase, TODAY)
    done = _by_kind(db, purchase)[K.HANDOVER_1M]
    revisits.complete_revisit(done, by=staff, method=RevisitMethod.PHONE,
                              at=datetime(2027, 1, 8, 2, 0, tzinfo=timezone.utc),
                              answers=[("满意吗？", "满意")], satisfaction=5)

    purchase.handover_date = date(2027, 1, 31)  # the archive had a typo
    result = revisits.sync_purchase_plans(purchase, TODAY)

    plans = _by_kind(db, purchase)
    assert result.moved == 2 and result.created == 0
    assert (plans[K.HANDOVER_1M].window_start, plans[K.HANDOVER_1M].due) == (date(2027, 1, 5), date(2027, 2, 5))
    assert plans[K.HANDOVER_1M].status == RevisitStatus.DONE
    assert (plans[K.HANDOVER_3M].window_start, plans[K.HANDOVER_3M].due) == (date(2027, 2, 28), date(2027, 4, 30))
    assert plans[K.HANDOVER_1Y].due == date(2028, 2, 29)


def test_a_cleared_date_cancels_and_a_restored_date_reopens(db, org):
    purchase = make_purchase(org.project1, signing=date(2027, 1, 8))
    revisits.sync_purchase_plans(purchase, TODAY)
    purchase.signing_date = None
    assert revisits.sync_purchase_plans(purchase, TODAY).cancelled == 1
    plan = _by_kind(db, purchase)[K.SIGNING]
    assert (plan.status, plan.cancel_reason) == (RevisitStatus.CANCELLED, CancelReason.DATE_REMOVED)
    purchase.signing_date = date(2027, 1, 9)
    assert revisits.sync_purchase_plans(purchase, TODAY).reopened == 1
    assert (plan.status, plan.due) == (RevisitStatus.OPEN, date(2027, 1, 16))


def test_a_deleted_purchase_cancels_its_open_plans(db, org):
    purchase = make_purchase(org.project1, handover=date(2027, 1, 5))
    revisits.sync_purchase_plans(purchase, TODAY)
    assert revisits.cancel_purchase_plans(purchase.id) == 3
    db.session.delete(purchase)
    db.session.commit()
    plans = _plans(db, kind=K.HANDOVER_1M)
    assert plans[0].status == RevisitStatus.CANCELLED and plans[0].purchase_id is None
    assert revisits.reconcile_all(TODAY).as_dict()["cancelled"] == 0


def test_the_daily_reconciliation_catches_a_purchase_deleted_behind_its_back(db, org):
    purchase = make_purchase(org.project1, handover=date(2027, 1, 5))
    revisits.sync_purchase_plans(purchase, TODAY)
    db.session.commit()
    db.session.execute(sa.delete(type(purchase)).where(type(purchase).id == purchase.id))
    db.session.commit()
    db.session.expire_all()
    assert revisits.reconcile_all(TODAY).cancelled == 3
    assert {p.status for p in _plans(db)} == {RevisitStatus.CANCELLED}


def test_long_past_windows_are_not_planned(db, org):
    """An archive imported with a 2015 handover does not flood the queue with 2015 revisits."""
    purchase = make_purchase(org.project1, signing=date(2014, 5, 1), handover=date(2015, 6, 1))
    assert revisits.sync_purchase_plans(purchase, TODAY).created == 0


def test_an_owner_whose_handover_date_is_not_recorded_gets_the_annual_revisit_from_his_signing_date(db, org):
    """Seed 000 §6 (每年度进行一次老客户回访): signed in 2019, handover never entered, still an
    old customer in 2026; one who signed in 2025 is not one yet; a recorded handover date governs."""
    signed_long_ago = make_purchase(org.project1, signing=date(2019, 5, 1))
    signed_last_year = make_purchase(org.project1, signing=date(2025, 3, 1))
    handed_over_late = make_purchase(org.project2, signing=date(2019, 5, 1), handover=date(2025, 6, 1))
    revisits.sync_annual_plans(2026, date(2026, 12, 5))
    customers = {p.customer_id: p.project_id for p in _plans(db, kind=K.OLD_CUSTOMER)}
    assert customers == {signed_long_ago.customer_id: org.project1.id}
    assert signed_last_year.customer_id not in customers and handed_over_late.customer_id not in customers


def test_the_plan_job_run_twice_creates_no_second_annual_revisit(app, db, org):
    from portal.jobs.revisits import revisit_plans

    old = make_purchase(org.project1, handover=date(2020, 3, 1))
    make_purchase(org.project2, customer=old.customer, handover=date(2023, 9, 1))  # same customer, two rooms
    make_purchase(org.project1, handover=date(2026, 6, 1))  # not an old customer yet
    db.session.commit()
    year = revisits.local_today().year
    revisit_plans()
    first = _plans(db, kind=K.OLD_CUSTOMER)
    second_run = revisit_plans()
    assert second_run == {"created": 0, "moved": 0, "cancelled": 0, "reopened": 0}
    annual = _plans(db, kind=K.OLD_CUSTOMER)
    assert len(first) == len(annual) == 1
    assert annual[0].customer_id == old.customer_id and annual[0].project_id == org.project2.id
    assert (annual[0].window_start, annual[0].due) == (date(year, 1, 1), date(year, 12, 31))
    assert revisits.sync_annual_plans(year).created == 0


def test_a_complaint_revisit_is_planned_once_per_resolution(db, org):
    customer = make_customer()
    cid = complaint_id(org)
    resolved = datetime(2027, 1, 9, 15, 30, tzinfo=timezone.utc)  # 23:30 local
    plan = revisits.sync_complaint_plan(cid, customer.id, org.project1.id, resolved)
    same = revisits.sync_complaint_plan(cid, customer.id, org.project1.id, resolved)
    assert plan.id == same.id and (plan.window_start, plan.due) == (date(2027, 1, 9), date(2027, 1, 11))
    # reopened and resolved again: a new revisit; the old open one is superseded
    again = revisits.sync_complaint_plan(cid, customer.id, org.project1.id, datetime(2027, 2, 1, 3, 0, tzinfo=timezone.utc))
    assert again.id != plan.id and again.status == RevisitStatus.OPEN
    assert (plan.status, plan.cancel_reason) == (RevisitStatus.CANCELLED, CancelReason.SUPERSEDED)


def test_a_complaint_revisit_without_an_archive_customer_keeps_the_contact(db, org):
    plan = revisits.sync_complaint_plan(complaint_id(org), None, None, datetime(2027, 1, 9, 3, 0, tzinfo=timezone.utc),
                                        contact_name="路人甲", contact_phone="13900001111")
    assert plan.person_name == "路人甲" and plan.phones == ["13900001111"]


@pytest.mark.parametrize("status", [RevisitStatus.DONE])
def test_completing_a_done_plan_again_is_refused(db, org, status):
    from portal.auth.permissions import Role

    staff = f.user_with_role(org, Role.CENTER_STAFF)
    purchase = make_purchase(org.project1, signing=date(2027, 1, 8))
    revisits.sync_purchase_plans(purchase, TODAY)
    plan = _plans(db)[0]
    kwargs = dict(by=staff, method=RevisitMethod.PHONE, at=datetime(2027, 1, 9, 2, 0, tzinfo=timezone.utc),
                  answers=[], satisfaction=4)
    revisits.complete_revisit(plan, **kwargs)
    assert plan.status == status
    with pytest.raises(revisits.RevisitError):
        revisits.complete_revisit(plan, **kwargs)


# (signing, handover): both, 31 January, no dates, long past, signing only
BULK_CASES = [(date(2026, 12, 20), date(2027, 1, 5)), (None, date(2027, 1, 31)), (None, None),
              (date(2014, 5, 1), date(2015, 6, 1)), (date(2027, 1, 8), None)]


def _shape(db, purchase):
    return sorted((p.kind.value, p.window_start, p.due, p.status.value, p.customer_id == purchase.customer_id)
                  for p in _plans(db, purchase_id=purchase.id))


def test_the_bulk_sync_of_an_import_plans_exactly_what_one_by_one_does(db, org):
    singles = [make_purchase(org.project1, signing=s, handover=h) for s, h in BULK_CASES]
    bulk = [make_purchase(org.project1, signing=s, handover=h) for s, h in BULK_CASES]
    created_singly = sum(revisits.sync_purchase_plans(p, TODAY, grace_days=revisits.STALE_GRACE_DAYS).created
                         for p in singles)

    result = revisits.sync_purchase_plans_bulk([p.id for p in bulk], TODAY)

    assert result.created == created_singly == 4 + 3 + 1  # the 2015 purchase gets none
    assert [_shape(db, p) for p in bulk] == [_shape(db, p) for p in singles]
    assert revisits.sync_purchase_plans_bulk([p.id for p in bulk], TODAY).as_dict() == {
        "created": 0, "moved": 0, "cancelled": 0, "reopened": 0}


def test_the_bulk_insert_skips_plan_keys_already_taken_and_counts_only_the_new(db, org):
    """A plan key taken meanwhile (by a concurrent import, say) is skipped, not doubled nor
    overwritten, and the count is of the plans really written; the rest of the rows go in whole."""
    purchase = make_purchase(org.project1, signing=date(2026, 12, 20), handover=date(2027, 1, 5))
    other = make_purchase(org.project1, signing=date(2026, 12, 22))

    def row(kind, p, start, due):
        return dict(plan_key=revisits.routine_plan_key(kind, p.id), kind=kind, customer_id=p.customer_id,
                    purchase_id=p.id, project_id=p.project_id, window_start=start, due=due)

    taken = row(K.SIGNING, purchase, date(2026, 12, 20), date(2026, 12, 27))
    assert revisits._insert_plans([taken]) == 1
    fresh = [row(K.SIGNING, other, date(2026, 12, 22), date(2026, 12, 29)),
             row(K.HANDOVER_1M, purchase, date(2027, 1, 5), date(2027, 2, 5))]

    assert revisits._insert_plans([dict(taken, due=date(2027, 3, 1)), *fresh]) == 2

    assert _by_kind(db, purchase)[K.SIGNING].due == date(2026, 12, 27)
    assert [(p.kind, p.window_start, p.due, p.status, p.attempts, p.project_id) for p in
            [_by_kind(db, other)[K.SIGNING], _by_kind(db, purchase)[K.HANDOVER_1M]]] == [
        (K.SIGNING, date(2026, 12, 22), date(2026, 12, 29), RevisitStatus.OPEN, 0, org.project1.id),
        (K.HANDOVER_1M, date(2027, 1, 5), date(2027, 2, 5), RevisitStatus.OPEN, 0, org.project1.id)]
    assert len(_plans(db)) == 3


def test_a_purchase_entered_by_hand_still_owes_the_revisits_of_the_last_year(db, org):
    """Signed 2 November 2026, entered on 10 January 2027: its signing revisit (due 9 November)
    is planned, overdue, and counts in November's rate; an import of the same purchase does not
    plan it (31 days of grace), and a window closed over a year ago is not planned either way."""
    by_hand = make_purchase(org.project1, signing=date(2026, 11, 2))
    imported = make_purchase(org.project1, signing=date(2026, 11, 2))
    ancient = make_purchase(org.project1, signing=date(2025, 12, 1))
    assert revisits.sync_purchase_plans(by_hand, TODAY).created == 1
    assert revisits.sync_purchase_plans_bulk([imported.id], TODAY).created == 0
    assert revisits.sync_purchase_plans(ancient, TODAY).created == 0
    plan = _by_kind(db, by_hand)[K.SIGNING]
    assert plan.due == date(2026, 11, 9) and plan.status == RevisitStatus.OPEN


def test_the_bulk_sync_moves_and_cancels_open_plans_like_the_single_one(db, org):
    moved = make_purchase(org.project1, handover=date(2027, 1, 5))
    cleared = make_purchase(org.project1, signing=date(2027, 1, 8))
    revisits.sync_purchase_plans_bulk([moved.id, cleared.id], TODAY)
    moved.handover_date, cleared.signing_date = date(2027, 1, 31), None

    result = revisits.sync_purchase_plans_bulk([moved.id, cleared.id], TODAY)

    assert (result.moved, result.cancelled, result.created) == (3, 1, 0)
    assert _by_kind(db, moved)[K.HANDOVER_1M].due == date(2027, 2, 28)
    assert _by_kind(db, cleared)[K.SIGNING].cancel_reason == CancelReason.DATE_REMOVED


def test_a_complaint_a_branch_handled_is_revisited_from_the_center_accepting_its_record(db, org):
    """Every resolved complaint gets its revisit (客户投诉回访率100%), a branch's filing too."""
    from datetime import timedelta

    from portal.auth.permissions import Role
    from portal.services import complaints
    from tests.complaints.factories import complaint_input

    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_rv")
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zr_rv")
    received = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
    record = complaints.FilingRecord(handled_closed_on=date(2026, 11, 16), resolution="已协调解决",
                                     cause_analysis="沟通不到位")
    c = complaints.register_filing(complaint_input(org, received_at=received), record, unit=org.branch1, by=clerk,
                                   submit=True, now=received + timedelta(hours=1))
    db.session.commit()
    assert _plans(db, complaint_id=c.id) == []  # not before the center has the record
    complaints.review_filing(c, accept=False, reason="缺少原因分析细节", by=manager, now=received + timedelta(days=1))
    assert _plans(db, complaint_id=c.id) == []
    complaints.submit_filing(c, by=clerk, now=received + timedelta(days=1, hours=1))
    accepted = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)  # Wednesday 11:00 local
    complaints.review_filing(c, accept=True, reason=None, by=manager, now=accepted)
    db.session.commit()
    [plan] = _plans(db, complaint_id=c.id)
    assert plan.kind == K.COMPLAINT and plan.status == RevisitStatus.OPEN
    assert (plan.window_start, plan.due) == (date(2026, 11, 18), date(2026, 11, 20))
    assert plan.contact_phone == c.complainant_phone
