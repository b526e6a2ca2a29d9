"""信用修复 — credit repair of corrected dishonest behaviour.

A subject applies after correcting the behaviour (through the platform, a department or the credit
office, on its behalf); the department that issued the record decides — seed 000 §四.(三)
"向失信行为认定单位申请信用修复…失信行为认定单位应当及时做出同意信用修复决定": the finding department alone, the
platform only carrying the decision out (a record without an issuing department is the platform's, so
the credit office decides; hub.authority). Eligibility follows the publicity policy: the
minimum publicity period must have passed (hub.rights.publicity; by default the NDRC 2025
credit-repair measures). Approval marks the record repaired: it stops being published and no
longer counts in any evaluation (seed 002 §三.(五).2 "不再纳入评价依据"), the subject is re-graded
so its measures follow, and the change is queued for the platforms above (seed 000 §四.(三)
"上报省公共信用信息平台"). The seeds say the decision is made 及时 and give no period: an application is due
the number of working days the credit office's ``repair-overdue`` warning rule sets (the hub's default 7,
hub/warnings/presets/repair-overdue.yaml), counted on the Chinese calendar like an objection's and
provisional the same way; with that rule disabled it has no due date. Repair is free of charge (seed 004 §二.(五)
"不得以任何形式向申请信用修复的主体收取费用"): there is no fee anywhere in this workflow.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from hub import clock
from hub.authority import PLATFORM, require_owner
from hub.db import rights as store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Viewer
from hub.errors import BadInput, Conflict, NotFound
from hub.models import CreditRecord
from hub.rights.calendar import WorkingCalendar
from hub.rights.origin import issued_elsewhere
from hub.rights.publicity import PublicityPolicy, repair_eligibility
from hub.rows import FromRow

Regrade = Callable[[Sequence[str], Sequence[str] | None], Awaitable[Any]]
DueDays = Callable[[], int | None]  # working days an application is due in (None: no period set)


class RepairError(BadInput):
    """A repair request that cannot be taken; the message says why."""


class RepairStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class RepairApplication(FromRow):
    """An application to repair a record: how the behaviour was corrected, who decides it (the record's
    issuing department, or the platform's credit office), under which publicity policy, and the decision."""

    id: str
    record_id: str
    subject_uscc: str
    statement: str
    department: str | None
    filed_by: str
    filed_at: datetime
    status: RepairStatus
    policy: str
    reason: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    # counted when read, never stored: the working days the credit office's `repair-overdue` rule sets
    due_on: date | None = None
    due_on_provisional_reason: str | None = None

    @property
    def due_on_provisional(self) -> bool:
        return bool(self.due_on_provisional_reason)


    def properties(self) -> dict[str, Any]:
        """What is stored (the due date is not: it is counted on the calendar of the day it is read)."""
        stored = asdict(self)
        del stored["due_on"], stored["due_on_provisional_reason"]
        return {**stored, "status": self.status.value}


@dataclass(frozen=True)
class OutboxEntry:
    """A change owed to the platform above (seed 000 §四.(三) "上报省公共信用信息平台"): an approved repair."""

    id: str
    kind: str  # RECORD_REPAIRED
    record_id: str | None
    subject_uscc: str | None
    origin_platform: str
    payload: str  # JSON: what the platform above applies
    created_at: datetime
    delivered_at: datetime | None = None


class CreditRepair:
    def __init__(self, gateway: Neo4jGateway, policy: PublicityPolicy, regrade: Regrade,
                 platform_id: str, calendar: WorkingCalendar, due_days: DueDays) -> None:
        self.gateway = gateway
        self.policy = policy
        self.regrade = regrade
        self.platform_id = platform_id
        self.calendar = calendar
        self.due_days = due_days

    async def apply(self, record_id: str, statement: str, filed_by: Viewer) -> RepairApplication:
        if not statement.strip():
            raise RepairError("an application must say how the behaviour was corrected (statement)")
        record, origin = await self._record(record_id)
        elsewhere = issued_elsewhere(record_id, origin, self.platform_id, "apply for its repair")
        if elsewhere:
            raise RepairError(elsewhere)
        eligibility = repair_eligibility(record, clock.today(), self.policy)
        if not eligibility.eligible:
            raise RepairError(f"record {record_id} cannot be repaired now: {eligibility.reason}")
        application = RepairApplication(
            id=f"repair-{uuid.uuid4().hex[:12]}", record_id=record_id, subject_uscc=record.subject_uscc,
            statement=statement.strip(), department=record.issuing_department or PLATFORM,
            filed_by=filed_by.label, filed_at=clock.now(), status=RepairStatus.PENDING, policy=self.policy.id)
        await store.create_repair(self.gateway, application.properties())  # the unset decision stays unset
        return self._with_due(application)

    async def decide(self, application_id: str, approve: bool, reason: str,
                     decided_by: Viewer) -> RepairApplication:
        found = await store.get_repair(self.gateway, application_id)
        if found is None:
            raise NotFound(f"no repair application {application_id!r}")
        application = RepairApplication.of(found)
        # seed 000 §四.(三): 失信行为认定单位…做出同意信用修复决定 — the record's issuing department decides.
        require_owner(decided_by, await self._decider(application), f"repair application {application_id} (decide)")
        if application.status is not RepairStatus.PENDING:
            raise Conflict(f"application {application_id} was already {application.status.value.lower()}")
        now = clock.now()
        decided = replace(application, status=RepairStatus.APPROVED if approve else RepairStatus.REJECTED,
                          decided_at=now, decided_by=decided_by.label, reason=reason.strip())
        changes = {"status": decided.status.value, "decided_at": now, "decided_by": decided.decided_by,
                   "reason": decided.reason}
        outbox = None
        if approve:
            outbox = {"id": f"outbox-{uuid.uuid4().hex[:12]}", "kind": "RECORD_REPAIRED", "created_at": now,
                      "origin_platform": self.platform_id, "record_id": application.record_id,
                      "subject_uscc": application.subject_uscc,
                      "payload": json.dumps({"record_id": application.record_id, "status": "REPAIRED",
                                             "repaired_on": clock.date_of(now).isoformat(),
                                             "application": application_id}, ensure_ascii=False)}
        await store.decide_repair(self.gateway, application_id, changes, outbox)
        if approve:
            await self.regrade([application.subject_uscc], None)
        return self._with_due(decided)

    async def awaiting(self, department: str) -> list[RepairApplication]:
        """Pending applications the department decides (seed 000 §四.(三): the finding department), oldest first."""
        return [self._with_due(RepairApplication.of(row)) for row in await store.repairs(
            self.gateway, status=RepairStatus.PENDING.value, department=department)]

    async def of_subjects(self, usccs: Sequence[str]) -> dict[str, list[RepairApplication]]:
        """Every application about each subject, newest first, with its state and due date."""
        found = await store.repairs_of_subjects(self.gateway, usccs)
        return {code: [self._with_due(RepairApplication.of(row)) for row in rows] for code, rows in found.items()}

    async def overdue(self) -> list[RepairApplication]:
        """Pending applications past their due date, every department's (INTERNAL viewers follow them up)."""
        today = clock.today()
        pending = (self._with_due(RepairApplication.of(row))
                   for row in await store.repairs(self.gateway, status=RepairStatus.PENDING.value))
        return [a for a in pending if a.due_on is not None and a.due_on < today]

    def _with_due(self, application: RepairApplication) -> RepairApplication:
        """The application with its due date, counted now (a provisional one becomes final by itself once
        its year's 调休 notice is in the calendar; the credit office's rule file sets the period)."""
        days = self.due_days()
        if days is None:
            return replace(application, due_on=None, due_on_provisional_reason=None)
        due = self.calendar.due_date(clock.date_of(application.filed_at), days)
        return replace(application, due_on=due.day, due_on_provisional_reason=due.provisional_reason)

    async def _decider(self, application: RepairApplication) -> str:
        """The department the application is routed to (read from the record for applications filed
        before they carried it)."""
        if application.department:
            return application.department
        record, _ = await self._record(application.record_id)
        return record.issuing_department or PLATFORM

    async def outbox(self) -> list[OutboxEntry]:
        """The changes not yet delivered to the platform above, oldest first."""
        return [OutboxEntry(id=row["id"], kind=row["kind"], record_id=row.get("record_id"),
                            subject_uscc=row.get("subject_uscc"), origin_platform=row["origin_platform"],
                            payload=row["payload"], created_at=row["created_at"], delivered_at=row.get("delivered_at"))
                for row in await store.outbox(self.gateway)]

    async def _record(self, record_id: str) -> tuple[CreditRecord, str | None]:
        found = await store.record_with_origin(self.gateway, record_id)
        if found is None:
            raise NotFound(f"no record with id {record_id!r}")
        return found
