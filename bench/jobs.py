"""The two background-job measurements of ``make bench``, run in-process on the bench database.

- ``time_sweep``: one sweep of the database as seeded (its own overdue items; timed apart),
  then COPY ``n`` due, pending reminders (for seeded revisit plans, to center staff) and run the
  real sweep (``portal.jobs.reminders.run_sweep``) until every due reminder has been
  handed to RQ (Redis db 14, no worker running) and time it. The rows and the queue are removed
  afterwards.
- ``time_import``: write an ``n``-row Excel file with openpyxl (new owners, valid ID numbers),
  then check it and import it through ``portal.services.archive_import`` exactly as the RQ jobs
  do, timing each half. The imported owners are deleted afterwards so the next run starts equal.
"""
from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text

BENCH_KEY = "bench|"
IMPORT_REGION = "652800"  # no seeded customer has it: the import's owners are all new


def _redis_flush(app) -> None:
    from portal.jobs import redis_connection

    with app.app_context():
        redis_connection().flushdb()  # the bench's own Redis database (PORTAL_REDIS_URL, db 14)


def time_sweep(app, n: int, budget_seconds: float = 300) -> dict:
    from portal.extensions import db
    from portal.jobs.reminders import run_sweep
    from portal.services.reminders import SCHEDULE_SWEEP

    _redis_flush(app)
    # First a sweep of the database as it is: the seeded data has tens of thousands of overdue
    # items whose reminders the sweepers write and enqueue. Timed and reported on its own, so
    # the measured sweep below hands exactly the n bench reminders to RQ.
    t_settle = time.monotonic()
    with app.app_context():
        settle = run_sweep(SCHEDULE_SWEEP, "bench_sweep", now=datetime.now(timezone.utc))
    settle_seconds = time.monotonic() - t_settle
    with app.app_context():
        raw = db.session.connection().connection.driver_connection
        staff = [r[0] for r in db.session.execute(text(
            "SELECT DISTINCT user_id FROM user_role WHERE role = 'center_staff' ORDER BY 1"))]
        plans = [r[0] for r in db.session.execute(text(
            "SELECT id FROM revisit_plan ORDER BY id DESC LIMIT :n"), {"n": n})]
        db.session.commit()
        now = datetime.now(timezone.utc)
        with raw.cursor() as cur:
            cur.execute("DELETE FROM reminder WHERE dedupe_key LIKE 'bench|%%'")
            with cur.copy("COPY reminder (kind, object_type, object_id, recipient_id, occurrence, dedupe_key, due_at, "
                          "status, attempts, created_at) FROM STDIN") as cp:
                for i in range(n):
                    plan = plans[i % len(plans)]
                    user = staff[i % len(staff)]
                    due = (now - timedelta(seconds=60 + i)).isoformat()
                    cp.write_row(("revisit.overdue", "revisit_plan", plan, user, f"b{i}",
                                  f"{BENCH_KEY}revisit.overdue|revisit_plan|{plan}|{user}|{i}", due, "pending", 0,
                                  now.isoformat()))
        raw.commit()
        db.session.execute(text("ANALYZE reminder"))
        db.session.commit()
    sweeps = enqueued = 0
    t0 = time.monotonic()
    with app.app_context():
        while time.monotonic() - t0 < budget_seconds:
            result = run_sweep(SCHEDULE_SWEEP, "bench_sweep", now=now)
            sweeps += 1
            enqueued += result["enqueued"]
            if result["enqueued"] == 0 or enqueued >= n:
                break
        seconds = time.monotonic() - t0
        waiting = db.session.execute(text(
            "SELECT count(*) FROM reminder WHERE dedupe_key LIKE 'bench|%%' AND status = 'pending' AND job_id IS NULL"
        )).scalar()
        db.session.execute(text("DELETE FROM reminder WHERE dedupe_key LIKE 'bench|%%'"))
        db.session.execute(text("DELETE FROM periodic_run WHERE name = 'bench_sweep'"))
        db.session.commit()
    _redis_flush(app)
    return {"due": n, "seconds": round(seconds, 2), "sweeps": sweeps, "enqueued": enqueued,
            "never_enqueued": waiting, "complete": waiting == 0,
            "first_sweep_of_the_database": {"seconds": round(settle_seconds, 2), **settle}}


