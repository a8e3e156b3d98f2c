"""The revisit pages: queue, the scripted form, unreachable attempts, follow-ups, the phone
reveal, scripts, the complaint hook and the home-page cards."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.permissions import Role
from portal.models import AuditEvent
from portal.models.revisit import FollowUpStatus, RevisitFollowUp, RevisitPlan, RevisitScript, RevisitStatus
from portal.services import revisits
from portal.services.clock import now_utc, to_local
from portal.services.revisit_rules import RevisitKind
from tests import factories as f
from tests.revisits.factories import make_customer, make_purchase, complaint_id


@pytest.fixture()
def staff(org):
    return f.user_with_role(org, Role.CENTER_STAFF, display_name="王客服")


@pytest.fixture()
def staff_client(app, client, login, staff):
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, staff)
    yield client
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture()
def plan(db, org):
    """A signing revisit whose window is open now (signed yesterday)."""
    today = revisits.local_today()
    purchase = make_purchase(org.project1, make_customer("李秀兰", "13812345678"), signing=today - timedelta(days=1))
    revisits.sync_purchase_plans(purchase)
    db.session.commit()
    return db.session.scalar(sa.select(RevisitPlan).where(RevisitPlan.purchase_id == purchase.id))


def _local(delta=timedelta(0)) -> str:
    return to_local(now_utc() + delta).strftime("%Y-%m-%dT%H:%M")


def _form(plan, **changes):
    script = revisits.script_for(plan.kind)
    data = {"outcome": "done", "method": "phone", "revisited_at": _local(-timedelta(minutes=5)),
            "satisfaction": "4", "summary": "客户反映售楼处服务热情", "script_version": str(script.version),
            "answer_0": "很满意这套户型", "owner_id": "0"}
    data.update(changes)
    return data


def test_queue_lists_open_revisits_with_masked_phones(staff_client, plan):
    html = staff_client.get("/revisits/").get_data(as_text=True)
    assert "李秀兰" in html and "138****5678" in html and "13812345678" not in html
    fragment = staff_client.get("/revisits/?view=overdue", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "李秀兰" not in fragment  # not overdue


def test_the_queue_and_a_revisits_page_are_logged_as_reads_of_the_archive(staff_client, plan, db, staff):
    """DOMAIN.md §3: every read of an archive record is logged; the queue and the revisit's page
    show the customer's name, project, room and dates."""
    from portal.models.archive import ArchiveReadLog

    def reads():
        db.session.expire_all()
        return [(r.customer_id, r.user_id, r.context) for r in db.session.scalars(
            sa.select(ArchiveReadLog).order_by(ArchiveReadLog.id))]

    staff_client.get("/revisits/")
    assert reads() == [(plan.customer_id, staff.id, "revisit_queue")]
    staff_client.get(f"/revisits/{plan.id}")
    assert reads()[-1] == (plan.customer_id, staff.id, "revisit")
    staff_client.get("/revisits/?view=done")  # nothing listed: nothing read
    assert len(reads()) == 2


def test_overdue_filter_and_keyset_paging(staff_client, db, org):
    today = revisits.local_today()
    for i in range(3):
        revisits.sync_purchase_plans(make_purchase(org.project1, make_customer(f"逾期{i}"), signing=today - timedelta(days=9 + i)))
    db.session.commit()
    from portal.services.revisits import QueueFilter, queue_page

    first = queue_page(QueueFilter(view="overdue"), None, today, None, per_page=2)
    rest = queue_page(QueueFilter(view="overdue"), None, today, first.next_cursor, per_page=2)
    names = [p.person_name for p in first.rows + rest.rows]
    assert names == ["逾期2", "逾期1", "逾期0"] and rest.next_cursor is None  # most overdue first
    html = staff_client.get("/revisits/?view=overdue").get_data(as_text=True)
    assert "逾期0" in html and "已逾期" in html


