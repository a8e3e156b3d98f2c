"""The severity rule (DOMAIN.md §2, seed 000 §7) at every boundary, and the 30-day window."""
from __future__ import annotations

from datetime import date

import pytest

from portal.models.complaint import Severity
from portal.services.severity import (
    SeverityFacts, all_reasons, complainant_keys, compute_severity, count_complainants, describe_reason,
    distinct_complainants, in_repeat_window, override_gives_way, reason_names,
)

M, I, G = Severity.MAJOR, Severity.IMPORTANT, Severity.GENERAL


@pytest.mark.parametrize("facts, severity, reason", [
    (SeverityFacts(), G, "none"),
    # collective complaints: "3人以上" counts 3, "10人以上" counts 10
    (SeverityFacts(people_count=2), G, "none"),
    (SeverityFacts(people_count=3), I, "people:3"),
    (SeverityFacts(people_count=9), I, "people:9"),
    (SeverityFacts(people_count=10), M, "people:10"),
    (SeverityFacts(people_count=11), M, "people:11"),
    # lawsuit and media are major whatever the number of people
    (SeverityFacts(lawsuit_filed=True), M, "lawsuit"),
    (SeverityFacts(media_exposed=True), M, "media"),
    (SeverityFacts(lawsuit_filed=True, media_exposed=True, people_count=12), M, "lawsuit;media;people:12"),
    # major wins over important, and then gives only the major reasons
    (SeverityFacts(media_exposed=True, second_complaint=True, matter_complainants=5), M, "media"),
    # second complaint after closure (reopening)
    (SeverityFacts(second_complaint=True), I, "second"),
    # the third distinct complainant of a matter within 30 days
    (SeverityFacts(matter_complainants=2), G, "none"),
    (SeverityFacts(matter_complainants=3), I, "repeat:3"),
    (SeverityFacts(people_count=4, second_complaint=True, matter_complainants=3), I, "people:4;second;repeat:3"),
])
def test_compute_severity(facts, severity, reason):
    assert compute_severity(facts) == (severity, reason)


@pytest.mark.parametrize("earlier, this, counts", [
    (date(2026, 11, 16), date(2026, 11, 16), True),   # the same day
    (date(2026, 10, 17), date(2026, 11, 16), True),   # 30 days earlier counts
    (date(2026, 10, 16), date(2026, 11, 16), False),  # 31 days earlier does not
    (date(2026, 11, 17), date(2026, 11, 16), False),  # a later complaint is not "within the last 30 days"
])
def test_repeat_window_is_30_calendar_days_inclusive(earlier, this, counts):
    assert in_repeat_window(earlier, this) is counts


THIS = date(2026, 11, 16)


def k(*keys: str) -> frozenset[str]:
    return frozenset(keys)


@pytest.mark.parametrize("records, this_keys, expected", [
    ([], k("p:1"), 1),
    # the same complainant three times is one complainant
    ([(k("p:1"), THIS), (k("p:1"), date(2026, 11, 10))], k("p:1"), 1),
    ([(k("p:1"), THIS), (k("p:2"), date(2026, 11, 10))], k("p:3"), 3),
    ([(k("p:1"), THIS), (k("p:1"), THIS)], k("p:2"), 2),
    # one of the earlier complainants 31 days before: only two within the window
    ([(k("p:1"), date(2026, 10, 16)), (k("p:2"), date(2026, 11, 1))], k("p:3"), 2),
    # exactly 30 days before: three
    ([(k("p:1"), date(2026, 10, 17)), (k("p:2"), date(2026, 11, 1))], k("p:3"), 3),
    # registered out of order: this letter of the 16th is entered after complaints of the 20th
    # and 22nd; the window ending on the 22nd holds all three
    ([(k("p:1"), date(2026, 11, 20)), (k("p:2"), date(2026, 11, 22))], k("p:3"), 3),
    # a later complaint exactly 30 days after still shares a window with this one, 31 days not
    ([(k("p:1"), date(2026, 11, 20)), (k("p:2"), date(2026, 12, 16))], k("p:3"), 3),
    ([(k("p:1"), date(2026, 11, 20)), (k("p:2"), date(2026, 12, 17))], k("p:3"), 2),
    # an earlier and a later complaint 31 days apart never share a window with each other
    ([(k("p:1"), date(2026, 10, 31)), (k("p:2"), date(2026, 12, 1))], k("p:3"), 2),
    # the same person through the archive and by a typed-in phone is one complainant
    ([(k("c:7", "p:13800000000"), THIS), (k("p:13800000000"), THIS)], k("p:13900000000"), 2),
    ([(k("c:7"), THIS), (k("c:7", "p:13800000000"), THIS)], k("p:13800000000"), 1),
])
def test_distinct_complainants(records, this_keys, expected):
    assert distinct_complainants(records, this_keys, THIS) == expected


