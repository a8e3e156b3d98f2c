"""Journeys in a real browser: Playwright driving Debian's Chromium against a real gunicorn
server on 127.0.0.1, with the demo data on its own PostgreSQL database and a real RQ worker
(run in burst mode when a journey needs its jobs done).

Chromium is required: when /usr/bin/chromium is missing the journeys fail with a clear message.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_DB_NAME, REDIS_URL, ensure_pg_database, pg_url

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
DEMO_PASSWORD = "Fuwu@Zhongxin-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _journey_redis_url() -> str:
    """The journeys' server and worker use the Redis database two below the tests' own (13 → 11
    by default), so two runs given different PORTAL_TEST_REDIS_URL never share a queue."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(REDIS_URL)
    db_number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db_number - 2) % 16}"))


@pytest.fixture(scope="session")
def e2e_env(tmp_path_factory):
    name = f"{PG_DB_NAME}_e2e"
    ensure_pg_database(name)
    engine = sa.create_engine(pg_url(name))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = dict(os.environ)
    env.update({
        "PORTAL_ENV": "development",
        "PORTAL_SECRET_KEY": "e2e-secret-key-not-for-production",
        "PORTAL_DATABASE_URL": pg_url(name),
        "PORTAL_REDIS_URL": _journey_redis_url(),
        "PORTAL_INSTANCE_PATH": str(instance),
        "FLASK_APP": "wsgi",
    })
    flask = [sys.executable, "-m", "flask"]
    subprocess.run(flask + ["init-db"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    return env


@pytest.fixture(scope="session")
def base_url(e2e_env):
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    log = open(ARTIFACTS.parent / "e2e-server.log", "w") if ARTIFACTS.parent.mkdir(parents=True, exist_ok=True) is None else None
    proc = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
                            env=e2e_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("gunicorn exited; see test-artifacts/e2e-server.log")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the portal did not start within 20 s")
    yield url
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture(scope="session")
def run_jobs(e2e_env):
    """Run the periodic sweep once and a real RQ worker in burst mode until the queue is empty."""

    def _run():
        flask = [sys.executable, "-m", "flask"]
        subprocess.run(flask + ["scheduler", "--once"], env=e2e_env, cwd=ROOT, check=True, capture_output=True,
                       timeout=120)
        subprocess.run(flask + ["worker", "--burst"], env=e2e_env, cwd=ROOT, check=True, capture_output=True,
                       timeout=300)

    return _run


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required for the journeys and was not found at {CHROMIUM}: "
                    "apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Journey:
    """A browser context for one person, with numbered screenshots and dialog detection."""

    def __init__(self, browser, base_url: str, name: str):
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base_url = base_url
        self.dir = ARTIFACTS / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.shots = 0
        self.dialogs: list[str] = []
        self.confirms: list[str] = []
        self.expected_confirms: set[str] = set()
        self.page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog):
        # A confirmation the journey asked for (``accept_confirm``) is accepted and kept apart;
        # any other dialog (an XSS canary's alert) is recorded in ``dialogs`` and dismissed.
        if dialog.type == "confirm" and dialog.message in self.expected_confirms:
            self.confirms.append(dialog.message)
            dialog.accept()
            return
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def accept_confirm(self, message: str):
        """Accept the portal's own ``data-confirm`` question with this exact text."""
        self.expected_confirms.add(message)

    def go(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def shot(self, label: str):
        self.shots += 1
        safe = re.sub(r"[^\w-]+", "-", label)
        self.page.screenshot(path=str(self.dir / f"{self.shots:02d}-{safe}.png"), full_page=True)

    def login(self, username: str, password: str = DEMO_PASSWORD):
        self.go("/auth/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("form button[type=submit]")
        self.page.wait_for_load_state()

    def logout(self):
        self.context.clear_cookies()

    def close(self):
        self.context.close()


@pytest.fixture()
def journey(browser, base_url, request):
    opened = []

    def _open(name: str | None = None) -> Journey:
        j = Journey(browser, base_url, f"{request.node.name}{'-' + name if name else ''}")
        opened.append(j)
        return j

    yield _open
    for j in opened:
        j.close()


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