def test_showing_the_number_is_audited_and_masked_in_the_log(staff_client, plan, db):
    resp = staff_client.post(f"/revisits/{plan.id}/phone", headers={"HX-Request": "true"})
    assert "13812345678" in resp.get_data(as_text=True)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "revisit.phone_revealed"))
    assert event.object_id == str(plan.id) and event.detail["phones"] == ["138****5678"]


def test_recording_a_revisit_walks_the_script(staff_client, plan, db, staff):
    resp = staff_client.post(f"/revisits/{plan.id}/record", data=_form(plan))
    assert resp.status_code == 302
    db.session.refresh(plan)
    assert plan.status == RevisitStatus.DONE and plan.on_time is True and plan.satisfaction == 4
    assert plan.answers[0] == {"question": revisits.script_for(plan.kind).questions[0], "answer": "很满意这套户型"}
    assert plan.done_by_id == staff.id and plan.assignee_id == staff.id


def test_unreachable_keeps_the_revisit_open_and_counts_the_attempt(staff_client, plan, db):
    resp = staff_client.post(f"/revisits/{plan.id}/record", data=_form(plan, outcome="unreachable", satisfaction="",
                                                                          note="无人接听"))
    assert resp.status_code == 302
    db.session.refresh(plan)
    assert plan.status == RevisitStatus.OPEN and plan.attempts == 1
    assert plan.attempt_rows[0].note == "无人接听" and plan.attempt_rows[0].reached is False


def test_an_unanswered_problem_gets_a_follow_up_that_stays_open_until_done(staff_client, plan, db, org, staff):
    manager = f.user_with_role(org, Role.CENTER_MANAGER, display_name="张主任")
    resp = staff_client.post(f"/revisits/{plan.id}/record", data=_form(
        plan, problem="车位价格不清楚", problem_handling="follow_up", promised_at=_local(timedelta(days=2)),
        owner_id=str(manager.id)))
    assert resp.status_code == 302
    row = db.session.scalar(sa.select(RevisitFollowUp))
    assert (row.owner_id, row.status, row.problem) == (manager.id, FollowUpStatus.OPEN, "车位价格不清楚")
    assert "跟进" in staff_client.get("/revisits/follow-ups?show=all").get_data(as_text=True)
    staff_client.post(f"/revisits/follow-ups/{row.id}/close", data={"reply": ""})
    db.session.refresh(row)
    assert row.status == FollowUpStatus.OPEN  # an empty reply closes nothing
    staff_client.post(f"/revisits/follow-ups/{row.id}/close", data={"reply": "已电话告知收费标准"})
    db.session.refresh(row)
    assert row.status == FollowUpStatus.DONE and row.closed_by_id == staff.id


@pytest.mark.parametrize("changes, message", [
    ({"revisited_at": "明天下午"}, "请输入日期和时间"),
    ({"revisited_at": ""}, "请输入回访时间"),
    ({"satisfaction": ""}, "请选择客户满意度"),
    ({"satisfaction": "9"}, "不是有效的选择"),
    ({"method": "fax"}, "不是有效的选择"),
    ({"answer_0": "", "summary": ""}, "至少填写一个问题的回答"),
    ({"summary": "长" * 2001}, "最多 2000 个字符"),
    ({"problem": "卫生间渗水"}, "请说明该问题是当场答复还是承诺稍后答复"),
    ({"problem": "卫生间渗水", "problem_handling": "answered"}, "请填写给客户的答复"),
    ({"problem": "卫生间渗水", "problem_handling": "follow_up"}, "请输入承诺答复的时间"),
    ({"problem": "卫生间渗水", "problem_handling": "follow_up", "promised_at": "2026-01-01T08:00"}, "承诺答复时间必须晚于回访时间"),
    ({"script_version": "99"}, "回访说辞已被修改"),
])
def test_bad_input_gets_a_chinese_message_keeps_the_input_and_saves_nothing(staff_client, plan, db, changes, message):
    data = _form(plan, **changes)
    data.setdefault("problem", "")
    resp = staff_client.post(f"/revisits/{plan.id}/record", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in html, message
    assert "客户反映售楼处服务热情" in html or changes.get("summary") is not None  # typed text kept
    if changes.get("answer_0") is None:
        assert "很满意这套户型" in html
    db.session.refresh(plan)
    assert plan.status == RevisitStatus.OPEN and plan.attempts == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RevisitFollowUp)) == 0


