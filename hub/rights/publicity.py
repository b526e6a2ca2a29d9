"""公示期 — how long penalty information stays public, and when credit repair (信用修复) may end it.

National rules give penalty information (行政处罚信息) a *minimum* publicity period, after which the
subject may apply for repair, which ends publicity early, and a *maximum*, after which publicity
ends by itself (SPEC §2.4). The rules changed over the years (527号 2019, NDRC Order 58 2023, the
NDRC 2025 measures, SAMR's own), so the periods are data: ``policy/publicity.yaml`` holds each rule
with its source and names the default; a department that follows another rule passes its own file
in the same format to ``load_policies``, and it replaces the shipped one.

File keys: ``default`` (a policy id); ``policies``, each id mapping to ``name``, ``source``,
optional ``in_force_from`` / ``in_force_until`` (informational), and ``periods`` with MINOR, GENERAL and
SERIOUS, each ``{minimum_months, maximum_months, source?}``; ``lists``, each list kind
(SERIOUS_DISHONESTY_LIST, ABNORMAL_OPERATION) mapping to ``{minimum_months, source}`` — the months
on the list before removal (移出名单, the repair of a list entry) may be applied for. A malformed
file is refused with ``PublicityPolicyError`` naming its line.

Dates: periods run from the decision date (527号 "自行政处罚决定之日起"; Order 58 "公示期限起点以
行政处罚作出时间为准") and are counted as the Civil Code counts months (民法典 第二百零一、二百零二条):
the start day is not counted, and a period ends on the same day of the month N months later — on
the month's last day when that month is shorter (31 January + 1 month = 28/29 February). So a
penalty decided on 10 March with a one-year maximum is shown through 10 March a year later, and
its 3-month minimum has passed (届满) at the end of 10 June: repair may be applied for from 11 June.
"""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from hub.datafile import DataFileError, FileProblem, LineMap, read_data_file, require_keys, text
from hub.models import CreditRecord, RecordKind, RecordStatus, Severity

POLICY_FILE = Path(__file__).with_name("policy") / "publicity.yaml"
LIST_KINDS = (RecordKind.SERIOUS_DISHONESTY_LIST, RecordKind.ABNORMAL_OPERATION)
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_SEVERITY = {Severity.MINOR: "minor (轻微)", Severity.GENERAL: "general (一般)", Severity.SERIOUS: "serious (严重)"}
# seed 004 §二.(五): "不得以任何形式向申请信用修复的主体收取费用"
_FREE = "free of charge (seed 004 §二.(五))"


class PublicityPolicyError(DataFileError):
    """The policy file is malformed; ``.path``, ``.line``, ``.problem``."""


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (民法典 第二百零二条)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _first_day_after(start: date, months: int) -> date:
    """The day after a period of ``months`` from ``start`` has passed (届满); ``start`` when there is none."""
    return start if months == 0 else add_months(start, months) + timedelta(days=1)


@dataclass(frozen=True)
class PublicityPeriod:
    """The least and the most time (months from the decision) a penalty is shown, and the rule's words."""

    minimum_months: int
    maximum_months: int
    source: str

    def __post_init__(self) -> None:
        for n in (self.minimum_months, self.maximum_months):
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"a period is a whole number of months ≥ 0, not {n!r}")
        if self.minimum_months > self.maximum_months:
            raise ValueError(f"minimum {self.minimum_months} months exceeds maximum {self.maximum_months}")

    @property
    def published(self) -> bool:
        """False when the rule does not publish such penalties at all (maximum 0)."""
        return self.maximum_months > 0

    def ends_on(self, decided_on: date) -> date:
        """The last day shown; for an unpublished period the day before the decision (never shown)."""
        if not self.published:
            return decided_on - timedelta(days=1)
        return add_months(decided_on, self.maximum_months)

    def repair_from(self, decided_on: date) -> date:
        """The first day after the minimum period; with no minimum, the decision day itself."""
        return _first_day_after(decided_on, self.minimum_months)


@dataclass(frozen=True)
class ListRemoval:
    """A list's own repair rule: months on the list before removal (移出名单) may be applied for."""

    kind: RecordKind
    minimum_months: int
    source: str


