"""异议 — objections: a subject contests a record or an evaluation.

Routed to the department that issued the item — a record's issuing department, an evaluation's
scheme owner (hub.authority: the platform's own items go to the credit office) — and decided by it
alone; whoever filed it on the subject's behalf never decides it. Due within **7 working days** of receipt on the
Chinese calendar (seed 002 §三.(五).1 "在收到正式申请7个工作日内处理完成"). While pending, the item is
shown as under objection in every tier. Upheld: a contested record is withdrawn — or, where the
department finds it wrong only in part, **corrected** (seed 002 §三.(五).1 "及时补充完善数据，重新作出评价和
分类": its title, date, severity, content, document number or amount set right, the record kept and
counted as corrected, what changed kept with the objection); either way the subject is re-graded and
the measures follow the new grade. A contested evaluation is re-made (seed 000 §四.(二); seed 002
§三.(五).1 "终止实施约束和惩戒措施"). Rejected: nothing changes and the reasons are kept. The outcome
(WITHDRAWN, CORRECTED, REGRADED) is recorded with the decision.

Each department lists what waits for its decision (:meth:`Objections.awaiting`; repair applications in
``hub.rights.repair``) — its own only.

A due date that runs into a year whose make-up working days (调休) are not announced yet is
**provisional** (``hub.rights.calendar``): the objection carries the reason
(``due_on_provisional_reason``), and every read through this service counts it again with the
calendar the hub has now, so it becomes final by itself once that year's notice is in the library or
the calendar file.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from hub import clock
from hub.authority import PLATFORM, NotTheOwner, acts_for, require_not_filer, require_owner
from hub.db import rights as store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Role, Viewer
from hub.errors import BadInput, Conflict, NotFound
from hub.models import Severity
from hub.rights.calendar import WorkingCalendar
from hub.rights.origin import issued_elsewhere
from hub.rows import FromRow, from_row

OBJECTION_DUE_WORKING_DAYS = 7  # seed 002 §三.(五).1
Regrade = Callable[[Sequence[str], Sequence[str] | None], Awaitable[Any]]
SchemeOwner = Callable[[str | None], str]  # an evaluation's scheme → the department that owns it (or PLATFORM)


class ObjectionError(BadInput):
    """An objection request that cannot be taken; the message says why."""


class ObjectionStatus(StrEnum):
    PENDING = "PENDING"
    UPHELD = "UPHELD"
    REJECTED = "REJECTED"


class TargetKind(StrEnum):
    """What an objection contests."""
    RECORD = "RECORD"
    EVALUATION = "EVALUATION"


class Outcome(StrEnum):
    """What an upheld objection did: a record withdrawn or corrected, an evaluation re-made."""
    WITHDRAWN = "WITHDRAWN"
    CORRECTED = "CORRECTED"
    REGRADED = "REGRADED"


@dataclass(frozen=True, slots=True)
class ContestedItem(FromRow):
    """A record or an evaluation as an objection sees it: whose it is, and where it was issued."""

    id: str
    kind: TargetKind
    subject_uscc: str
    issuing_department: str | None
    scheme: str | None
    origin_platform: str | None



@dataclass(frozen=True, slots=True)
class CorrectedField:
    """One field an upheld objection set right: its value before and after, as text."""

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class Objection(FromRow):
    """An objection as kept: what it contests, who filed it, where it is routed, when it is due, and — once
    decided — the decision, its reasons and outcome, and the correction as kept (JSON: each field before
    and after)."""

    id: str
    target_id: str
    target_kind: TargetKind
    subject_uscc: str
    department: str
    scheme: str | None
    reason: str
    filed_by: str
    filed_by_org: str | None
    filed_by_department: str | None
    filed_at: datetime
    received_on: date
    due_on: date
    due_on_provisional_reason: str | None
    status: ObjectionStatus
    reasons: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolved_late: bool | None = None
    outcome: Outcome | None = None
    correction: str | None = None

    @property
    def due_on_provisional(self) -> bool:
        return bool(self.due_on_provisional_reason)

    @property
    def corrected_fields(self) -> tuple[CorrectedField, ...]:
        """The correction as kept (hub.db.rights.resolve_objection), field by field; empty when none."""
        if not self.correction:
            return ()
        return tuple(CorrectedField(name, _text(change["before"]), _text(change["after"]))
                     for name, change in json.loads(self.correction).items())

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Objection:
        return from_row(cls, row, department=row.get("department") or "unassigned")

    def properties(self) -> dict[str, Any]:
        """As filed, for the store (a decision's fields are set by ``resolve``)."""
        return {"id": self.id, "target_id": self.target_id, "target_kind": self.target_kind.value,
                "subject_uscc": self.subject_uscc, "department": self.department, "scheme": self.scheme,
                "reason": self.reason, "filed_by": self.filed_by, "filed_by_org": self.filed_by_org,
                "filed_by_department": self.filed_by_department, "filed_at": self.filed_at,
                "received_on": self.received_on, "due_on": self.due_on,
                "due_on_provisional_reason": self.due_on_provisional_reason, "status": self.status.value}


@dataclass(frozen=True)
class Correction:
    """What an upheld objection sets right in a contested record; None leaves a field as it is."""

    title: str | None = None
    decided_on: date | None = None
    severity: Severity | None = None
    content: str | None = None
    document_number: str | None = None
    amount_wan_yuan: float | None = None

    def changes(self) -> dict[str, Any]:
        """The fields it sets, checked: each with a clear error naming what is wrong."""
        changes = {name: getattr(self, name) for name in CORRECTABLE if getattr(self, name) is not None}
        if not changes:
            raise ObjectionError(f"a correction must set at least one of {', '.join(CORRECTABLE)}")
        for name in ("title", "content", "document_number"):
            if name in changes:
                changes[name] = changes[name].strip()
                if not changes[name]:
                    raise ObjectionError(f"correction.{name} is empty")
                if len(changes[name]) > LIMITS[name]:
                    raise ObjectionError(f"correction.{name} is {len(changes[name])} characters; at most "
                                         f"{LIMITS[name]}")
        if "decided_on" in changes and changes["decided_on"] > clock.today():
            raise ObjectionError(f"correction.decided_on {changes['decided_on']} is after today "
                                 f"({clock.today()}): a decision cannot be dated in the future")
        if "amount_wan_yuan" in changes and not (0 <= changes["amount_wan_yuan"] < float("inf")):
            raise ObjectionError(f"correction.amount_wan_yuan {changes['amount_wan_yuan']} must be 0 or more")
        if "severity" in changes:
            changes["severity"] = changes["severity"].value
        return changes


CORRECTABLE = ("title", "decided_on", "severity", "content", "document_number", "amount_wan_yuan")
LIMITS = {"title": 500, "content": 20_000, "document_number": 500}  # as the exchange takes them (hub.exchange.items)


@dataclass(frozen=True)
class Resolution:
    upheld: bool
    reasons: str
    correction: Correction | None = None


class Objections:
    def __init__(self, gateway: Neo4jGateway, calendar: WorkingCalendar, regrade: Regrade, platform_id: str,
                 scheme_owner: SchemeOwner) -> None:
        self.gateway = gateway
        self.calendar = calendar
        self.regrade = regrade
        self.platform_id = platform_id
        self.scheme_owner = scheme_owner

    def routed_to(self, item: ContestedItem) -> str:
        """Who decides an objection to ``item``: a record's issuing department, an evaluation's scheme
        owner; an item with neither is the platform's (the credit office decides it)."""
        if item.kind is TargetKind.RECORD:
            return item.issuing_department or PLATFORM
        return self.scheme_owner(item.scheme)

    async def file(self, target_id: str, reason: str, filed_by: Viewer) -> Objection:
        if not reason.strip():
            raise ObjectionError("an objection must say what is wrong with the item (reason)")
        row = await store.contested_item(self.gateway, target_id)
        if row is None:
            raise NotFound(f"no record or evaluation with id {target_id!r}")
        item = ContestedItem.of(row)
        elsewhere = issued_elsewhere(target_id, item.origin_platform, self.platform_id, "file the objection")
        if elsewhere:
            raise ObjectionError(elsewhere)
        department = self.routed_to(item)
        if _decides(filed_by, department):
            # Nobody decides what they filed: the decider filing on the subject's behalf would leave an
            # objection nobody may decide. The subject files through the platform or another department.
            raise ObjectionError(f"an objection to {target_id} is decided by {_decider(department)}, which your "
                                 "token speaks for: nobody decides what they filed, so file it through the "
                                 "platform (or another channel) on the subject's behalf")
        pending = await store.objections(self.gateway, status=ObjectionStatus.PENDING.value)
        if any(o["target_id"] == target_id for o in pending):
            raise Conflict(f"{target_id} is already under objection")
        received = clock.today()
        due = self.calendar.due_date(received, OBJECTION_DUE_WORKING_DAYS)
        objection = Objection(
            id=f"objection-{uuid.uuid4().hex[:12]}", target_id=target_id, target_kind=item.kind,
            subject_uscc=item.subject_uscc, department=department, scheme=item.scheme, reason=reason.strip(),
            filed_by=filed_by.label, filed_by_org=filed_by.org, filed_by_department=filed_by.department,
            filed_at=clock.now(), received_on=received, due_on=due.day,
            due_on_provisional_reason=due.provisional_reason, status=ObjectionStatus.PENDING)
        await store.create_objection(self.gateway, objection.properties())
        return self._with_current_due(objection)

    async def resolve(self, objection_id: str, resolution: Resolution, resolved_by: Viewer) -> Objection:
        found = await store.get_objection(self.gateway, objection_id)
        if found is None:
            raise NotFound(f"no objection {objection_id!r}")
        objection = self._with_current_due(Objection.of(found))
        what = f"objection {objection_id} (decide)"
        # Decided only by the department it is routed to (seed 000 §四.(二) 有关单位…处理; seed 002 §三.(五).1).
        require_owner(resolved_by, _owner(objection.department), what)
        require_not_filer(resolved_by, objection.filed_by_org, objection.filed_by_department, what)
        if objection.status is not ObjectionStatus.PENDING:
            raise Conflict(f"objection {objection_id} was already {objection.status.value.lower()}")
        if not resolution.reasons.strip():
            raise ObjectionError("a decision on an objection must give its reasons")
        correction = self._correction(objection, resolution)
        record = objection.target_kind is TargetKind.RECORD
        outcome = None if not resolution.upheld else (Outcome.REGRADED if not record else
                                                      Outcome.CORRECTED if correction else Outcome.WITHDRAWN)
        decided = replace(objection, status=ObjectionStatus.UPHELD if resolution.upheld else ObjectionStatus.REJECTED,
                          reasons=resolution.reasons.strip(), resolved_at=clock.now(),
                          resolved_by=resolved_by.label, resolved_late=clock.today() > objection.due_on,
                          outcome=outcome)
        changes = {"status": decided.status.value, "reasons": decided.reasons, "resolved_at": decided.resolved_at,
                   "resolved_by": decided.resolved_by, "resolved_late": decided.resolved_late,
                   "outcome": outcome.value if outcome else None}
        corrected = await store.resolve_objection(self.gateway, objection_id, changes,
                                                  withdraw_record=outcome is Outcome.WITHDRAWN, correction=correction)
        if corrected is not None:
            decided = replace(decided, correction=corrected)
        if resolution.upheld:
            # A withdrawn record changes every evaluation that counted it; an upheld objection to an
            # evaluation re-makes that scheme's evaluation only — the owner's, nobody else's.
            scheme = objection.scheme if objection.target_kind is TargetKind.EVALUATION else None
            await self.regrade([objection.subject_uscc], [scheme] if scheme else None)
        return decided

    @staticmethod
    def _correction(objection: Objection, resolution: Resolution) -> dict[str, Any] | None:
        if resolution.correction is None:
            return None
        if not resolution.upheld:
            raise ObjectionError("a rejected objection changes nothing: a correction goes with upholding it")
        if objection.target_kind is not TargetKind.RECORD:
            raise ObjectionError(f"{objection.target_id} is an evaluation: upheld, it is re-made by its scheme "
                                 "from the facts (seed 000 §四.(二)), not corrected by hand; uphold it without a "
                                 "correction, or correct the record it rests on")
        return resolution.correction.changes()

    async def awaiting(self, viewer: Viewer) -> list[Objection]:
        """The pending objections the viewer's department decides (the credit office's: the platform's)."""
        department = deciding_department(viewer)
        return [self._with_current_due(Objection.of(o))
                for o in await store.objections(self.gateway, status=ObjectionStatus.PENDING.value,
                                                department=department)]

    async def overdue(self) -> list[Objection]:
        """Pending objections past their due date (INTERNAL viewers follow them up)."""
        today = clock.today()
        candidates = await store.objections(self.gateway, status=ObjectionStatus.PENDING.value, due_before=today)
        return [o for o in (self._with_current_due(Objection.of(c)) for c in candidates) if o.due_on < today]

    async def pending(self) -> list[Objection]:
        return await self.listed(ObjectionStatus.PENDING.value)

    async def listed(self, status: str | None) -> list[Objection]:
        """Objections by status (all when ``None``), due dates as the calendar counts them now."""
        return [self._with_current_due(Objection.of(o)) for o in await store.objections(self.gateway, status=status)]

    async def of_subjects(self, usccs: Sequence[str]) -> dict[str, list[Objection]]:
        """Every objection about each subject, newest first, due dates as the calendar counts them now."""
        found = await store.objections_of_subjects(self.gateway, usccs)
        return {code: [self._with_current_due(Objection.of(o)) for o in rows] for code, rows in found.items()}

    def _with_current_due(self, objection: Objection) -> Objection:
        """The objection with a provisional due date counted again."""
        if not objection.due_on_provisional_reason:
            return objection
        due = self.calendar.due_date(objection.received_on, OBJECTION_DUE_WORKING_DAYS)
        return replace(objection, due_on=due.day, due_on_provisional_reason=due.provisional_reason)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def deciding_department(viewer: Viewer) -> str:
    """The department whose pending decisions a viewer lists: its token's department, or the platform's for
    the credit office (admin); anyone else has none to list."""
    if viewer.department:
        return viewer.department
    if viewer.role is Role.ADMIN:
        return PLATFORM
    raise NotTheOwner("pending decisions are listed for the department your token speaks for, and it names "
                      "none (a department token carries --department; the credit office uses an admin token)")


def _owner(department: str | None) -> str:
    """Objections filed before routing was owned were routed to "unassigned": the platform's."""
    return PLATFORM if department in (None, "unassigned") else str(department)


def _decides(viewer: Viewer, department: str) -> bool:
    if _owner(department) == PLATFORM:
        return viewer.role is Role.ADMIN
    return acts_for(viewer, department)


def _decider(department: str) -> str:
    return "the credit office (admin)" if _owner(department) == PLATFORM else f"department {department}"
