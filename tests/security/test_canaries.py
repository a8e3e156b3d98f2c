"""Canaries: a customer with a known ID number and phones, and a complaint whose complainant
gives a known phone, go through the portal's forms (registration, purchase, complaint of 10
people reported to leaders, resolution, revisit plan, emergency call dispatched, reveal, an
access request granted, an import, a reminder). The unmasked values then never appear where the
role may not see them: any page or htmx fragment any role can GET, the Excel exports, the
notifications, the audit log (every column), the application's log records, or the arguments of
the RQ jobs those actions enqueued.

Where the unmasked values may appear, and why: the archive's edit form (center staff who edit
the record must see what they edit), and the answers to the explicit, audited reveal POSTs."""
from __future__ import annotations

import io
import logging
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.permissions import Perm
from portal.extensions import db as _db
from portal.models import AuditEvent, Customer, Notification, OrgUnit, Project, User
from portal.models.complaint import Complaint
from portal.models.reception import Contact
from portal.models.revisit import RevisitPlan
from portal.services.clock import now_utc, to_local
from tests.security.routes import routes, sample_url

CANARY_ID = "110101198802296653"  # 29 Feb 1988, GB 11643 check digit 3
CANARY_PHONE = "13987650001"
CANARY_PHONE2 = "13687650003"
CANARY_COMPLAINANT_PHONE = "13787650002"
CANARIES = (CANARY_ID, CANARY_PHONE, CANARY_PHONE2, CANARY_COMPLAINANT_PHONE)
CUSTOMER_NAME = "金丝雀业主"
COMPLAINANT = "金丝雀投诉人"

# (endpoint, permission that allows the unmasked values there)
ALLOWED = {"archives.customer_edit": Perm.ARCHIVE_WRITE}
CRAWLERS = ["admin", "kefu", "zhuren", "lingdao", "fgs1_lingdao", "fgs1_kefu", "gongcheng", "yingxiao"]


def _check_digit_ok(id_number: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(id_number, weights)) % 11] == id_number[-1]


def _user(name: str) -> User:
    return _db.session.scalar(sa.select(User).where(User.username == name))


def _found(text: str) -> list[str]:
    return [c for c in CANARIES if c in text]


def _body(resp) -> str:
    data = resp.get_data()
    if data[:2] == b"PK":  # an .xlsx: every XML part (shared strings, sheets, properties)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return data.decode("utf-8", "replace")


def _ok(resp, what):
    assert resp.status_code in (200, 302), (what, resp.status_code, resp.get_data(as_text=True)[:500])


