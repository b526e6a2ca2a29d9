"""异议 — objections: a subject contests a record or an evaluation.

Routed to the department that issued the item, due within **7 working days** of receipt on the
Chinese calendar (seed 002 §三.(五).1 "在收到正式申请7个工作日内处理完成"). While pending, the item is
shown as under objection in every tier. Upheld: a contested record is withdrawn, the subject is
re-graded and the measures follow the new grade; a contested evaluation is re-made (seed 000 §四.(二);
seed 002 §三.(五).1 "终止实施约束和惩戒措施"). Rejected: nothing changes and the reasons are kept.

A due date that runs into a year whose make-up working days (调休) are not announced yet is
**provisional** (``hub.rights.calendar``): the objection carries the reason
(``due_on_provisional_reason``), and every read through this service counts it again with the
calendar the hub has now, so it becomes final by itself once that year's notice is in the library or
the calendar file.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hub import clock
from hub.db import rights as store
from hub.db.gateway import Neo4jGateway
from hub.errors import BadInput, Conflict, NotFound
from hub.rights.calendar import WorkingCalendar
from hub.rights.origin import issued_elsewhere

OBJECTION_DUE_WORKING_DAYS = 7  # seed 002 §三.(五).1
Regrade = Callable[[Sequence[str], Sequence[str] | None], Awaitable[Any]]


class ObjectionError(BadInput):
    """An objection request that cannot be taken; the message says why."""


@dataclass(frozen=True)
class Resolution:
    upheld: bool
    reasons: str


class Objections:
    def __init__(self, gateway: Neo4jGateway, calendar: WorkingCalendar, regrade: Regrade, platform_id: str) -> None:
        self.gateway = gateway
        self.calendar = calendar
        self.regrade = regrade
        self.platform_id = platform_id

    async def file(self, target_id: str, reason: str, filed_by: str) -> dict[str, Any]:
        if not reason.strip():
            raise ObjectionError("an objection must say what is wrong with the item (reason)")
        item = await store.contested_item(self.gateway, target_id)
        if item is None:
            raise NotFound(f"no record or evaluation with id {target_id!r}")
        elsewhere = issued_elsewhere(target_id, item.get("origin_platform"), self.platform_id, "file the objection")
        if elsewhere:
            raise ObjectionError(elsewhere)
        pending = await store.objections(self.gateway, status="PENDING")
        if any(o["target_id"] == target_id for o in pending):
            raise Conflict(f"{target_id} is already under objection")
        received = clock.today()
        due = self.calendar.due_date(received, OBJECTION_DUE_WORKING_DAYS)
        objection = {
            "id": f"objection-{uuid.uuid4().hex[:12]}", "target_id": target_id, "target_kind": item["kind"],
            "subject_uscc": item["subject_uscc"], "department": item["department"] or "unassigned",
            "reason": reason.strip(), "filed_by": filed_by, "filed_at": clock.now(), "received_on": received,
            "due_on": due.day, "due_on_provisional_reason": due.provisional_reason, "status": "PENDING",
        }
        await store.create_objection(self.gateway, objection)
        return self._with_current_due(objection)

    async def resolve(self, objection_id: str, resolution: Resolution, resolved_by: str) -> dict[str, Any]:
        found = await store.get_objection(self.gateway, objection_id)
        if found is None:
            raise NotFound(f"no objection {objection_id!r}")
        objection = self._with_current_due(found)
        if objection["status"] != "PENDING":
            raise Conflict(f"objection {objection_id} was already {objection['status'].lower()}")
        if not resolution.reasons.strip():
            raise ObjectionError("a decision on an objection must give its reasons")
        changes = {"status": "UPHELD" if resolution.upheld else "REJECTED", "reasons": resolution.reasons.strip(),
                   "resolved_at": clock.now(), "resolved_by": resolved_by,
                   "resolved_late": clock.today() > objection["due_on"]}
        withdraw = resolution.upheld and objection["target_kind"] == "RECORD"
        await store.resolve_objection(self.gateway, objection_id, changes, withdraw)
        if resolution.upheld:
            await self.regrade([objection["subject_uscc"]], None)
        return {**objection, **changes}

    async def overdue(self) -> list[dict[str, Any]]:
        """Pending objections past their due date (INTERNAL viewers follow them up)."""
        today = clock.today()
        candidates = await store.objections(self.gateway, status="PENDING", due_before=today)
        return [o for o in map(self._with_current_due, candidates) if o["due_on"] < today]

    async def pending(self) -> list[dict[str, Any]]:
        return await self.listed("PENDING")

    async def listed(self, status: str | None) -> list[dict[str, Any]]:
        """Objections by status (all when ``None``), due dates as the calendar counts them now."""
        return [self._with_current_due(o) for o in await store.objections(self.gateway, status=status)]

    def _with_current_due(self, objection: dict[str, Any]) -> dict[str, Any]:
        """The objection with ``due_on_provisional``; a provisional due date is counted again."""
        if objection.get("due_on_provisional_reason"):
            due = self.calendar.due_date(objection["received_on"], OBJECTION_DUE_WORKING_DAYS)
            objection = {**objection, "due_on": due.day, "due_on_provisional_reason": due.provisional_reason}
        return {**objection, "due_on_provisional": bool(objection.get("due_on_provisional_reason"))}
