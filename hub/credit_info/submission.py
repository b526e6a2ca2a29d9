"""A department submits credit information of any kind, in batches (``submitCreditInformation``).

Each item is validated alone (hub.credit_info.validation): a bad one comes back with its number and
the field at fault, and the valid rest is stored. An item is keyed by the submitting department and
the source's own id (``source_id``, the id the department's own system gives it), so sending the same
item again changes nothing and sending it changed makes the record's next version (it then joins the
change feed to the platforms above like every record, hub.db.feed).

What the hub decides, by rule, not the sender:

- the tier (``KindRule.disclosure``, docs/tiers.md "Credit information by kind");
- the publicity window of a 行政处罚: the item's own ``publicity_ends_on`` (the deciding department
  knows its sector's rule, as in the 双公示 file's 公示截止期), else the publicity policy's maximum for
  its severity (hub.rights.publicity; GENERAL when none is given);
- a list entry (严重失信主体名单, 经营异常名录, 失信被执行人) is on its list from its decision date until
  its removal: ``removed_on`` is kept, and the record is in force (``publicity_ends_on``, which the
  grading models read as the listing's end: hub.grading.scoring._catalogue "current") through the day
  before. So an entry raises the grading flags (seed 004 第十条) and its removal lowers them; each
  re-grades the subject.

Provenance: the issuing department (the caller's token), this platform, the source id and the day the
item was received. Only a department submits, and only for itself (hub.authority.require_owner).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from hub import clock
from hub.authority import require_owner
from hub.credit_info.kinds import rule_of
from hub.credit_info.validation import CheckedItem, ItemDraft, ItemProblem, Label, check_item
from hub.db import credit_info as store
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Disclosure, Role, Viewer
from hub.errors import BadInput, Forbidden
from hub.models import RecordKind, Severity, SubjectKind
from hub.rights.publicity import PublicityPolicy

Regrade = Callable[[Sequence[str]], Awaitable[Any]]
MAX_ITEMS = 500  # a batch; more goes in several calls (the request body limit bounds it too)


class Outcome(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"  # a new version of an item sent before
    UNCHANGED = "UNCHANGED"  # sent before exactly so: nothing written


class TooManyItems(BadInput):
    """A batch above MAX_ITEMS."""


@dataclass(frozen=True)
class StoredItem:
    item: int
    source_id: str
    id: str
    kind: RecordKind
    subject_uscc: str
    disclosure: Disclosure
    disclosure_rule: str
    publicity_ends_on: date | None
    removed_on: date | None
    outcome: Outcome


@dataclass(frozen=True)
class Receipt:
    """What a batch did: each stored item, each refused one, and how many subjects were re-graded."""

    stored: tuple[StoredItem, ...]
    problems: tuple[ItemProblem, ...]
    regraded: int

    @property
    def received(self) -> int:
        return len(self.stored) + len({p.item for p in self.problems})


def record_id(department: str, source_id: str) -> str:
    """The same department's item with the same source id is always the same record."""
    digest = hashlib.sha256(f"{department}\x1f{source_id}".encode()).hexdigest()
    return f"ci-{digest[:32]}"


