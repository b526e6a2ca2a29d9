"""Publicity periods of penalty information and credit-repair eligibility (hub.rights.publicity).

Pure tests: no database. Dates follow the Civil Code's month counting (民法典 第二百零二条): a period of
N months from 10 March ends on 10 March/June…, clamped to the month's end when the month is short.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub.disclosure import Disclosure
from hub.models import CreditRecord, RecordKind, RecordStatus, Severity
from hub.rights.publicity import (
    POLICY_FILE,
    PublicityPolicy,
    PublicityPolicyError,
    add_months,
    default_policy,
    load_policies,
    repair_eligibility,
)

POLICIES = load_policies()
DEFAULT = default_policy()
DECIDED = date(2025, 3, 10)


def record(kind: RecordKind = RecordKind.ADMINISTRATIVE_PENALTY, *, severity: Severity | None = Severity.GENERAL,
           decided_on: date | None = DECIDED, status: RecordStatus = RecordStatus.ACTIVE,
           publicity_ends_on: date | None = None) -> CreditRecord:
    return CreditRecord(id="rec-1", subject_uscc="91410425MA44XXXX0X", kind=kind, title="罚款", decided_on=decided_on,
                        issuing_department="郏县市场监督管理局", source_platform=None, disclosure=Disclosure.PUBLIC,
                        status=status, severity=severity, publicity_ends_on=publicity_ends_on)


# ---- the shipped policies -------------------------------------------------------------------------

def test_the_default_policy_is_the_ndrc_2025_measures_in_force_since_april_2026() -> None:
    assert DEFAULT.id == "ndrc-credit-repair-2025" and DEFAULT.in_force_from == date(2026, 4, 1)
    assert "信用修复管理办法" in DEFAULT.source
    periods = {s: (p.minimum_months, p.maximum_months) for s, p in DEFAULT.periods.items()}
    assert periods == {Severity.MINOR: (0, 3), Severity.GENERAL: (3, 12), Severity.SERIOUS: (12, 36)}


def test_the_shipped_file_offers_four_policies_default_first() -> None:
    assert list(POLICIES) == ["ndrc-credit-repair-2025", "ndrc-order-58", "ndrc-2019-527", "samr-order-107"]
    assert POLICIES["ndrc-order-58"].in_force_until == date(2026, 3, 31)


def test_every_period_names_its_source() -> None:
    assert all(p.source.strip() for policy in POLICIES.values() for p in policy.periods.values())


# (policy, severity) → (last day shown, first day repair may be applied for), for a decision on 10 March 2025
EXPECTED = [
    ("ndrc-credit-repair-2025", Severity.MINOR, date(2025, 6, 10), DECIDED),  # 0–3 months
    ("ndrc-credit-repair-2025", Severity.GENERAL, date(2026, 3, 10), date(2025, 6, 11)),  # 3–12
    ("ndrc-credit-repair-2025", Severity.SERIOUS, date(2028, 3, 10), date(2026, 3, 11)),  # 12–36
    ("ndrc-order-58", Severity.MINOR, date(2028, 3, 10), date(2025, 6, 11)),  # 3–36, one tier
    ("ndrc-order-58", Severity.GENERAL, date(2028, 3, 10), date(2025, 6, 11)),
    ("ndrc-order-58", Severity.SERIOUS, date(2028, 3, 10), date(2025, 6, 11)),
    ("ndrc-2019-527", Severity.MINOR, date(2026, 3, 10), date(2025, 6, 11)),  # no minor tier: as general
    ("ndrc-2019-527", Severity.GENERAL, date(2026, 3, 10), date(2025, 6, 11)),  # 3–12
    ("ndrc-2019-527", Severity.SERIOUS, date(2028, 3, 10), date(2025, 9, 11)),  # 6–36
    ("samr-order-107", Severity.MINOR, date(2025, 6, 10), DECIDED),
    ("samr-order-107", Severity.GENERAL, date(2026, 3, 10), date(2025, 6, 11)),
    ("samr-order-107", Severity.SERIOUS, date(2028, 3, 10), date(2026, 3, 11)),
]


@pytest.mark.parametrize(("policy_id", "severity", "last_day", "repair_from"), EXPECTED)
def test_each_severity_under_each_policy(policy_id: str, severity: Severity, last_day: date,
                                         repair_from: date) -> None:
    policy = POLICIES[policy_id]
    assert policy.publicity_ends_on(DECIDED, severity) == last_day
    assert policy.earliest_repair_on(DECIDED, severity) == repair_from


@pytest.mark.parametrize(("policy_id", "severity", "last_day", "repair_from"), EXPECTED)
def test_repair_boundaries_on_both_sides(policy_id: str, severity: Severity, last_day: date,
                                         repair_from: date) -> None:
    policy, penalty = POLICIES[policy_id], record(severity=severity)
    if repair_from > DECIDED:
        before = repair_eligibility(penalty, date.fromordinal(repair_from.toordinal() - 1), policy)
        assert not before.eligible and before.earliest_on == repair_from and str(repair_from) in before.reason
    assert repair_eligibility(penalty, repair_from, policy).eligible
    assert repair_eligibility(penalty, last_day, policy).eligible  # the last day shown is inclusive
    after = repair_eligibility(penalty, date.fromordinal(last_day.toordinal() + 1), policy)
    assert not after.eligible and after.earliest_on is None and "needs no repair" in after.reason


def test_an_unclassified_penalty_is_treated_as_general() -> None:
    assert DEFAULT.period(None) == DEFAULT.period(Severity.GENERAL)
    assert DEFAULT.publicity_ends_on(DECIDED, None) == date(2026, 3, 10)
    assert repair_eligibility(record(severity=None), date(2025, 6, 11), DEFAULT).eligible


# ---- month arithmetic -------------------------------------------------------------------------------

def test_months_are_added_with_end_of_month_clamping() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 8, 31), 3) == date(2025, 11, 30)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_a_serious_penalty_decided_on_a_leap_day_is_shown_through_28_february() -> None:
    assert DEFAULT.publicity_ends_on(date(2024, 2, 29), Severity.SERIOUS) == date(2027, 2, 28)


def test_a_minimum_ending_on_a_clamped_month_end_allows_repair_the_next_day() -> None:
    # 30 November + 3 months = 28 February 2026, the last day of the minimum period
    assert DEFAULT.earliest_repair_on(date(2025, 11, 30), Severity.GENERAL) == date(2026, 3, 1)
    assert not repair_eligibility(record(decided_on=date(2025, 11, 30)), date(2026, 2, 28), DEFAULT).eligible
    assert repair_eligibility(record(decided_on=date(2025, 11, 30)), date(2026, 3, 1), DEFAULT).eligible


# ---- repair eligibility beyond the calendar ---------------------------------------------------------

def test_an_already_repaired_record_is_not_eligible_again() -> None:
    verdict = repair_eligibility(record(status=RecordStatus.REPAIRED), date(2025, 7, 1), DEFAULT)
    assert not verdict.eligible and "already repaired" in verdict.reason and verdict.earliest_on is None


def test_a_withdrawn_record_has_nothing_to_repair() -> None:
    verdict = repair_eligibility(record(status=RecordStatus.WITHDRAWN), date(2025, 7, 1), DEFAULT)
    assert not verdict.eligible and "withdrawn" in verdict.reason


def test_a_penalty_without_a_decision_date_cannot_be_counted() -> None:
    verdict = repair_eligibility(record(decided_on=None), date(2025, 7, 1), DEFAULT)
    assert not verdict.eligible and "no decision date" in verdict.reason


def test_the_records_own_publicity_end_wins_over_the_policys() -> None:
    penalty = record(publicity_ends_on=date(2025, 9, 30))  # 公示截止期 as pushed by the department
    assert repair_eligibility(penalty, date(2025, 9, 30), DEFAULT).eligible
    assert "ended on 2025-09-30" in repair_eligibility(penalty, date(2025, 10, 1), DEFAULT).reason


def test_a_serious_dishonesty_listing_may_be_removed_after_one_year() -> None:
    listing = record(RecordKind.SERIOUS_DISHONESTY_LIST, severity=None, decided_on=date(2025, 1, 15))
    before = repair_eligibility(listing, date(2026, 1, 15), DEFAULT)
    assert not before.eligible and before.earliest_on == date(2026, 1, 16) and "2026-01-16" in before.reason
    assert repair_eligibility(listing, date(2026, 1, 16), DEFAULT).eligible


def test_an_ended_listing_needs_no_repair() -> None:
    listing = record(RecordKind.SERIOUS_DISHONESTY_LIST, decided_on=date(2022, 1, 15),
                     publicity_ends_on=date(2025, 1, 15))
    verdict = repair_eligibility(listing, date(2025, 1, 16), DEFAULT)
    assert not verdict.eligible and "off the list" in verdict.reason


def test_an_abnormal_operation_entry_may_be_removed_as_soon_as_its_cause_is_cured() -> None:
    entry = record(RecordKind.ABNORMAL_OPERATION, severity=None)
    assert repair_eligibility(entry, DECIDED, DEFAULT).eligible


@pytest.mark.parametrize(("kind", "words"), [
    (RecordKind.DISHONEST_EXECUTEE, "by the court"),
    (RecordKind.INSPECTION_RESULT, "objection"),
    (RecordKind.ADMINISTRATIVE_LICENSE, "objection"),
])
def test_other_kinds_are_not_repaired_by_credit_repair(kind: RecordKind, words: str) -> None:
    verdict = repair_eligibility(record(kind), date(2026, 1, 1), DEFAULT)
    assert not verdict.eligible and words in verdict.reason and verdict.earliest_on is None


# ---- a department's own file --------------------------------------------------------------------------

VALID = """\
default: province
policies:
  province:
    name: 某省行政处罚信息公示规定
    source: 某省规定（test data）
    periods:
      MINOR: {minimum_months: 0, maximum_months: 0}
      GENERAL: {minimum_months: 3, maximum_months: 12}
      SERIOUS: {minimum_months: 12, maximum_months: 36}
