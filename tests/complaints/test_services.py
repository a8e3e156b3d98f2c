"""Complaint operations against the database: matters, severity recomputation, escalation,
clocks, workflow, reopening, branch filing and the reception hand-off."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import Attachment, AuditEvent, Notification
from portal.models.complaint import (
    Channel, Complaint, ComplaintEvent, ComplaintStatus, ContactWay, FilingStatus, LeaderReport, Severity,
)
from portal.services import complaints as svc
from portal.services.clock import to_local
from tests import factories as f
from tests.complaints.factories import NOW, category, make_complaint
from tests.revisits.factories import make_customer


@pytest.fixture()
def staff(org):
    return f.make_user(org.center, Role.CENTER_STAFF, username="kefu_t")


@pytest.fixture()
def leaders(org):
    return [f.make_user(org.group, Role.LEADER, username="boss1"), f.make_user(org.group, Role.LEADER, username="boss2")]


def _severity_events(c):
    return [e for e in c.events if e.kind == "severity"]


def test_serial_is_ts_local_year_and_first_reply_due_in_48_hours(org, staff):
    # 31 December 20:00 UTC is already 1 January in Shanghai: the local year decides
    c = make_complaint(org, staff, received_at=datetime(2026, 12, 31, 20, 0, tzinfo=timezone.utc))
    assert c.serial == "TS-2027-000001"
    assert c.first_reply_due_at == c.received_at + timedelta(hours=48)
    assert c.status == ComplaintStatus.RECEIVED and c.severity == Severity.GENERAL


def test_third_distinct_complainant_upgrades_every_open_complaint_of_the_matter(org, staff):
    first = make_complaint(org, staff, received_at=NOW - timedelta(days=20))
    second = make_complaint(org, staff, matter=first.matter, received_at=NOW - timedelta(days=10))
    assert (first.severity, second.severity) == (Severity.GENERAL, Severity.GENERAL)
    third = make_complaint(org, staff, matter=first.matter, received_at=NOW)
    db.session.expire_all()
    for c in (first, second, third):
        assert c.severity == Severity.IMPORTANT, c.serial
        assert c.severity_reason == "repeat:3"
    # each change of severity is on the timeline
    assert [e.detail["to"] for e in _severity_events(first)] == ["general", "important"]
    assert first.leader_report_due_at is not None


def test_closed_complaints_of_the_matter_are_not_upgraded(org, staff):
    first = make_complaint(org, staff, received_at=NOW - timedelta(days=5))
    svc.transition(first, "start", by=staff, now=NOW - timedelta(days=5))
    svc.transition(first, "resolve", {"resolution": "修好", "cause_analysis": "老化"}, by=staff,
                   now=NOW - timedelta(days=4))
    make_complaint(org, staff, matter=first.matter, received_at=NOW - timedelta(days=2))
    make_complaint(org, staff, matter=first.matter, received_at=NOW)
    db.session.expire_all()
    assert first.severity == Severity.GENERAL


def test_the_same_complainant_three_times_stays_general(org, staff):
    first = make_complaint(org, staff, complainant_phone="13911112222", received_at=NOW - timedelta(days=3))
    make_complaint(org, staff, matter=first.matter, complainant_phone="13911112222", received_at=NOW - timedelta(days=2))
    third = make_complaint(org, staff, matter=first.matter, complainant_phone="139 1111 2222", received_at=NOW)
    assert third.matter_complainants == 1
    assert third.severity == Severity.GENERAL


@pytest.mark.parametrize("days_before, severity", [(30, Severity.IMPORTANT), (31, Severity.GENERAL)])
def test_a_complaint_31_days_earlier_does_not_count(org, staff, days_before, severity):
    first = make_complaint(org, staff, received_at=NOW - timedelta(days=days_before))
    make_complaint(org, staff, matter=first.matter, received_at=NOW - timedelta(days=1))
    third = make_complaint(org, staff, matter=first.matter, received_at=NOW)
    assert third.severity == severity


def test_major_complaint_reaches_every_group_leader_at_once_through_a_reminder(org, staff, leaders):
    """The automatic escalation writes one complaint.major_created reminder per group leader, due
    now, in the registering transaction; delivering them (the job, run inline here) gives each
    leader one bell notification without the complainant's name or phone."""
    from portal.jobs.reminders import deliver
    from portal.models import Reminder, ReminderStatus

    branch_leader = f.make_user(org.branch1, Role.LEADER, username="fgs_boss")
    c = make_complaint(org, staff, media_exposed=True)
    assert c.severity == Severity.MAJOR and c.severity_reason == "media"
    assert c.reported_to_leaders_at is not None
    assert {r.leader_id for r in c.leader_reports} == {u.id for u in leaders}
    rows = db.session.scalars(db.select(Reminder).where(Reminder.object_id == c.id)).all()
    assert {(r.kind, r.recipient_id) for r in rows} == {("complaint.major_created", u.id) for u in leaders}
    assert all(r.due_at <= datetime.now(timezone.utc) for r in rows)
    for r in rows:
        deliver(r.id)
        deliver(r.id)  # a second copy of the job sends nothing more
    db.session.expire_all()
    assert {r.status for r in rows} == {ReminderStatus.SENT}
    notes = db.session.scalars(db.select(Notification).where(Notification.object_id == c.id)).all()
    assert sorted(n.user_id for n in notes) == sorted(u.id for u in leaders)
    assert branch_leader.id not in {n.user_id for n in notes}
    assert all(c.serial in n.title and "重大投诉" in n.title for n in notes)
    assert all("张三丰" not in f"{n.title}{n.body}" and c.complainant_phone not in f"{n.title}{n.body}" for n in notes)