@dataclass(frozen=True, eq=False)
class PublicityPolicy:
    """One rule's publicity periods by severity, with its source and the list-removal rules."""

    id: str
    name: str
    source: str
    periods: Mapping[Severity, PublicityPeriod]
    list_removals: Mapping[RecordKind, ListRemoval] = field(default_factory=dict)
    in_force_from: date | None = None
    in_force_until: date | None = None  # last day in force, when repealed

    def period(self, severity: Severity | None) -> PublicityPeriod:
        """The period for ``severity``; an unclassified record is GENERAL.

        Why GENERAL: the 双公示 columns carry no severity, and 一般 is the rules' baseline tier (527号
        calls every act that is not 严重 一般). Treating the unknown as MINOR could hide a penalty the
        public should see; as SERIOUS it would be shown, and block repair, for longer than any rule
        allows for an ordinary penalty.
        """
        return self.periods[Severity.GENERAL if severity is None else severity]

    def publicity_ends_on(self, decided_on: date, severity: Severity | None) -> date:
        """The last day the penalty is shown to PUBLIC viewers (the maximum period), inclusive."""
        return self.period(severity).ends_on(decided_on)

    def earliest_repair_on(self, decided_on: date, severity: Severity | None) -> date:
        """The first day the minimum period has passed; repair may end publicity from then."""
        return self.period(severity).repair_from(decided_on)


@dataclass(frozen=True)
class RepairEligibility:
    """Whether a record may be repaired today, why, and from which day (None when never)."""

    eligible: bool
    reason: str
    earliest_on: date | None


def repair_eligibility(record: CreditRecord, today: date, policy: PublicityPolicy) -> RepairEligibility:
    """Whether the subject may apply for 信用修复 of ``record`` on ``today`` under ``policy``.

    Repairable are ACTIVE penalties once their minimum period has passed and ACTIVE entries of the
    lists in ``policy.list_removals`` once the list's own minimum has passed (seed 002 §三.(五).2:
    the subject corrects the behaviour, then applies). A penalty past its maximum period needs no
    repair: it is no longer shown. Whether the behaviour was corrected and the duties performed is
    for the reviewing department; this says only whether the calendar allows the application.
    """
    if record.status is RecordStatus.REPAIRED:
        return RepairEligibility(False, "already repaired (信用修复): no longer published and no longer counted", None)
    if record.status is RecordStatus.WITHDRAWN:
        return RepairEligibility(False, "withdrawn after an upheld objection: there is nothing to repair", None)
    if record.kind is RecordKind.ADMINISTRATIVE_PENALTY:
        return _penalty(record, today, policy)
    removal = policy.list_removals.get(record.kind)
    if removal is not None:
        return _listing(record, today, removal)
    if record.kind is RecordKind.DISHONEST_EXECUTEE:
        reason = ("失信被执行人 entries are deleted by the court once the obligation is performed, "
                  "not by credit repair")
    else:
        reason = (f"{record.kind.value} records are not repaired by 信用修复 (only penalties and list entries "
                  "are); contest wrong data with an objection (异议)")
    return RepairEligibility(False, reason, None)


def _penalty(record: CreditRecord, today: date, policy: PublicityPolicy) -> RepairEligibility:
    if record.decided_on is None:
        return RepairEligibility(False, "the penalty has no decision date, so its publicity period cannot be "
                                        "counted; correct the record first", None)
    period, label = policy.period(record.severity), _SEVERITY[record.severity or Severity.GENERAL]
    if not period.published:
        return RepairEligibility(False, f"{label} penalties are not published under {policy.id}: "
                                        "there is nothing to repair", None)
    # The record's own 公示截止期 (a 双公示 column) wins over the policy's computed end.
    ends = record.publicity_ends_on or period.ends_on(record.decided_on)
    if today > ends:
        return RepairEligibility(False, f"its publicity ended on {ends} (the maximum period): it is no longer "
                                        "shown, so it needs no repair", None)
    earliest = period.repair_from(record.decided_on)
    rule = f"the minimum publicity period of a {label} penalty, {period.minimum_months} months under {policy.id}"
    if today < earliest:
        return RepairEligibility(False, f"{rule}, has not passed: repair may be applied for from {earliest}", earliest)
    return RepairEligibility(True, f"{rule}, has passed: the subject may apply, {_FREE}; approval ends "
                                   f"publicity before {ends}", earliest)


def _listing(record: CreditRecord, today: date, removal: ListRemoval) -> RepairEligibility:
    if record.decided_on is None:
        return RepairEligibility(False, "the listing has no decision date, so its period cannot be counted; "
                                        "correct the record first", None)
    if record.publicity_ends_on is not None and today > record.publicity_ends_on:
        return RepairEligibility(False, f"the listing ended on {record.publicity_ends_on}: the subject is off "
                                        "the list, so it needs no repair", None)
    earliest = _first_day_after(record.decided_on, removal.minimum_months)
    rule = f"removal from {record.kind.value} ({removal.minimum_months} months on the list first; {removal.source})"
    if today < earliest:
        return RepairEligibility(False, f"{rule} is possible from {earliest}", earliest)
    return RepairEligibility(True, f"the subject may apply to the listing authority for {rule}, {_FREE}", earliest)


