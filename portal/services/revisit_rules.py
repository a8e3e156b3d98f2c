"""When each revisit (回访) is due: the window arithmetic of DOMAIN.md §4, as pure functions.

Every window is a pair of **local calendar dates** (Asia/Shanghai), both ends inclusive: a
revisit is in its window when the local date on which it was made is on or after ``start``
and on or before ``due`` (so it may be made until 23:59:59 local time on ``due``).

The rules, read from DOMAIN.md §4 and seed 000 §6 (签约客户例行回访):

1. **signing** (签约一周内): "within 1 week of signing" is taken literally: from the signing
   date to signing + 7 days, inclusive (signed on a Monday → due the next Monday).
2. **handover_1m** (收楼一个月内): from the handover date to handover + 1 month, inclusive.
3. **handover_3m** ("between 1 and 3 months after handover"; the seed's 收楼三个月内 /
   移交3个月后 are ambiguous, DOMAIN.md stands): from handover + 1 month to handover + 3
   months, inclusive. The first day is shared with window 2; they are separate revisits.
4. **handover_1y** ("1 year after handover, due within the 13th month"): from handover + 12
   months to handover + 13 months, inclusive. A period of months ends on the corresponding
   day of its last month (民法典 §201–202: the starting day is not counted, 到期月的对应日为期间的
   最后一日), the same reading as windows 2 and 3: a 15 March 2025 handover is due by
   15 April 2026, as its 1-month revisit was due by 15 April 2025.
5. **complaint** (投诉回访): from the local date of the resolution to 2 days later, inclusive
   (DOMAIN.md's "within 2 days of resolution"; revisits are planned by the day, like
   every other window, so the revisit may be made until 23:59:59 of that second day).
6. **old_customer** (老客户例行回访): once per calendar year, 1 January to 31 December. A customer
   is an "old customer" in year Y when a room was handed over to him in year Y-2 or
   earlier: his 1-year routine revisit then began in Y-1 at the latest, so from year Y on
   the annual revisit takes over and the two do not pile up on a new owner. A purchase
   whose handover date is not recorded counts from its signing date instead (seed 000 §6:
   每年度进行一次老客户回访 — an owner of years ago whose archive lacks the date is still one).

**Month arithmetic** (``add_months``): the same day of the month N months later; when that
month is shorter, the last day of that month. So 31 January + 1 month is 28 February (29 in
a leap year), and 29 February 2028 + 12 months is 28 February 2029. The result is never
carried into the following month.
"""
from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


class RevisitKind(str, enum.Enum):
    """The six kinds of revisit (stored as these values)."""

    SIGNING = "signing"  # 签约一周内
    HANDOVER_1M = "handover_1m"  # 收楼一个月内
    HANDOVER_3M = "handover_3m"  # 收楼后一至三个月
    HANDOVER_1Y = "handover_1y"  # 收楼一年后（第13个月内）
    COMPLAINT = "complaint"  # 投诉回访
    OLD_CUSTOMER = "old_customer"  # 老客户年度回访


# The routine revisits of a signed customer, in the order they fall due. Their rate has a
# target of 100% (签约客户例行回访率100%).
ROUTINE_KINDS = (RevisitKind.SIGNING, RevisitKind.HANDOVER_1M, RevisitKind.HANDOVER_3M, RevisitKind.HANDOVER_1Y)

SIGNING_DAYS = 7
COMPLAINT_DAYS = 2


@dataclass(frozen=True)
class Window:
    start: date
    due: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.due


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def signing_window(signing: date) -> Window:
    return Window(signing, signing + timedelta(days=SIGNING_DAYS))


def handover_windows(handover: date) -> dict[RevisitKind, Window]:
    return {
        RevisitKind.HANDOVER_1M: Window(handover, add_months(handover, 1)),
        RevisitKind.HANDOVER_3M: Window(add_months(handover, 1), add_months(handover, 3)),
        RevisitKind.HANDOVER_1Y: Window(add_months(handover, 12), add_months(handover, 13)),
    }


def routine_windows(signing: date | None, handover: date | None) -> dict[RevisitKind, Window]:
    """The routine revisits a purchase with these dates should have (none for a missing date)."""
    windows: dict[RevisitKind, Window] = {}
    if signing is not None:
        windows[RevisitKind.SIGNING] = signing_window(signing)
    if handover is not None:
        windows.update(handover_windows(handover))
    return windows


def complaint_window(resolved_at: datetime, tz: ZoneInfo) -> Window:
    """Resolution instant (aware) → window from its local date to 2 days later."""
    if resolved_at.tzinfo is None:
        raise ValueError("resolved_at must be timezone-aware")
    day = resolved_at.astimezone(tz).date()
    return Window(day, day + timedelta(days=COMPLAINT_DAYS))


def annual_window(year: int) -> Window:
    return Window(date(year, 1, 1), date(year, 12, 31))


def customer_since(signing: date | None, handover: date | None) -> date | None:
    """The date a purchase counts from for the old-customer rule: its handover, else (not
    recorded) its signing date."""
    return handover if handover is not None else signing


def is_old_customer(purchases, year: int) -> bool:
    """True when any purchase, given as ``(signing, handover)`` dates, was handed over (or, with
    no handover date recorded, signed) in ``year - 2`` or earlier (see the module doc)."""
    return any((since := customer_since(signing, handover)) is not None and since.year <= year - 2
               for signing, handover in purchases)


def old_customer_handover_cutoff(year: int) -> date:
    """The latest handover (else signing) date that makes a customer an old customer in
    ``year`` (for SQL)."""
    return date(year - 2, 12, 31)


def is_stale(window: Window, today: date, grace_days: int) -> bool:
    """A window that closed more than ``grace_days`` before ``today`` is history: a plan for it
    is not created any more (imported archives from years ago would otherwise flood the
    queue with revisits nobody can make in time). Existing plans are never dropped for it."""
    return window.due < today - timedelta(days=grace_days)


class Timeliness(str, enum.Enum):
    ON_TIME = "on_time"
    LATE = "late"  # done, but not in the window (early or late)
    NOT_DONE = "not_done"


def timeliness(window: Window, done_on: date | None) -> Timeliness:
    """How a plan counts for the revisit rate: done in its window, done outside it, or not done."""
    if done_on is None:
        return Timeliness.NOT_DONE
    return Timeliness.ON_TIME if window.contains(done_on) else Timeliness.LATE


def week_bounds(today: date) -> tuple[date, date]:
    """Monday and Sunday of the week of ``today`` (the queue's "this week")."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, add_months(first, 1) - timedelta(days=1)