def test_fact_change_recomputes_and_escalates(org, staff, leaders):
    c = make_complaint(org, staff, people_count=2)
    assert c.severity == Severity.GENERAL
    svc.update_complaint(c, {"people_count": 3}, by=staff, now=NOW + timedelta(hours=1))
    assert c.severity == Severity.IMPORTANT and c.leader_report_due_at is not None
    assert c.reported_to_leaders_at is None
    svc.update_complaint(c, {"people_count": 10}, by=staff, now=NOW + timedelta(hours=2))
    db.session.commit()
    assert c.severity == Severity.MAJOR and c.reported_to_leaders_at is not None
    assert [e.detail["to"] for e in _severity_events(c)] == ["general", "important", "major"]


def test_manager_override_is_audited_and_survives_recomputation(org, staff):
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zhuren_t")
    c = make_complaint(org, staff)
    with pytest.raises(svc.ComplaintError):
        svc.override_severity(c, Severity.IMPORTANT, "  ", by=manager)
    svc.override_severity(c, Severity.IMPORTANT, "涉及多名业主，影响较大", by=manager)
    svc.update_complaint(c, {"people_count": 2}, by=staff)
    db.session.commit()
    assert c.severity == Severity.IMPORTANT and c.rule_severity == Severity.GENERAL
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "complaint.severity_overridden"))
    assert event.reason == "涉及多名业主，影响较大" and event.detail["to"] == "important"
    svc.override_severity(c, None, "撤销", by=manager)
    assert c.severity == Severity.GENERAL


@pytest.mark.parametrize("override, facts, severity, lifted", [
    # three of one family, judged general; then twelve people or a lawsuit: major, the override goes
    (Severity.GENERAL, {"people_count": 12}, Severity.MAJOR, True),
    (Severity.GENERAL, {"lawsuit_filed": True}, Severity.MAJOR, True),
    # a fact that leaves the rule where it was, or below the override, keeps the manager's judgement
    (Severity.GENERAL, {"people_count": 4}, Severity.GENERAL, False),
    (Severity.MAJOR, {"people_count": 5}, Severity.MAJOR, False),
    # raised by the manager to important, then the rule says major: graver, lifted
    (Severity.IMPORTANT, {"media_exposed": True}, Severity.MAJOR, True),
])
def test_an_override_is_lifted_when_new_facts_make_the_rule_graver(org, staff, leaders, override, facts, severity,
                                                                   lifted):
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zhuren_lift")
    c = make_complaint(org, staff, people_count=3)
    svc.override_severity(c, override, "同一家庭的三位成员", by=manager, now=NOW + timedelta(hours=1))
    if override == Severity.GENERAL:
        assert c.leader_report_due_at is None  # a general complaint owes no report
    svc.update_complaint(c, facts, by=staff, now=NOW + timedelta(hours=2))
    db.session.commit()
    assert c.severity == severity
    assert (c.severity_override is None) is lifted
    assert any(e.kind == "override_lifted" for e in c.events) is lifted
    if severity == Severity.MAJOR:
        assert {r.leader_id for r in c.leader_reports} >= {u.id for u in leaders}


