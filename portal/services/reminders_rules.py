"""When each reminder of DOMAIN.md §6 falls due: plain functions, one per rule.

Areas use these in their sweepers (``due_at=``) so the reminder times are the same everywhere
and tested once. Inputs are aware UTC instants (or local dates); outputs are aware UTC instants.
Working-day rules take a ``WorkingCalendar`` (``workdays.calendar_from_db()``): "within N
working days of T" ends at 23:59:59 local of the Nth working day after the date of T.

Where DOMAIN.md gives no hour, the choice is written here once: notices about a day
(revisits due today, birthdays) go out at 08:00 local, a grant's "expires tomorrow" at 09:00
local the day before, a reception reply "due soon" 4 hours before its deadline.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from lunardate import LunarDate

from portal.services.clock import end_of_local_day, local_date, portal_tz
from portal.services.workdays import WorkingCalendar

from portal.services import complaint_rules

FIRST_REPLY_HOURS = complaint_rules.FIRST_REPLY_HOURS  # DOMAIN.md §2: one definition, in complaint_rules
FIRST_REPLY_WARNING_HOURS = 12  # remind when the first reply is due within 12 hours
RECEPTION_GENERAL_REPLY_HOURS = 24  # §1: general within 24 hours
RECEPTION_WARNING_HOURS = 4
MORNING = time(8, 0)
GRANT_NOTICE = time(9, 0)
WORKORDER_CHECK = time(16, 0)  # §1: every day at 16:00


def at_local(day: date, at: time, tz=None) -> datetime:
    """``at`` o'clock on ``day`` in the portal's zone, as a UTC instant."""
    from datetime import timezone

    return datetime.combine(day, at, tzinfo=tz or portal_tz()).astimezone(timezone.utc)


# --- complaints (§2) ------------------------------------------------------------------------------

def first_reply_deadline(received_at: datetime) -> datetime:
    return complaint_rules.first_reply_due(received_at)


def first_reply_due_soon_at(received_at: datetime) -> datetime:
    """complaint.first_reply_due_soon: 12 hours before the 48-hour deadline."""
    return first_reply_deadline(received_at) - timedelta(hours=FIRST_REPLY_WARNING_HOURS)


def first_reply_overdue_at(received_at: datetime) -> datetime:
    """complaint.first_reply_overdue: the moment the 48 hours are over."""
    return first_reply_deadline(received_at)


def progress_contact_due_at(last_contact_at: datetime, interval_days: int) -> datetime:
    """complaint.progress_due: ``complaint_progress_interval_days`` after the last contact
    (occurrence: the due instant, so each interval reminds once)."""
    return last_contact_at + timedelta(days=interval_days)


def important_report_deadline(important_since: datetime, cal: WorkingCalendar) -> datetime:
    """complaint.important_not_reported: due when 1 working day has passed without a report."""
    return complaint_rules.leader_report_due(important_since, cal)


def filing_deadline(closed_at: datetime, cal: WorkingCalendar) -> datetime:
    """complaint.filing_overdue: a branch files its record within 2 working days of closing.
    The rule is the complaints' (one definition); this is its name for the reminders."""
    return complaint_rules.filing_due(local_date(closed_at), cal)


# --- reception (§1) -------------------------------------------------------------------------------

def reception_reply_deadline(received_at: datetime, urgency: str) -> datetime:
    """general: 24 hours; important: the same day by 23:59; emergency: at once. The rule itself
    lives in the reception service (one definition); this is its name for the reminders."""
    from portal.services.reception import reply_due

    return reply_due(received_at, urgency)


def reception_reply_due_soon_at(received_at: datetime, urgency: str) -> datetime:
    """reception.reply_due_soon: 4 hours before the deadline, never before the contact came in."""
    deadline = reception_reply_deadline(received_at, urgency)
    return max(received_at, deadline - timedelta(hours=RECEPTION_WARNING_HOURS))


