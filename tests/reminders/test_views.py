"""The e-mail preferences page, the notification list/bell, and the administrator's queue page."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.auth.permissions import Role
from portal.extensions import db
from portal.jobs import get_queue
from portal.jobs.reminders import run_sweep
from portal.models import AuditEvent, Notification, Reminder, ReminderEmailPreference, ReminderStatus
from portal.services import reminders
from tests import factories as f
from tests.reminders import kinds
from tests.reminders.conftest import run_worker_inline


def test_preferences_list_every_kind_and_store_the_users_choice(app, client, login, recipient, csrf_off):
    login(client, recipient)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "投诉：首次答复已超时" in page and "派工单今日无进展（16:00 检查）" in page
    resp = client.post("/notifications/preferences", data={"kinds": ["complaint.first_reply_overdue"]})
    assert resp.status_code == 302
    choices = reminders.email_choices(recipient)
    assert choices["complaint.first_reply_overdue"] is True and choices["revisit.due_today"] is False
    assert db.session.get(ReminderEmailPreference, (recipient.id, "revisit.due_today")).email is False


def test_preferences_refuse_an_unknown_kind_and_save_nothing(app, client, login, recipient, csrf_off):
    login(client, recipient)
    resp = client.post("/notifications/preferences", data={"kinds": ["no.such.kind"]})
    assert resp.status_code == 200 and "请更正" in resp.get_data(as_text=True)
    assert db.session.scalar(select(ReminderEmailPreference)) is None


def test_a_delivered_reminder_shows_in_the_bell_and_list_and_links_to_its_object(app, db, client, login,
                                                                                  recipient, reminder_config,
                                                                                  csrf_off):
    [rid] = reminders.schedule(kinds.PING, "test", 42, [recipient], due_at=datetime.now(timezone.utc))
    db.session.commit()
    from portal.jobs.reminders import deliver

    deliver(rid)
    login(client, recipient)
    assert 'data-unread="1"' in client.get("/notifications/bell").get_data(as_text=True)
    assert "测试提醒 #42" in client.get("/notifications").get_data(as_text=True)
    note_id = db.session.scalar(select(Notification.id))
    resp = client.post(f"/notifications/{note_id}/read", data={"follow": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/test/42")
    assert 'data-unread' not in client.get("/notifications/bell").get_data(as_text=True)


@pytest.fixture()
def admin_client(app, client, org, login, csrf_off):
    login(client, f.make_user(org.center, Role.ADMIN, username="jobs_admin"))
    return client


def test_the_queue_page_shows_failed_jobs_and_retry_sends_again(app, db, redis_conn, reminder_config, recipient,
                                                                admin_client, monkeypatch, outbox):
    from tests.reminders.kinds import FILE_CHANNEL

    def refuse(*args, **kwargs):
        from portal.services.reminders_channels import PermanentFailure

        raise PermanentFailure("mailbox unknown")

    monkeypatch.setattr(FILE_CHANNEL, "send", refuse)
    [rid] = reminders.schedule(kinds.PING, "test", 8, [recipient],
                               due_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    db.session.commit()
    run_sweep("sweep", "sweep")
    run_worker_inline(app)
    page = admin_client.get("/admin/jobs").get_data(as_text=True)
    assert "mailbox unknown" in page and f"reminder-{rid}-first" in page and "提醒扫描" in page
    assert "失败: 1" in page and ">failed<" not in page  # the states in words, not enum values
    assert ">testfile: 失败<" in page  # the channel's outcome in words too (a test channel has no label)

    monkeypatch.undo()
    monkeypatch.setenv("W7_OUTBOX", str(outbox))
    resp = admin_client.post(f"/admin/jobs/failed/reminder-{rid}-first/retry")
    assert resp.status_code == 302
    run_worker_inline(app)
    db.session.expire_all()
    row = db.session.get(Reminder, rid)
    assert row.status == ReminderStatus.SENT
    assert [line["reminder"] for line in kinds.outbox_lines(outbox)] == [rid]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.retried"))


def test_retrying_a_failed_reminder_from_the_page(app, db, redis_conn, reminder_config, recipient, admin_client):
    [rid] = reminders.schedule(kinds.PING, "test", 9, [recipient], due_at=datetime.now(timezone.utc))
    db.session.commit()
    row = db.session.get(Reminder, rid)
    row.status, row.last_error = ReminderStatus.FAILED, "SMTP 550"
    db.session.commit()
    assert admin_client.post(f"/admin/jobs/reminders/{rid}/retry").status_code == 302
    assert get_queue().count >= 1
    run_worker_inline(app)
    db.session.expire_all()
    assert db.session.get(Reminder, rid).status == ReminderStatus.SENT
    assert "只有发送失败的提醒可以重试" in admin_client.post(
        f"/admin/jobs/reminders/{rid}/retry", follow_redirects=True).get_data(as_text=True)