def _progress_titles(user):
    return [n.title for n in db.session.scalars(db.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "complaint.progress").order_by(Notification.id))]


def test_the_leaders_of_a_major_complaint_follow_each_step(org, staff, leaders):
    c = make_complaint(org, staff, lawsuit_filed=True)
    assert {r.leader_id for r in c.leader_reports} == {u.id for u in leaders}
    svc.add_contact(c, contacted_at=NOW + timedelta(hours=1), way=ContactWay.PHONE, content="已告知方案", by=staff,
                    now=NOW + timedelta(hours=1))
    svc.transition(c, "start", by=staff, now=NOW + timedelta(hours=2))
    svc.transition(c, "resolve", {"resolution": "已和解", "cause_analysis": "合同纠纷"}, by=staff,
                   now=NOW + timedelta(days=1))
    db.session.commit()
    for leader in leaders:
        assert _progress_titles(leader) == [f"{c.serial} 重大投诉进展：{step}：{c.subject}"
                                            for step in ("已联系客户", "开始处理", "已解决")]
    informed = [e for e in c.events if e.kind == "leaders_informed"]
    assert [e.detail["step"] for e in informed] == ["contact", "start", "resolve"]


def test_the_leader_of_an_important_complaint_hears_its_result_only(org, staff, leaders):
    c = make_complaint(org, staff, people_count=3)
    svc.add_contact(c, contacted_at=NOW + timedelta(hours=1), way=ContactWay.PHONE, content="已告知方案", by=staff,
                    now=NOW + timedelta(hours=1))
    svc.transition(c, "start", by=staff)
    assert _progress_titles(leaders[0]) == []  # not reported yet: nobody to tell
    svc.report_to_leaders(c, [leaders[0]], "请领导关注", by=staff)
    svc.add_contact(c, contacted_at=NOW + timedelta(hours=2), way=ContactWay.PHONE, content="进度", by=staff,
                    now=NOW + timedelta(hours=2))
    svc.transition(c, "resolve", {"resolution": "已退费", "cause_analysis": "收费错误"}, by=staff)
    svc.record_revisit(c, "客户满意", 5, staff)
    db.session.commit()
    assert _progress_titles(leaders[0]) == [f"{c.serial} 重要投诉处理结果：已解决：{c.subject}"]
    assert _progress_titles(leaders[1]) == []
    general = make_complaint(org, staff)
    svc.report_to_leaders(general, [leaders[1]], None, by=staff)
    svc.transition(general, "start", by=staff)
    svc.transition(general, "resolve", {"resolution": "已解释", "cause_analysis": "误解"}, by=staff)
    db.session.commit()
    assert _progress_titles(leaders[1]) == []


def test_report_and_comment_are_recorded(org, staff, leaders):
    c = make_complaint(org, staff, people_count=4)
    svc.report_to_leaders(c, [leaders[0]], "请领导关注", by=staff, now=NOW + timedelta(hours=3))
    assert c.reported_to_leaders_at == NOW + timedelta(hours=3)
    # the due time stays, so a report after it counts late; this one is in time
    assert c.leader_report_due_at is not None and c.reported_to_leaders_at < c.leader_report_due_at
    svc.add_leader_comment(c, leaders[0], "请工程部三日内处理", is_instruction=True, now=NOW + timedelta(hours=5))
    db.session.commit()
    report = db.session.scalar(db.select(LeaderReport).where(LeaderReport.complaint_id == c.id))
    assert report.commented_at == NOW + timedelta(hours=5)
    assert [e.kind for e in c.events][-2:] == ["reported", "comment"]


def test_contacts_move_the_clocks(org, staff, app):
    c = make_complaint(org, staff)
    svc.add_contact(c, contacted_at=NOW + timedelta(hours=20), way=ContactWay.PHONE, content="告知处理方案",
                    by=staff, now=NOW + timedelta(hours=21))
    assert c.first_replied_at == NOW + timedelta(hours=20)
    assert c.next_progress_due_at == NOW + timedelta(hours=20, days=2)
    with pytest.raises(svc.ComplaintError) as exc:
        svc.add_contact(c, contacted_at=NOW + timedelta(days=5), way=ContactWay.PHONE, content="x", by=staff,
                        now=NOW + timedelta(hours=22))
    assert exc.value.code == "contact_future"


