"""The reminder kinds DOMAIN.md §6 names: the name each area registers against, its label on
the e-mail preferences page, whether it goes by e-mail by default and to the group webhook.

The due rule of each kind is a pure function in ``reminders_rules``; who receives it and
which area supplies the sweeper are listed in README "Reminders". Areas never rename these.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.services.reminders import SCHEDULE_WORKORDER_CHECK, define_kind

COMPLAINT_FIRST_REPLY_DUE_SOON = "complaint.first_reply_due_soon"
COMPLAINT_FIRST_REPLY_OVERDUE = "complaint.first_reply_overdue"
COMPLAINT_PROGRESS_DUE = "complaint.progress_due"
COMPLAINT_MAJOR_CREATED = "complaint.major_created"
COMPLAINT_IMPORTANT_NOT_REPORTED = "complaint.important_not_reported"
COMPLAINT_FILING_OVERDUE = "complaint.filing_overdue"
RECEPTION_REPLY_DUE_SOON = "reception.reply_due_soon"
RECEPTION_REPLY_OVERDUE = "reception.reply_overdue"
RECEPTION_EMERGENCY = "reception.emergency"
WORKORDER_NO_PROGRESS_TODAY = "workorder.no_progress_today"
REVISIT_DUE_TODAY = "revisit.due_today"
REVISIT_DUE_THIS_WEEK = "revisit.due_this_week"
REVISIT_OVERDUE = "revisit.overdue"
REVISIT_FOLLOW_UP_OVERDUE = "revisit.follow_up_overdue"  # §4: a problem "followed until done"
ARCHIVE_REQUEST_WAITING = "archive.request_waiting"
ARCHIVE_GRANT_EXPIRING = "archive.grant_expiring"
CARE_BIRTHDAY = "care.birthday"
CARE_FESTIVAL = "care.festival"

define_kind(COMPLAINT_FIRST_REPLY_DUE_SOON, _l("Complaint: first reply due within 12 hours"))
define_kind(COMPLAINT_FIRST_REPLY_OVERDUE, _l("Complaint: first reply overdue"), webhook=True)
define_kind(COMPLAINT_PROGRESS_DUE, _l("Complaint: progress contact with the customer due"))
define_kind(COMPLAINT_MAJOR_CREATED, _l("Major complaint registered"), webhook=True)
define_kind(COMPLAINT_IMPORTANT_NOT_REPORTED, _l("Important complaint not reported to a leader within 1 working day"))
define_kind(COMPLAINT_FILING_OVERDUE, _l("Branch complaint record not filed within 2 working days of closing"))
define_kind(RECEPTION_REPLY_DUE_SOON, _l("Reception: reply due soon"))
define_kind(RECEPTION_REPLY_OVERDUE, _l("Reception: reply overdue"))
define_kind(RECEPTION_EMERGENCY, _l("Emergency contact"), webhook=True)
define_kind(WORKORDER_NO_PROGRESS_TODAY, _l("Work order without today's progress (16:00 check)"),
            schedule=SCHEDULE_WORKORDER_CHECK)
define_kind(REVISIT_DUE_TODAY, _l("Revisits due today"))
define_kind(REVISIT_DUE_THIS_WEEK, _l("Revisits due this week"), email_default=False)
define_kind(REVISIT_OVERDUE, _l("Revisit overdue"))
define_kind(REVISIT_FOLLOW_UP_OVERDUE, _l("Revisit follow-up: promised reply overdue"))
define_kind(ARCHIVE_REQUEST_WAITING, _l("Archive-access request waiting more than 1 working day"))
define_kind(ARCHIVE_GRANT_EXPIRING, _l("Archive-access grant expires tomorrow"))
define_kind(CARE_BIRTHDAY, _l("Customer birthday (customer care)"), email_default=False)
define_kind(CARE_FESTIVAL, _l("Festival greetings (customer care)"), email_default=False)