lists:
  ABNORMAL_OPERATION: {minimum_months: 0, source: 企业经营异常名录}
"""


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "publicity.yaml"
    path.write_text(content, encoding="utf-8")
    return path


def test_a_departments_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    assert list(load_policies(path)) == ["province"]
    policy = default_policy(path)
    assert isinstance(policy, PublicityPolicy) and policy.id == "province"
    assert policy.period(Severity.MINOR).source == "某省规定（test data）"  # the policy's, when a period names none
    assert RecordKind.SERIOUS_DISHONESTY_LIST not in policy.list_removals


def test_a_policy_that_does_not_publish_minor_penalties_has_nothing_to_repair(tmp_path: Path) -> None:
    policy = default_policy(write(tmp_path, VALID))
    assert policy.publicity_ends_on(DECIDED, Severity.MINOR) < DECIDED  # never shown
    verdict = repair_eligibility(record(severity=Severity.MINOR), DECIDED, policy)
    assert not verdict.eligible and "not published" in verdict.reason


@pytest.mark.parametrize(("old", "new", "line", "problem"), [
    ("default: province", "default: nation", 1, "'nation' is not a policy here"),
    ("GENERAL: {minimum_months: 3,", "GENERAL: {minimum_months: 13,", 8, "minimum 13 months exceeds maximum 12"),
    ("maximum_months: 12}", "maximum_months: one year}", 8, "whole number of months"),
    ("      SERIOUS: {minimum_months: 12, maximum_months: 36}\n", "", 7, "is missing SERIOUS"),
    ("SERIOUS:", "SEVERE:", 9, "unknown key 'SEVERE'"),
    ("  province:", "  Province:", 3, "lowercase"),
    ("ABNORMAL_OPERATION:", "DISHONEST_EXECUTEE:", 11, "unknown key 'DISHONEST_EXECUTEE'"),
    ("    name: 某省", "    source: again\n    name: 某省", 6, "appears twice (first on line 4)"),
    ("maximum_months: 36}", "maximum_months: 36", 10, "YAML syntax error"),  # the unclosed {…} of line 9
])
def test_a_malformed_policy_file_is_refused_naming_its_line(tmp_path: Path, old: str, new: str, line: int,
                                                            problem: str) -> None:
    assert old in VALID
    with pytest.raises(PublicityPolicyError) as refused:
        load_policies(write(tmp_path, VALID.replace(old, new, 1)))
    assert problem in str(refused.value) and refused.value.line == line, str(refused.value)
    assert f"publicity.yaml line {line}" in str(refused.value)


def test_the_shipped_file_is_where_the_module_says() -> None:
    assert POLICY_FILE.is_file() and list(load_policies(POLICY_FILE)) == list(POLICIES)