def test_progress_interval_is_the_admin_setting(org, staff):
    from portal.services import settings

    settings.set_value("complaint_progress_interval_days", 3)
    c = make_complaint(org, staff)
    svc.add_contact(c, contacted_at=NOW + timedelta(hours=1), way=ContactWay.VISIT, content="上门", by=staff,
                    now=NOW + timedelta(hours=2))
    assert c.next_progress_due_at == NOW + timedelta(hours=1, days=3)


def test_full_workflow_and_archiving_closes_the_matter(org, staff):
    c = make_complaint(org, staff)
    with pytest.raises(svc.ComplaintError) as exc:
        svc.transition(c, "resolve", {"resolution": "x", "cause_analysis": "y"}, by=staff)
    assert exc.value.code == "not_permitted"
    svc.transition(c, "start", by=staff)
    with pytest.raises(svc.ComplaintError) as exc:
        svc.transition(c, "resolve", {"resolution": "已更换防水层"}, by=staff)
    assert exc.value.fields == ["cause_analysis"] and c.status == ComplaintStatus.IN_HANDLING
    svc.transition(c, "resolve", {"resolution": "已更换防水层", "cause_analysis": "施工质量"}, by=staff)
    assert c.next_progress_due_at is None and c.resolved_at is not None
    with pytest.raises(svc.ComplaintError):
        svc.record_revisit(c, "客户满意", 0, staff)
    svc.record_revisit(c, "客户满意", 5, staff)
    with pytest.raises(svc.ComplaintError) as exc:
        svc.transition(c, "archive", {"corrective_measures": "返工"}, by=staff)
    assert exc.value.fields == ["preventive_measures"]
    svc.transition(c, "archive", {"corrective_measures": "返工", "preventive_measures": "加强验收"}, by=staff)
    db.session.commit()
    assert c.status == ComplaintStatus.ARCHIVED and c.matter.closed_at is not None
    assert c.revisit_satisfaction == 5


def test_reopening_creates_a_linked_important_second_complaint(org, staff):
    c = make_complaint(org, staff)
    with pytest.raises(svc.ComplaintError):
        svc.reopen(c, received_at=NOW, channel=Channel.PHONE, description="again", by=staff)
    svc.transition(c, "start", by=staff)
    svc.transition(c, "resolve", {"resolution": "修好", "cause_analysis": "老化"}, by=staff)
    second = svc.reopen(c, received_at=NOW + timedelta(days=3), channel=Channel.VISIT, description="又漏水了",
                        by=staff, now=NOW + timedelta(days=3))
    db.session.commit()
    assert second.id != c.id and second.reopened_from_id == c.id and second.matter_id == c.matter_id
    assert second.severity == Severity.IMPORTANT and "second" in second.severity_reason
    assert c.status == ComplaintStatus.RESOLVED
    # the first's page links the second by its number (services.complaints.page_records)
    assert svc.page_records(c.id).reopened_as == [(second.id, second.serial)]
    assert svc.page_records(second.id).reopened_as == []


def test_same_complainant_again_after_closure_is_a_second_complaint(org, staff):
    c = make_complaint(org, staff, complainant_phone="13700001111")
    svc.transition(c, "start", by=staff)
    svc.transition(c, "resolve", {"resolution": "修好", "cause_analysis": "老化"}, by=staff)
    again = make_complaint(org, staff, matter=c.matter, complainant_phone="13700001111",
                           received_at=NOW + timedelta(days=2))
    assert again.is_second_complaint and again.severity == Severity.IMPORTANT


def test_a_complaint_with_the_same_project_category_and_subject_joins_that_matter(org, staff):
    """DOMAIN.md §2: a matter is the same project + category + subject; nobody has to pick it."""
    first = make_complaint(org, staff, subject="外墙渗水", received_at=NOW - timedelta(days=20))
    second = make_complaint(org, staff, subject=" 外墙  渗水 ", received_at=NOW - timedelta(days=10))
    other_category = make_complaint(org, staff, subject="外墙渗水", category_id=category("sales_management").id)
    other_project = make_complaint(org, staff, subject="外墙渗水", project_id=org.project2.id)
    other_subject = make_complaint(org, staff, subject="外墙渗水严重")
    assert second.matter_id != first.matter_id  # "外墙 渗水" is another subject than "外墙渗水"
    third = make_complaint(org, staff, subject="外墙渗水", received_at=NOW)
    assert third.matter_id == first.matter_id
    assert len({c.matter_id for c in (first, second, other_category, other_project, other_subject)}) == 5
    fourth = make_complaint(org, staff, subject="外墙渗水", received_at=NOW)
    db.session.expire_all()
    # three distinct complainants in 30 days: each of the matter's open complaints is important
    for c in (first, third, fourth):
        assert c.severity == Severity.IMPORTANT and c.severity_reason.startswith("repeat:"), c.serial
    assert second.severity == other_subject.severity == Severity.GENERAL


