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
Complaints registered out of order (a letter entered days after it arrived) count in whichever
30-day window holds three of them.

The reason is returned as stable codes (``lawsuit;media``) so it can be stored and shown in
either language with ``describe_reason``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portal.models.complaint import SEVERITY_RANK, Severity

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


def _reasons(facts: SeverityFacts) -> tuple[list[str], list[str]]:
    """(the major reasons, the important ones) these facts give."""
    major = []
    if facts.lawsuit_filed:
        major.append("lawsuit")
    if facts.media_exposed:
        major.append("media")
    if facts.people_count >= MAJOR_PEOPLE:
        major.append(f"people:{facts.people_count}")
    important = []
    if facts.people_count >= IMPORTANT_PEOPLE and facts.people_count < MAJOR_PEOPLE:
        important.append(f"people:{facts.people_count}")
    if facts.second_complaint:
        important.append("second")
    if facts.matter_complainants >= REPEAT_COMPLAINANTS:
        important.append(f"repeat:{facts.matter_complainants}")
    return major, important


def compute_severity(facts: SeverityFacts) -> tuple[Severity, str]:
    """(severity, reason codes joined by ';'). Every reason of the winning level is listed."""
    major, important = _reasons(facts)
    if major:
        return Severity.MAJOR, ";".join(major)
    if important:
        return Severity.IMPORTANT, ";".join(important)
    return Severity.GENERAL, "none"


def all_reasons(facts: SeverityFacts) -> str:
    """Every reason the facts give, of every level (a major complaint that is also a second
    complaint lists both): what a manager saw when he overrode the severity."""
    major, important = _reasons(facts)
    return ";".join(major + important) or "none"


def reason_names(codes: str | None) -> frozenset[str]:
    """The kinds of fact behind reason codes, without their numbers (``people:12`` → people)."""
    return frozenset(code.partition(":")[0] for code in (codes or "").split(";") if code and code != "none")


def override_gives_way(override: Severity, rule: Severity, reason: str, *, judged_rule: Severity | None,
                       judged_reasons: str | None, rule_changed: bool) -> bool:
    """Is a manager's override lifted by what the rules say now (``rule``, ``reason``)?

    Only by an answer graver than his, and only when it rests on a fact he did not judge: the
    rules now say something graver than when he overrode (``judged_rule``), or give a kind of
    reason the facts did not give then (``judged_reasons``: a lawsuit filed after he judged
    "twelve people are one family" important). A fact withdrawn and restored, or more of the
    same (twelve people, then fifteen), is what he judged, and his override stands. Overrides
    made before the reasons were kept (``judged_reasons`` None) compare severities only, and
    only when the rule's severity changed."""
    if SEVERITY_RANK[rule] <= SEVERITY_RANK[override]:
        return False
    judged = judged_rule or override
    if judged_reasons is None:
        return rule_changed and SEVERITY_RANK[rule] > SEVERITY_RANK[judged]
    return SEVERITY_RANK[rule] > SEVERITY_RANK[judged] or bool(reason_names(reason) - reason_names(judged_reasons))


def in_repeat_window(earlier: date, this: date) -> bool:
    """Does a complaint of local date ``earlier`` count towards one of local date ``this``?"""
    return this - timedelta(days=REPEAT_WINDOW_DAYS) <= earlier <= this


def distinct_complainants(records: Iterable[tuple[frozenset[str], date]], this_keys: frozenset[str],
                          this_day: date) -> int:
    """The most distinct complainants in one 30-day window that holds this complaint.

    ``records`` are the matter's other complaints as (complainant keys, local date). Windows end
    on this complaint's day or on the day of a later one within 30 days: a letter received on
    the 5th but registered after complaints of the 10th and 12th is the first of three within a
    month, although only it stands in the 30 days up to its own date."""
    ends = {this_day} | {day for _keys, day in records if this_day < day <= this_day + timedelta(days=REPEAT_WINDOW_DAYS)}
    return max(count_complainants([keys for keys, day in records if in_repeat_window(day, end)] + [this_keys])
               for end in ends)


def count_complainants(key_sets: Iterable[frozenset[str]]) -> int:
    """How many people made these complaints: two complaints are one person's when they share a
    key (the same archive customer, or the same phone), so a customer who complains once through
    the archive and once by a typed-in phone number is still one complainant."""
    people: list[set[str]] = []
    for keys in key_sets:
        merged, apart = set(keys), []
        for person in people:
            if person & merged:
                merged |= person
            else:
                apart.append(person)
        people = apart + [merged]
    return len(people)


def complainant_keys(customer_id: int | None, phone: str | None, name: str | None) -> frozenset[str]:
    """What identifies a complainant, for counting distinct complainants: the archive customer
    and the phone number (its last 11 digits), and the name only when neither is known."""
    keys = set()
    if customer_id:
        keys.add(f"c:{customer_id}")
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if digits:
        keys.add(f"p:{digits[-11:]}")
    if not keys:
        keys.add(f"n:{(name or '').strip()}")
    return frozenset(keys)


def same_complainant(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a & b)


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
        elif name == "override":  # the effective severity's reason when a manager set it
            parts.append(_("set by a center manager"))
        elif code:
            parts.append(code)
    return "；".join(parts)