# ---- the policy file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PolicyFile:
    default: str
    policies: dict[str, PublicityPolicy]


def load_policies(path: str | os.PathLike[str] | None = None) -> dict[str, PublicityPolicy]:
    """The policies of ``path`` (default: the shipped file), by id; the file's default comes first."""
    return dict(_read(path).policies) if path is not None else dict(_shipped().policies)


def default_policy(path: str | os.PathLike[str] | None = None) -> PublicityPolicy:
    """The policy the file (default: the shipped file) names as ``default``."""
    read = _read(path) if path is not None else _shipped()
    return read.policies[read.default]


@cache
def _shipped() -> _PolicyFile:
    return _read(POLICY_FILE)


def _read(path: str | os.PathLike[str]) -> _PolicyFile:
    return read_data_file(path, _build, PublicityPolicyError)


def _build(document: object) -> _PolicyFile:
    if not isinstance(document, LineMap):
        raise FileProblem(getattr(document, "line", 1), "a policy file is a mapping: default, policies, lists")
    require_keys(document, "the policy file", ["default", "policies", "lists"])
    removals = _list_removals(_mapping(document, "lists"))
    policies: dict[str, PublicityPolicy] = {}
    listed = _mapping(document, "policies")
    for policy_id, body in listed.items():
        if not _ID.fullmatch(policy_id):
            raise FileProblem(listed.at(policy_id), f"policy id {policy_id!r} must be lowercase letters, digits, '-'")
        if not isinstance(body, LineMap):
            raise FileProblem(listed.at(policy_id), f"policy {policy_id} must be a mapping, not {body!r}")
        policies[policy_id] = _policy(policy_id, body, removals)
    default = text(document, "default", "the policy file")
    if default not in policies:
        raise FileProblem(document.at("default"), f"default {default!r} is not a policy here: {', '.join(policies)}")
    return _PolicyFile(default, {default: policies[default]} | policies)


def _mapping(m: LineMap, key: str) -> LineMap:
    value = m[key]
    if not isinstance(value, LineMap) or not value:
        raise FileProblem(m.at(key), f"{key} must be a non-empty mapping, not {value!r}")
    return value


def _policy(policy_id: str, m: LineMap, removals: dict[RecordKind, ListRemoval]) -> PublicityPolicy:
    what = f"policy {policy_id}"
    require_keys(m, what, ["name", "source", "periods"], ["in_force_from", "in_force_until"])
    source = text(m, "source", what)
    listed = _mapping(m, "periods")
    require_keys(listed, f"the periods of {policy_id}", [s.value for s in Severity])
    periods = {Severity(key): _period(f"{what} {key}", body, listed.at(key), source) for key, body in listed.items()}
    since, until = _day(m, "in_force_from", what), _day(m, "in_force_until", what)
    if since and until and until < since:
        raise FileProblem(m.at("in_force_until"), f"{what}: in_force_until {until} is before in_force_from {since}")
    return PublicityPolicy(policy_id, text(m, "name", what), source, periods, removals, since, until)


def _period(what: str, body: object, line: int, default_source: str) -> PublicityPeriod:
    if not isinstance(body, LineMap):
        raise FileProblem(line, f"{what} must be {{minimum_months: N, maximum_months: N}}, not {body!r}")
    require_keys(body, what, ["minimum_months", "maximum_months"], ["source"])
    source = text(body, "source", what) if "source" in body else default_source
    try:
        return PublicityPeriod(body["minimum_months"], body["maximum_months"], source)
    except ValueError as exc:
        raise FileProblem(body.line, f"{what}: {exc}") from None


def _list_removals(m: LineMap) -> dict[RecordKind, ListRemoval]:
    allowed = [kind.value for kind in LIST_KINDS]
    require_keys(m, "lists", [], allowed)
    removals = {}
    for key, body in m.items():
        what = f"lists {key}"
        if not isinstance(body, LineMap):
            raise FileProblem(m.at(key), f"{what} must be {{minimum_months: N, source: …}}, not {body!r}")
        require_keys(body, what, ["minimum_months", "source"])
        months = body["minimum_months"]
        if isinstance(months, bool) or not isinstance(months, int) or months < 0:
            raise FileProblem(body.at("minimum_months"), f"{what}: minimum_months must be a whole number ≥ 0")
        removals[RecordKind(key)] = ListRemoval(RecordKind(key), months, text(body, "source", what))
    return removals


def _day(m: LineMap, key: str, what: str) -> date | None:
    value = m.get(key)
    if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
        raise FileProblem(m.at(key), f"{what}: {key} must be a date (YYYY-MM-DD), not {value!r}")
    return value