def test_same_complainant_again_after_the_matter_was_archived_is_a_second_complaint(org, staff):
    """处理完毕后发生二次投诉: registered as a new complaint, not through Reopen, months later."""
    c = make_complaint(org, staff, subject="电梯异响", complainant_phone="13700002222",
                       received_at=NOW - timedelta(days=90))
    svc.transition(c, "start", by=staff)
    svc.transition(c, "resolve", {"resolution": "已维修", "cause_analysis": "零件磨损"}, by=staff)
    svc.record_revisit(c, "客户满意", 5, staff)
    svc.transition(c, "archive", {"corrective_measures": "更换", "preventive_measures": "定期保养"}, by=staff)
    db.session.commit()
    assert c.matter.closed_at is not None
    again = make_complaint(org, staff, subject="电梯异响", complainant_phone="137 0000 2222", received_at=NOW)
    assert again.matter_id == c.matter_id and again.matter.closed_at is None
    assert again.is_second_complaint and again.severity == Severity.IMPORTANT and "second" in again.severity_reason
    someone_else = make_complaint(org, staff, subject="电梯异响", complainant_phone="13700003333", received_at=NOW)
    assert not someone_else.is_second_complaint and someone_else.severity == Severity.GENERAL


def test_a_letter_registered_after_later_complaints_makes_the_third_complainant(org, staff):
    a = make_complaint(org, staff, subject="噪音扰民", received_at=NOW - timedelta(days=6))
    b = make_complaint(org, staff, subject="噪音扰民", received_at=NOW - timedelta(days=4))
    assert (a.severity, b.severity) == (Severity.GENERAL, Severity.GENERAL)
    letter = make_complaint(org, staff, subject="噪音扰民", channel=Channel.LETTER, received_at=NOW - timedelta(days=11),
                            now=NOW)
    db.session.expire_all()
    assert letter.matter_complainants == 3
    assert {x.severity for x in (a, b, letter)} == {Severity.IMPORTANT}


def test_one_customer_through_the_archive_and_by_phone_is_one_complainant(org, staff):
    customer = make_customer(name="李四", phone1="13911112222")
    make_complaint(org, staff, subject="绿化差", customer_id=customer.id, complainant_phone=None,
                   received_at=NOW - timedelta(days=2))
    make_complaint(org, staff, subject="绿化差", complainant_name="李四", complainant_phone="13911112222",
                   received_at=NOW - timedelta(days=1))
    third = make_complaint(org, staff, subject="绿化差", complainant_name="王五", complainant_phone="13922223333")
    assert third.matter_complainants == 2 and third.severity == Severity.GENERAL


def test_matter_proposals_same_project_and_category_last_30_days_similar_first(org, staff):
    a = make_complaint(org, staff, subject="地下车库积水", received_at=NOW - timedelta(days=3))
    b = make_complaint(org, staff, subject="外墙渗水严重", received_at=NOW - timedelta(days=2))
    make_complaint(org, staff, subject="外墙渗水", received_at=NOW - timedelta(days=31))  # too old
    make_complaint(org, staff, subject="外墙渗水", category_id=category("sales_management").id)  # other category
    make_complaint(org, staff, subject="外墙渗水", project_id=org.project2.id)  # other project
    found = svc.propose_matters(org.project1.id, category().id, "外墙渗水", now=NOW)
    assert [m.id for m in found] == [b.matter_id, a.matter_id]


def test_matter_of_another_project_is_refused(org, staff):
    a = make_complaint(org, staff)
    with pytest.raises(svc.ComplaintError):
        make_complaint(org, staff, matter=a.matter, project_id=org.project2.id)


