"""Editing a record whose project, category, unit or handler was retired since it was registered:
its own values stay valid choices, so the correction the center asked for can be made."""
from __future__ import annotations

from datetime import timedelta

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models.complaint import Complaint, FilingStatus
from portal.services import complaints as svc
from portal.services.clock import now_utc, to_local
from tests import factories as f
from tests.complaints.factories import category, complaint_input, make_complaint


def test_a_returned_record_of_a_retired_project_and_category_can_be_corrected(client, login, org, csrf_off):
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_rp")
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zr_rp")
    c = svc.register_filing(complaint_input(org, received_at=now_utc() - timedelta(days=3)),
                            svc.FilingRecord(to_local(now_utc()).date() - timedelta(days=1), "已修", "老化"),
                            unit=org.branch1, by=clerk, submit=True)
    svc.review_filing(c, accept=False, reason="补充原因分析", by=manager)
    org.project1.active = False
    category().active = False
    db.session.commit()
    login(client, clerk)
    data = {"channel": "phone", "room": "3-1-502", "description": "外墙渗水", "people_count": "1",
            "handled_closed_on": c.handled_closed_on.isoformat(), "resolution": "已修",
            "cause_analysis": "防水层老化，已更换", "submit_now": "1"}
    resp = client.post(f"/complaints/{c.id}/filing/edit", data=data)
    assert resp.status_code == 302
    c = db.session.get(Complaint, c.id)
    assert c.filing_status == FilingStatus.SUBMITTED and c.cause_analysis == "防水层老化，已更换"
    assert c.project_id == org.project1.id
    # a new record cannot choose the retired project
    assert f'<option value="{org.project1.id}"' not in client.get("/complaints/filings/new").get_data(as_text=True)


def test_the_center_edits_a_complaint_whose_unit_and_handler_were_retired(client, login, org, csrf_off):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_ret")
    handler = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_left")
    c = make_complaint(org, staff, received_at=now_utc() - timedelta(hours=5), responsible_unit_id=org.engineering.id,
                       handler_id=handler.id)
    org.engineering.active = False
    handler.active = False
    db.session.commit()
    login(client, staff)
    form = client.get(f"/complaints/{c.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{org.engineering.id}"' in form or f'value="{org.engineering.id}" selected' in form
    data = {"channel": "phone", "room": "3-1-502", "description": "补充：雨后渗水加重", "people_count": "1",
            "responsible_unit_id": org.engineering.id, "handler_id": handler.id, "complained_staff_id": 0, "plan": ""}
    assert client.post(f"/complaints/{c.id}/edit", data=data).status_code == 302
    c = db.session.get(Complaint, c.id)
    assert c.description == "补充：雨后渗水加重" and c.responsible_unit_id == org.engineering.id
    assert c.handler_id == handler.id
