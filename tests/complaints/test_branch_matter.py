"""The matter a branch chooses when it files or forwards a complaint (DOMAIN.md §2 matters; seed 000
§7 一个月内累计三次以上不同投诉人的相同投诉), and the matters it may not join."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models.complaint import Complaint, Severity
from portal.services.clock import now_utc, to_local
from tests import factories as f
from tests.complaints.factories import category, make_complaint


def _form(org, path, matter_id, **kw):
    data = {"received_at": to_local(now_utc() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "channel": "phone",
            "complainant_name": "王五", "complainant_phone": "13900001111", "project_id": org.project1.id,
            "category_id": category().id, "subject": "三号楼外墙雨后渗水", "description": "外墙渗水",
            "people_count": "1", "matter_id": str(matter_id)}
    if "filings" in path:
        data.update(handled_closed_on=to_local(now_utc()).date().isoformat(), resolution="已修", cause_analysis="老化")
    data.update(kw)
    return data


@pytest.mark.parametrize("path", ["/complaints/filings/new", "/complaints/forward"])
def test_the_matter_a_branch_chooses_makes_its_complainant_the_third(client, login, org, csrf_off, path):
    """Two complainants about the wall within the month; the branch files (or forwards) a third
    under another wording and picks that matter from the proposals: it joins it, and the third
    distinct complainant makes the complaints important."""
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_bm")
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_bm")
    first = make_complaint(org, staff, subject="外墙渗水", complainant_name="张一", complainant_phone="13800000011",
                           received_at=now_utc() - timedelta(days=10))
    second = make_complaint(org, staff, subject="外墙渗水", complainant_name="李二", complainant_phone="13800000022",
                            received_at=now_utc() - timedelta(days=5))
    login(client, clerk)
    assert client.post(path, data=_form(org, path, first.matter_id)).status_code == 302
    third = db.session.scalar(db.select(Complaint).where(Complaint.id.not_in([first.id, second.id])))
    assert third.matter_id == first.matter_id
    assert third.matter_complainants == 3 and third.severity == Severity.IMPORTANT
    assert db.session.get(Complaint, second.id).severity == Severity.IMPORTANT


@pytest.mark.parametrize("path", ["/complaints/filings/new", "/complaints/forward"])
def test_a_branch_cannot_join_the_matter_of_a_report(client, login, org, csrf_off, path):
    """The matter of a report (举报) is never proposed to a branch; posting its id anyway is refused
    on the form (its page would show the branch what was reported), and nothing is saved."""
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_bm2")
    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_bm2")
    report = make_complaint(org, staff, is_report=True, subject="销售经理李某私收定金",
                            received_at=now_utc() - timedelta(days=2))
    login(client, clerk)
    resp = client.post(path, data=_form(org, path, report.matter_id, subject="门窗漏风"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "该投诉事项与项目和类别不符" in html
    assert "门窗漏风" in html  # the form is kept
    assert "私收定金" not in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Complaint)) == 1


@pytest.mark.parametrize("path", ["/complaints/filings/new", "/complaints/forward"])
def test_a_branch_links_an_archive_customer_only_under_a_grant(client, login, org, csrf_off, path):
    """The filing form takes a posted ``customer_id`` and the complaint would take the archive's
    name and phone: without a live grant for that customer the branch gets the same message as
    for a missing id and nothing is saved; under a grant it links, and the read is logged."""
    from portal.models.archive import ArchiveReadLog
    from tests.archives.factories import make_customer, make_grant

    clerk = f.make_user(org.branch1, Role.BRANCH_STAFF, username="fgs_link")
    customer = make_customer(org.project1, name="档案客户甲", phone1="13711112222")
    login(client, clerk)
    refused = client.post(path, data=_form(org, path, "", customer_id=str(customer.id),
                                           complainant_name="", complainant_phone=""))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "该档案客户不存在" in html
    assert "档案客户甲" not in html and "13711112222" not in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Complaint)) == 0

    make_grant(clerk, customer=customer)
    linked = client.post(path, data=_form(org, path, "", customer_id=str(customer.id),
                                          complainant_name="", complainant_phone=""))
    assert linked.status_code == 302
    complaint = db.session.scalar(db.select(Complaint))
    assert (complaint.customer_id, complaint.complainant_name) == (customer.id, "档案客户甲")
    logged = db.session.scalars(db.select(ArchiveReadLog).where(ArchiveReadLog.user_id == clerk.id)).all()
    assert [(r.customer_id, r.context, r.via) for r in logged] == [(customer.id, "complaint_link", "grant")]
