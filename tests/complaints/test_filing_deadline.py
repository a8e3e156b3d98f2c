"""A branch's record is due by the end of its 2nd working day (DOMAIN.md §2, §6: "by the end
(23:59:59, Asia/Shanghai) of the Nth working day"): the whole of that last second is in time,
on the record's state, the register's filters, the home card and the reminder alike."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models.complaint import Complaint
from portal.services import complaints as svc
from portal.services.clock import to_local
from tests import factories as f
from tests.complaints.factories import complaint_input

SH = ZoneInfo("Asia/Shanghai")


def local(*a):
    return datetime(*a, tzinfo=SH).astimezone(timezone.utc)


@pytest.fixture()
def filing(org):
    """Closed on 30 September 2026: due by the end of 9 October (National Day in between)."""
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_last")
    now = local(2026, 9, 30, 20, 0)
    c = svc.register_filing(complaint_input(org, received_at=now - timedelta(days=1)),
                            svc.FilingRecord(date(2026, 9, 30), "已修", "老化"), unit=org.branch1, by=clerk, now=now)
    db.session.commit()
    assert to_local(c.filing_due_at).replace(tzinfo=None) == datetime(2026, 10, 9, 23, 59, 59)
    return c


def _overdue_ids(now):
    return set(db.session.scalars(db.select(Complaint.id).where(svc.filing_overdue_clause(now))))


def _late_ids():
    return set(db.session.scalars(db.select(Complaint.id).where(svc.filed_late_clause())))


@pytest.mark.parametrize("submitted, state", [
    (local(2026, 10, 9, 23, 59, 59, 500000), "submitted"),
    (local(2026, 10, 10, 0, 0, 0), "submitted_late"),
])
def test_a_record_submitted_in_the_last_second_is_in_time(org, filing, submitted, state):
    clerk = filing.created_by
    svc.submit_filing(filing, by=clerk, now=submitted)
    db.session.commit()
    assert svc.filing_state(filing) == state
    late = state == "submitted_late"
    assert (filing.id in _late_ids()) is late
    assert next(e for e in filing.events if e.kind == "filing_submitted").detail["late"] is late


def test_a_draft_is_overdue_only_after_its_last_second(filing):
    in_time, next_day = local(2026, 10, 9, 23, 59, 59, 500000), local(2026, 10, 10, 0, 0, 0)
    assert svc.filing_state(filing, in_time) == "due" and filing.id not in _overdue_ids(in_time)
    assert svc.filing_state(filing, next_day) == "overdue" and filing.id in _overdue_ids(next_day)