def test_prefill_from_reception_contact():
    contact = SimpleNamespace(id=42, customer_id=None, customer_name="李四", customer_phone="13812345678",
                              project_id=3, room="2-101", channel="visit", content="物业服务态度差\n保安不理人",
                              received_at=datetime(2026, 11, 16, 1, 30, tzinfo=timezone.utc))
    data = svc.prefill_from_contact(contact)
    assert data == {"people_count": 1, "source_contact_id": "42", "customer_id": None, "complainant_name": "李四",
                    "complainant_phone": "13812345678", "project_id": 3, "room": "2-101", "channel": "visit",
                    "description": "物业服务态度差\n保安不理人", "subject": "物业服务态度差",
                    "received_at": "2026-11-16T09:30"}


@pytest.mark.parametrize("visitors, people", [(None, 1), (1, 1), (3, 3), (12, 12)])
def test_prefill_takes_the_number_of_visitors_as_the_people_count(visitors, people):
    contact = SimpleNamespace(id=42, customer_id=None, customer_name="李四", customer_phone="13812345678",
                              project_id=3, room="2-101", channel="visit", content="集体来访", visitor_count=visitors,
                              received_at=datetime(2026, 11, 16, 1, 30, tzinfo=timezone.utc))
    assert svc.prefill_from_contact(contact)["people_count"] == people


def _record(closed_on, **kw):
    return svc.FilingRecord(handled_closed_on=closed_on, resolution="已协调解决", cause_analysis="沟通不到位", **kw)


def test_branch_filing_due_across_national_day(org):
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_t")
    from tests.complaints.factories import complaint_input

    now = datetime(2026, 10, 1, 4, 0, tzinfo=timezone.utc)
    data = complaint_input(org, received_at=datetime(2026, 9, 29, 2, 0, tzinfo=timezone.utc))
    c = svc.register_filing(data, _record(date(2026, 9, 30)), unit=org.branch1, by=clerk, now=now)
    db.session.commit()
    assert c.filing_status == FilingStatus.DRAFT and c.status == ComplaintStatus.RESOLVED
    assert to_local(c.filing_due_at).replace(tzinfo=None) == datetime(2026, 10, 9, 23, 59, 59)
    assert svc.filing_state(c, datetime(2026, 10, 9, 15, 59, tzinfo=timezone.utc)) == "due"
    assert svc.filing_state(c, datetime(2026, 10, 9, 16, 0, tzinfo=timezone.utc)) == "overdue"
    svc.submit_filing(c, by=clerk, now=datetime(2026, 10, 10, 2, 0, tzinfo=timezone.utc))
    assert svc.filing_state(c) == "submitted_late"


def test_filing_review_return_needs_reason_then_resubmit(org):
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_t2")
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zr2")
    from tests.complaints.factories import complaint_input

    c = svc.register_filing(complaint_input(org), _record(date(2026, 11, 16)), unit=org.branch1, by=clerk,
                            submit=True, now=NOW + timedelta(hours=1))
    assert c.filing_status == FilingStatus.SUBMITTED
    assert db.session.scalar(db.select(Notification).where(Notification.user_id == manager.id))
    with pytest.raises(svc.ComplaintError):
        svc.review_filing(c, accept=False, reason="", by=manager)
    svc.review_filing(c, accept=False, reason="缺少原因分析细节", by=manager)
    assert c.filing_status == FilingStatus.RETURNED
    svc.submit_filing(c, by=clerk)
    svc.review_filing(c, accept=True, reason=None, by=manager)
    assert c.filing_status == FilingStatus.ACCEPTED


