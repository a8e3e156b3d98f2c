"""Complaint test data, made through the service so the rules apply as in production."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from portal.extensions import db
from portal.models import ComplaintCategory
from portal.models.complaint import Channel
from portal.services import complaints as svc

_phones = itertools.count(13800000001)
# A matter is the same project + category + subject, so each complaint made here has a subject
# of its own unless the test names one (or passes the matter).
_subjects = itertools.count(1)
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai


def category(code: str = "engineering_quality") -> ComplaintCategory:
    return db.session.scalar(db.select(ComplaintCategory).where(ComplaintCategory.code == code))


def complaint_input(org, **kw) -> svc.ComplaintInput:
    values = dict(received_at=kw.pop("received_at", NOW), channel=Channel.PHONE, project_id=org.project1.id,
                  category_id=category().id, subject=f"外墙渗水 {next(_subjects)}号", description="三号楼外墙雨后渗水，墙面发霉。",
                  complainant_name="张三丰", complainant_phone=str(next(_phones)), room="3-1-502")
    values.update(kw)
    return svc.ComplaintInput(**values)


def make_complaint(org, by, *, matter=None, now=None, commit=True, **kw):
    data = complaint_input(org, **kw)
    c = svc.register_complaint(data, by=by, matter=matter, now=now or data.received_at + timedelta(minutes=5))
    if commit:
        db.session.commit()
    return c
