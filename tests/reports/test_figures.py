"""The report figures against a small data set computed by hand (tests/reports/factories.py).

October 2026, computed at 2026-11-01 10:00 local. Complaints received in October: A, B, C (at
23:30 on 31 October local), F, G, H = 6; D (00:00 on 1 November) and E (23:59 on 30 September)
are not October's.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models.reception import ContactCategory
from portal.services import report_figures as rf
from tests import factories as f
from tests.reports.factories import NOW, OCTOBER, local, october_data

OCT = rf.month_period(OCTOBER)


@pytest.fixture()
def data(org):
    staff = f.user_with_role(org, Role.CENTER_STAFF)
    return october_data(org, staff)


@pytest.mark.parametrize("values, q, expected", [
    ([], 0.5, None),
    ([7.0], 0.9, 7.0),
    ([12, 36, 48, 240], 0.5, 42.0),  # between the 2nd and 3rd: 36 + 12 × 0.5
    ([12, 36, 48, 240], 0.9, 182.4),  # position 2.7: 48 + 192 × 0.7
    ([240, 12, 48, 36], 0.9, 182.4),  # order does not matter
    ([1, 2, 3], 0.5, 2.0),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1),
])
def test_percentile_interpolates_like_percentile_cont(values, q, expected):
    result = rf.percentile([float(v) for v in values], q)
    assert result == (None if expected is None else pytest.approx(expected))


def test_month_boundaries_are_local_midnights():
    """October in Shanghai is 30 September 16:00 UTC up to 31 October 16:00 UTC (exclusive)."""
    assert OCT.start.isoformat() == "2026-09-30T16:00:00+00:00"
    assert OCT.end.isoformat() == "2026-10-31T16:00:00+00:00"
    assert local(2026, 10, 31, 23, 30) < OCT.end <= local(2026, 11, 1, 0, 0)


def test_week_is_monday_to_sunday():
    week = rf.week_period(2026, 44)
    assert (week.first_day, week.last_day) == (date(2026, 10, 26), date(2026, 11, 1))
    with pytest.raises(ValueError):
        rf.week_period(2026, 54)


def test_complaint_counts_by_project_category_and_severity(org, data):
    counts = rf.complaint_counts(OCT, rf.Scope())
    assert counts["received"] == 6  # C at 23:30 on 31 October counts, D and E do not
    assert counts["repeat"] == 1  # B
    assert counts["by_severity"] == {"major": 1, "important": 1, "general": 4}
    rows = {r["project"]: dict(zip(counts["categories"], r["counts"])) for r in counts["by_project_category"]}
    assert rows == {"阳光花园": {"工程质量": 3, "物业管理": 0}, "滨河湾": {"工程质量": 0, "物业管理": 3}}


def test_the_last_half_hour_of_october_is_october(org, data):
    """The complaint at 2026-10-31 23:30 local is in October's count and not in November's."""
    assert rf.complaint_counts(rf.month_period(date(2026, 11, 1)), rf.Scope())["received"] == 1  # D only
    branch2 = rf.Scope(branch_id=org.branch2.id)
    assert rf.complaint_counts(OCT, branch2)["received"] == 3  # C, F, H


def test_first_reply_within_48_hours(org, data):
    """On time A, C (replied after the month ended), H; late B (72 h) and F (unanswered, past
    due); G still within its 48 hours at NOW is pending and left out: 3 / 5 = 60%."""
    fr = rf.first_reply(OCT, rf.Scope(), NOW)
    assert fr == {"on_time": 3, "late": 2, "pending": 1, "rate": 60.0}
    later = rf.first_reply(OCT, rf.Scope(), local(2026, 11, 2, 12))  # G is late by then
    assert later == {"on_time": 3, "late": 3, "pending": 0, "rate": 50.0}
    assert rf.first_reply(OCT, rf.Scope(branch_id=org.branch1.id), NOW)["rate"] == 50.0  # A on time, B late


def test_a_complaint_a_branch_handled_and_filed_is_left_out_of_the_first_reply_share(org, data):
    """The branch answered its customer itself; the center's 48-hour clock never ran for it."""
    from portal.services import complaints
    from tests.complaints.factories import complaint_input

    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs1_filing_fr")
    complaints.register_filing(complaint_input(org, received_at=local(2026, 10, 10, 9)),
                               complaints.FilingRecord(date(2026, 10, 12), "已更换门锁", "锁芯老化"),
                               unit=org.branch1, by=clerk, submit=True, now=local(2026, 10, 12, 18))
    assert rf.first_reply(OCT, rf.Scope(), NOW) == {"on_time": 3, "late": 2, "pending": 1, "rate": 60.0}
    assert rf.complaint_counts(OCT, rf.Scope())["received"] == 7  # it is still one of October's complaints