def test_a_returned_record_has_two_working_days_for_its_correction(org):
    """Closed Tue 10 March, submitted that day, returned Fri 13 March (first due Thu 12th):
    not overdue for having been returned; due again Tue 17 March 23:59:59 (the 14th and 15th are
    a weekend); sent on the 16th it is in time; left till the 18th it would be overdue."""
    from tests.complaints.factories import complaint_input

    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_ret")
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zr_ret")
    shanghai = timezone(timedelta(hours=8))
    c = svc.register_filing(complaint_input(org, received_at=datetime(2026, 3, 9, 10, tzinfo=shanghai)),
                            _record(date(2026, 3, 10)), unit=org.branch1, by=clerk, submit=True,
                            now=datetime(2026, 3, 10, 17, tzinfo=shanghai))
    assert to_local(c.filing_due_at).replace(tzinfo=None) == datetime(2026, 3, 12, 23, 59, 59)
    svc.review_filing(c, accept=False, reason="缺少整改措施", by=manager, now=datetime(2026, 3, 13, 9, tzinfo=shanghai))
    db.session.commit()
    assert to_local(c.filing_due_at).replace(tzinfo=None) == datetime(2026, 3, 17, 23, 59, 59)
    assert svc.filing_state(c, datetime(2026, 3, 13, 10, tzinfo=shanghai)) == "returned"
    assert svc.filing_state(c, datetime(2026, 3, 18, 9, tzinfo=shanghai)) == "overdue"
    overdue = db.session.scalars(db.select(Complaint).where(
        svc.filing_overdue_clause(datetime(2026, 3, 13, 10, tzinfo=shanghai)))).all()
    assert c not in overdue
    # editing the record during its correction leaves the correction's deadline alone
    svc.update_filing(c, {}, _record(date(2026, 3, 10)), by=clerk, now=datetime(2026, 3, 16, 8, tzinfo=shanghai))
    assert to_local(c.filing_due_at).replace(tzinfo=None) == datetime(2026, 3, 17, 23, 59, 59)
    svc.submit_filing(c, by=clerk, now=datetime(2026, 3, 16, 9, tzinfo=shanghai))
    svc.review_filing(c, accept=True, reason=None, by=manager, now=datetime(2026, 3, 16, 10, tzinfo=shanghai))
    assert svc.filing_state(c) == "accepted"


def test_re_dating_a_draft_does_not_move_its_deadline_later(org):
    """Closed 3 March (due Thu 5th); edited on the 9th to "closed the 9th": still overdue."""
    from tests.complaints.factories import complaint_input

    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_redate")
    shanghai = timezone(timedelta(hours=8))
    c = svc.register_filing(complaint_input(org, received_at=datetime(2026, 3, 2, 10, tzinfo=shanghai)),
                            _record(date(2026, 3, 3)), unit=org.branch1, by=clerk,
                            now=datetime(2026, 3, 3, 17, tzinfo=shanghai))
    due = c.filing_due_at
    svc.update_filing(c, {}, _record(date(2026, 3, 9)), by=clerk, now=datetime(2026, 3, 9, 12, tzinfo=shanghai))
    assert c.handled_closed_on == date(2026, 3, 9) and c.filing_due_at == due
    assert svc.filing_state(c, datetime(2026, 3, 9, 12, tzinfo=shanghai)) == "overdue"


@pytest.mark.parametrize("closed_on, code", [(date(2026, 11, 17), "closed_in_future"),
                                             (date(2026, 11, 15), "closed_before_receipt")])
def test_filing_closing_date_must_be_plausible(org, closed_on, code):
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_t3")
    from tests.complaints.factories import complaint_input

    with pytest.raises(svc.ComplaintError) as exc:
        svc.register_filing(complaint_input(org), _record(closed_on), unit=org.branch1, by=clerk,
                            now=NOW + timedelta(hours=1))
    assert exc.value.code == code


def test_forwarding_goes_to_the_center_in_one_step(org):
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_t4")
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zr3")
    from tests.complaints.factories import complaint_input

    c = svc.forward_to_center(complaint_input(org), unit=org.branch1, by=clerk, now=NOW + timedelta(minutes=5))
    db.session.commit()
    assert c.forwarded_by_unit_id == org.branch1.id and c.status == ComplaintStatus.RECEIVED
    assert db.session.scalar(db.select(Notification).where(Notification.user_id == manager.id,
                                                           Notification.object_id == c.id))


def test_an_override_stands_when_a_withdrawn_fact_comes_back(org, staff):
    """Three people (important), overridden to general; edited to one, then back to three: nothing
    is graver than what the manager judged, so his override stands."""
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zhuren_back")
    c = make_complaint(org, staff, people_count=3)
    svc.override_severity(c, Severity.GENERAL, "同一家庭", by=manager, now=NOW + timedelta(hours=1))
    svc.update_complaint(c, {"people_count": 1}, by=staff, now=NOW + timedelta(hours=2))
    svc.update_complaint(c, {"people_count": 3}, by=staff, now=NOW + timedelta(hours=3))
    assert c.severity == Severity.GENERAL and c.severity_override == Severity.GENERAL
    svc.update_complaint(c, {"people_count": 10}, by=staff, now=NOW + timedelta(hours=4))
    assert c.severity == Severity.MAJOR and c.severity_override is None