def test_a_revisit_in_the_future_or_before_the_window_is_refused(staff_client, plan, db):
    future = staff_client.post(f"/revisits/{plan.id}/record", data=_form(plan, revisited_at=_local(timedelta(hours=3))))
    assert "回访时间不能晚于现在" in future.get_data(as_text=True)
    early = staff_client.post(f"/revisits/{plan.id}/record", data=_form(plan, revisited_at=_local(-timedelta(days=5))))
    assert "回访窗口" in early.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.status == RevisitStatus.OPEN


def test_completing_a_complaint_revisit_calls_the_complaint_hook(staff_client, db, org, staff):
    calls = []

    def fake_record_revisit(complaint, summary, satisfaction, by, at, method):
        calls.append((complaint, summary, satisfaction, by.id, method))
        assert at is not None and at <= now_utc()  # the revisit's own time, as recorded on the form

    forward = revisits.link_complaints(lambda cid: {"id": cid}, fake_record_revisit)
    try:
        customer = make_customer("赵丽娟", "13900002222")
        cid = complaint_id(org)
        plan = revisits.sync_complaint_plan(cid, customer.id, org.project1.id, now_utc() - timedelta(hours=1))
        db.session.commit()
        resp = staff_client.post(f"/revisits/{plan.id}/record", data=_form(plan, satisfaction="5", summary="处理及时"))
        assert resp.status_code == 302
    finally:
        revisits.remove_revisit_callback(RevisitKind.COMPLAINT, forward)
    assert calls == [({"id": cid}, "处理及时", 5, staff.id, "phone")]


