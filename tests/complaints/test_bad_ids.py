"""Ids a form posts that no row can have (beyond the database's integer, negative): a message on
the form, which keeps what was typed, never the generic error page."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models.complaint import Complaint
from portal.services.clock import now_utc, to_local
from tests import factories as f
from tests.complaints.factories import category

HUGE = "99999999999999999999"


def _form(org, path, **kw):
    data = {"received_at": to_local(now_utc() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "channel": "phone",
            "complainant_name": "欧阳明月", "complainant_phone": "13912345678", "project_id": org.project1.id,
            "room": "5-2-301", "category_id": category().id, "subject": "电梯频繁故障",
            "description": "五号楼电梯一周内停运三次。", "people_count": "1"}
    if path == "/complaints/new":
        data.update(responsible_unit_id=org.engineering.id, handler_id=0, complained_staff_id=0, plan="")
    if path == "/complaints/filings/new":
        data.update(handled_closed_on=to_local(now_utc()).date().isoformat(), resolution="已修", cause_analysis="老化")
    data.update(kw)
    return data


@pytest.mark.parametrize("path, role", [("/complaints/new", Role.CENTER_STAFF),
                                        ("/complaints/filings/new", Role.BRANCH_STAFF),
                                        ("/complaints/forward", Role.BRANCH_STAFF)])
@pytest.mark.parametrize("changes, message", [
    ({"customer_id": HUGE}, "该档案客户不存在"),
    ({"customer_id": "-1"}, "该档案客户不存在"),
    ({"matter_id": HUGE}, "该投诉事项与项目和类别不符"),
    ({"matter_id": "-3"}, "该投诉事项与项目和类别不符"),
    ({"source_contact_id": HUGE}, "未找到接待记录"),
])
def test_an_impossible_id_is_a_message_on_the_kept_form(client, login, org, csrf_off, path, role, changes, message):
    unit = org.center if role == Role.CENTER_STAFF else org.branch1
    login(client, f.make_user(unit, role, username="bad_ids"))
    resp = client.post(path, data=_form(org, path, **changes))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and message in html
    assert "五号楼电梯一周内停运三次。" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Complaint)) == 0