def test_a_lawsuit_after_an_override_of_a_collective_complaint_reaches_the_group_leaders(org, staff, leaders):
    """Twelve signatures found to be one household's: the manager makes it important. Then the owner
    files a lawsuit: the rule was major before and is major now, but for a reason he never judged,
    so the override is lifted and the complaint reaches every group leader (DOMAIN.md §2)."""
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zhuren_lawsuit")
    c = make_complaint(org, staff, people_count=12)
    svc.override_severity(c, Severity.IMPORTANT, "12人实为同一户家属", by=manager, now=NOW + timedelta(hours=1))
    assert c.severity == Severity.IMPORTANT and c.severity_override_reasons == "people:12"
    svc.update_complaint(c, {"people_count": 14}, by=staff, now=NOW + timedelta(hours=2))
    assert c.severity == Severity.IMPORTANT  # more of the same people: his judgement stands
    svc.update_complaint(c, {"lawsuit_filed": True}, by=staff, now=NOW + timedelta(hours=3))
    db.session.commit()
    assert c.severity == Severity.MAJOR and c.severity_override is None and c.severity_override_reasons is None
    assert any(e.kind == "override_lifted" for e in c.events)
    assert {r.leader_id for r in c.leader_reports} >= {u.id for u in leaders}


def test_page_records_lists_each_part_in_its_own_order_with_names(org, staff, leaders):
    """The complaint page's lists, read in one statement (services.complaints.page_records),
    hold what the ORM collections hold, in the relationships' orders, with people's and units'
    names — and nothing of another complaint."""
    c = make_complaint(org, staff, people_count=4)  # important: may be reported and commented on
    other = make_complaint(org, staff)
    svc.add_contact(c, contacted_at=NOW + timedelta(hours=5), way=ContactWay.VISIT, content="上门查看", by=staff,
                    now=NOW + timedelta(hours=6))
    svc.add_contact(c, contacted_at=NOW + timedelta(hours=2), way=ContactWay.PHONE, content="告知处理方案", by=staff,
                    now=NOW + timedelta(hours=7))  # entered later, happened earlier: listed first
    svc.add_contact(other, contacted_at=NOW + timedelta(hours=1), way=ContactWay.PHONE, content="别的投诉", by=staff,
                    now=NOW + timedelta(hours=7))
    svc.report_to_leaders(c, leaders, "请领导关注", by=staff, now=NOW + timedelta(hours=8))
    svc.add_leader_comment(c, leaders[1], "请工程部三日内处理", is_instruction=True, now=NOW + timedelta(hours=9))
    for owner_type, owner_id, name, size in (("complaint", c.id, "来信扫描.pdf", 204_800),
                                             ("complaint", other.id, "别的投诉.jpg", 10),
                                             ("contact", c.id, "同号的来电附件.jpg", 20),  # same id, another owner
                                             ("complaint", c.id, "现场照片.jpg", 51_200)):
        db.session.add(Attachment(owner_type=owner_type, owner_id=owner_id, filename=name, size=size,
                                  stored_name=f"{owner_type}-{owner_id}-{size}", content_type="image/jpeg",
                                  sha256="0" * 64, uploaded_by_id=staff.id))
    db.session.commit()

    r = svc.page_records(c.id)
    assert [(a.filename, a.size) for a in r.files] == [("来信扫描.pdf", 204_800), ("现场照片.jpg", 51_200)]
    assert svc.page_records(other.id).files == [(r.files[0].id + 1, "别的投诉.jpg", 10)]
    assert [(k.way, k.content, k.by_name) for k in r.contacts] == [
        ("phone", "告知处理方案", staff.display_name), ("visit", "上门查看", staff.display_name)]
    assert [(x.leader_id, x.leader_name, x.automatic, x.note, x.commented_at is not None) for x in r.reports] == [
        (leaders[0].id, leaders[0].display_name, False, "请领导关注", False),
        (leaders[1].id, leaders[1].display_name, False, "请领导关注", True)]
    assert [(m.leader_name, m.is_instruction, m.body) for m in r.comments] == [
        (leaders[1].display_name, True, "请工程部三日内处理")]
    orm = db.session.get(type(c), c.id)
    assert [(e.kind, e.at, e.note, e.detail) for e in orm.events] == [(e.kind, e.at, e.note, e.detail) for e in r.timeline]
    assert r.timeline[-1].kind == "comment" and r.timeline[-1].by_name == leaders[1].display_name
    assert isinstance(r.timeline[0].detail, dict) and r.timeline[0].at.tzinfo is not None
    assert r.forms == []