def test_resolution_time_median_and_90th_percentile(org, data):
    """Resolved in October: H 12 h, E 36 h (received in September), A 48 h, B 240 h."""
    res = rf.resolution_time(OCT, rf.Scope())
    assert res == {"count": 4, "mean_hours": 84.0, "median_hours": 42.0, "p90_hours": 182.4}
    assert rf.resolution_time(OCT, rf.Scope(project_id=org.project1.id))["median_hours"] == 48.0  # E, A, B


def test_first_reply_time(org, data):
    """Replied complaints received in October: H 2 h, C 9 h, A 24 h, B 72 h."""
    assert rf.first_reply_time(OCT, rf.Scope()) == {"count": 4, "mean_hours": 26.75, "median_hours": 16.5,
                                                    "p90_hours": 57.6}


def test_overdue_items(org, data):
    od = rf.overdue(OCT, rf.Scope(), NOW)
    assert od["complaints"] == 1 and [i["serial"] for i in od["complaint_items"]] == [data["F"].serial]
    assert (od["contacts"], od["contacts_total"]) == (2, 4)  # K2 unanswered, K4 replied late; K3 still in time
    assert (od["work_orders"], od["work_orders_total"]) == (3, 4)  # W2 late, W3 open past due, W5 late


def test_overdue_items_count_unreported_important_complaints_and_late_filings(org, data):
    """DOMAIN.md §2/§6: an important complaint is reported to a leader within 1 working day; a
    branch files the record of a complaint it handled within 2 working days of closing. Counted
    when the due time falls in October: never reported and past it; filed after it or not yet
    filed past it. Reported ones, those filed in time and those not yet due are not."""
    from portal.models.complaint import FilingStatus, Severity
    from tests.reports.factories import category, complaint

    eng = category("engineering_quality")
    unreported = complaint(org.project1, eng, local(2026, 10, 5, 9), severity=Severity.IMPORTANT, name="甲",
                           phone="13800000021", leader_report_due_at=local(2026, 10, 6, 23, 59))
    complaint(org.project1, eng, local(2026, 10, 6, 9), severity=Severity.IMPORTANT, name="乙", phone="13800000022",
              leader_report_due_at=local(2026, 10, 7, 23, 59), reported_to_leaders_at=local(2026, 10, 6, 10))  # in time
    reported_late = complaint(org.project1, eng, local(2026, 10, 8, 9), severity=Severity.IMPORTANT, name="癸",
                              phone="13800000025", leader_report_due_at=local(2026, 10, 9, 23, 59),
                              reported_to_leaders_at=local(2026, 10, 12, 9, 30))  # reported three days late
    complaint(org.project1, eng, local(2026, 10, 8, 9), severity=Severity.MAJOR, name="子", phone="13800000026",
              leader_report_due_at=local(2026, 10, 8, 9),
              reported_to_leaders_at=local(2026, 10, 8, 11))  # major: reported by the portal, not this figure
    complaint(org.project1, eng, local(2026, 9, 20, 9), severity=Severity.IMPORTANT, name="丙", phone="13800000023",
              leader_report_due_at=local(2026, 9, 21, 23, 59))  # September's
    complaint(org.project1, eng, local(2026, 10, 31, 20), severity=Severity.IMPORTANT, name="丁", phone="13800000024",
              leader_report_due_at=local(2026, 11, 2, 23, 59))  # not due yet

    def filing(name, due, status, submitted=None, **kw):
        return complaint(org.project2, eng, due - timedelta(days=4), resolved=due - timedelta(days=3), name=name,
                         phone=None, filed_by_unit_id=org.branch2.id, filing_status=status, filing_due_at=due,
                         filing_submitted_at=submitted, handled_closed_on=(due - timedelta(days=3)).date(), **kw)

    never = filing("戊", local(2026, 10, 12, 23, 59), FilingStatus.DRAFT)
    late = filing("己", local(2026, 10, 14, 23, 59), FilingStatus.ACCEPTED, submitted=local(2026, 10, 16, 9))
    filing("庚", local(2026, 10, 15, 23, 59), FilingStatus.ACCEPTED, submitted=local(2026, 10, 15, 9))  # in time
    filing("辛", local(2026, 11, 3, 23, 59), FilingStatus.DRAFT)  # November's
    returned = filing("壬", local(2026, 10, 20, 23, 59), FilingStatus.RETURNED, is_report=True)
    db.session.commit()

    od = rf.overdue(OCT, rf.Scope(), NOW)
    assert od["unreported"] == 2
    assert [i["serial"] for i in od["unreported_items"]] == [unreported.serial, reported_late.serial]  # by due time
    assert datetime.fromisoformat(od["unreported_items"][0]["due_at"]) == local(2026, 10, 6, 23, 59)
    assert [i["reported_at"] and datetime.fromisoformat(i["reported_at"]) for i in od["unreported_items"]] == [
        None, local(2026, 10, 12, 9, 30)]
    assert od["filings"] == 3
    items = {i["serial"]: i for i in od["filing_items"]}
    # by due time; the report (举报) is counted but not listed, company-wide or in its branch's report
    assert list(items) == [never.serial, late.serial]
    assert items[never.serial]["submitted_at"] is None and items[late.serial]["submitted_at"] is not None
    assert items[never.serial]["unit"] == org.branch2.name
    branch = rf.overdue(OCT, rf.Scope(branch_id=org.branch2.id), NOW)
    assert branch["filings"] == 3 and [i["serial"] for i in branch["filing_items"]] == [never.serial, late.serial]
    assert rf.overdue(OCT, rf.Scope(branch_id=org.branch1.id), NOW)["filings"] == 0
    # computed before the due times: what is not yet done is not late yet
    early = rf.overdue(OCT, rf.Scope(), local(2026, 10, 6, 12))
    assert unreported.serial not in {i["serial"] for i in early["unreported_items"]}
    assert never.serial not in {i["serial"] for i in early["filing_items"]}


