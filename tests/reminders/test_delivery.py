"""Delivery through real RQ workers: once, whatever is duplicated; retries with backoff;
permanent failures stop; messages carry no ID or phone numbers."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.jobs import enqueue, get_queue
from portal.jobs.reminders import deliver, run_sweep
from portal.models import Notification, Reminder, ReminderDelivery, ReminderStatus
from portal.services import reminders
from tests.reminders import kinds
from tests.reminders.conftest import free_port, run_worker, run_worker_inline


def _notifications(user_id: int) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)))


def _schedule(kind, user, object_id=1, due_at=None, **kw) -> int:
    due_at = due_at or datetime.now(timezone.utc) - timedelta(minutes=1)
    ids = reminders.schedule(kind, "test", object_id, [user], due_at=due_at, **kw)
    db.session.commit()
    return ids[0]


@pytest.fixture()
def due_sweeper():
    """A sweeper that finds test object 7 due for the recipient given by the test."""
    found = []

    def sweeper(now):
        return [reminders.ReminderSpec(kinds.PING, "test", 7, uid, now - timedelta(minutes=1)) for uid in found]

    info = reminders.KINDS[kinds.PING]
    info.sweepers.append(sweeper)
    yield found
    info.sweepers.remove(sweeper)


def test_a_real_worker_in_burst_mode_sends_a_due_reminder_once(app, db, redis_conn, reminder_config, recipient,
                                                                outbox, due_sweeper):
    due_sweeper.append(recipient.id)
    result = run_sweep("sweep", "sweep")
    assert result["new"] == 1 and get_queue().count == 1  # handed over at commit; the sweep did not add a second
    run_worker(app)
    [note] = _notifications(recipient.id)
    assert note.title == "测试提醒 #7" and note.link == "/test/7" and note.object_id == 7
    assert [line["reminder"] for line in kinds.outbox_lines(outbox)] == [note_reminder_id(recipient.id)]
    row = db.session.scalar(select(Reminder))
    assert row.status == ReminderStatus.SENT and row.attempts == 1 and row.sent_at is not None
    assert {d.channel: d.status for d in row.deliveries} == {"portal": "sent", "testfile": "sent"}


def note_reminder_id(user_id: int) -> int:
    return db.session.scalar(select(Reminder.id).where(Reminder.recipient_id == user_id))


def test_sweep_twice_and_ten_enqueued_jobs_still_send_once(app, db, redis_conn, reminder_config, recipient, outbox,
                                                           due_sweeper):
    due_sweeper.append(recipient.id)
    run_sweep("sweep", "sweep")
    second = run_sweep("sweep", "sweep")
    assert second["new"] == 0  # the dedupe key refused the second insert
    assert second["enqueued"] == 0  # and the row's job is still queued
    reminder_id = note_reminder_id(recipient.id)
    for _ in range(10):
        enqueue(deliver, reminder_id)
    assert get_queue().count == 11
    run_worker(app)
    assert len(_notifications(recipient.id)) == 1
    assert len(kinds.outbox_lines(outbox)) == 1
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 1


def test_scheduling_the_same_reminder_twice_in_business_code_keeps_one_row(app, db, reminder_config, recipient):
    due = datetime(2026, 10, 9, 8, tzinfo=timezone.utc)
    first = reminders.schedule(kinds.PING, "test", 3, [recipient, recipient.id], due_at=due, occurrence="2026-10-09")
    again = reminders.schedule(kinds.PING, "test", 3, [recipient], due_at=due, occurrence="2026-10-09")
    other_day = reminders.schedule(kinds.PING, "test", 3, [recipient], due_at=due, occurrence="2026-10-10")
    db.session.commit()
    assert len(first) == 1 and again == [] and len(other_day) == 1
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 2


def test_claim_is_won_by_exactly_one_caller(app, db, reminder_config, recipient):
    reminder_id = _schedule(kinds.PING, recipient)
    now = datetime.now(timezone.utc)
    assert reminders.claim(reminder_id, now) is True
    assert reminders.claim(reminder_id, now) is False
    db.session.rollback()


def test_a_reminder_not_yet_due_is_not_sent_early(app, db, reminder_config, recipient):
    reminder_id = _schedule(kinds.PING, recipient, due_at=datetime.now(timezone.utc) + timedelta(hours=1))
    assert deliver(reminder_id) == "not pending"
    assert _notifications(recipient.id) == []


def test_messages_never_carry_id_or_phone_numbers(app, db, redis_conn, reminder_config, recipient, outbox, smtp):
    reminder_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    reminder_id = _schedule(kinds.CANARY, recipient)
    deliver(reminder_id)
    [note] = _notifications(recipient.id)
    channels_text = [note.title, note.body, *(f"{x['title']} {x['body']}" for x in kinds.outbox_lines(outbox)),
                     *(m.decode("utf-8", "replace") for m in smtp.handler.messages)]
    assert len(channels_text) == 4
    for text in channels_text:
        assert kinds.CANARY_PHONE not in text and kinds.CANARY_ID not in text
    assert "138****5678" in note.title and "110101********1234" in note.body


@pytest.mark.parametrize("text, expected", [
    ("电话 13812345678", "电话 138****5678"),
    ("电话 +86 138-1234-5678。", "电话 138****5678。"),
    ("身份证 11010119900307123X", "身份证 110101********123X"),
    ("座机 010-87654321", "座机 010-****4321"),
    ("投诉 TS-2026-000123 已超时", "投诉 TS-2026-000123 已超时"),  # serial numbers stay
    ("2026-10-08 16:00", "2026-10-08 16:00"),
])
def test_scrub_masks_phones_and_id_numbers_only(text, expected):
    assert reminders.scrub(text) == expected


# --- SMTP with retries ------------------------------------------------------------------------------

class FlakySMTP:
    """Answers the message with ``replies`` in turn (then 250), and keeps what it accepted."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.calls = 0
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.calls += 1
        if self.replies:
            return self.replies.pop(0)
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture()
def smtp_server():
    from aiosmtpd.controller import Controller

    started = []

    def start(replies=()):
        controller = Controller(FlakySMTP(replies), hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture()
def smtp(smtp_server):
    return smtp_server()


def test_smtp_failing_twice_then_working_delivers_on_the_third_attempt(app, db, redis_conn, reminder_config,
                                                                       recipient, smtp_server):
    server = smtp_server(["451 4.3.0 Try again later", "451 4.3.0 Try again later"])
    reminder_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    reminder_id = _schedule(kinds.PING, recipient)
    run_sweep("sweep", "sweep")
    run_worker_inline(app)
    db.session.expire_all()
    row = db.session.get(Reminder, reminder_id)
    email = next(d for d in row.deliveries if d.channel == "email")
    assert server.handler.calls == 3 and len(server.handler.messages) == 1
    assert row.status == ReminderStatus.SENT and row.attempts == 3
    assert email.status == "sent" and email.attempts == 3
    assert len(_notifications(recipient.id)) == 1  # the bell was not repeated by the retries
    message = server.handler.messages[0].decode()
    assert f"Message-ID: <reminder-{reminder_id}@" in message and "/test/1" in message


def test_a_permanent_smtp_failure_is_not_retried_and_lands_in_the_failed_registry(app, db, redis_conn, reminder_config,
                                                                                  recipient, smtp_server):
    from rq.registry import FailedJobRegistry

    server = smtp_server(["550 5.1.1 No such user"])
    reminder_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    reminder_id = _schedule(kinds.PING, recipient)
    run_sweep("sweep", "sweep")
    run_worker_inline(app)
    db.session.expire_all()
    row = db.session.get(Reminder, reminder_id)
    assert server.handler.calls == 1
    assert row.status == ReminderStatus.FAILED and "550" in row.last_error and row.attempts == 1
    # handed to a worker at commit, under the row's first job id
    assert FailedJobRegistry(queue=get_queue()).get_job_ids() == [f"reminder-{reminder_id}-first"]
    assert run_sweep("sweep", "sweep")["enqueued"] == 0  # a failed reminder is not picked up again


def test_an_smtp_server_that_keeps_failing_gives_up_after_the_retries(app, db, redis_conn, reminder_config, recipient,
                                                                      smtp_server):
    from rq.registry import FailedJobRegistry

    server = smtp_server(["421 4.3.2 Busy"] * 10)
    reminder_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    reminder_id = _schedule(kinds.PING, recipient)
    run_sweep("sweep", "sweep")
    run_worker_inline(app)
    db.session.expire_all()
    row = db.session.get(Reminder, reminder_id)
    assert server.handler.calls == 4  # the first try and RQ's three retries
    assert row.status == ReminderStatus.FAILED and row.attempts == 4
    assert len(FailedJobRegistry(queue=get_queue())) == 1
    assert len(_notifications(recipient.id)) == 1


def test_users_choose_which_kinds_reach_them_by_email(app, db, redis_conn, reminder_config, recipient, smtp):
    reminder_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    reminders.set_email_choices(recipient, [])
    db.session.commit()
    reminder_id = _schedule(kinds.PING, recipient)
    deliver(reminder_id)
    assert smtp.handler.messages == []
    assert len(_notifications(recipient.id)) == 1
    assert db.session.scalar(select(ReminderDelivery.channel).where(ReminderDelivery.reminder_id == reminder_id)) \
        == "portal"


# --- the group webhook ------------------------------------------------------------------------------

@pytest.fixture()
def webhook():
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            body = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/robot/send?key=test", received
    server.shutdown()


def test_the_group_webhook_gets_one_text_message_per_object_not_per_recipient(app, db, org, reminder_config,
                                                                              recipient, webhook):
    from tests import factories as f

    url, received = webhook
    reminder_config["WEBHOOK_URL"] = url
    other = f.make_user(org.group, f.Role.LEADER)
    ids = reminders.schedule(kinds.GROUP, "test", 5, [recipient, other], due_at=datetime.now(timezone.utc))
    db.session.commit()
    for reminder_id in ids:
        deliver(reminder_id)
    assert len(received) == 1
    assert received[0]["msgtype"] == "text" and received[0]["text"]["content"].startswith("重大投诉 #5")
    statuses = sorted(d.status for d in db.session.scalars(
        select(ReminderDelivery).where(ReminderDelivery.channel == "webhook")))
    assert statuses == ["sent", "skipped"]
    assert all(db.session.get(Reminder, i).status == ReminderStatus.SENT for i in ids)


def test_a_private_message_reaches_its_recipients_but_not_the_group(app, db, org, reminder_config, recipient,
                                                                     webhook):
    """A 举报's reminders go to the people who may open it; the group chat may hold the person
    it is about, so the webhook gets nothing (``Message.to_group``)."""
    url, received = webhook
    reminder_config["WEBHOOK_URL"] = url
    ids = reminders.schedule(kinds.GROUP_PRIVATE, "test", 6, [recipient], due_at=datetime.now(timezone.utc))
    db.session.commit()
    for reminder_id in ids:
        deliver(reminder_id)
    assert received == []
    assert [n.title for n in _notifications(recipient.id)] == ["举报 #6"]
    assert db.session.scalars(select(ReminderDelivery.channel).where(ReminderDelivery.reminder_id == ids[0])).all() \
        == ["portal"]

