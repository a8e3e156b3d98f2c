"""Reception's reminders (DOMAIN.md §6): reply overdue when the deadline passes and not before,
sent once, not sent once replied; the 16:00 check of work orders without today's progress."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from portal.auth.permissions import Role
from portal.jobs.reminders import deliver, run_sweep
from portal.models import Notification, Reminder
from portal.models.reception import ContactCategory, ReplyMethod, Urgency
from portal.services import reception
from portal.services.reminders import SCHEDULE_SWEEP, SCHEDULE_WORKORDER_CHECK
from tests import factories as f
from tests.reception.factories import make_contact

SH = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 11, 16, 9, 0, tzinfo=SH)  # Monday 09:00


@pytest.fixture()
def staff(org):
    return f.make_user(org.center, Role.CENTER_STAFF)


def _sweep_and_deliver(at: datetime, schedule: str = SCHEDULE_SWEEP, name: str = "sweep") -> list[Reminder]:
    from portal.extensions import db

    with time_machine.travel(at, tick=False):
        run_sweep(schedule, name, now=at.astimezone(timezone.utc))
        rows = db.session.scalars(select(Reminder).where(Reminder.status == "pending")).all()
        for r in rows:
            if r.due_at <= at:
                deliver(r.id)
    return db.session.scalars(select(Reminder)).all()


def _bell(db, kind: str) -> list[Notification]:
    return db.session.scalars(select(Notification).where(Notification.kind == kind)).all()


def test_a_general_contact_is_overdue_after_24_hours_and_reminded_once(db, org, staff):
    with time_machine.travel(RECEIVED, tick=False):
        contact = make_contact(staff, received_at=RECEIVED.astimezone(timezone.utc), urgency=Urgency.GENERAL)
    _sweep_and_deliver(RECEIVED + timedelta(hours=23, minutes=59))
    assert _bell(db, "reception.reply_overdue") == []
    _sweep_and_deliver(RECEIVED + timedelta(hours=24, minutes=1))
    _sweep_and_deliver(RECEIVED + timedelta(hours=24, minutes=6))  # the next sweep
    bell = _bell(db, "reception.reply_overdue")
    assert [n.user_id for n in bell] == [staff.id] and contact.serial in bell[0].title


def test_the_reply_due_soon_warning_comes_four_hours_ahead(db, org, staff):
    with time_machine.travel(RECEIVED, tick=False):
        contact = make_contact(staff, received_at=RECEIVED.astimezone(timezone.utc), urgency=Urgency.GENERAL)
    _sweep_and_deliver(RECEIVED + timedelta(hours=19, minutes=55))
    assert _bell(db, "reception.reply_due_soon") == []
    _sweep_and_deliver(RECEIVED + timedelta(hours=20, minutes=1))
    assert [n.user_id for n in _bell(db, "reception.reply_due_soon")] == [staff.id]
    assert contact.serial in _bell(db, "reception.reply_due_soon")[0].title


def test_a_contact_replied_in_time_is_never_reminded(db, org, staff):
    with time_machine.travel(RECEIVED, tick=False):
        contact = make_contact(staff, received_at=RECEIVED.astimezone(timezone.utc), urgency=Urgency.IMPORTANT)
    with time_machine.travel(RECEIVED + timedelta(hours=2), tick=False):
        reception.record_reply(contact, "已电话答复", list(ReplyMethod)[0], by=staff)
        db.session.commit()
    _sweep_and_deliver(RECEIVED + timedelta(days=1))
    assert _bell(db, "reception.reply_overdue") == [] and _bell(db, "reception.reply_due_soon") == []


def test_the_16_00_check_reminds_the_department_of_work_orders_without_progress(db, org, staff):
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF)
    with time_machine.travel(RECEIVED, tick=False):
        contact = make_contact(staff, received_at=RECEIVED.astimezone(timezone.utc), category=ContactCategory.REPAIR)
        quiet = reception.dispatch(contact, org.engineering, "请上门检修", RECEIVED + timedelta(days=2), by=staff)
        busy = reception.dispatch(contact, org.engineering, "请检查水表", RECEIVED + timedelta(days=2), by=staff)
        db.session.commit()
    with time_machine.travel(RECEIVED + timedelta(hours=5), tick=False):
        reception.add_progress(busy, "已联系业主，明早上门", by=engineer)
        db.session.commit()
    four_pm = RECEIVED.replace(hour=16)
    _sweep_and_deliver(four_pm, SCHEDULE_WORKORDER_CHECK, "workorder_check")
    _sweep_and_deliver(four_pm + timedelta(minutes=5), SCHEDULE_WORKORDER_CHECK, "workorder_check")
    bell = _bell(db, "workorder.no_progress_today")
    assert [(n.user_id, n.object_id) for n in bell] == [(engineer.id, quiet.id)]
    assert quiet.serial in bell[0].title


def test_the_16_00_check_does_not_remind_a_department_of_a_report_it_may_not_open(db, org, staff):
    """A report (举报) sent out as a work order stays with the center: its first responder is
    reminded, not the department's staff (reception.can_see_work_order)."""
    from tests.complaints.factories import make_complaint

    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF)
    with time_machine.travel(RECEIVED, tick=False):
        contact = make_contact(staff, received_at=RECEIVED.astimezone(timezone.utc),
                               category=ContactCategory.COMPLAINT, content="举报工程部监理收受好处")
        wo = reception.dispatch(contact, org.engineering, "请核实", RECEIVED + timedelta(days=2), by=staff)
        make_complaint(org, staff, is_report=True, source_contact_id=contact.id,
                       received_at=RECEIVED.astimezone(timezone.utc))
        db.session.commit()
    _sweep_and_deliver(RECEIVED.replace(hour=16), SCHEDULE_WORKORDER_CHECK, "workorder_check")
    bell = _bell(db, "workorder.no_progress_today")
    assert [(n.user_id, n.object_id) for n in bell] == [(staff.id, wo.id)]