def test_important_matters_and_measures(org, data):
    matters = rf.important_matters(OCT, rf.Scope())
    assert [(m["project"], m["complainants"]) for m in matters] == [("阳光花园", 3)]
    m = rf.measures(OCT, rf.Scope())
    assert (m["resolved"], m["with_cause"], m["with_measures"], m["cause_rate"]) == (4, 1, 1, 25.0)
    assert m["items"][0]["cause"] == "施工不规范"


def test_a_matter_holding_a_report_is_never_listed(org, data):
    """A report (举报) is confidential to the center and the leaders and never shown to the staff
    member it is about (DOMAIN.md §2), while every center staff member reads the monthly report:
    no report, company-wide or scoped, names its matter (report_figures.NOT_LISTED)."""
    from tests.reports.factories import category, complaint

    complaint(org.project1, category("engineering_quality"), local(2026, 10, 11, 9), matter=data["B"].matter,
              name="匿名", phone="13800000077", is_report=True, matter_complainants=3)
    db.session.commit()
    assert rf.important_matters(OCT, rf.Scope()) == []
    assert rf.important_matters(OCT, rf.Scope(branch_id=org.branch1.id)) == []
    assert rf.important_matters(OCT, rf.Scope(project_id=org.project1.id)) == []


def test_the_measures_of_a_report_are_counted_not_listed(org, data):
    from tests.reports.factories import category, complaint

    before = rf.measures(OCT, rf.Scope())
    complaint(org.project1, category("engineering_quality"), local(2026, 10, 12, 9), resolved=local(2026, 10, 13, 9),
              name="匿名", phone="13800000078", is_report=True, cause_analysis="该员工收受业主好处费",
              corrective_measures="调离岗位并处分")
    db.session.commit()
    after = rf.measures(OCT, rf.Scope())
    assert (after["resolved"], after["with_cause"], after["with_measures"]) == (
        before["resolved"] + 1, before["with_cause"] + 1, before["with_measures"] + 1)
    assert after["items"] == before["items"]
    assert "好处费" not in str(rf.monthly_report(OCTOBER, rf.Scope(), NOW))