class CreditInformation:
    """Take batches of credit information from departments; every door calls ``submit``."""

    def __init__(self, gateway: Neo4jGateway, regrade: Regrade, policy: PublicityPolicy, platform_id: str) -> None:
        self.gateway, self.regrade, self.policy, self.platform_id = gateway, regrade, policy, platform_id

    async def submit(self, drafts: Sequence[ItemDraft], viewer: Viewer, label: Label) -> Receipt:
        if viewer.role is not Role.AGENCY or not viewer.department:
            raise Forbidden("credit information is submitted by the department that holds it: an agency token with "
                            f"--department; you are {viewer.role.value} with no department")
        department = viewer.department
        require_owner(viewer, department, f"credit information of department {department} (submit)")
        if len(drafts) > MAX_ITEMS:
            raise TooManyItems(f"items: {len(drafts):,} items in one batch; send at most {MAX_ITEMS} a call")
        today = clock.today()
        checked: list[CheckedItem] = []
        problems: list[ItemProblem] = []
        first_of: dict[str, int] = {}
        for number, draft in enumerate(drafts, start=1):
            outcome = check_item(number, draft, today, label)
            if isinstance(outcome, list):
                problems.extend(outcome)
                continue
            if outcome.source_id in first_of:
                first = first_of[outcome.source_id]
                problems.append(ItemProblem(
                    number, label("source_id"), f"item {first} has the same {label('source_id')} "
                    f"{outcome.source_id!r}: an item is sent once a batch",
                    f"第 {first} 项的信息编号（{label('source_id')}）同为「{outcome.source_id}」："
                    "同一条信息每批只报送一次",
                    outcome.source_id))
                continue
            first_of[outcome.source_id] = number
            checked.append(outcome)
        rows = [self._row(item, department) for item in checked]
        if rows:
            await ingest.ensure_subjects(self.gateway, _subjects(checked))
        written = await store.upsert(self.gateway, rows) if rows else {}
        stored = tuple(_stored(item, row, written.get(row["id"])) for item, row in zip(checked, rows, strict=True))
        due = sorted({s.subject_uscc for s in stored if s.outcome is not Outcome.UNCHANGED
                      and _counted(s.kind)})
        regraded = 0
        if due:
            summary = await self.regrade(due)
            regraded = getattr(summary, "subjects", len(due))
        return Receipt(stored, tuple(problems), regraded)

    def _row(self, item: CheckedItem, department: str) -> dict[str, Any]:
        return record_row(item, department, self.policy, self.platform_id)


def record_row(item: CheckedItem, department: str, policy: PublicityPolicy, platform_id: str) -> dict[str, Any]:
    """The record a checked item becomes, its tier and publicity window set by rule (every door uses this)."""
    rule = item.rule
    severity = item.severity
    ends = item.publicity_ends_on
    if rule.kind is RecordKind.ADMINISTRATIVE_PENALTY:
        severity = severity or Severity.GENERAL
        ends = ends or policy.publicity_ends_on(item.decided_on, severity)
    if rule.listed:
        # listed from the decision date through the day before removal; unremoved, until removed
        ends = item.removed_on - timedelta(days=1) if item.removed_on is not None else ends
    return {
        "id": record_id(department, item.source_id), "subject_uscc": item.uscc, "kind": rule.kind.value,
        "title": item.title, "decided_on": item.decided_on, "issuing_department": department,
        "source_platform": platform_id, "disclosure": rule.disclosure.value,
        "disclosure_rule": rule.disclosure_rule, "severity": severity and severity.value,
        "publicity_ends_on": ends, "document_number": item.document_number, "content": item.content,
        "amount_wan_yuan": item.amount_wan_yuan, "source_id": item.source_id, "received_on": item.received_on,
        "removed_on": item.removed_on, "evaluator": item.evaluator, "grade": item.grade,
    }


def _subjects(items: Sequence[CheckedItem]) -> list[dict[str, Any]]:
    names: dict[str, str | None] = {}
    for item in items:
        names[item.uscc] = names.get(item.uscc) or item.subject_name
    return [{"uscc": code, "name": name, "kind": SubjectKind.from_uscc(code).value, "region": code[2:8]}
            for code, name in names.items()]


def _stored(item: CheckedItem, row: dict[str, Any], created: bool | None) -> StoredItem:
    outcome = Outcome.UNCHANGED if created is None else Outcome.CREATED if created else Outcome.UPDATED
    return StoredItem(item.number, item.source_id, row["id"], item.rule.kind, item.uscc, item.rule.disclosure,
                      item.rule.disclosure_rule, row["publicity_ends_on"], item.removed_on, outcome)


def _counted(kind: RecordKind) -> bool:
    return rule_of(kind).counted