def test_a_failing_complaint_hook_rolls_the_revisit_back(staff_client, db, org, app):
    def broken(plan, by):
        raise RuntimeError("complaint store down")

    revisits.on_revisit_completed(RevisitKind.COMPLAINT)(broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        plan = revisits.sync_complaint_plan(complaint_id(org), make_customer().id, None, now_utc() - timedelta(hours=1))
        db.session.commit()
        resp = staff_client.post(f"/revisits/{plan.id}/record", data=_form(plan))
        assert resp.status_code == 500
    finally:
        revisits.remove_revisit_callback(RevisitKind.COMPLAINT, broken)
        app.config["PROPAGATE_EXCEPTIONS"] = None
    db.session.refresh(plan)
    assert plan.status == RevisitStatus.OPEN


def test_manager_edits_a_script_and_staff_may_not(app, client, login, db, org):
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        staff = f.user_with_role(org, Role.CENTER_STAFF)
        login(client, staff)
        assert client.get("/revisits/scripts/signing").status_code == 403
        manager = f.user_with_role(org, Role.CENTER_MANAGER)
        login(client, manager)
        bad = client.post("/revisits/scripts/signing", data={"opening": "您好", "questions": "问" * 201})
        assert "问题 1 超过 200 个字符" in bad.get_data(as_text=True)
        ok = client.post("/revisits/scripts/signing", data={"opening": "您好", "questions": "户型满意吗？\n\n服务满意吗？"})
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    row = db.session.scalar(sa.select(RevisitScript).where(RevisitScript.kind == RevisitKind.SIGNING))
    assert row.questions == ["户型满意吗？", "服务满意吗？"]
    assert revisits.script_for(RevisitKind.HANDOVER_1Y).version == 0  # the others keep their defaults


def test_home_page_shows_my_due_and_overdue_revisits(staff_client, db, org, staff):
    today = revisits.local_today()
    due_today = make_purchase(org.project1, signing=today - timedelta(days=7))
    overdue = make_purchase(org.project1, signing=today - timedelta(days=10))
    for p in (due_today, overdue):
        revisits.sync_purchase_plans(p)
    for plan in db.session.scalars(sa.select(RevisitPlan)):
        plan.assignee_id = staff.id
    db.session.commit()
    counts = revisits.my_counts(staff, today)
    assert (counts.due_today, counts.overdue, counts.follow_ups) == (1, 1, 0)
    html = staff_client.get("/").get_data(as_text=True)
    assert "今天到期的我的回访" in html and "我的逾期回访" in html


def test_rates_page_renders(staff_client, plan):
    resp = staff_client.get("/revisits/rates?month=2026-13")
    assert resp.status_code == 200 and "回访率" in resp.get_data(as_text=True)


def test_the_staff_member_complained_about_never_sees_that_complaints_revisit(app, client, login, db, org, staff):
    """The revisit of a complaint about 王客服 carries the complainant's name and phone: it is
    neither in his queue nor open to him, while a colleague finds it in hers."""
    from tests.complaints.factories import make_complaint

    about_him = make_complaint(org, f.make_user(org.center, Role.CENTER_STAFF), complained_staff_id=staff.id,
                               complainant_name="欧阳晓燕", complainant_phone="13955556666")
    plan = revisits.sync_complaint_plan(about_him.id, None, org.project1.id, now_utc() - timedelta(hours=1),
                                        contact_name="欧阳晓燕", contact_phone="13955556666")
    db.session.commit()
    login(client, staff)
    assert "欧阳晓燕" not in client.get("/revisits/").get_data(as_text=True)
    assert "欧阳晓燕" not in client.get("/revisits/?q=欧阳").get_data(as_text=True)
    assert client.get(f"/revisits/{plan.id}").status_code == 403
    colleague = f.user_with_role(org, Role.CENTER_STAFF, display_name="李客服")
    login(client, colleague)
    assert "欧阳晓燕" in client.get("/revisits/").get_data(as_text=True)
    assert client.get(f"/revisits/{plan.id}").status_code == 200


@pytest.fixture()
def follow_up_about_staff(db, org, staff):
    """A complaint about 王客服, revisited by 李客服 who keeps its problem to follow up herself."""
    from tests.complaints.factories import make_complaint

    colleague = f.user_with_role(org, Role.CENTER_STAFF, display_name="李客服")
    about_him = make_complaint(org, colleague, complained_staff_id=staff.id,
                               complainant_name="欧阳晓燕", complainant_phone="13955556666")
    plan = revisits.sync_complaint_plan(about_him.id, None, org.project1.id, now_utc() - timedelta(hours=1),
                                        contact_name="欧阳晓燕", contact_phone="13955556666")
    revisits.complete_revisit(plan, by=colleague, method=revisits.RevisitMethod.PHONE,
                              at=now_utc() - timedelta(minutes=5), answers=[], satisfaction=2,
                              problem="客服态度恶劣，要求道歉",
                              follow_up=revisits.FollowUpRequest(owner=colleague,
                                                                 promised_at=now_utc() + timedelta(days=1)))
    db.session.commit()
    return db.session.scalar(sa.select(RevisitFollowUp).where(RevisitFollowUp.plan_id == plan.id))


def test_the_staff_member_complained_about_never_sees_its_follow_ups(staff_client, follow_up_about_staff, db):
    """The follow-up lists show the plan's person and the problem: the follow-ups of a complaint
    about 王客服 are in none of his lists, and he may not close one (DOMAIN.md §2)."""
    for show in ("mine", "all", "done"):
        html = staff_client.get(f"/revisits/follow-ups?show={show}").get_data(as_text=True)
        assert "欧阳晓燕" not in html and "要求道歉" not in html, show
    resp = staff_client.post(f"/revisits/follow-ups/{follow_up_about_staff.id}/close", data={"reply": "已处理"})
    assert resp.status_code == 403
    db.session.refresh(follow_up_about_staff)
    assert follow_up_about_staff.status == FollowUpStatus.OPEN


def test_colleagues_still_see_and_close_a_follow_up_about_someone_else(app, client, login, follow_up_about_staff, db):
    colleague = follow_up_about_staff.owner
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        login(client, colleague)
        assert "欧阳晓燕" in client.get("/revisits/follow-ups?show=all").get_data(as_text=True)
        assert client.post(f"/revisits/follow-ups/{follow_up_about_staff.id}/close",
                           data={"reply": "已向客户致歉"}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    db.session.refresh(follow_up_about_staff)
    assert follow_up_about_staff.status == FollowUpStatus.DONE


def test_the_staff_member_complained_about_cannot_be_made_owner_of_its_follow_up(app, client, login, db, org, staff):
    """Neither offered as the owner of the problem nor accepted when posted: he would get the
    follow-up in his list, its bell and its overdue reminder."""
    from tests.complaints.factories import make_complaint

    colleague = f.user_with_role(org, Role.CENTER_STAFF, display_name="李客服")
    about_him = make_complaint(org, colleague, complained_staff_id=staff.id,
                               complainant_name="欧阳晓燕", complainant_phone="13955556666")
    plan = revisits.sync_complaint_plan(about_him.id, None, org.project1.id, now_utc() - timedelta(hours=1),
                                        contact_name="欧阳晓燕", contact_phone="13955556666")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        login(client, colleague)
        page = client.get(f"/revisits/{plan.id}").get_data(as_text=True)
        owner_select = page[page.index('name="owner_id"'):]
        owner_select = owner_select[:owner_select.index("</select>")]
        assert "李客服" in owner_select and "王客服" not in owner_select
        resp = client.post(f"/revisits/{plan.id}/record", data=_form(
            plan, satisfaction="2", problem="要求道歉", problem_handling="follow_up",
            promised_at=_local(timedelta(days=1)), owner_id=str(staff.id)))
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert resp.status_code == 200 and "请选择负责跟进该问题的人员" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(RevisitFollowUp)) is None
    db.session.refresh(plan)
    assert plan.status == RevisitStatus.OPEN


def test_no_overdue_reminder_about_a_follow_up_of_a_complaint_about_its_owner(db, org, staff):
    """Made the complaint's subject after he was given the follow-up: its overdue reminder is
    not built for him (the framework cancels the row)."""
    from types import SimpleNamespace

    from portal.services import reminders
    from portal.services.reminders_catalogue import REVISIT_FOLLOW_UP_OVERDUE
    from tests.complaints.factories import make_complaint

    colleague = f.user_with_role(org, Role.CENTER_STAFF, display_name="李客服")
    complaint = make_complaint(org, colleague, complainant_name="欧阳晓燕", complainant_phone="13955556666")
    plan = revisits.sync_complaint_plan(complaint.id, None, org.project1.id, now_utc() - timedelta(hours=1),
                                        contact_name="欧阳晓燕", contact_phone="13955556666")
    revisits.complete_revisit(plan, by=colleague, method=revisits.RevisitMethod.PHONE,
                              at=now_utc() - timedelta(minutes=5), answers=[], satisfaction=2, problem="要求道歉",
                              follow_up=revisits.FollowUpRequest(owner=staff, promised_at=now_utc() - timedelta(minutes=1)))
    db.session.commit()
    row = db.session.scalar(sa.select(RevisitFollowUp))
    build = reminders.KINDS[REVISIT_FOLLOW_UP_OVERDUE].builder
    reminder = SimpleNamespace(object_id=row.id, recipient=staff, recipient_id=staff.id)
    assert build(reminder) is not None
    complaint.complained_staff_id = staff.id
    db.session.commit()
    assert build(reminder) is None
