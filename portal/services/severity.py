"""Complaint severity (投诉等级), DOMAIN.md §2 and seed 000 §7 — one pure function.

- major (重大): a lawsuit has been filed; or the media exposed it; or a collective complaint
  by 10 or more people (10人以上 counts 10).
- important (重要), when not major: a collective complaint by 3 or more people; or a second
  complaint after the first was closed (处理完毕后发生二次投诉); or the third distinct
  complainant of the same matter within 30 days (一个月内累计三次以上不同投诉人的相同投诉).
- general (一般): everything else.

The 30-day window is counted in local calendar days: a complaint received on the local date
D counts for a complaint received on local date T when ``T - 30 days <= D <= T`` — so one
received 30 days earlier counts and one received 31 days earlier does not, whatever the hour.

The reason is returned as stable codes (``lawsuit;media``) so it can be stored and shown in
either language with ``describe_reason``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portal.models.complaint import Severity

MAJOR_PEOPLE = 10
IMPORTANT_PEOPLE = 3
REPEAT_COMPLAINANTS = 3
REPEAT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class SeverityFacts:
    people_count: int = 1
    lawsuit_filed: bool = False
    media_exposed: bool = False
    second_complaint: bool = False  # a second complaint after the first was closed (or a reopening)
    matter_complainants: int = 1  # distinct complainants of the matter within 30 days, this one included


def compute_severity(facts: SeverityFacts) -> tuple[Severity, str]:
    """(severity, reason codes joined by ';'). Every reason of the winning level is listed."""
    major = []
    if facts.lawsuit_filed:
        major.append("lawsuit")
    if facts.media_exposed:
        major.append("media")
    if facts.people_count >= MAJOR_PEOPLE:
        major.append(f"people:{facts.people_count}")
    if major:
        return Severity.MAJOR, ";".join(major)
    important = []
    if facts.people_count >= IMPORTANT_PEOPLE:
        important.append(f"people:{facts.people_count}")
    if facts.second_complaint:
        important.append("second")
    if facts.matter_complainants >= REPEAT_COMPLAINANTS:
        important.append(f"repeat:{facts.matter_complainants}")
    if important:
        return Severity.IMPORTANT, ";".join(important)
    return Severity.GENERAL, "none"


def in_repeat_window(earlier: date, this: date) -> bool:
    """Does a complaint of local date ``earlier`` count towards one of local date ``this``?"""
    return this - timedelta(days=REPEAT_WINDOW_DAYS) <= earlier <= this


def distinct_complainants(records: Iterable[tuple[str, date]], this_key: str, this_day: date) -> int:
    """Distinct complainant keys among ``records`` (key, local date) inside the window ending on
    ``this_day``, counting this complaint's own key once."""
    keys = {key for key, day in records if in_repeat_window(day, this_day)}
    keys.add(this_key)
    return len(keys)


def complainant_key(customer_id: int | None, phone: str | None, name: str | None) -> str:
    """Who complained, for counting distinct complainants: the archive customer if linked,
    else the phone number, else the name. The same person three times is one complainant."""
    if customer_id:
        return f"c:{customer_id}"
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if digits:
        return f"p:{digits[-11:]}"
    return f"n:{(name or '').strip()}"


def describe_reason(codes: str | None) -> str:
    """The stored reason codes as text in the current language."""
    from flask_babel import gettext as _

    parts = []
    for code in (codes or "").split(";"):
        name, _sep, value = code.partition(":")
        if name == "lawsuit":
            parts.append(_("a lawsuit has been filed"))
        elif name == "media":
            parts.append(_("exposed by the media"))
        elif name == "people":
            parts.append(_("collective complaint by %(n)s people", n=value))
        elif name == "second":
            parts.append(_("second complaint after the first was closed"))
        elif name == "repeat":
            parts.append(_("%(n)s different complainants about the same matter within 30 days", n=value))
        elif name == "none":
            parts.append(_("no rule for major or important applies"))
        elif code:
            parts.append(code)
    return "；".join(parts)