def test_a_matter_without_a_report_is_still_in_its_branch_report(org, data):
    assert [m["complainants"] for m in rf.important_matters(OCT, rf.Scope(branch_id=org.branch1.id))] == [3]


def test_satisfaction(org, data):
    """Revisits 4 and 2; closed contacts 5 and 3: overall 3.5, half rated 4 or 5."""
    s = rf.satisfaction(OCT, rf.Scope())
    assert s["overall"] == {"count": 4, "score": 3.5, "satisfied_rate": 50.0, "distribution": [0, 1, 1, 1, 1]}
    assert s["revisits"]["score"] == 3.0 and s["contacts"]["score"] == 4.0


def test_revisits(org, data):
    done = rf.revisits_done(OCT, rf.Scope())
    assert done["total"] == 2
    assert {(r["kind"], r["method"]): r["count"] for r in done["by_kind_method"]} == {
        ("complaint", "visit"): 1, ("signing", "phone"): 1}
    comp = rf.revisit_completion(OCTOBER, rf.Scope())
    assert (comp["routine_due"], comp["routine_on_time"], comp["routine_rate"]) == (2, 1, 50.0)
    assert (comp["complaint_due"], comp["complaint_rate"]) == (1, 100.0)


def test_what_customers_said_in_revisits(org, data, db):
    """R1 (signing, 8 Oct) raised a problem answered on the spot; R2 (complaint, 25 Oct) one with
    a follow-up promised for 28 Oct, still open at NOW (1 Nov): past its time. A revisit of
    September with a problem is not October's."""
    from portal.models.revisit import RevisitFollowUp
    from tests.reports.factories import plan
    from portal.services.revisit_rules import RevisitKind

    staff = f.user_with_role(org, Role.CENTER_STAFF)
    data["R1"].problem, data["R1"].problem_reply = "车位何时交付", "已告知12月交付"
    data["R2"].problem = "维修后墙面仍有水渍"
    db.session.add(RevisitFollowUp(plan=data["R2"], problem=data["R2"].problem, owner_id=staff.id,
                                   promised_at=local(2026, 10, 28, 18)))
    september = plan(RevisitKind.SIGNING, data["R1"].project, date(2026, 9, 30), done_at=local(2026, 9, 30, 23))
    september.problem = "九月的问题"
    db.session.commit()
    fb = rf.revisit_feedback(OCT, rf.Scope(), NOW)
    assert (fb["done"], fb["raised"], fb["answered_on_spot"]) == (2, 2, 1)
    assert fb["follow_ups"] == {"open": 1, "late": 1, "done": 0}
    assert [(i["problem"], i["answer"], i["follow_up"]) for i in fb["items"]] == [
        ("维修后墙面仍有水渍", "", "open"), ("车位何时交付", "已告知12月交付", "")]
    assert rf.revisit_feedback(OCT, rf.Scope(project_id=data["R1"].project.id), NOW)["raised"] == 1
    assert rf.monthly_report(OCTOBER, rf.Scope(), NOW)["revisits"]["feedback"] == fb
    # R2 revisits a report (举报): every report counts it but none lists what it raised
    from tests.complaints.factories import make_complaint

    data["R2"].complaint_id = make_complaint(org, staff, is_report=True, project_id=data["R2"].project.id).id
    db.session.commit()
    scoped = rf.revisit_feedback(OCT, rf.Scope(project_id=data["R2"].project.id), NOW)
    assert scoped["raised"] == 1 and scoped["items"] == []
    company = rf.revisit_feedback(OCT, rf.Scope(), NOW)
    assert company["raised"] == 2 and [i["problem"] for i in company["items"]] == ["车位何时交付"]


