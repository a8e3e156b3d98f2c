"""A worker killed mid-job, and Redis stopped: nothing is lost, nothing is sent twice, and the
portal keeps serving. Only a private redis-server started by the test is stopped or killed."""
from __future__ import annotations

import os
import signal
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.auth.permissions import Role
from portal.extensions import db
from portal.jobs import get_queue
from portal.jobs.reminders import run_sweep
from portal.models import Notification, Reminder, ReminderStatus, User
from portal.services import reminders
from tests import factories as f
from tests.reminders import kinds
from tests.reminders.conftest import run_worker, run_worker_inline, start_worker


def _wait_for(path, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            pytest.fail(f"{path} did not appear")
        time.sleep(0.05)


def _notes(user_id):
    db.session.expire_all()
    return db.session.scalars(select(Notification).where(Notification.user_id == user_id)).all()


@pytest.mark.slow
def test_worker_killed_mid_job_neither_loses_nor_repeats_the_reminder(app, db, private_redis, recipient, outbox,
                                                                      tmp_path, monkeypatch):
    block = tmp_path / "block"
    block.write_text("hold")
    monkeypatch.setenv("W7_BLOCK", str(block))
    # a lease long enough that a slow (busy) machine cannot outlast it before the first sweep
    monkeypatch.setitem(app.config, "REMINDER_CLAIM_LEASE_SECONDS", 30)
    [reminder_id] = reminders.schedule(kinds.PING, "test", 11, [recipient],
                                       due_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    db.session.commit()  # handed to the (private) Redis at commit
    assert get_queue().count == 1

    worker = start_worker(app)
    _wait_for(f"{block}.entered")  # the worker is inside the channel send, holding the claim
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    assert worker.returncode == -signal.SIGKILL

    db.session.expire_all()
    row = db.session.get(Reminder, reminder_id)
    assert row.status == ReminderStatus.CLAIMED and row.attempts == 1
    assert kinds.outbox_lines(outbox) == []  # the killed job sent nothing on the blocked channel
    assert len(_notes(recipient.id)) == 1  # the bell went out before the kill, in its own transaction

    # While the claim's lease runs, a sweep leaves it alone; after it, the sweep takes it back.
    assert run_sweep("sweep", "sweep")["reclaimed"] == 0
    block.unlink()
    later = datetime.now(timezone.utc) + timedelta(seconds=31)
    result = run_sweep("sweep", "sweep", now=later)
    assert result["reclaimed"] == 1 and result["enqueued"] == 1

    run_worker(app)
    run_sweep("sweep", "sweep", now=later + timedelta(minutes=5))
    run_worker(app)  # any leftover copy of the old job finds nothing to do
    db.session.expire_all()
    row = db.session.get(Reminder, reminder_id)
    assert row.status == ReminderStatus.SENT and row.attempts == 2
    assert [line["reminder"] for line in kinds.outbox_lines(outbox)] == [reminder_id]
    assert len(_notes(recipient.id)) == 1


@pytest.fixture()
def admin_client(app, client, org, login):
    app.config["WTF_CSRF_ENABLED"] = False
    admin = f.make_user(org.center, Role.ADMIN, username="root7")
    login(client, admin)
    yield client
    app.config["WTF_CSRF_ENABLED"] = True


BANNER = "提醒已延迟"


@pytest.mark.slow
def test_with_redis_stopped_the_portal_serves_and_reminders_wait_until_it_returns(app, db, org, private_redis,
                                                                                  admin_client, recipient):
    assert BANNER not in admin_client.get("/notifications").get_data(as_text=True)
    private_redis.stop()

    started = time.monotonic()
    resp = admin_client.post("/admin/users/new", data={
        "username": "wang.fang", "display_name": "王芳", "email": "", "org_unit_id": org.center.id,
        "roles": ["center_staff"], "leads_org_unit_id": 0, "active": "y", "password": "Blue-Lantern-Harbor-7"})
    assert resp.status_code == 302
    assert db.session.scalar(select(User).where(User.username == "wang.fang")) is not None
    # a business change that makes reminders due at once, committed while Redis is away
    ids = reminders.schedule(kinds.PING, "test", 21, [recipient], due_at=datetime.now(timezone.utc))
    ids += reminders.schedule(kinds.PING, "test", 22, [recipient], due_at=datetime.now(timezone.utc))
    db.session.commit()
    for path in ("/", "/notifications", "/notifications/bell", "/notifications/preferences", "/admin/users",
                 "/admin/jobs"):
        page = admin_client.get(path)
        assert page.status_code == 200, path
    assert BANNER in admin_client.get("/notifications").get_data(as_text=True)
    assert "无法连接" in admin_client.get("/admin/jobs").get_data(as_text=True)
    assert time.monotonic() - started < 5  # no request waited on Redis timeouts

    staff_client = app.test_client()
    from tests.conftest import PortalClient  # noqa: F401  (same client class as the fixture)

    with staff_client.session_transaction() as sess:
        now = datetime.now(timezone.utc).timestamp()
        sess.update({"_user_id": recipient.get_id(), "_fresh": True, "login_at": now, "last_seen": now})
    assert BANNER not in staff_client.get("/notifications").get_data(as_text=True)  # only admins see it

    assert run_sweep("sweep", "sweep")["enqueued"] == 0  # nowhere to enqueue: the rows wait
    assert all(db.session.get(Reminder, i).status == ReminderStatus.PENDING for i in ids)

    private_redis.start()
    assert run_sweep("sweep", "sweep")["enqueued"] == 2  # the first sweep after Redis returns
    run_worker_inline(app)
    db.session.expire_all()
    assert all(db.session.get(Reminder, i).status == ReminderStatus.SENT for i in ids)
    assert sorted(n.object_id for n in _notes(recipient.id)) == [21, 22]
    assert BANNER not in admin_client.get("/notifications").get_data(as_text=True)
