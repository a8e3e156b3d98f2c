"""Replies to the customer: the first reply is kept when a contact is reopened (the response-time
KPI is not stretched by a reopening), and an emergency can be answered "at once": on the spot,
with the registration, or within the minute it is registered."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.auth.permissions import Role
from portal.models.reception import Contact, ContactCategory, EventKind, ReplyMethod, Urgency
from portal.services import reception, report_figures
from portal.services.clock import now_utc, to_local
from tests import factories as f
from tests.reception.factories import make_contact


@pytest.fixture()
def staff(org):
    return f.make_user(org.center, Role.CENTER_STAFF, username="kefu_reply", display_name="王客服")


def _local(dt) -> str:
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


# --- reopening keeps the first reply ------------------------------------------------------------------

def test_reopening_keeps_the_first_reply_and_the_inquiry_reply_time(db, staff):
    t0 = now_utc() - timedelta(days=12)
    contact = make_contact(staff, received_at=t0, category=ContactCategory.INQUIRY)
    reception.record_reply(contact, "已答复", ReplyMethod.PHONE, by=staff, now=t0 + timedelta(hours=1))
    reception.close_contact(contact, "已答复", ReplyMethod.PHONE, 5, by=staff, now=t0 + timedelta(hours=2))
    db.session.commit()
    reception.reopen(contact, "客户又来电", by=staff, now=t0 + timedelta(days=10))
    assert contact.replied_at is None  # a new reply is owed against the new deadline …
    assert reception.reply_state(contact.reply_due_at, contact.replied_at, contact.is_closed,
                                 t0 + timedelta(days=12)) == "overdue"
    assert contact.first_replied_at == t0 + timedelta(hours=1)  # … the first one stays
    reception.record_reply(contact, "再次答复", ReplyMethod.PHONE, by=staff, now=t0 + timedelta(days=10, hours=1))
    db.session.commit()
    assert contact.replied_at == t0 + timedelta(days=10, hours=1)
    assert contact.first_replied_at == t0 + timedelta(hours=1)
    figure = report_figures.inquiry_reply_time(report_figures.month_period(to_local(t0).date()),
                                               report_figures.Scope())
    assert figure["count"] == 1 and figure["mean_hours"] == pytest.approx(1.0)


def test_closing_without_an_earlier_reply_is_the_first_reply(db, staff):
    contact = make_contact(staff)
    reception.close_contact(contact, "已答复", ReplyMethod.PHONE, 5, by=staff)
    assert contact.first_replied_at == contact.replied_at == contact.closed_at


def test_the_migration_takes_the_first_reply_from_the_timeline(tmp_path):
    """0020_reception_first_reply: a contact reopened before it knows its first reply from its
    earliest reply or closing event; one never reopened from replied_at."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    url = f"sqlite:///{tmp_path / 'first_reply.sqlite3'}"
    app = create_app({"ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade(revision="0018_override_rule")
        db.engine.dispose()
    engine = sa.create_engine(url)  # no foreign-key pragma: bare rows are enough here
    contact = ("INSERT INTO reception_contact (id, serial, channel, received_at, customer_name, category, urgency,"
               " content, responsible_id, created_by_id, created_at, status, reply_due_at, replied_at)"
               " VALUES (:id, :serial, 'phone', '2026-05-01 01:00:00.000000', '客户', 'inquiry', 'general', '咨询',"
               " 1, 1, '2026-05-01 01:05:00.000000', :status, '2026-05-02 01:00:00.000000', :replied)")
    event = ("INSERT INTO reception_event (contact_id, kind, at, user_id)"
             " VALUES (:contact, :kind, :at, 1)")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, where it takes effect
        conn.execute(sa.text(contact), [
            {"id": 1, "serial": "JD-2026-000001", "status": "open", "replied": None},  # reopened
            {"id": 2, "serial": "JD-2026-000002", "status": "closed", "replied": "2026-05-01 03:00:00.000000"},
            {"id": 3, "serial": "JD-2026-000003", "status": "open", "replied": None},  # never answered
        ])
        conn.execute(sa.text(event), [
            {"contact": 1, "kind": "reply", "at": "2026-05-01 02:00:00.000000"},
            {"contact": 1, "kind": "closed", "at": "2026-05-01 02:30:00.000000"},
            {"contact": 1, "kind": "reopened", "at": "2026-05-10 02:00:00.000000"},
        ])
        conn.commit()
    engine.dispose()
    with app.app_context():
        upgrade()
        rows = dict(db.session.execute(sa.text("SELECT id, first_replied_at FROM reception_contact")).all())
        db.engine.dispose()
    assert str(rows[1]).startswith("2026-05-01 02:00:00")
    assert str(rows[2]).startswith("2026-05-01 03:00:00")
    assert rows[3] is None


def _bare_row(conn, table: str, values: dict) -> None:
    """Insert ``values``, filling the table's other NOT NULL columns with a placeholder of their type."""
    for _cid, name, kind, notnull, default, pk in conn.exec_driver_sql(f"PRAGMA table_info({table})").all():
        if notnull and not pk and default is None and name not in values:
            kind = kind.upper()
            values[name] = (0 if any(t in kind for t in ("INT", "BOOL", "FLOAT", "NUMERIC")) else
                            "2026-05-01 00:00:00.000000" if "DATE" in kind or "TIME" in kind else f"x{name}")
    conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"),
                 values)


def test_the_migration_answers_a_contact_its_complaint_answered_and_keeps_it_as_its_first_reply(tmp_path):
    """0021_complaints_fixes: a contact whose complaint had answered the customer is answered then
    (never before the contact was received), and that is its first reply (0020's column); one
    reopened since is left owing its new reply."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    url = f"sqlite:///{tmp_path / 'answered.sqlite3'}"
    app = create_app({"ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(tmp_path)})
    with app.app_context():
        upgrade(revision="0020_reception_first_reply")
        db.engine.dispose()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for cid, replied in ((1, "2026-05-01 05:00:00.000000"), (2, "2026-04-30 09:00:00.000000"), (3, None)):
            _bare_row(conn, "complaint", {"id": cid, "serial": f"TS-2026-00000{cid}", "first_replied_at": replied})
        for kid, cid in ((1, 1), (2, 2), (3, 3), (4, 1), (5, 1)):
            _bare_row(conn, "reception_contact", {"id": kid, "serial": f"JD-2026-00000{kid}", "complaint_id": cid,
                                                  "received_at": "2026-05-01 01:00:00.000000", "replied_at": None})
        # contact 4 was reopened after its complaint's reply (05:00): it owes a new one; contact 5
        # was reopened before it, and that reply answered the reopening too
        _bare_row(conn, "reception_event", {"id": 1, "contact_id": 4, "kind": "reopened",
                                            "at": "2026-05-03 02:00:00.000000"})
        _bare_row(conn, "reception_event", {"id": 2, "contact_id": 5, "kind": "reopened",
                                            "at": "2026-05-01 03:00:00.000000"})
        conn.commit()
    engine.dispose()
    with app.app_context():
        upgrade()
        rows = {r.id: r for r in db.session.execute(sa.text(
            "SELECT id, replied_at, first_replied_at FROM reception_contact")).all()}
        db.engine.dispose()
    assert str(rows[1].replied_at).startswith("2026-05-01 05:00") and rows[1].first_replied_at == rows[1].replied_at
    # the complaint's reply was typed as earlier than the contact: the contact's own receipt
    assert str(rows[2].replied_at).startswith("2026-05-01 01:00") and rows[2].first_replied_at == rows[2].replied_at
    assert rows[3].replied_at is None and rows[3].first_replied_at is None
    assert rows[4].replied_at is None  # reopened since: the earlier answer is not the reply it owes
    assert str(rows[5].replied_at).startswith("2026-05-01 05:00")  # reopened before the answer


# --- an emergency, at once ----------------------------------------------------------------------------

def _emergency_form(org, **changes):
    data = {"channel": "phone", "received_at": _local(now_utc()), "customer_id": "",
            "customer_name": "赵大爷", "customer_phone": "13812345678", "project_id": str(org.project1.id),
            "room": "3-1-502", "category": "repair", "urgency": "emergency", "content": "水管爆裂，客厅进水",
            "handling_unit_id": str(org.engineering.id), "praised_unit_id": "0", "letter_sender": "",
            "letter_date": "", "visitor_count": "", "reply_on_the_spot": "", "reply_method": "phone"}
    data.update(changes)
    return data


def test_an_emergency_answered_on_the_spot_is_in_time(client, login, db, org, staff, csrf_off):
    login(client, staff)
    resp = client.post("/reception/new", data=_emergency_form(
        org, reply_on_the_spot="已通知工程部立即上门关闭总阀"))
    assert resp.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact.replied_at is not None and contact.replied_at <= contact.reply_due_at
    assert contact.first_replied_at == contact.replied_at
    reply = [e for e in contact.events if e.kind == EventKind.REPLY]
    assert len(reply) == 1 and reply[0].detail == {"method": "phone", "on_the_spot": True}
    assert db.session.scalar(select(Contact.id).where(reception.overdue_clause(now_utc() + timedelta(days=1)))) is None
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "当场答复" in page and "已逾期" not in page
    local = to_local(contact.received_at).date()
    overdue = report_figures.overdue(report_figures.month_period(local), report_figures.Scope(), now_utc())
    assert overdue["contacts"] == 0 and overdue["contacts_total"] == 1


@pytest.mark.parametrize("channel, answered_at", [("phone", "received"), ("visit", "received"), ("letter", "now")])
def test_a_reply_on_the_spot_is_timed_when_the_contact_took_place(db, org, staff, channel, answered_at):
    """A call entered two hours after it was answered on the phone was answered at the call: the
    response time is not two hours, and an important call at 23:50 entered at 00:05 is in time."""
    received = datetime(2026, 5, 10, 15, 50, tzinfo=timezone.utc)  # 23:50 in Shanghai
    entered = received + timedelta(minutes=15)
    contact = reception.register_contact(reception.ContactData(
        channel=channel, received_at=received, category=ContactCategory.INQUIRY, urgency=Urgency.IMPORTANT,
        content="咨询交房时间", customer_name="赵大爷", customer_phone="13812345678", letter_sender="赵大爷",
        visitor_count=1, reply_on_the_spot="已告知交房时间"), by=staff, now=entered)
    expected = received if answered_at == "received" else entered
    assert contact.replied_at == expected and contact.first_replied_at == expected
    # the important call was answered the day it came (due 23:59:59); the letter answered after midnight is late
    assert (contact.replied_at <= contact.reply_due_at) is (answered_at == "received")


def test_an_emergency_answered_within_the_minute_it_is_registered_is_in_time(db, org, staff):
    registered = datetime(2026, 5, 10, 2, 3, 20, tzinfo=timezone.utc)
    contact = reception.register_contact(reception.ContactData(
        channel="phone", received_at=registered.replace(second=0), category=ContactCategory.REPAIR,
        urgency=Urgency.EMERGENCY, content="水管爆裂", customer_name="赵大爷", customer_phone="13812345678",
        project=org.project1, room="3-1-502", handling_unit=org.engineering), by=staff, now=registered)
    assert contact.reply_due_at == registered.replace(second=59)
    reception.record_reply(contact, "已派人", ReplyMethod.PHONE, by=staff, now=registered + timedelta(seconds=30))
    assert reception.reply_state(contact.reply_due_at, contact.replied_at, False, registered + timedelta(hours=1)) \
        == "replied"
    assert contact.replied_at <= contact.reply_due_at


def test_an_emergency_not_answered_at_once_is_overdue(db, org, staff):
    registered = datetime(2026, 5, 10, 2, 3, 20, tzinfo=timezone.utc)
    contact = reception.register_contact(reception.ContactData(
        channel="phone", received_at=registered.replace(second=0), category=ContactCategory.REPAIR,
        urgency=Urgency.EMERGENCY, content="水管爆裂", customer_name="赵大爷", customer_phone="13812345678",
        project=org.project1, room="3-1-502", handling_unit=org.engineering), by=staff, now=registered)
    db.session.commit()
    assert reception.reply_state(contact.reply_due_at, None, False, registered + timedelta(seconds=39)) == "due_soon"
    later = registered + timedelta(minutes=1)
    assert reception.reply_state(contact.reply_due_at, None, False, later) == "overdue"
    assert db.session.scalar(select(Contact.id).where(reception.overdue_clause(later))) == contact.id


@pytest.mark.parametrize("channel, on_the_spot, in_time", [
    ("phone", "", False),  # entered twelve minutes after the call, nobody answered: late at once
    ("phone", "已通知工程部关闭总阀", True),  # answered during the call: timed at the call
    ("visit", "已派维修工随同上门", True),
    ("email", "已回复邮件并派人", False),  # an e-mail answered when it is entered, twelve minutes on
])
def test_an_emergency_is_judged_from_the_minute_it_was_received(db, org, staff, channel, on_the_spot, in_time):
    """"紧急 at once": due by the end of the minute received, however late it is entered. An
    e-mail answered only when entered twelve minutes later was not answered at once."""
    received = datetime(2026, 5, 10, 2, 3, tzinfo=timezone.utc)
    entered = received + timedelta(minutes=12, seconds=20)
    contact = reception.register_contact(reception.ContactData(
        channel=channel, received_at=received, category=ContactCategory.REPAIR, urgency=Urgency.EMERGENCY,
        content="水管爆裂", customer_name="赵大爷", customer_phone="13812345678", letter_sender="赵大爷",
        visitor_count=1, project=org.project1, room="3-1-502", handling_unit=org.engineering,
        reply_on_the_spot=on_the_spot), by=staff, now=entered)
    assert contact.reply_due_at == received.replace(second=59)
    if on_the_spot:
        assert (contact.replied_at <= contact.reply_due_at) is in_time
    else:
        assert reception.reply_state(contact.reply_due_at, contact.replied_at, False, entered) == "overdue"
