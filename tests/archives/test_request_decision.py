"""A one-customer access request names its customer to the leaders who decide it (name and the rooms
the grant would open; no ID number, no phone), and outsiders reach the request form for the customer
a complaint or a contact is about."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import ArchiveAccessRequest, ArchiveReadLog
from portal.services import archives
from tests.archives.factories import make_customer


def _main(resp) -> str:
    return re.search(r"<main.*</main>", resp.get_data(as_text=True), re.S).group(0)


def _request(client, login, people, customer) -> ArchiveAccessRequest:
    login(client, people.branch)
    client.post("/archives/requests/new", data={"scope": "customer", "customer_id": customer.id, "project_id": 0,
                                                "period_days": 7, "reason": "核对投诉"})
    return db.session.scalar(select(ArchiveAccessRequest).order_by(ArchiveAccessRequest.id.desc()))


def test_the_deciding_leader_sees_whom_and_which_rooms(client, login, people, org, csrf_off):
    a = make_customer(org.project1, name="王建国", room="1-301", phone1="13812345678")
    archives.add_purchase(a, {"project_id": org.project2.id, "building": "9栋", "room": "8-808"}, people.staff)
    db.session.commit()
    req = _request(client, login, people, a)
    login(client, people.branch_leader)
    for url in ("/archives/requests/queue", f"/archives/requests/{req.id}"):
        page = _main(client.get(url))
        assert "王建国" in page and "1-301" in page and "9栋-8-808" in page, url
        assert a.id_number[-4:] not in page and "5678" not in page, url
    reads = db.session.scalars(select(ArchiveReadLog).where(ArchiveReadLog.customer_id == a.id)).all()
    assert [(r.context, r.user_id, r.via) for r in reads] == [("request_decision", people.branch_leader.id, "leader")] * 2
    readers = client.get(f"/archives/customers/{a.id}/readers").get_data(as_text=True)
    assert "审批查阅申请" in readers


def test_the_requester_and_other_leaders_are_not_told_the_name(client, login, people, org, csrf_off):
    a = make_customer(org.project1, name="王建国", room="1-301")
    req = _request(client, login, people, a)
    for page in (client.get(f"/archives/requests/{req.id}"), client.get("/archives/requests")):
        assert "王建国" not in _main(page)  # a record number typed in must not return its name
    login(client, people.leader)  # a group leader: the request went to the branch's leader
    assert "王建国" not in _main(client.get("/archives/requests/queue"))
    assert db.session.scalar(select(ArchiveReadLog)) is None


def test_a_complaint_about_an_archived_customer_offers_the_request_form(client, login, people, org, csrf_off):
    from tests.complaints.factories import make_complaint

    a = make_customer(org.project1, name="王建国", room="1-301")
    c = make_complaint(org, people.staff, customer_id=a.id, complainant_name="王建国")
    link = f'/archives/requests/new?customer_id={a.id}'
    login(client, people.leader)
    page = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert link in page
    form = client.get(link).get_data(as_text=True)
    assert re.search(rf'name="customer_id"[^>]*value="{a.id}"', form)
    login(client, people.staff)  # the center reads the record itself
    page = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert link not in page and f"/archives/customers/{a.id}" in page


def test_a_contact_of_an_archived_customer_offers_the_request_form(client, login, people, org, csrf_off):
    from portal.models import Contact
    from tests.reception.factories import make_contact

    a = make_customer(org.project1, name="王建国", room="1-301")
    contact = make_contact(people.staff, customer=a, customer_name=a.name, handling_unit=org.branch1)
    assert db.session.get(Contact, contact.id).customer_id == a.id
    login(client, people.branch)
    resp = client.get(f"/reception/{contact.id}")
    assert resp.status_code == 200
    assert f'/archives/requests/new?customer_id={a.id}' in resp.get_data(as_text=True)
