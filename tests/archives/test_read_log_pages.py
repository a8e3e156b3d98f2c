"""Pages that show an archive record outside its own page write a row to its read log too: the
revisit's "show number", the purchase edit page, an edit form shown again with its errors."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import ArchiveReadLog, Purchase, RevisitPlan
from portal.services import archives, revisits
from tests.archives.factories import make_customer


def _contexts(customer_id: int) -> list[str]:
    return list(db.session.scalars(select(ArchiveReadLog.context).where(ArchiveReadLog.customer_id == customer_id)
                                   .order_by(ArchiveReadLog.id)))


def test_a_revisits_show_number_is_a_read_of_the_record(client, login, people, org, csrf_off):
    c = make_customer(None, name="李秀兰", phone1="13812345678", phone2="13987654321")
    archives.add_purchase(c, {"project_id": org.project1.id, "room": "5-501",
                              "signing_date": revisits.local_today() - timedelta(days=1)}, people.staff)
    db.session.commit()
    plan = db.session.scalar(select(RevisitPlan).where(RevisitPlan.customer_id == c.id))
    login(client, people.staff)
    resp = client.post(f"/revisits/{plan.id}/phone", headers={"HX-Request": "true"})
    assert "13812345678" in resp.get_data(as_text=True)
    row = db.session.scalar(select(ArchiveReadLog).where(ArchiveReadLog.customer_id == c.id))
    assert (row.context, row.user_id, row.via) == ("revisit_reveal", people.staff.id, "center_staff")
    login(client, people.leader)
    readers = client.get(f"/archives/customers/{c.id}/readers").get_data(as_text=True)
    assert people.staff.display_name in readers and "回访时查看电话号码" in readers


def test_the_purchase_edit_page_is_a_read_each_time_it_is_shown(client, login, people, org, csrf_off):
    c = make_customer(org.project1, room="1-101")
    p = db.session.scalar(select(Purchase).where(Purchase.customer_id == c.id))
    login(client, people.staff)
    assert client.get(f"/archives/purchases/{p.id}").status_code == 200
    assert _contexts(c.id) == ["edit"]
    resp = client.post(f"/archives/purchases/{p.id}", data={"project_id": org.project1.id, "room": ""})
    assert resp.status_code == 200  # shown again with the error
    assert _contexts(c.id) == ["edit", "edit"]
    assert client.post(f"/archives/purchases/{p.id}", data={"project_id": org.project1.id, "room": "1-102"}
                       ).status_code == 302
    assert _contexts(c.id) == ["edit", "edit"]  # saved: the customer page it goes to logs its own read


def test_the_customer_edit_form_shown_again_is_a_read(client, login, people, org, csrf_off):
    c = make_customer(org.project1)
    login(client, people.staff)
    resp = client.post(f"/archives/customers/{c.id}/edit", data={"kind": "owner", "name": "", "archive_year": 2025,
                                                                  "prospect_project_id": 0})
    assert resp.status_code == 200
    assert _contexts(c.id) == ["edit"]
