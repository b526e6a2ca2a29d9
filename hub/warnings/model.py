"""预警信息 — a warning, its lifecycle, and the facts the detectors read.

A warning is raised by a rule about an **anchor** — a subject, a person (graph rules about a legal
representative's subjects), an objection or repair application, or a department — from a set of
**facts** (the ids of the records, evaluations or applications that triggered it). Its identity is
rule + anchor + facts: the same facts seen twice (a replayed batch, a restarted engine) are the same
warning, and ``id`` is derived from that key, so every platform holding it names it the same.

Lifecycle, decided by the department it is routed to (``hub.authority.require_owner``)::

    OPEN ──acknowledge──▶ ACKNOWLEDGED ──handle (measure taken)──▶ HANDLED
                                       └──dismiss (reason)──────▶ DISMISSED
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from hub.models import RecordKind, Severity
from hub.warnings.rules import Level, WarningRule


class WarningStatus(StrEnum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    HANDLED = "HANDLED"
    DISMISSED = "DISMISSED"

    @property
    def unresolved(self) -> bool:
        return self in (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED)


class Step(StrEnum):
    """A lifecycle step and the status it leads to."""

    ACKNOWLEDGE = "acknowledge"
    HANDLE = "handle"
    DISMISS = "dismiss"

    @property
    def leads_to(self) -> WarningStatus:
        return {Step.ACKNOWLEDGE: WarningStatus.ACKNOWLEDGED, Step.HANDLE: WarningStatus.HANDLED,
                Step.DISMISS: WarningStatus.DISMISSED}[self]

    @property
    def allowed_from(self) -> WarningStatus:
        return WarningStatus.OPEN if self is Step.ACKNOWLEDGE else WarningStatus.ACKNOWLEDGED


def warning_id(rule_id: str, anchor: str, facts: Sequence[str]) -> str:
    """The id every platform gives the warning of ``rule_id`` about ``anchor`` from these facts."""
    key = "\x1f".join((rule_id, anchor, *sorted(facts)))
    return "w-" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Candidate:
    """A warning a detector found; the engine routes it, dedupes it and writes it."""

    rule: WarningRule
    anchor: str
    facts: tuple[str, ...]
    summary: str
    subject_uscc: str | None = None
    subject_name: str | None = None
    region: str | None = None
    department: str | None = None  # routed to; None → the credit office (admin)
    route_via: str | None = None  # without a department: the subject whose regulator it goes to
    evidence: dict[str, Any] = field(default_factory=dict)  # no personal data: shared upwards
    persons: tuple[dict[str, Any], ...] = ()  # legal representatives named in the evidence: local only

    @property
    def id(self) -> str:
        return warning_id(self.rule.id, self.anchor, self.facts)


@dataclass(frozen=True)
class Warning:
    """A stored warning, as the API shows it."""

    id: str
    rule: str
    title: str
    level: Level
    status: WarningStatus
    anchor: str
    summary: str
    facts: tuple[str, ...]
    evidence: str  # JSON
    raised_at: datetime
    updated_at: datetime
    number: int | None  # this hub's order of raising (paging)
    stream_seq: int | None  # this hub's position of its latest change (subscriptions resume after it)
    family: str | None = None  # SUBJECT, GRAPH or SUPERVISION
    subject_uscc: str | None = None
    subject_name: str | None = None
    region: str | None = None
    department: str | None = None
    persons: str | None = None  # JSON, local only
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    handled_at: datetime | None = None
    handled_by: str | None = None
    measure: str | None = None
    dismissed_at: datetime | None = None
    dismissed_by: str | None = None
    dismiss_reason: str | None = None
    origin_platform: str | None = None
    origin_level: str | None = None
    version: int = 1


@dataclass(frozen=True)
class WarningFilter:
    """Which warnings a query or a subscription wants; ``None`` leaves a field unfiltered."""

    department: str | None = None
    region_prefix: str | None = None  # a county code, a city's four digits, a province's two
    rule: str | None = None
    status: WarningStatus | None = None
    raised_from: datetime | None = None
    raised_to: datetime | None = None
    subject_uscc: str | None = None

    def matches(self, warning: Warning) -> bool:
        return ((self.department is None or warning.department == self.department)
                and (self.region_prefix is None or (warning.region or "").startswith(self.region_prefix))
                and (self.rule is None or warning.rule == self.rule)
                and (self.status is None or warning.status is self.status)
                and (self.raised_from is None or warning.raised_at >= self.raised_from)
                and (self.raised_to is None or warning.raised_at <= self.raised_to)
                and (self.subject_uscc is None or warning.subject_uscc == self.subject_uscc))


# --- what the detectors read ------------------------------------------------------------------

@dataclass(frozen=True)
class SubjectRef:
    uscc: str
    name: str | None
    region: str | None


@dataclass(frozen=True)
class RecordFact:
    """A record that changed here (this hub is its origin)."""

    id: str
    subject: SubjectRef
    kind: RecordKind
    status: str
    decided_on: date | None
    department: str | None
    severity: Severity | None = None
    amount_wan_yuan: float | None = None
    kept: bool | None = None

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class GradeChange:
    """A new evaluation made here, with the grade it replaced (None for a first evaluation)."""

    id: str
    subject: SubjectRef
    scheme: str
    grade: str
    previous_grade: str | None
    evaluator: str | None
    evaluated_on: date


@dataclass(frozen=True)
class Penalty:
    id: str
    subject_uscc: str
    department: str | None
    decided_on: date
    amount_wan_yuan: float | None


@dataclass(frozen=True)
class ListEntry:
    id: str
    kind: RecordKind
    decided_on: date | None


@dataclass(frozen=True)
class PersonRef:
    """A legal representative as the evidence names them (INTERNAL: name and masked ID)."""

    fingerprint: str
    name: str
    id_masked: str | None

    def as_evidence(self) -> dict[str, Any]:
        return {"name": self.name, "id_masked": self.id_masked}


@dataclass(frozen=True)
class Holding:
    """One subject a person represents: its current grades (scheme, grade, evaluation id), recent
    penalties and list entries — what the graph rules weigh."""

    subject: SubjectRef
    grades: tuple[tuple[str, str, str], ...] = ()
    penalties: tuple[Penalty, ...] = ()
    list_entries: tuple[ListEntry, ...] = ()


@dataclass(frozen=True)
class Portfolio:
    """A person and the subjects they currently represent (``truncated``: more than were read)."""

    person: PersonRef
    holdings: tuple[Holding, ...]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.holdings)


@dataclass(frozen=True)
class Representation:
    """A person linked to a subject: its current representative, or a former one until a date."""

    person: PersonRef
    current: bool
    until: date | None = None


@dataclass(frozen=True)
class OverdueDecision:
    """A pending objection or repair application past its due date."""

    id: str
    kind: str  # OBJECTION or REPAIR
    subject: SubjectRef | None
    target_id: str
    department: str | None
    due_on: date


@dataclass(frozen=True)
class ReportingRate:
    department: str
    name: str | None
    timeliness: float | None
    on_time: int
    late: int
    imports: tuple[str, ...]
    region: str | None = None
