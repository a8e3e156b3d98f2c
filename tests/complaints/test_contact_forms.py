"""Work contact forms (工作联系单, seed 000 §7: after closing, an improvement proposal to the
department concerned): who is told of one is who may open and answer it, and a report's (举报)
form carries only the proposal."""
from __future__ import annotations

from datetime import timedelta

from portal.auth.permissions import Role
from portal.extensions import db
from portal.models import Notification
from portal.models.complaint import WorkContactForm
from portal.services import complaints as svc
from portal.services.clock import now_utc
from tests import factories as f
from tests.complaints.factories import make_complaint


def _resolved(org, staff, **kw):
    c = make_complaint(org, staff, received_at=now_utc() - timedelta(days=3), **kw)
    svc.transition(c, "start", by=staff)
    svc.transition(c, "resolve", {"resolution": "已处理", "cause_analysis": "施工工艺不规范"}, by=staff)
    db.session.commit()
    return c


def _titles(user) -> list[str]:
    return [n.title for n in db.session.scalars(db.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "complaint.contact_form"))]


def test_the_department_head_told_of_a_form_opens_and_answers_it(client, login, org, csrf_off):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_cf")
    head = f.make_user(org.engineering, Role.LEADER, username="gcb_head", leads=org.engineering)
    other_head = f.make_user(org.branch1, Role.LEADER, username="fgs_head", leads=org.branch1)
    c = _resolved(org, staff, responsible_unit_id=org.engineering.id)
    form = svc.send_contact_form(c, to_unit=org.engineering, proposal="改进防水施工工艺", reply_due_on=None, by=staff)
    db.session.commit()
    assert _titles(head) and not _titles(other_head)
    login(client, head)
    page = client.get(f"/complaints/contact-forms/{form.id}")
    assert page.status_code == 200 and "改进防水施工工艺" in page.get_data(as_text=True)
    assert form.serial in client.get("/complaints/contact-forms").get_data(as_text=True)
    assert "待您回复的工作联系单" in client.get("/").get_data(as_text=True)
    assert client.post(f"/complaints/contact-forms/{form.id}", data={"reply": "已组织整改"}).status_code == 302
    assert db.session.get(WorkContactForm, form.id).replied_by_id == head.id
    # the head of another unit is neither told nor let in
    login(client, other_head)
    assert client.get(f"/complaints/contact-forms/{form.id}").status_code == 403
    assert form.serial not in client.get("/complaints/contact-forms").get_data(as_text=True)


def test_no_one_is_told_of_a_form_he_would_be_refused(org):
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_cf2")
    admin = f.make_user(org.engineering, Role.ADMIN, username="admin_in_engineering")
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_cf2")
    c = _resolved(org, staff)
    svc.send_contact_form(c, to_unit=org.engineering, proposal="加强巡检", reply_due_on=None, by=staff)
    db.session.commit()
    assert _titles(engineer) and not _titles(admin)


def test_a_form_about_a_report_carries_only_the_proposal(client, login, org, csrf_off):
    """Seed 000 §7 asks for the proposal after any complaint, a report (举报) too; the report stays
    confidential to the center: the department is told a form awaits it, without the subject, and
    opens and answers it seeing the proposal only."""
    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_rp")
    engineer = f.make_user(org.engineering, Role.DEPARTMENT_STAFF, username="gc_rp")
    c = _resolved(org, staff, is_report=True, subject="工程部张某收受施工方好处")
    login(client, staff)
    assert client.post(f"/complaints/{c.id}/contact-forms/new",
                       data={"to_unit_id": org.engineering.id, "proposal": "加强廉洁教育"}).status_code == 302
    form = db.session.scalar(db.select(WorkContactForm))
    titles = _titles(engineer)
    assert titles and form.serial in titles[0] and not any("收受" in t for t in titles)
    login(client, engineer)
    page = client.get(f"/complaints/contact-forms/{form.id}").get_data(as_text=True)
    assert "加强廉洁教育" in page
    assert "收受" not in page and "施工工艺不规范" not in page and c.serial not in page
    listing = client.get("/complaints/contact-forms").get_data(as_text=True)
    assert form.serial in listing and "收受" not in listing
    assert client.post(f"/complaints/contact-forms/{form.id}", data={"reply": "已开展廉洁教育"}).status_code == 302
    assert db.session.get(WorkContactForm, form.id).reply == "已开展廉洁教育"
    assert client.get(f"/complaints/{c.id}").status_code == 403  # the report itself stays closed to him
    # the center still sees the whole form
    login(client, staff)
    assert "收受" in client.get(f"/complaints/contact-forms/{form.id}").get_data(as_text=True)
