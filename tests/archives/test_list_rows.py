"""The customer list's rows (``archives.listed_customers``): each customer with its own purchases,
read for the whole page in one statement (an array of ids on PostgreSQL, an IN list on SQLite)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.blueprints.archives.views import LIST_COLUMNS
from portal.extensions import db
from portal.models import Customer, Purchase
from portal.services import archives
from tests.archives.factories import make_customer


def _rows(customers):
    return db.session.execute(select(*LIST_COLUMNS).where(Customer.id.in_([c.id for c in customers]))
                              .order_by(Customer.id.desc())).all()


def test_each_listed_customer_has_its_own_purchases_in_order(db, org):
    two_rooms = make_customer(org.project1, room="1-101")
    db.session.add(Purchase(customer=two_rooms, project=org.project2, building="3栋", room="301",
                            signing_date=date(2025, 6, 1)))
    none = make_customer(None)
    one_room = make_customer(org.project2, room="2-202")
    other = make_customer(org.project1, room="9-909")  # not on the page: its room is nobody's
    db.session.commit()
    names = {org.project1.id: "一期", org.project2.id: "二期"}

    listed = archives.listed_customers(_rows([two_rooms, none, one_room]), names)

    assert [row.id for row in listed] == [one_room.id, none.id, two_rooms.id]
    assert [[(p.project_id, p.room) for p in row.purchases] for row in listed] == [
        [(org.project2.id, "2-202")], [], [(org.project1.id, "1-101"), (org.project2.id, "301")]]
    assert listed[2].rooms == "一期 1栋1-101；二期 3栋301"
    assert all("9-909" not in row.rooms for row in listed) and other.id not in {row.id for row in listed}


@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_pages_of_another_size_read_the_right_purchases(db, org, page_size):
    """The statement is built once and reused: a page of another number of rows (a new id count
    for the IN list or the array) still gets exactly its customers' purchases."""
    customers = [make_customer(org.project1, room=f"{n}-101") for n in range(1, 4)]
    listed = archives.listed_customers(_rows(customers[:page_size]), {org.project1.id: "一期"})
    assert sorted(p.room for row in listed for p in row.purchases) == [f"{n}-101" for n in range(1, page_size + 1)]
