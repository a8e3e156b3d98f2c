"""Reception operations against the database: serials under concurrency, the repeat-repair
flag, the 16:00 check, scoping, notifications and the timeline."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.auth.permissions import Role
from portal.models import Notification
from portal.models.reception import (
    Contact, ContactCategory, ContactStatus, EventKind, RepairKind, RepairRevisitWay, RepairType, ReplyMethod, Urgency,
    WorkOrder,
)
from portal.services import reception
from portal.services.clock import now_utc
from tests import factories as f
from tests.reception.factories import make_contact

SH = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(timezone.utc)


@pytest.fixture()
def staff(org):
    return f.make_user(org.center, Role.CENTER_STAFF, username="kefu_s")


def test_two_contacts_saved_at_the_same_instant_get_distinct_serials(app, db, staff):
    """Two staff save at once, each in its own connection and transaction (SQLite and PostgreSQL)."""
    from portal.extensions import db as _db
    from portal.models import User

    staff_id = staff.id  # read here: the test's session must not be used from the threads
    barrier = threading.Barrier(2, timeout=30)
    serials, errors = [], []

    def worker(n):
        with app.app_context():
            try:
                user = _db.session.get(User, staff_id)
                barrier.wait()
                contact = make_contact(user, content=f"同时保存{n}", received_at=local(2026, 3, 1, 9, 0))
                serials.append(contact.serial)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
                _db.session.rollback()
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(serials) == ["JD-2026-000001", "JD-2026-000002"]
    assert db.session.scalar(select(Contact).where(Contact.serial == "JD-2026-000002")) is not None


def test_serial_year_is_the_local_year_of_receipt(db, staff):
    """23:30 on 31 Dec local belongs to 2025; 00:30 on 1 Jan local to 2026, although in UTC it is
    still 31 Dec 2025."""
    late = make_contact(staff, received_at=local(2025, 12, 31, 23, 30))
    early = make_contact(staff, received_at=local(2026, 1, 1, 0, 30))
    assert late.serial.startswith("JD-2025-") and early.serial.startswith("JD-2026-")


def test_a_letter_entered_a_day_late_is_overdue_when_registered(db, staff):
    from portal.models.reception import Channel

    received = now_utc() - timedelta(hours=25)
    contact = make_contact(staff, channel=Channel.LETTER, received_at=received, urgency=Urgency.GENERAL)
    assert contact.reply_due_at == received + timedelta(hours=24)
    assert reception.reply_state(contact.reply_due_at, contact.replied_at, False, now_utc()) == "overdue"
    overdue = db.session.scalars(select(Contact).where(reception.overdue_clause(now_utc()))).all()
    assert overdue == [contact]


def _repair(staff, org, received_at, room="3-1-502"):
    return make_contact(staff, category=ContactCategory.REPAIR, project=org.project1, room=room,
                        received_at=received_at, content="卫生间漏水")


@pytest.mark.parametrize("days_between, flagged", [(0, True), (30, True), (31, False)])
def test_same_room_same_repair_within_30_days_is_flagged(db, org, staff, days_between, flagged):
    leader = f.make_user(org.engineering, Role.LEADER, username=f"gc_leader{days_between}")
    first = _repair(staff, org, local(2026, 4, 1, 10, 0))
    wo1 = reception.dispatch(first, org.engineering, "上门查看", local(2026, 4, 2, 18, 0), by=staff,
                             repair_type=RepairType.WATER_LEAK)
    second = _repair(staff, org, local(2026, 4, 1, 10, 0) + timedelta(days=days_between), room="3－1－502室")
    wo2 = reception.dispatch(second, org.engineering, "再次上门", local(2026, 5, 9, 18, 0), by=staff,
                             repair_type=RepairType.WATER_LEAK)
    db.session.commit()
    assert wo1.repeat_repair is False
    assert wo2.repeat_repair is flagged
    assert (wo2.repeat_of_id == wo1.id) is flagged
    to_leader = db.session.scalars(select(Notification).where(
        Notification.user_id == leader.id, Notification.kind == "reception.repeat_repair")).all()
    assert len(to_leader) == (1 if flagged else 0)
    assert all(n.link == f"/reception/{second.id}" for n in to_leader)  # a page the leader may open
    assert any(e.kind == EventKind.REPEAT_FLAGGED for e in second.events) is flagged


@pytest.mark.parametrize("change", ["other_room", "other_type", "other_project"])
def test_a_different_room_type_or_project_is_not_a_repeat(db, org, staff, change):
    first = _repair(staff, org, local(2026, 4, 1, 10, 0))
    reception.dispatch(first, org.engineering, "上门", local(2026, 4, 2, 18, 0), by=staff,
                       repair_type=RepairType.WATER_LEAK)
    second = _repair(staff, org, local(2026, 4, 5, 10, 0), room="3-1-503" if change == "other_room" else "3-1-502")
    if change == "other_project":
        second.project = org.project2
    wo = reception.dispatch(second, org.engineering, "上门", local(2026, 4, 6, 18, 0), by=staff,
                            repair_type=RepairType.ELECTRICAL if change == "other_type" else RepairType.WATER_LEAK)
    assert wo.repeat_repair is False


def test_the_1600_check_lists_open_work_orders_without_a_note_today(db, org, staff):
    """Notes count by the local (Asia/Shanghai) day: 00:00:30 today counts, 23:59 yesterday does not."""
    now = local(2026, 5, 10, 16, 0)
    orders = {}
    for name in ("noted_today", "noted_yesterday", "never", "done"):
        contact = make_contact(staff, received_at=local(2026, 5, 8, 9, 0))
        orders[name] = reception.dispatch(contact, org.engineering, "处理", local(2026, 5, 12, 18, 0), by=staff,
                                          now=local(2026, 5, 8, 10, 0))
    reception.add_progress(orders["noted_today"], "已联系业主", by=staff, now=local(2026, 5, 10, 0, 0, 30))
    reception.add_progress(orders["noted_yesterday"], "材料已订", by=staff, now=local(2026, 5, 9, 23, 59))
    reception.complete_work_order(orders["done"], "已修好", by=staff, now=local(2026, 5, 9, 12, 0))
    db.session.commit()
    found = db.session.scalars(reception.work_orders_without_progress_today(now)).all()
    assert {wo.id for wo in found} == {orders["noted_yesterday"].id, orders["never"].id}


def test_the_1600_check_is_scoped_to_the_users_unit(db, org, staff):
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF)
    mine = reception.dispatch(make_contact(staff), org.engineering, "处理", now_utc() + timedelta(days=1), by=staff)
    reception.dispatch(make_contact(staff), org.marketing, "处理", now_utc() + timedelta(days=1), by=staff)
    db.session.commit()
    found = db.session.scalars(reception.work_orders_without_progress_today(user=engineer)).all()
    assert found == [mine]


@pytest.mark.parametrize("role, unit_attr, sees", [
    (Role.BRANCH_STAFF, "branch1", {"branch1", "handled_by_branch1"}),
    (Role.BRANCH_STAFF, "branch2", set()),
    (Role.DEPARTMENT_STAFF, "engineering", {"engineering"}),
    (Role.CENTER_STAFF, "center", {"branch1", "engineering", "handled_by_branch1", "undispatched"}),
    (Role.LEADER, "group", {"branch1", "engineering", "handled_by_branch1", "undispatched"}),
    (Role.LEADER, "branch1", {"branch1", "handled_by_branch1"}),
])
def test_branch_and_department_users_see_only_their_units_records(db, org, staff, role, unit_attr, sees):
    contacts = {
        "branch1": make_contact(staff), "engineering": make_contact(staff), "undispatched": make_contact(staff),
        "handled_by_branch1": make_contact(staff, handling_unit=org.branch1),
    }
    reception.dispatch(contacts["branch1"], org.branch1, "处理", now_utc() + timedelta(days=1), by=staff)
    reception.dispatch(contacts["engineering"], org.engineering, "处理", now_utc() + timedelta(days=1), by=staff)
    db.session.commit()
    user = f.make_user(getattr(org, unit_attr), role)
    stmt = select(Contact)
    if (scope := reception.contact_scope(user)) is not None:
        stmt = stmt.where(scope)
    visible = {c.id for c in db.session.scalars(stmt)}
    assert visible == {contacts[k].id for k in sees}
    assert {k for k, c in contacts.items() if reception.can_see_contact(user, c)} == sees
    orders = db.session.scalars(select(WorkOrder)).all()
    assert {wo.unit_id for wo in orders if reception.can_see_work_order(user, wo)} == (
        {org.branch1.id, org.engineering.id} if reception.sees_all(user)
        else {getattr(org, k).id for k in ("branch1", "engineering") if k in sees})


def test_an_emergency_notifies_the_department_and_a_leader_without_phone_numbers(db, org, staff):
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF)
    leader = f.make_user(org.group, Role.LEADER)  # no engineering leader: the group's leaders
    bystander = f.make_user(org.marketing, Role.DEPARTMENT_STAFF)
    contact = make_contact(staff, urgency=Urgency.EMERGENCY, handling_unit=org.engineering,
                           category=ContactCategory.REPAIR, customer_phone="13987654321", project=org.project1,
                           room="5-202")
    # a reminder due at once for each recipient; the worker's delivery job puts it in the bell
    from portal.jobs.reminders import deliver
    from portal.models import Reminder

    due = db.session.scalars(select(Reminder).where(Reminder.kind == "reception.emergency")).all()
    assert {r.recipient_id for r in due} == {engineer.id, leader.id}
    assert all(r.due_at <= contact.received_at + timedelta(minutes=10) for r in due)
    for r in due:
        deliver(r.id)
    rows = db.session.scalars(select(Notification).where(Notification.kind == "reception.emergency")).all()
    assert {n.user_id for n in rows} == {engineer.id, leader.id}
    assert bystander.id not in {n.user_id for n in rows}
    for n in rows:
        assert contact.serial in n.title and "13987654321" not in n.title and "13987654321" not in (n.body or "")
        assert "4321" not in n.title
    # at once: by the end of the minute it was registered in (received five minutes earlier)
    assert contact.received_at <= contact.reply_due_at < contact.events[0].at.replace(second=0) + timedelta(minutes=1)


@pytest.mark.parametrize("urgency, unit, told", [
    (Urgency.IMPORTANT, "engineering", "engineering_leader"),
    (Urgency.IMPORTANT, None, "center_manager"),
    (Urgency.GENERAL, "engineering", None),
])
def test_an_important_contact_is_reported_to_the_relevant_leaders(db, org, staff, urgency, unit, told):
    """Seed 003: 来电涉及重要事项时，应及时向相关领导报告."""
    people = {"engineering_leader": f.make_user(org.engineering, Role.LEADER, username="gc_ld_imp"),
              "center_manager": f.make_user(org.center, Role.CENTER_MANAGER, username="zr_imp")}
    contact = make_contact(staff, urgency=urgency, handling_unit=getattr(org, unit) if unit else None,
                           project=org.project1, room="3-1-502", customer_phone="13912340000")
    rows = db.session.scalars(select(Notification).where(Notification.kind == "reception.important")).all()
    assert {n.user_id for n in rows} == ({people[told].id} if told else set())
    for n in rows:
        assert contact.serial in n.title and "3-1-502" in n.title and "13912340000" not in n.title
        assert n.link == f"/reception/{contact.id}"


def test_praise_notifies_the_praised_persons_department(db, org, staff):
    marketer = f.make_user(org.marketing, Role.DEPARTMENT_STAFF)
    make_contact(staff, category=ContactCategory.PRAISE, praised_name="钱营销", praised_unit=org.marketing)
    rows = db.session.scalars(select(Notification).where(Notification.kind == "reception.praise")).all()
    assert [n.user_id for n in rows] == [marketer.id] and "钱营销" in rows[0].title


def test_closing_needs_finished_work_orders_and_reopening_owes_a_new_reply(db, org, staff):
    contact = make_contact(staff, category=ContactCategory.REPAIR, project=org.project1, room="1-101")
    wo = reception.dispatch(contact, org.engineering, "上门", now_utc() + timedelta(days=1), by=staff,
                            repair_type=RepairType.DOORS_WINDOWS)
    with pytest.raises(reception.ReceptionError):
        reception.close_contact(contact, "已处理", ReplyMethod.PHONE, 5, by=staff)
    with pytest.raises(reception.ReceptionError):  # a repair must say ordinary or major
        reception.complete_work_order(wo, "已修好", by=staff)
    reception.complete_work_order(wo, "已修好", by=staff, repair_kind=RepairKind.MAJOR)
    with pytest.raises(reception.ReceptionError, match="尚未回访"):  # a finished repair is revisited first
        reception.close_contact(contact, "已修好并告知业主", ReplyMethod.PHONE, 4, by=staff)
    reception.record_repair_revisit(wo, by=staff, way=RepairRevisitWay.ON_SITE, at=now_utc(), result="门窗开关顺畅",
                                    satisfaction=4)
    reception.close_contact(contact, "已修好并告知业主", ReplyMethod.PHONE, 4, by=staff)
    assert contact.status == ContactStatus.CLOSED and contact.satisfaction == 4 and contact.replied_at
    later = now_utc() + timedelta(hours=2)
    reception.reopen(contact, "业主反映又坏了", by=staff, now=later)
    assert contact.status == ContactStatus.OPEN and contact.replied_at is None and contact.closed_at is None
    assert contact.reply_due_at == later + timedelta(hours=24)
    db.session.commit()
    kinds = [e.kind for e in contact.events]
    assert kinds == [EventKind.CREATED, EventKind.DISPATCHED, EventKind.WORK_DONE, EventKind.REPAIR_REVISITED,
                     EventKind.CLOSED, EventKind.REOPENED]
    assert all(e.user_id == staff.id for e in contact.events)


def test_reassignment_is_kept_in_the_timeline(db, org, staff):
    manager = f.make_user(org.center, Role.CENTER_MANAGER)
    other = f.make_user(org.center, Role.CENTER_STAFF, display_name="李晓梅")
    contact = make_contact(staff)
    reception.reassign(contact, other, by=manager, reason="休假")
    db.session.commit()
    event = contact.events[-1]
    assert contact.responsible_id == other.id
    assert (event.kind, event.user_id, event.text, event.detail["to"]) == (EventKind.REASSIGNED, manager.id, "休假",
                                                                          "李晓梅")
    with pytest.raises(reception.ReceptionError):
        reception.reassign(contact, other, by=manager, reason="")


def test_link_complaint_records_the_link_on_the_timeline(db, org, staff):
    from tests.complaints.factories import make_complaint

    contact = make_contact(staff, category=ContactCategory.COMPLAINT)
    complaint = make_complaint(org, staff)
    reception.link_complaint(contact, complaint.id, by=staff)
    db.session.commit()
    assert contact.complaint_id == complaint.id and contact.events[-1].kind == EventKind.COMPLAINT_LINKED


def test_customer_search_by_name_phone_or_room(db, org):
    from tests.reception.factories import make_customer

    zhang = make_customer("张伟", "13811112222", project=org.project1, room="8-2-1101")
    make_customer("王芳", "13933334444")
    assert reception.search_customers("张") == [zhang]
    assert reception.search_customers("1111") == [zhang]
    assert reception.search_customers("8-2-11") == [zhang]
    assert reception.search_customers("%") == []


def _finished_repair(staff, org, kind, *, repeat=False, room="5-2-801"):
    from portal.extensions import db as database

    if repeat:
        first = _repair(staff, org, now_utc() - timedelta(days=10), room=room)
        reception.dispatch(first, org.engineering, "上门", now_utc() + timedelta(days=1), by=staff,
                           repair_type=RepairType.WATER_LEAK)
    contact = _repair(staff, org, now_utc() - timedelta(days=2), room=room)
    wo = reception.dispatch(contact, org.engineering, "上门", now_utc() + timedelta(days=1), by=staff,
                            repair_type=RepairType.WATER_LEAK, now=now_utc() - timedelta(days=2))
    reception.complete_work_order(wo, "已修好", by=staff, repair_kind=kind, now=now_utc() - timedelta(days=1))
    database.session.commit()
    return contact, wo


def test_an_ordinary_repair_is_revisited_by_phone_a_major_one_only_on_site(db, org, staff):
    contact, wo = _finished_repair(staff, org, RepairKind.MAJOR)
    done = db.session.scalar(select(Notification).where(Notification.kind == "reception.work_done"))
    assert "上门回访" in done.title
    with pytest.raises(reception.RepairRevisitRejected) as refused:
        reception.record_repair_revisit(wo, by=staff, way=RepairRevisitWay.PHONE, at=now_utc(), result="满意",
                                        satisfaction=5)
    assert set(refused.value.problems) == {"way"} and wo.revisited_at is None
    with pytest.raises(reception.RepairRevisitRejected):  # before the repair was finished
        reception.record_repair_revisit(wo, by=staff, way=RepairRevisitWay.ON_SITE, at=now_utc() - timedelta(days=2),
                                        result="满意", satisfaction=5)
    reception.record_repair_revisit(wo, by=staff, way=RepairRevisitWay.ON_SITE, at=now_utc(), result="满意",
                                    satisfaction=5)
    assert reception.awaiting_repair_revisit(contact) == []
    with pytest.raises(reception.ReceptionError):  # once only
        reception.record_repair_revisit(wo, by=staff, way=RepairRevisitWay.ON_SITE, at=now_utc(), result="又",
                                        satisfaction=5)


def test_a_repeat_repair_is_revisited_by_its_leader_with_cause_and_measures(db, org, staff):
    leader = f.make_user(org.engineering, Role.LEADER, username="gc_leader_rv")
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_staff_rv")
    contact, wo = _finished_repair(staff, org, RepairKind.ORDINARY, repeat=True)
    assert wo.repeat_repair
    told = db.session.scalars(select(Notification).where(Notification.kind == "reception.repair_revisit_due")).all()
    assert [n.user_id for n in told] == [leader.id]
    assert not reception.may_record_repair_revisit(staff, wo)
    assert not reception.may_record_repair_revisit(engineer, wo)
    assert reception.may_record_repair_revisit(leader, wo)
    with pytest.raises(reception.RepairRevisitRejected) as refused:
        reception.record_repair_revisit(wo, by=leader, way=RepairRevisitWay.ON_SITE, at=now_utc(), result="已上门",
                                        satisfaction=4)
    assert set(refused.value.problems) == {"cause", "measures"}
    reception.record_repair_revisit(wo, by=leader, way=RepairRevisitWay.ON_SITE, at=now_utc(), result="已上门",
                                    satisfaction=4, cause="防水层搭接不足", measures="整体返工，工程部复验")
    assert (wo.revisited_by_id, wo.revisit_cause) == (leader.id, "防水层搭接不足")
    assert db.session.scalar(select(Notification).where(Notification.kind == "reception.repair_revisited",
                                                         Notification.user_id == contact.responsible_id))


# --- the same repair again in the same contact (seed 003 §五: 如短期内同一维修工作发生两次) ------------

def _done_and_revisited(wo, staff, when):
    reception.complete_work_order(wo, "已修好", by=staff, repair_kind=RepairKind.ORDINARY, now=when)
    reception.record_repair_revisit(wo, by=staff, way=RepairRevisitWay.PHONE, at=when, result="满意", satisfaction=5,
                                    now=when)


@pytest.mark.parametrize("days_between, flagged", [(3, True), (30, True), (31, False)])
def test_a_reopened_contact_sent_out_again_for_the_same_repair_is_a_repeat(db, org, staff, days_between, flagged):
    """The customer calls back "it leaks again": the contact is reopened and dispatched again.
    Counted from the earlier dispatch to the new one, in local days (30 flags, 31 does not)."""
    leader = f.make_user(org.engineering, Role.LEADER, username=f"gc_leader_re{days_between}")
    t0 = local(2026, 4, 1, 10, 0)
    contact = _repair(staff, org, t0)
    wo1 = reception.dispatch(contact, org.engineering, "修漏水", t0 + timedelta(days=1), by=staff,
                             repair_type=RepairType.WATER_LEAK, now=t0)
    _done_and_revisited(wo1, staff, t0 + timedelta(hours=5))
    reception.close_contact(contact, "已修好", ReplyMethod.PHONE, 5, by=staff, now=t0 + timedelta(hours=6))
    again = t0 + timedelta(days=days_between)
    reception.reopen(contact, "客户来电：又漏水了", by=staff, now=again)
    wo2 = reception.dispatch(contact, org.engineering, "再次修漏水", again + timedelta(days=1), by=staff,
                             repair_type=RepairType.WATER_LEAK, now=again)
    db.session.commit()
    assert wo2.repeat_repair is flagged and (wo2.repeat_of_id == wo1.id) is flagged
    to_leader = db.session.scalars(select(Notification).where(
        Notification.user_id == leader.id, Notification.kind == "reception.repeat_repair")).all()
    assert len(to_leader) == (1 if flagged else 0)


@pytest.mark.parametrize("case", ["first_still_open", "other_type"])
def test_a_second_work_order_of_the_same_contact_is_not_a_repeat_when(db, org, staff, case):
    """Two teams sent at once for one leak, or another kind of repair: not the same repair twice."""
    contact = _repair(staff, org, local(2026, 4, 1, 10, 0))
    wo1 = reception.dispatch(contact, org.engineering, "修漏水", local(2026, 4, 2, 18, 0), by=staff,
                             repair_type=RepairType.WATER_LEAK, now=local(2026, 4, 1, 11, 0))
    if case == "other_type":
        reception.complete_work_order(wo1, "已修好", by=staff, repair_kind=RepairKind.ORDINARY,
                                      now=local(2026, 4, 1, 15, 0))
    wo2 = reception.dispatch(contact, org.engineering, "同时处理", local(2026, 4, 2, 18, 0), by=staff,
                             repair_type=RepairType.ELECTRICAL if case == "other_type" else RepairType.WATER_LEAK,
                             now=local(2026, 4, 1, 16, 0))
    assert wo2.repeat_repair is False