def test_feedback(org, data):
    fb = rf.feedback(OCT, rf.Scope())
    assert fb["by_category"]["inquiry"] == 1  # K5 at 00:00 on 1 November is November's
    assert (fb["by_category"]["suggestion"], fb["by_category"]["praise"], fb["by_category"]["repair"]) == (1, 1, 1)
    assert fb["total"] == 4 and fb["market"] == 2
    assert [i["serial"] for i in fb["latest"]["praise"]] == [data["K3"].serial]


def test_kpis(org, data):
    """Complaining: phones …01, …02, …03 and 丙 (no phone) = 4. Served: those plus contacts
    …05, …06, …07 (…01 again is the same person) = 7. Repairs due: W1 in time, W2 late, W3 open
    past due: 1 / 3."""
    k = rf.kpis(OCT, rf.Scope(), NOW)
    assert k["complaint_rate"] == {"complaining": 4, "served": 7, "rate": 57.14}
    assert k["repair"] == {"due": 3, "in_time": 1, "pending": 0, "rate": 33.33}
    assert k["first_reply"] == {"count": 4, "mean_hours": 26.75, "median_hours": 16.5}
    # seed 001 咨询响应时间: inquiries only — K1 (replied after 2 h); K4 is a repair, K5 November's
    assert k["inquiry_reply"] == {"count": 1, "mean_hours": 2.0, "median_hours": 2.0}
    assert k["satisfaction"]["score"] == 3.5


def test_overdue_items_give_a_working_day_deadline_its_whole_last_second(org):
    """The report agrees with the complaint pages (complaint_rules.missed): a record filed at
    23:59:59.5 on its due day is in time, one filed a second later is late; an important complaint
    is unreported-overdue only once its deadline's last second has passed."""
    from portal.models.complaint import FilingStatus, Severity
    from tests.reports.factories import category, complaint

    eng = category("engineering_quality")
    due = local(2026, 10, 14, 23, 59) + timedelta(seconds=59)  # end_of_local_day
    for name, submitted in (("甲", due + timedelta(milliseconds=500)), ("乙", due + timedelta(seconds=1))):
        complaint(org.project2, eng, due - timedelta(days=4), resolved=due - timedelta(days=3), name=name, phone=None,
                  filed_by_unit_id=org.branch2.id, filing_status=FilingStatus.ACCEPTED, filing_due_at=due,
                  filing_submitted_at=submitted, handled_closed_on=(due - timedelta(days=3)).date())
    unreported = complaint(org.project1, eng, local(2026, 10, 13, 9), severity=Severity.IMPORTANT, name="丙",
                           phone="13800000031", leader_report_due_at=due)
    for name, reported in (("丁", due + timedelta(milliseconds=500)), ("戊", due + timedelta(seconds=1))):
        complaint(org.project1, eng, local(2026, 10, 13, 9), severity=Severity.IMPORTANT, name=name,
                  phone=None, leader_report_due_at=due, reported_to_leaders_at=reported)
    db.session.commit()
    od = rf.overdue(OCT, rf.Scope(), NOW)
    assert [datetime.fromisoformat(i["submitted_at"]) for i in od["filing_items"]] == [due + timedelta(seconds=1)]
    # reported at the last second: in time; a second later: late
    assert [i["reported_at"] and datetime.fromisoformat(i["reported_at"]) for i in od["unreported_items"]] == [
        None, due + timedelta(seconds=1)] and od["unreported_items"][0]["serial"] == unreported.serial
    # not reported at all: owed past its last second only
    def owed_at(now):
        return unreported.serial in {i["serial"] for i in rf.overdue(OCT, rf.Scope(), now)["unreported_items"]}

    assert not owed_at(due + timedelta(milliseconds=500)) and owed_at(due + timedelta(seconds=1))


