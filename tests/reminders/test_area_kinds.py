"""The reminder kinds the complaints, archives and revisits areas supply, end to end in time:
the periodic sweep writes each reminder at its due time and not a second before, it is sent
once however often the sweep runs, and it is not sent when the object was settled before (or
between the sweep and the delivery). Working-day kinds are checked across National Day 2026
(1–7 October off, Saturday 10 October worked)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from portal.auth.permissions import Role
from portal.extensions import db
from portal.jobs.reminders import deliver, run_sweep
from portal.models import (
    AccessScope, AccessStatus, ArchiveAccessRequest, Customer, Notification, Reminder, ReminderStatus,
)
from portal.models.complaint import ContactWay
from portal.models.revisit import FollowUpStatus, RevisitFollowUp, RevisitMethod, RevisitPlan, RevisitStatus
from portal.services import archive_access, complaints, reminders, revisits
from portal.services import reminders_catalogue as k
from tests import factories as f
from tests.complaints.factories import complaint_input, make_complaint

SH = ZoneInfo("Asia/Shanghai")
SECOND = timedelta(seconds=1)

pytestmark = pytest.mark.usefixtures("redis_conn", "reminder_config")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


class People:
    def __init__(self, org):
        self.staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_r")
        self.staff2 = f.make_user(org.center, Role.CENTER_STAFF, username="kefu2_r")
        self.manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zhuren_r")
        self.leader = f.make_user(org.group, Role.LEADER, username="lingdao_r")
        self.leader2 = f.make_user(org.group, Role.LEADER, username="lingdao2_r")
        self.branch_leader = f.make_user(org.branch1, Role.LEADER, username="fgs1_lingdao_r")
        self.branch_staff = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs1_kefu_r")


@pytest.fixture()
def people(org):
    return People(org)


def sweep_at(when: datetime, *, deliver_due: bool = True) -> None:
    """The 5-minute sweep at ``when`` (time frozen), then the delivery jobs run inline."""
    with time_machine.travel(when, tick=False):
        now = datetime.now(timezone.utc)
        run_sweep("sweep", "sweep", now=now)
        if deliver_due:
            for row in reminders.due_pending(now):
                deliver(row.id)
    db.session.expire_all()


def rows_of(kind: str) -> list[Reminder]:
    db.session.expire_all()
    return list(db.session.scalars(select(Reminder).where(Reminder.kind == kind).order_by(Reminder.id)))


def bells(kind: str) -> Counter:
    """How many bell notifications of ``kind`` each user got."""
    return Counter(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


# --- one case per per-object kind -------------------------------------------------------------------

@dataclass
class Case:
    kind: str
    make: Callable  # (org, people) -> the object, with its times set explicitly
    due: datetime  # the rule's instant (the reminder row's due_at)
    first: datetime  # the first sweep that writes it: the due instant, or the next second for "more than"
    recipients: Callable  # (people) -> the users who must get it
    settle: Callable  # (obj, people, at) -> settles the object at ``at``
    also_not_at: tuple = ()  # earlier instants a wrong rule would pick (e.g. a calendar day)


def _complaint(org, people, **kw):
    return make_complaint(org, people.staff, handler_id=people.staff.id, **kw)


def _contact(c, people, at):
    complaints.add_contact(c, contacted_at=at, way=ContactWay.PHONE, content="已电话答复客户", by=people.staff, now=at)
    db.session.commit()


def _with_contact(org, people):
    c = _complaint(org, people, received_at=local(2026, 9, 30, 10))
    _contact(c, people, local(2026, 10, 3, 9, 30))  # progress due every 2 days: 5 October 09:30
    return c


def _report(c, people, at):
    complaints.report_to_leaders(c, [people.leader], "已汇报", by=people.staff, now=at)
    db.session.commit()


def _filing(org, people):
    data = complaint_input(org, received_at=local(2026, 9, 28, 10))
    record = complaints.FilingRecord(handled_closed_on=date(2026, 9, 29), resolution="已维修完毕",
                                     cause_analysis="外墙防水层老化")
    c = complaints.register_filing(data, record, unit=org.branch1, by=people.branch_staff, now=local(2026, 9, 29, 18))
    db.session.commit()
    return c


def _submit(c, people, at):
    complaints.submit_filing(c, by=people.branch_staff, now=at)
    db.session.commit()


def _access_request(org, people):
    req = archive_access.create_request(people.branch_staff, reason="核实业主购房信息", scope=AccessScope.VOLUME,
                                        volume_year=2025)
    req.created_at = local(2026, 9, 30, 17)  # the last working day before National Day
    db.session.commit()
    return req


def _decide(req, people, at):
    archive_access.decide(req, people.branch_leader, approve=True, comment="", now=at)
    db.session.commit()


def _grant(org, people):
    grant = ArchiveAccessRequest(
        requester_id=people.branch_staff.id, requester_unit_id=org.branch1.id, reason="核实业主购房信息",
        scope=AccessScope.VOLUME, volume_year=2025, period_days=7, status=AccessStatus.APPROVED,
        decided_by_id=people.branch_leader.id, decided_at=local(2026, 10, 1, 14, 30),
        expires_at=local(2026, 10, 8, 14, 30))
    db.session.add(grant)
    db.session.commit()
    return grant


def _revoke(grant, people, at):
    archive_access.revoke(grant, people.branch_staff, at)
    db.session.commit()


def _plan(org, due: date, assignee=None, key=None) -> RevisitPlan:
    plan = RevisitPlan(plan_key=key or f"test:{due.isoformat()}:{assignee.id if assignee else 0}:{db.session.query(RevisitPlan).count()}",
                       kind=revisits.RevisitKind.HANDOVER_1M, project_id=org.project1.id, contact_name="王建国",
                       window_start=due - timedelta(days=30), due=due,
                       assignee_id=assignee.id if assignee else None)
    db.session.add(plan)
    db.session.commit()
    return plan


def _complete(plan, people, at):
    revisits.complete_revisit(plan, by=people.staff, method=RevisitMethod.PHONE, at=at, answers=[], satisfaction=5)
    db.session.commit()


def _follow_up(org, people):
    plan = _plan(org, date(2026, 10, 6), people.staff)
    plan.status = RevisitStatus.DONE
    row = RevisitFollowUp(plan=plan, problem="客户问外墙渗水何时修复", owner_id=people.staff2.id,
                          promised_at=local(2026, 10, 8, 17))
    db.session.add(row)
    db.session.commit()
    return row


def _close_follow_up(row, people, at):
    revisits.close_follow_up(row, reply="已答复客户维修安排", by=people.staff2)
    db.session.commit()


CASES = [
    # received 30 Sep 10:00: the 48 hours end 2 Oct 10:00, the warning 12 hours earlier
    Case(k.COMPLAINT_FIRST_REPLY_DUE_SOON, lambda o, p: _complaint(o, p, received_at=local(2026, 9, 30, 10)),
         due=local(2026, 10, 1, 22), first=local(2026, 10, 1, 22) + SECOND,
         recipients=lambda p: [p.staff], settle=lambda c, p, at: _contact(c, p, at)),
    Case(k.COMPLAINT_FIRST_REPLY_OVERDUE, lambda o, p: _complaint(o, p, received_at=local(2026, 9, 30, 10)),
         due=local(2026, 10, 2, 10), first=local(2026, 10, 2, 10) + SECOND,
         recipients=lambda p: [p.staff, p.manager], settle=lambda c, p, at: _contact(c, p, at)),
    Case(k.COMPLAINT_PROGRESS_DUE, _with_contact,
         due=local(2026, 10, 5, 9, 30), first=local(2026, 10, 5, 9, 30) + SECOND,
         recipients=lambda p: [p.staff], settle=lambda c, p, at: _contact(c, p, at)),
    # important from 30 Sep 15:05: 1 working day ends on 8 October (1–7 October are off)
    Case(k.COMPLAINT_IMPORTANT_NOT_REPORTED,
         lambda o, p: _complaint(o, p, received_at=local(2026, 9, 30, 15), people_count=3),
         due=local(2026, 10, 8, 23, 59, 59), first=local(2026, 10, 9),
         recipients=lambda p: [p.staff, p.manager], settle=_report,
         also_not_at=(local(2026, 10, 2), local(2026, 10, 8, 12))),
    # closed 29 Sep: the 2nd working day after is 8 October (30 Sep is the 1st)
    Case(k.COMPLAINT_FILING_OVERDUE, _filing,
         due=local(2026, 10, 8, 23, 59, 59), first=local(2026, 10, 9),
         recipients=lambda p: [p.branch_leader, p.branch_staff, p.staff, p.staff2, p.manager], settle=_submit,
         also_not_at=(local(2026, 10, 2), local(2026, 10, 3))),
    # requested 30 Sep 17:00: waits until the end of 8 October, not 1 October
    Case(k.ARCHIVE_REQUEST_WAITING, _access_request,
         due=local(2026, 10, 8, 23, 59, 59), first=local(2026, 10, 9),
         recipients=lambda p: [p.branch_leader], settle=_decide,
         also_not_at=(local(2026, 10, 2), local(2026, 10, 5, 12))),
    # expires 8 Oct 14:30: "expires tomorrow" at 09:00 on 7 October
    Case(k.ARCHIVE_GRANT_EXPIRING, _grant,
         due=local(2026, 10, 7, 9), first=local(2026, 10, 7, 9),
         recipients=lambda p: [p.branch_staff], settle=_revoke),
    Case(k.REVISIT_OVERDUE, lambda o, p: _plan(o, date(2026, 10, 8), p.staff),
         due=local(2026, 10, 9), first=local(2026, 10, 9),
         recipients=lambda p: [p.staff], settle=_complete),
    Case(k.REVISIT_FOLLOW_UP_OVERDUE, _follow_up,
         due=local(2026, 10, 8, 17), first=local(2026, 10, 8, 17) + SECOND,
         recipients=lambda p: [p.staff2], settle=_close_follow_up),
]
IDS = [c.kind for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_written_by_the_sweep_at_its_due_time_not_before_and_sent_once(org, people, case):
    obj = case.make(org, people)
    for early in (*case.also_not_at, case.first - SECOND):
        sweep_at(early)
        assert rows_of(case.kind) == [], f"written at {early}"
    sweep_at(case.first)
    rows = rows_of(case.kind)
    expected = sorted(u.id for u in case.recipients(people))
    assert sorted(r.recipient_id for r in rows) == expected
    assert {r.due_at for r in rows} == {case.due.astimezone(timezone.utc)}
    assert {r.status for r in rows} == {ReminderStatus.SENT}
    assert all(r.object_id == obj.id for r in rows)
    sweep_at(case.first + timedelta(minutes=5))  # the next sweeps find nothing new
    sweep_at(case.first + timedelta(days=1))
    assert len(rows_of(case.kind)) == len(expected)
    assert bells(case.kind) == Counter(expected)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_not_sent_when_settled_before_the_due_time(org, people, case):
    obj = case.make(org, people)
    case.settle(obj, people, case.due - timedelta(hours=1))
    sweep_at(case.first)
    sweep_at(case.first + timedelta(days=1))
    assert rows_of(case.kind) == []
    assert not bells(case.kind)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_settled_between_the_sweep_and_the_delivery_is_cancelled(org, people, case):
    """E.g. Redis was down: the row waited, the object was settled, the builder says "no longer due"."""
    obj = case.make(org, people)
    sweep_at(case.first, deliver_due=False)
    assert rows_of(case.kind)
    case.settle(obj, people, case.first + timedelta(minutes=1))
    sweep_at(case.first + timedelta(minutes=5))
    assert {r.status for r in rows_of(case.kind)} == {ReminderStatus.CANCELLED}
    assert not bells(case.kind)


# --- complaints ---------------------------------------------------------------------------------

def test_first_reply_reminders_without_a_handler_go_to_the_center(org, people):
    make_complaint(org, people.staff, received_at=local(2026, 9, 30, 10))
    sweep_at(local(2026, 10, 1, 22) + SECOND)
    sweep_at(local(2026, 10, 2, 10) + SECOND)
    center = sorted(u.id for u in (people.staff, people.staff2, people.manager))
    assert sorted(r.recipient_id for r in rows_of(k.COMPLAINT_FIRST_REPLY_DUE_SOON)) == center
    assert sorted(r.recipient_id for r in rows_of(k.COMPLAINT_FIRST_REPLY_OVERDUE)) == center


def test_each_progress_interval_reminds_once(org, people):
    c = _with_contact(org, people)
    sweep_at(local(2026, 10, 5, 9, 31))
    sweep_at(local(2026, 10, 6, 9))  # still not contacted: the same interval, no second reminder
    assert len(rows_of(k.COMPLAINT_PROGRESS_DUE)) == 1
    _contact(c, people, local(2026, 10, 6, 10))  # the next interval ends 8 October 10:00
    sweep_at(local(2026, 10, 8, 10))
    assert len(rows_of(k.COMPLAINT_PROGRESS_DUE)) == 1
    sweep_at(local(2026, 10, 8, 10) + SECOND)
    rows = rows_of(k.COMPLAINT_PROGRESS_DUE)
    assert [r.due_at for r in rows] == [local(2026, 10, 5, 9, 30).astimezone(timezone.utc),
                                        local(2026, 10, 8, 10).astimezone(timezone.utc)]
    assert bells(k.COMPLAINT_PROGRESS_DUE) == Counter({people.staff.id: 2})


def test_a_resolved_complaint_gets_no_progress_reminder(org, people):
    c = _with_contact(org, people)
    complaints.transition(c, "start", by=people.staff, now=local(2026, 10, 4))
    complaints.transition(c, "resolve", {"resolution": "已修复", "cause_analysis": "防水层老化"}, by=people.staff,
                          now=local(2026, 10, 4, 12))
    db.session.commit()
    sweep_at(local(2026, 10, 6))
    assert rows_of(k.COMPLAINT_PROGRESS_DUE) == []


def test_major_complaint_reaches_every_group_leader_exactly_once(org, people):
    """Registered at 14:05 on 2 October (a holiday): both group leaders — and not the branch
    leader — get one bell each, however often the sweep and the job run and however often the
    severity is recomputed; the messages name the serial and project, not the complainant."""
    with time_machine.travel(local(2026, 10, 2, 14, 5), tick=False):
        c = make_complaint(org, people.staff, received_at=local(2026, 10, 2, 14), now=local(2026, 10, 2, 14, 5),
                           media_exposed=True, complainant_name="赵铁柱", complainant_phone="13900001111")
    rows = rows_of(k.COMPLAINT_MAJOR_CREATED)
    assert sorted(r.recipient_id for r in rows) == sorted([people.leader.id, people.leader2.id])
    assert {r.due_at for r in rows} == {local(2026, 10, 2, 14, 5).astimezone(timezone.utc)}
    sweep_at(local(2026, 10, 2, 14, 5))
    for r in rows:
        deliver(r.id)  # a second copy of the job
    complaints.update_complaint(c, {"people_count": 12}, by=people.staff, now=local(2026, 10, 2, 15))
    db.session.commit()
    sweep_at(local(2026, 10, 2, 15, 5))
    assert len(rows_of(k.COMPLAINT_MAJOR_CREATED)) == 2
    assert bells(k.COMPLAINT_MAJOR_CREATED) == Counter({people.leader.id: 1, people.leader2.id: 1})
    notes = db.session.scalars(select(Notification).where(Notification.kind == k.COMPLAINT_MAJOR_CREATED)).all()
    for n in notes:
        assert c.serial in n.title and "重大投诉" in n.title and "阳光花园" in n.title
        assert "赵铁柱" not in f"{n.title}{n.body}" and "13900001111" not in f"{n.title}{n.body}"
        assert "媒体" in n.body
    # the complaint's own record of the escalation is kept
    assert {r.leader_id for r in c.leader_reports} == {people.leader.id, people.leader2.id}
    assert c.reported_to_leaders_at is not None


def test_a_report_never_reminds_the_staff_member_it_is_about(org, people):
    """举报 about center staff member staff2, with no handler: the first-reply reminders go to the
    rest of the center, not to him (DOMAIN.md §2: a report is confidential to the center and
    leaders, and ``can_view`` keeps it from the person it is about)."""
    make_complaint(org, people.staff, received_at=local(2026, 9, 30, 10), is_report=True,
                   complained_staff_id=people.staff2.id)
    sweep_at(local(2026, 10, 1, 22) + SECOND)
    sweep_at(local(2026, 10, 2, 10) + SECOND)
    others = sorted(u.id for u in (people.staff, people.manager))
    assert sorted(r.recipient_id for r in rows_of(k.COMPLAINT_FIRST_REPLY_DUE_SOON)) == others
    assert sorted(r.recipient_id for r in rows_of(k.COMPLAINT_FIRST_REPLY_OVERDUE)) == others
    assert people.staff2.id not in bells(k.COMPLAINT_FIRST_REPLY_OVERDUE)


def test_a_report_about_its_own_handler_reminds_the_rest_of_the_center_instead(org, people):
    make_complaint(org, people.staff, received_at=local(2026, 9, 30, 10), is_report=True,
                   complained_staff_id=people.staff2.id, handler_id=people.staff2.id)
    sweep_at(local(2026, 10, 1, 22) + SECOND)
    sweep_at(local(2026, 10, 2, 10) + SECOND)
    others = sorted(u.id for u in (people.staff, people.manager))
    assert sorted(r.recipient_id for r in rows_of(k.COMPLAINT_FIRST_REPLY_DUE_SOON)) == others
    assert sorted(r.recipient_id for r in rows_of(k.COMPLAINT_FIRST_REPLY_OVERDUE)) == others


def test_a_complaint_that_became_a_report_about_the_recipient_is_cancelled_at_delivery(org, people):
    c = make_complaint(org, people.staff, received_at=local(2026, 9, 30, 10))
    sweep_at(local(2026, 10, 2, 10) + SECOND, deliver_due=False)
    assert people.staff2.id in {r.recipient_id for r in rows_of(k.COMPLAINT_FIRST_REPLY_OVERDUE)}
    c.is_report, c.complained_staff_id = True, people.staff2.id
    db.session.commit()
    with time_machine.travel(local(2026, 10, 2, 10, 1), tick=False):
        for row in rows_of(k.COMPLAINT_FIRST_REPLY_OVERDUE):
            deliver(row.id)
    by_recipient = {r.recipient_id: r.status for r in rows_of(k.COMPLAINT_FIRST_REPLY_OVERDUE)}
    assert by_recipient[people.staff2.id] == ReminderStatus.CANCELLED
    assert by_recipient[people.staff.id] == ReminderStatus.SENT
    assert set(bells(k.COMPLAINT_FIRST_REPLY_OVERDUE)) == {people.staff.id, people.manager.id}


def test_complaint_messages_carry_no_phone_or_id(org, people):
    make_complaint(org, people.staff, received_at=local(2026, 9, 30, 10), handler_id=people.staff.id,
                   subject="电话13812345678的业主投诉", complainant_phone="13812345678")
    sweep_at(local(2026, 10, 2, 10) + SECOND)
    texts = [f"{n.title} {n.body}" for n in db.session.scalars(select(Notification))]
    assert texts and all("13812345678" not in t for t in texts)


# --- archives -----------------------------------------------------------------------------------

def test_a_grant_approved_after_its_notice_time_is_noticed_at_its_approval(org, people):
    """A one-day grant approved at 10:00 ends at 10:00 tomorrow; its 09:00 notice would come
    before the approval, so the holder is told at the first sweep after it, once."""
    grant = _grant(org, people)
    grant.decided_at, grant.expires_at = local(2026, 10, 7, 10), local(2026, 10, 8, 10)
    db.session.commit()
    sweep_at(local(2026, 10, 7, 9, 59))
    assert rows_of(k.ARCHIVE_GRANT_EXPIRING) == []
    sweep_at(local(2026, 10, 7, 10, 5))
    sweep_at(local(2026, 10, 7, 12))
    rows = rows_of(k.ARCHIVE_GRANT_EXPIRING)
    assert len(rows) == 1 and rows[0].recipient_id == grant.requester_id


def _customer(name, birthday):
    c = Customer(name=name, birthday=birthday, phone1="13911112222" if name == "生日甲" else None)
    db.session.add(c)
    db.session.commit()
    return c


def test_birthdays_one_digest_per_center_staff_member_at_eight(org, people, client, login):
    _customer("生日甲", date(1990, 10, 1))
    _customer("生日乙", date(1975, 10, 1))
    _customer("明天生日", date(1980, 10, 2))
    sweep_at(local(2026, 10, 1, 7, 59, 59))
    assert rows_of(k.CARE_BIRTHDAY) == []
    sweep_at(local(2026, 10, 1, 8))
    sweep_at(local(2026, 10, 1, 8, 5))
    rows = rows_of(k.CARE_BIRTHDAY)
    assert sorted(r.recipient_id for r in rows) == sorted([people.staff.id, people.staff2.id])
    assert {r.occurrence for r in rows} == {"2026-10-01"}
    assert bells(k.CARE_BIRTHDAY) == Counter({people.staff.id: 1, people.staff2.id: 1})
    note = db.session.scalar(select(Notification).where(Notification.kind == k.CARE_BIRTHDAY))
    assert "2 位客户过生日" in note.title
    assert "生日甲" in note.body and "生日乙" in note.body and "明天生日" not in note.body
    assert "13911112222" not in note.body
    # the link is the archive list of the day's birthdays
    login(client, people.staff)
    html = client.get(note.link).get_data(as_text=True)
    assert "生日甲" in html and "生日乙" in html and "明天生日" not in html


def test_no_birthday_digest_on_a_day_without_birthdays(org, people):
    _customer("明天生日", date(1980, 10, 2))
    sweep_at(local(2026, 10, 1, 9))
    assert rows_of(k.CARE_BIRTHDAY) == []


def test_a_29_february_birthday_is_celebrated_on_28_february_in_common_years(org, people):
    _customer("闰日生", date(1996, 2, 29))
    sweep_at(local(2027, 2, 28, 8))
    rows = rows_of(k.CARE_BIRTHDAY)
    assert rows and {r.occurrence for r in rows} == {"2027-02-28"}
    note = db.session.scalar(select(Notification).where(Notification.kind == k.CARE_BIRTHDAY))
    assert "闰日生" in note.body


def test_national_day_festival_greeting_at_eight_once(org, people):
    sweep_at(local(2026, 10, 1, 7, 59, 59))
    assert rows_of(k.CARE_FESTIVAL) == []
    sweep_at(local(2026, 10, 1, 8))
    sweep_at(local(2026, 10, 1, 18))
    sweep_at(local(2026, 10, 2, 8))  # not a festival
    assert bells(k.CARE_FESTIVAL) == Counter({people.staff.id: 1, people.staff2.id: 1})
    note = db.session.scalar(select(Notification).where(Notification.kind == k.CARE_FESTIVAL))
    assert "国庆节" in note.title and note.link == "/archives/special"



def test_mid_autumn_greeting_on_the_lunar_day_and_a_shared_day_names_both(org, people):
    """中秋 2026 is 25 September (八月十五), not a fixed date; on 1 October 2020 it was also 国庆."""
    sweep_at(local(2026, 9, 24, 8))
    assert rows_of(k.CARE_FESTIVAL) == []
    sweep_at(local(2026, 9, 25, 8))
    note = db.session.scalar(select(Notification).where(Notification.kind == k.CARE_FESTIVAL,
                                                        Notification.user_id == people.staff.id))
    assert "中秋节" in note.title and "国庆节" not in note.title
    sweep_at(local(2020, 10, 1, 8))
    titles = {n.title for n in db.session.scalars(select(Notification).where(
        Notification.kind == k.CARE_FESTIVAL, Notification.user_id == people.staff.id))}
    assert any("国庆节" in t and "中秋节" in t for t in titles) and len(titles) == 2

# --- revisits -----------------------------------------------------------------------------------

def test_revisits_due_today_one_digest_per_person(org, people):
    """Two plans of staff, one unassigned: staff gets one digest counting 3 (his 2 + the
    unassigned one), the other staff member one counting the unassigned plan; managers none."""
    _plan(org, date(2026, 10, 8), people.staff)
    _plan(org, date(2026, 10, 8), people.staff)
    _plan(org, date(2026, 10, 8))
    _plan(org, date(2026, 10, 9), people.staff2)  # tomorrow: not in today's digest
    sweep_at(local(2026, 10, 8, 7, 59, 59))
    assert rows_of(k.REVISIT_DUE_TODAY) == []
    sweep_at(local(2026, 10, 8, 8))
    sweep_at(local(2026, 10, 8, 12))
    assert bells(k.REVISIT_DUE_TODAY) == Counter({people.staff.id: 1, people.staff2.id: 1})
    titles = {n.user_id: n.title for n in db.session.scalars(
        select(Notification).where(Notification.kind == k.REVISIT_DUE_TODAY))}
    assert "3 条回访到期" in titles[people.staff.id]
    assert "1 条回访到期" in titles[people.staff2.id]


def test_no_revisit_digest_when_the_days_plans_are_done(org, people):
    plan = _plan(org, date(2026, 10, 8), people.staff)
    _complete(plan, people, local(2026, 10, 7, 16))
    sweep_at(local(2026, 10, 8, 9))
    assert rows_of(k.REVISIT_DUE_TODAY) == []


def test_revisits_due_this_week_on_monday_morning_once(org, people):
    _plan(org, date(2026, 10, 8), people.staff)  # Thursday of ISO week 41 (Monday 5 October)
    _plan(org, date(2026, 10, 11), people.staff)  # its Sunday
    _plan(org, date(2026, 10, 12), people.staff2)  # next week
    sweep_at(local(2026, 10, 5, 7, 59, 59))
    assert rows_of(k.REVISIT_DUE_THIS_WEEK) == []
    sweep_at(local(2026, 10, 5, 8))
    sweep_at(local(2026, 10, 7, 8))
    rows = rows_of(k.REVISIT_DUE_THIS_WEEK)
    assert [(r.recipient_id, r.occurrence) for r in rows] == [(people.staff.id, "2026-W41")]
    note = db.session.scalar(select(Notification).where(Notification.kind == k.REVISIT_DUE_THIS_WEEK))
    assert "2 条回访到期" in note.title


def test_an_unassigned_overdue_revisit_goes_to_the_center_managers(org, people):
    _plan(org, date(2026, 10, 8))
    sweep_at(local(2026, 10, 9))
    assert [r.recipient_id for r in rows_of(k.REVISIT_OVERDUE)] == [people.manager.id]


def test_an_old_overdue_backlog_is_not_turned_into_bells(org, people):
    """Plans overdue for more than 30 days (e.g. old data just imported) stay on the queue's view."""
    _plan(org, date(2026, 8, 1), people.staff)
    sweep_at(local(2026, 10, 9))
    assert rows_of(k.REVISIT_OVERDUE) == []