def workorder_check_at(day: date) -> datetime:
    """workorder.no_progress_today: 16:00 local of ``day`` (occurrence: the day)."""
    return at_local(day, WORKORDER_CHECK)


# --- revisits (§4) --------------------------------------------------------------------------------

def revisit_due_today_at(due_day: date) -> datetime:
    return at_local(due_day, MORNING)


def revisit_due_this_week_at(due_day: date) -> datetime:
    """Monday 08:00 of the week the revisit is due in (occurrence: the ISO week)."""
    return at_local(due_day - timedelta(days=due_day.weekday()), MORNING)


def revisit_overdue_at(due_day: date) -> datetime:
    """Overdue once the due day has ended."""
    return end_of_local_day(due_day) + timedelta(seconds=1)


# --- archives (§3) --------------------------------------------------------------------------------

def access_request_waiting_at(requested_at: datetime, cal: WorkingCalendar) -> datetime:
    """archive.request_waiting: a request still undecided after 1 working day."""
    return cal.deadline(requested_at, 1)


def grant_expiring_notice_at(expires_at: datetime, decided_at: datetime | None = None) -> datetime:
    """archive.grant_expiring: 09:00 local on the day before the grant's last local day, or the
    approval itself when that comes later (a one-day grant approved at 10:00 ends tomorrow at
    10:00: its holder is told at once rather than never)."""
    notice = at_local(local_date(expires_at) - timedelta(days=1), GRANT_NOTICE)
    return max(notice, decided_at) if decided_at is not None else notice


# --- customer care --------------------------------------------------------------------------------

def birthday_in(year: int, birthday: date) -> date:
    """The birthday in ``year``; 29 February falls on 28 February in other years."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def birthday_notice_at(birthday: date, year: int) -> datetime:
    """care.birthday: 08:00 local on the customer's birthday (occurrence: the year)."""
    return at_local(birthday_in(year, birthday), MORNING)


def care_notice_at(day: date) -> datetime:
    """The day's customer-care digest (birthdays, a festival): 08:00 local on ``day``."""
    return at_local(day, MORNING)


# The festivals of the care lists (seed 003: 每逢节日以信息的方式向客户表示祝福): the Gregorian
# holidays on their fixed dates, and the traditional festivals on their day of the lunar calendar
# (lunardate converts; chinese-calendar only knows the statutory holiday ranges around them, and
# 春节's range starts on New Year's Eve in some years). 重阳节 is the elderly's festival: the
# special owners' list (孤寡老人) is what the reminder links to.
FIXED_DATE_FESTIVALS = {(1, 1): "new_year", (5, 1): "labour_day", (10, 1): "national_day"}
LUNAR_FESTIVALS = {(1, 1): "spring_festival", (1, 15): "lantern_festival", (5, 5): "dragon_boat",
                   (8, 15): "mid_autumn", (9, 9): "double_ninth"}


@lru_cache(maxsize=64)
def _lunar_festivals_of(year: int) -> dict[date, str]:
    """The lunar festivals falling in Gregorian ``year``: every one of them lies between 21 January
    and early November, so they are the festivals of the lunar year of the same number (never a
    leap month's day). Years outside lunardate's table (1900–2099) have none."""
    try:
        return {LunarDate(year, month, day).to_solar_date(): code
                for (month, day), code in LUNAR_FESTIVALS.items()}
    except ValueError:
        return {}


def festivals_on(day: date) -> tuple[str, ...]:
    """care.festival: the codes of the festivals falling on ``day`` (two when 中秋 is 1 October)."""
    codes = (FIXED_DATE_FESTIVALS.get((day.month, day.day)), _lunar_festivals_of(day.year).get(day))
    return tuple(code for code in codes if code is not None)


# --- revisit follow-ups -----------------------------------------------------------------------------

def follow_up_overdue_at(promised_at: datetime) -> datetime:
    """revisit.follow_up_overdue: the promised reply time has passed with the follow-up open."""
    return promised_at