@pytest.mark.parametrize("records, complaining, served", [
    # (kind, archive customer, phone, name): one customer linked on his complaint and calling by
    # phone only (seed 001 四.1: 投诉顾客数量 / 总服务顾客数量) is one person
    ([("complaint", "张三", "13800000011", "张三"), ("contact", None, "13800000011", "张三")], 1, 1),
    ([("complaint", None, "13800000011", "张三"), ("contact", "张三", "13800000011", "张三")], 1, 1),
    # the same number typed with +86, spaces or a hyphen
    ([("complaint", "张三", "13800000011", "张三"), ("contact", None, "+86 138 0000 0011", "张先生")], 1, 1),
    ([("complaint", None, "0991-1234567", "李四"), ("contact", None, "09911234567", "李四")], 1, 1),
    # two archive customers stay two people even when they share a phone (a family's landline)
    ([("complaint", "张三", "0991-7654321", "张三"), ("contact", "王五", "0991-7654321", "王五")], 1, 2),
    # unknown callers: by phone, the name only without one
    ([("complaint", None, "13800000012", "李四"), ("contact", None, "13800000013", "李四")], 1, 2),
    ([("complaint", None, None, "赵六"), ("contact", None, None, "赵六"), ("contact", None, None, "钱七")], 1, 2),
    # a linked record's phone makes the unknown caller with that number the customer, once
    ([("contact", "张三", "13800000011", "张三"), ("complaint", None, "13800000011", "张三"),
      ("complaint", None, "13800000014", "孙八")], 2, 2),
])
def test_complaint_rate_counts_one_person_once(org, records, complaining, served):
    from tests.reports.factories import category, complaint, contact
    from tests.revisits.factories import make_customer

    staff = f.user_with_role(org, Role.CENTER_STAFF)
    customers = {}
    for i, (kind, customer, phone, name) in enumerate(records):
        cid = None
        if customer:
            cid = customers.setdefault(customer, make_customer(customer, phone)).id
        at = local(2026, 10, 3 + i, 10)
        if kind == "complaint":
            complaint(org.project1, category("engineering_quality"), at, name=name, phone=phone, customer_id=cid)
        else:
            k = contact(staff, org.project1, ContactCategory.INQUIRY, at, phone=phone, name=name)
            k.customer_id = cid
    db.session.commit()
    r = rf.complaint_rate(OCT, rf.Scope())
    assert (r["complaining"], r["served"]) == (complaining, served)
    assert r["rate"] == round(100.0 * complaining / served, 2)


def test_repair_not_yet_due_is_pending(org, data):
    k = rf.repair_timeliness(OCT, rf.Scope(), local(2026, 10, 31, 12))
    assert k == {"due": 2, "in_time": 1, "pending": 1, "rate": 50.0}


def test_trend_and_comparison(org, data):
    report = rf.monthly_report(OCTOBER, rf.Scope(), NOW)
    assert report["trend"]["months"][-1] == "2026-10" and len(report["trend"]["months"]) == 12
    assert report["trend"]["complaints"][-2:] == [1, 6]  # September: E; October: 6
    assert report["trend"]["contacts"][-1] == 4
    comp = report["comparison"]
    assert (comp["current"]["complaints"], comp["previous"]["complaints"], comp["last_year"]["complaints"]) == (6, 1, 1)
    branches = {b["branch"]: b for b in report["branches"]}
    assert branches["第一房产分公司"]["complaints"] == 3 and branches["第二房产分公司"]["contacts"] == 1


def test_branch_scope_sees_only_its_projects(org, data):
    report = rf.monthly_report(OCTOBER, rf.Scope(branch_id=org.branch1.id), NOW)
    assert report["complaints"]["received"] == 3
    assert report["feedback"]["total"] == 3  # K1, K3, K4
    assert report["branches"] == []  # no other branches' numbers in a branch's report


def test_monthly_report_query_count_is_constant(app, org, data):
    """The report's query count does not grow with the data (aggregates, not rows)."""
    from sqlalchemy import event

    from portal.extensions import db

    def count_queries():
        statements = []  # list.append is atomic: the report's reads may run in several threads

        def before(*a, **k):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            rf.monthly_report(OCTOBER, rf.Scope(), NOW)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return len(statements)

    first = count_queries()
    october_data(org, f.user_with_role(org, Role.CENTER_STAFF))  # the same data again: twice the rows
    assert count_queries() == first
    assert first <= 60
