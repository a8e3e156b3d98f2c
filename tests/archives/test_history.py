"""The change history: projects by name, and under a project grant only that project's rooms."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AccessScope, CustomerChange, Purchase
from portal.services import archives
from tests.archives.factories import make_customer, make_grant


def _tbody(resp) -> str:
    page = resp.get_data(as_text=True)
    return page[page.index("<tbody>"):page.index("</tbody>")]


def test_a_project_grant_shows_no_history_of_his_rooms_elsewhere(client, login, people, org, csrf_off):
    c = make_customer(org.project1, name="王建国", room="1-301")
    archives.add_purchase(c, {"project_id": org.project2.id, "building": "9栋", "room": "8-808"}, people.staff)
    db.session.commit()
    login(client, people.staff)
    other = db.session.scalar(select(Purchase).where(Purchase.room == "8-808"))
    client.post(f"/archives/purchases/{other.id}", data={"project_id": org.project2.id, "building": "9栋",
                                                         "room": "8-809"})
    mine = db.session.scalar(select(Purchase).where(Purchase.room == "1-301"))
    client.post(f"/archives/purchases/{mine.id}", data={"project_id": org.project1.id, "building": "1栋",
                                                        "room": "1-302"})
    staff_view = _tbody(client.get(f"/archives/customers/{c.id}/history"))
    assert "8-808" in staff_view and "1-302" in staff_view  # the center reads it all
    make_grant(people.branch, scope=AccessScope.PROJECT, project=org.project1)
    login(client, people.branch)
    body = _tbody(client.get(f"/archives/customers/{c.id}/history"))
    assert "1-302" in body  # his room in the granted project
    assert "8-808" not in body and "8-809" not in body and org.project2.name not in body


def test_a_customer_grant_shows_the_whole_history(client, login, people, org):
    c = make_customer(org.project1, name="王建国", room="1-301")
    archives.add_purchase(c, {"project_id": org.project2.id, "room": "8-808"}, people.staff)
    db.session.commit()
    make_grant(people.branch, scope=AccessScope.CUSTOMER, customer=c)
    login(client, people.branch)
    assert "8-808" in _tbody(client.get(f"/archives/customers/{c.id}/history"))


def test_purchase_rows_without_their_project_stay_off_under_a_project_grant(people, org, db):
    """Rows written before the project was kept: which project they name is not known."""
    c = make_customer(org.project1)
    db.session.add(CustomerChange(customer_id=c.id, field="purchase", new_value="某项目 1-101", source="purchase"))
    db.session.add(CustomerChange(customer_id=c.id, field="name", old_value="甲", new_value="乙", source="form"))
    db.session.commit()
    assert [r.field for r in archives.history(c, {org.project1.id})] == ["name"]
    assert len(archives.history(c)) == 2


def test_the_history_names_projects_not_their_ids(client, login, people, org, csrf_off):
    prospect = make_customer(None, name="赵敏", kind="prospect", archive_year=2026)
    owner = make_customer(org.project1, name="周芷若", room="1-101")
    login(client, people.staff)
    assert client.post(f"/archives/customers/{prospect.id}/edit", data={
        "kind": "prospect", "name": "赵敏", "archive_year": 2026,
        "prospect_project_id": org.project2.id}).status_code == 302
    p = db.session.scalar(select(Purchase).where(Purchase.customer_id == owner.id))
    assert client.post(f"/archives/purchases/{p.id}", data={"project_id": org.project2.id, "building": "1栋",
                                                            "room": "1-101"}).status_code == 302
    interest = db.session.scalar(select(CustomerChange).where(CustomerChange.field == "prospect_project_id"))
    moved = db.session.scalar(select(CustomerChange).where(CustomerChange.field == "purchase.project_id"))
    assert interest.new_value == org.project2.name
    assert moved.old_value.endswith(f": {org.project1.name}") and moved.new_value == org.project2.name
    body = _tbody(client.get(f"/archives/customers/{prospect.id}/history"))
    assert f"<td>{org.project2.name}</td>" in body and f"<td>{org.project2.id}</td>" not in body


def test_rows_written_with_a_project_id_are_shown_by_name(client, login, people, org):
    c = make_customer(None, name="赵敏", kind="prospect")
    db.session.add(CustomerChange(customer_id=c.id, field="prospect_project_id", new_value=str(org.project1.id)))
    db.session.commit()
    login(client, people.staff)
    assert f"<td>{org.project1.name}</td>" in _tbody(client.get(f"/archives/customers/{c.id}/history"))