def _id_number(birthday: date, seq: int) -> str:
    from portal.bench.seed import id_number

    return id_number(IMPORT_REGION, birthday, seq)


def write_workbook(path, n: int, project_name: str) -> None:
    from openpyxl import Workbook

    from portal.bench.seed import mobile
    from portal.services.archive_import import COLUMNS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("业主")
    ws.append([c.header for c in COLUMNS])
    first = date(1960, 1, 1)
    for i in range(n):
        birthday = first + timedelta(days=i // 400)
        male = i % 2 == 0
        seq = (i % 400) * 2 + (1 if male else 2)
        values = {
            "name": "导入" + "王李张刘陈杨黄赵"[i % 8] + "伟芳娜敏静丽强磊"[i // 8 % 8],
            "id_number": _id_number(birthday, seq), "gender": "男" if male else "女",
            "birthday": birthday.isoformat(), "phone1": mobile(60_000_000 + i), "address": "乌鲁木齐市天山区人民路1号",
            "project_id": project_name, "building": f"导入{i // 480 + 1}栋",
            "room": f"{i % 480 // 120 + 1}-{i % 120 // 4 + 2}{i % 4 + 1:02d}", "property_nature": "商品房",
            "property_type": "住宅", "floor_area": "98.5", "unit_price": "8500", "total_price": "837250",
            "signing_date": (date(2024, 1, 1) + timedelta(days=i % 600)).isoformat(),
            "handover_date": (date(2024, 1, 1) + timedelta(days=i % 600 + 240)).isoformat(),
        }
        ws.append([values.get(c.key, "") for c in COLUMNS])
    wb.save(path)


def _delete_imported(db) -> None:
    like = {"p": IMPORT_REGION + "%"}
    ids = "SELECT id FROM customer WHERE id_number LIKE :p"
    for sql in (f"DELETE FROM revisit_plan WHERE customer_id IN ({ids}) OR purchase_id IN "
                f"(SELECT id FROM purchase WHERE customer_id IN ({ids}))",
                f"DELETE FROM customer_quality_basis WHERE customer_id IN ({ids})",
                f"DELETE FROM customer_change WHERE customer_id IN ({ids})",
                f"DELETE FROM archive_read_log WHERE customer_id IN ({ids})",
                f"DELETE FROM purchase WHERE customer_id IN ({ids})",
                "DELETE FROM customer WHERE id_number LIKE :p"):
        db.session.execute(text(sql), like)
    db.session.commit()


def time_import(app, n: int) -> dict:
    from portal.extensions import db
    from portal.models import ArchiveImport, ImportSource, ImportStatus, Project, User
    from portal.services import archive_import

    with app.app_context():
        _delete_imported(db)
        project = db.session.scalar(db.select(Project).order_by(Project.id))
        user = db.session.scalar(db.select(User).where(User.username == "kefu"))
        stored = f"bench-{uuid.uuid4().hex}.xlsx"
        path = archive_import.import_dir() / stored
        t0 = time.monotonic()
        write_workbook(path, n, project.name)
        generate = time.monotonic() - t0
        imp = ArchiveImport(source=ImportSource.MARKETING, year=date.today().year, filename="bench.xlsx",
                            stored_name=stored, size=path.stat().st_size, created_by_id=user.id)
        db.session.add(imp)
        db.session.commit()
        t1 = time.monotonic()
        checked = archive_import.check_import(imp)
        db.session.commit()
        t2 = time.monotonic()
        applied = archive_import.run_import(imp, user) if imp.status == ImportStatus.VALID else None
        db.session.commit()
        t3 = time.monotonic()
        result = {"rows": n, "file_mb": round(path.stat().st_size / 1e6, 1), "generate_seconds": round(generate, 1),
                  "check_seconds": round(t2 - t1, 2), "write_seconds": round(t3 - t2, 2),
                  "seconds": round(t3 - t1, 2), "errors": checked.errors[:5] if checked else "unreadable",
                  "inserted": applied.inserted if applied else 0}
        for p in (path, path.with_name(path.name + ".checked.json")):
            p.unlink(missing_ok=True)
        db.session.delete(imp)
        db.session.commit()
        _delete_imported(db)
    return result