@pytest.mark.parametrize("args, keys", [
    ((7, "13800000000", "张三"), {"c:7", "p:13800000000"}),   # the archive customer and the phone
    ((7, None, "张三"), {"c:7"}),
    ((None, "138 0000 0000", "张三"), {"p:13800000000"}),
    ((None, "+8613800000000", "李四"), {"p:13800000000"}),  # the same phone written differently
    ((None, None, " 王五 "), {"n:王五"}),                    # the name only when nothing else is known
])
def test_complainant_keys(args, keys):
    assert complainant_keys(*args) == keys


@pytest.mark.parametrize("key_sets, people", [
    ([], 0),
    ([k("p:1"), k("p:2"), k("p:3")], 3),
    ([k("c:7"), k("p:1"), k("c:7", "p:1")], 1),   # the third complaint shows the first two are one person
    ([k("c:7", "p:1"), k("c:8", "p:2"), k("n:王五")], 3),
])
def test_count_complainants(key_sets, people):
    assert count_complainants(key_sets) == people


def test_describe_reason_is_chinese_by_default(app):
    with app.test_request_context():
        text = describe_reason("lawsuit;people:12")
    assert "诉讼" in text and "12" in text


def test_describe_reason_names_a_managers_override(app):
    """The effective severity's reason is "override" when a manager set it: never shown as the code."""
    with app.test_request_context():
        text = describe_reason("override")
    assert text == "由客服中心主任认定"


@pytest.mark.parametrize("facts, reasons", [
    (SeverityFacts(), "none"),
    (SeverityFacts(people_count=12), "people:12"),
    # what compute_severity leaves out under a major reason is still something the manager saw
    (SeverityFacts(media_exposed=True, second_complaint=True, matter_complainants=3), "media;second;repeat:3"),
    (SeverityFacts(people_count=4, lawsuit_filed=True), "lawsuit;people:4"),
])
def test_all_reasons_lists_every_level(facts, reasons):
    assert all_reasons(facts) == reasons


def test_reason_names_drop_the_numbers():
    assert reason_names("lawsuit;people:12;repeat:3") == {"lawsuit", "people", "repeat"}
    assert reason_names("none") == reason_names(None) == frozenset()


@pytest.mark.parametrize("override, judged_rule, judged_reasons, rule, reason, rule_changed, lifted", [
    # twelve people found to be one family: important. A lawsuit is a fact he did not judge, though
    # the rule said major before and after: lifted
    (I, M, "people:12", M, "lawsuit;people:12", False, True),
    (I, M, "people:12", M, "media;people:12", False, True),
    # more of what he judged (fifteen people now), or the same facts again: his judgement stands
    (I, M, "people:12", M, "people:15", False, False),
    (G, I, "people:3", I, "people:3", True, False),
    # a lighter or equal answer never lifts an override
    (M, G, "none", I, "people:5", True, False),
    (I, G, "none", I, "second", True, False),
    # graver than what the rules said then: lifted
    (G, I, "people:3", M, "people:10", True, True),
    (I, G, "none", M, "media", True, True),
    # a kind of important reason he had not seen, above his general: lifted; one he had seen under a
    # major reason: not
    (G, M, "people:12", I, "people:5;second", True, True),
    (G, M, "people:12;second", I, "people:5;second", True, False),
    # overrides from before the reasons were kept: severities only, and only when the rule moved
    (I, M, None, M, "lawsuit;people:12", False, False),
    (G, None, None, M, "people:12", False, False),
    (G, None, None, M, "lawsuit", True, True),
    (G, I, None, I, "second", True, False),
])
def test_an_override_gives_way_only_to_facts_the_manager_did_not_judge(override, judged_rule, judged_reasons, rule,
                                                                       reason, rule_changed, lifted):
    assert override_gives_way(override, rule, reason, judged_rule=judged_rule, judged_reasons=judged_reasons,
                              rule_changed=rule_changed) is lifted


def test_the_timeline_names_an_override_in_chinese(client, login, org):
    """The severity line after a manager's override gave the raw reason code ("— override")."""
    from datetime import timedelta

    from portal.auth.permissions import Role
    from portal.extensions import db
    from portal.services import complaints as svc
    from portal.services.clock import now_utc
    from tests import factories as f
    from tests.complaints.factories import make_complaint

    staff = f.make_user(org.center, Role.CENTER_STAFF, username="kefu_tl")
    manager = f.make_user(org.center, Role.CENTER_MANAGER, username="zr_tl")
    c = make_complaint(org, staff, received_at=now_utc() - timedelta(days=1), people_count=12)
    svc.override_severity(c, Severity.IMPORTANT, "实际只有一户", by=manager)
    db.session.commit()
    login(client, manager)
    html = client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert "override" not in html.replace("complaints/%d/severity" % c.id, "")
    assert "由客服中心主任认定" in html