def test_every_area_kind_has_a_message_and_a_source():
    """What these areas supply: each kind has a builder and a sweeper (major: schedule())."""
    for kind in (k.COMPLAINT_FIRST_REPLY_DUE_SOON, k.COMPLAINT_FIRST_REPLY_OVERDUE, k.COMPLAINT_PROGRESS_DUE,
                 k.COMPLAINT_IMPORTANT_NOT_REPORTED, k.COMPLAINT_FILING_OVERDUE, k.ARCHIVE_REQUEST_WAITING,
                 k.ARCHIVE_GRANT_EXPIRING, k.CARE_BIRTHDAY, k.CARE_FESTIVAL, k.REVISIT_DUE_TODAY,
                 k.REVISIT_DUE_THIS_WEEK, k.REVISIT_OVERDUE, k.REVISIT_FOLLOW_UP_OVERDUE):
        assert reminders.KINDS[kind].builder is not None and reminders.KINDS[kind].sweepers, kind
    assert reminders.KINDS[k.COMPLAINT_MAJOR_CREATED].builder is not None


@pytest.mark.parametrize("day, expected", [
    (date(2027, 2, 28), {"二月廿八", "闰日生"}),  # a common year: 29 February birthdays count on the 28th
    (date(2028, 2, 28), {"二月廿八"}),  # a leap year has its own 29th
    (date(2028, 2, 29), {"闰日生"}),
    (date(2027, 3, 1), {"三月初一"}),
])
def test_the_care_list_of_a_day(org, day, expected):
    from portal.services.archives import birthday_on_clause

    for name, born in (("二月廿八", date(1980, 2, 28)), ("闰日生", date(1996, 2, 29)), ("三月初一", date(1970, 3, 1))):
        _customer(name, born)
    _customer("无生日", None)
    assert set(db.session.scalars(select(Customer.name).where(birthday_on_clause(day)))) == expected