@pytest.fixture()
def seeded(app, client, demo, login, csrf_off, redis_conn):
    """The canaries, entered through the views as staff would."""
    assert _check_digit_ok(CANARY_ID)
    kefu, zhuren, branch, leader = _user("kefu"), _user("zhuren"), _user("fgs1_kefu"), _user("fgs1_lingdao")
    project = _db.session.scalar(sa.select(Project).where(Project.name == "阳光花园"))
    engineering = _db.session.scalar(sa.select(OrgUnit).where(OrgUnit.name == "工程部"))
    category_id = _db.session.scalar(sa.text("SELECT id FROM complaint_category ORDER BY sort_order LIMIT 1"))
    local_now = to_local(now_utc() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")

    login(client, kefu)
    _ok(client.post("/archives/customers/new", data={
        "kind": "owner", "name": CUSTOMER_NAME, "id_number": CANARY_ID, "phone1": CANARY_PHONE,
        "phone2": CANARY_PHONE2, "archive_year": "2026", "prospect_project_id": "0"}), "customer")
    customer = _db.session.scalar(sa.select(Customer).where(Customer.id_number == CANARY_ID))
    assert customer is not None
    _ok(client.post(f"/archives/customers/{customer.id}/purchases/new", data={
        "project_id": project.id, "building": "9", "room": "901",
        "signing_date": (to_local(now_utc()).date() - timedelta(days=2)).isoformat()}), "purchase")
    _ok(client.post(f"/archives/customers/{customer.id}/reveal", data={"field": "id_number"}), "reveal id")

    _ok(client.post("/complaints/new", data={
        "received_at": local_now, "channel": "phone", "complainant_name": COMPLAINANT,
        "complainant_phone": CANARY_COMPLAINANT_PHONE, "customer_id": customer.id, "project_id": project.id,
        "category_id": category_id, "subject": "金丝雀集体投诉", "description": "十户业主集体投诉",
        "people_count": "10", "responsible_unit_id": engineering.id, "handler_id": "0",
        "complained_staff_id": "0"}), "complaint")
    complaint = _db.session.scalar(sa.select(Complaint).where(Complaint.complainant_name == COMPLAINANT))
    assert complaint is not None and complaint.severity.value == "major"
    _ok(client.post(f"/complaints/{complaint.id}/reveal"), "reveal phone")
    _ok(client.post(f"/complaints/{complaint.id}/start"), "start")
    _ok(client.post(f"/complaints/{complaint.id}/resolve", data={"resolution": "已修复", "cause_analysis": "施工"}),
        "resolve")
    plan = _db.session.scalar(sa.select(RevisitPlan).where(RevisitPlan.complaint_id == complaint.id))
    assert plan is not None and plan.contact_phone == CANARY_COMPLAINANT_PHONE
    _ok(client.post(f"/revisits/{plan.id}/phone"), "revisit reveal")

    _ok(client.post("/reception/new", data={
        "channel": "phone", "received_at": local_now, "customer_id": "", "customer_name": COMPLAINANT,
        "customer_phone": CANARY_COMPLAINANT_PHONE, "project_id": project.id, "room": "9-901", "category": "repair",
        "urgency": "emergency", "content": "金丝雀紧急报修", "handling_unit_id": engineering.id,
        "praised_unit_id": "0"}), "contact")
    contact = _db.session.scalar(sa.select(Contact).where(Contact.customer_phone == CANARY_COMPLAINANT_PHONE))
    due = to_local(now_utc() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    _ok(client.post(f"/reception/{contact.id}/dispatch", data={
        "unit_id": engineering.id, "instructions": "上门", "due_at": due, "repair_type": "water_leak"}), "dispatch")

    # an import large enough to go to an RQ job, full of canaries
    rows = ["姓名,身份证号,电话1"] + [f"{CUSTOMER_NAME},{CANARY_ID},{CANARY_PHONE}"] * 9000
    upload = io.BytesIO("\n".join(rows).encode())
    _ok(client.post("/archives/imports", data={"source": "marketing", "year": "2026",
                                               "file": (upload, "canary.csv")},
                    content_type="multipart/form-data"), "import")

    login(client, branch)
    _ok(client.post("/archives/requests/new", data={
        "scope": "customer", "customer_id": customer.id, "project_id": "0", "period_days": "7",
        "wants_export": "y", "reason": "核对金丝雀客户"}), "access request")
    request_id = _db.session.scalar(sa.text("SELECT max(id) FROM archive_access_request"))
    login(client, leader)
    _ok(client.post(f"/archives/requests/{request_id}/decide", data={"decision": "approve", "comment": ""}),
        "approve")

    # a reminder due now goes to a worker right after the commit; the sweep job is enqueued too
    from portal.jobs.schedule import tick
    from portal.services import org, reminders

    reminders.schedule("complaint.major_created", "complaint", complaint.id, org.group_leaders(), due_at=now_utc())
    _db.session.commit()
    tick(app)
    return {"customer_id": customer.id, "complaint_id": complaint.id, "contact_id": contact.id,
            "plan_id": plan.id, "request_id": request_id, "work_order_id": contact.work_orders[0].id,
            "purchase_id": customer.purchases[0].id}


def _crawl(app, client, login, ids) -> list[tuple]:
    leaks = []
    searches = [f"/archives/?q={CUSTOMER_NAME}", f"/complaints/?q={COMPLAINANT}", f"/reception/?q={COMPLAINANT}",
                f"/revisits/?q={COMPLAINANT}", f"/revisits/?q={CANARY_PHONE}", f"/complaints/customers?q={CUSTOMER_NAME}",
                f"/reception/customers/search?customer_q={CUSTOMER_NAME}", "/archives/export",
                f"/archives/export?q={CUSTOMER_NAME}", "/revisits/?view=upcoming", "/notifications"]
    for username in CRAWLERS:
        user = _user(username)
        urls = [(rule.endpoint, sample_url(rule, ids)) for rule in routes(app, "GET")]
        urls += [(None, u) for u in searches]
        for endpoint, url in urls:
            for headers in ({}, {"HX-Request": "true"}):
                login(client, user)
                resp = client.get(url, headers=headers)
                assert resp.status_code < 500, (username, url, resp.status_code)
                # a value the user typed into a search comes back in the search box: not a leak
                shown = [c for c in _found(_body(resp)) if c not in url]
                allowed = endpoint in ALLOWED and user.can(ALLOWED[endpoint])
                if shown and not allowed:
                    leaks.append((username, url, headers, resp.status_code, shown))
    return leaks


def test_canaries_never_appear_unmasked_where_the_role_may_not_see_them(app, client, login, seeded, redis_conn,
                                                                        caplog):
    caplog.set_level(logging.DEBUG)
    from rq import Queue
    from rq.job import Job
    from rq.registry import DeferredJobRegistry, ScheduledJobRegistry

    # RQ: what the actions enqueued, before a worker runs it
    queue = Queue(app.config["RQ_QUEUE"], connection=redis_conn)
    job_ids = set(queue.job_ids) | set(ScheduledJobRegistry(queue=queue).get_job_ids()) | set(
        DeferredJobRegistry(queue=queue).get_job_ids())
    assert len(job_ids) >= 2, job_ids  # the import check and the reminder delivery at least
    for job in Job.fetch_many(list(job_ids), connection=redis_conn):
        seen = repr((job.func_name, job.args, job.kwargs, job.description, job.meta))
        assert not _found(seen), seen
    from rq import SimpleWorker

    SimpleWorker([queue], connection=redis_conn).work(burst=True)

    leaks = _crawl(app, client, login, seeded)
    assert leaks == [], "\n".join(map(str, leaks))

    # the grant's export is masked too (the grant asked for export)
    login(client, _user("fgs1_kefu"))
    resp = client.get(f"/archives/requests/{seeded['request_id']}/export")
    assert resp.status_code == 200 and _body(resp).count("****") > 0 and not _found(_body(resp))

    notes = _db.session.scalars(sa.select(Notification)).all()
    assert any(n.object_id == seeded["complaint_id"] for n in notes)  # the major complaint reached the leaders
    for n in notes:
        assert not _found(f"{n.title} {n.body} {n.link}"), n.title

    table = AuditEvent.__table__
    with _db.engine.connect() as conn:
        rows = conn.execute(sa.select(table)).all()
    assert len(rows) > 50
    for row in rows:
        assert not _found(repr(tuple(row))), row

    assert len(caplog.records) > 0
    assert not _found(caplog.text), [r.getMessage() for r in caplog.records if _found(r.getMessage())]
