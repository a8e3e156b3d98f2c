"""Fixtures for the reminder tests: test kinds, a private Redis, worker subprocesses, a user."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tests.reminders.kinds  # noqa: F401  (registers the test kinds and the file channel)
from portal.auth.permissions import Role
from portal.jobs import forget_redis_status
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def reminder_config(app):
    """Retries without waiting and a short claim lease, restored afterwards."""
    keys = ("REMINDER_RETRY_INTERVALS", "REMINDER_CLAIM_LEASE_SECONDS", "MAIL_SERVER", "MAIL_PORT", "WEBHOOK_URL",
            "REDIS_URL")
    saved = {k: app.config[k] for k in keys if k in app.config}
    app.config.update(REMINDER_RETRY_INTERVALS=[0, 0, 0], REMINDER_CLAIM_LEASE_SECONDS=2, MAIL_SERVER=None,
                      WEBHOOK_URL=None)
    forget_redis_status()
    yield app.config
    # keys that were not set go away again (a None left behind would replace the job's defaults)
    for k in keys:
        app.config.pop(k, None)
    app.config.update(saved)
    forget_redis_status()


@pytest.fixture()
def outbox(tmp_path, monkeypatch):
    path = tmp_path / "outbox.jsonl"
    monkeypatch.setenv("W7_OUTBOX", str(path))
    return path


@pytest.fixture()
def recipient(org):
    return f.make_user(org.center, Role.CENTER_STAFF, email="staff@example.com")


class PrivateRedis:
    """A throw-away redis-server on a free port: the only Redis these tests stop or kill."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server is needed for the degraded-mode and crash tests")
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.workdir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url).ping():
                    forget_redis_status()
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        pytest.fail("the private redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
        forget_redis_status()


@pytest.fixture()
def private_redis(tmp_path, reminder_config):
    server = PrivateRedis(tmp_path)
    server.start()
    reminder_config["REDIS_URL"] = server.url
    yield server
    server.stop()


def worker_config(app) -> dict:
    keys = ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_PATH", "REMINDER_RETRY_INTERVALS",
            "REMINDER_CLAIM_LEASE_SECONDS", "MAIL_SERVER", "MAIL_PORT", "WEBHOOK_URL")
    cfg = {k: app.config.get(k) for k in keys}
    cfg.update(ENV="testing", SECRET_KEY="test-secret", TESTING=True)
    return cfg


def start_worker(app) -> subprocess.Popen:
    """A real RQ worker (burst mode) in a subprocess, on the test's database and Redis."""
    env = {**os.environ, "W7_APP_CONFIG": json.dumps(worker_config(app)), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.reminders.worker_main"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def run_worker(app, timeout: float = 60) -> str:
    proc = start_worker(app)
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out.decode(errors="replace")
    return out.decode(errors="replace")


def run_worker_inline(app) -> None:
    """A SimpleWorker in this process (faster; jobs reuse the test's app context)."""
    from rq import SimpleWorker

    from portal.jobs import get_queue, redis_connection

    conn = redis_connection()
    SimpleWorker([get_queue(conn)], connection=conn).work(burst=True)
