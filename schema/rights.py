"""Subjects' rights in GraphQL: objections (异议), credit repair (信用修复), the outbox to platforms above."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from hub.disclosure import Tier
from hub.rights.objections import Resolution


@strawberry.type(name="Objection", description="异议: a subject contests a record or an evaluation.")
class ObjectionType:
    id: strawberry.ID
    target_id: str
    target_kind: str
    subject_uscc: str
    department: str = strawberry.field(description="The department it is routed to and that alone decides it: a "
                                       "record's issuing department, an evaluation's scheme owner, or 'platform' "
                                       "(the credit office decides).")
    reason: str
    filed_by: str
    filed_at: datetime
    due_on: date = strawberry.field(description="7 Chinese working days after receipt (seed 002).")
    due_on_provisional: bool = strawberry.field(description=(
        "True when dueOn runs into a year whose make-up working days (调休) are not announced yet: "
        "counted on that year's statutory holidays (《全国年节及纪念日放假办法》, 2024 revision) and "
        "weekends, it may move once the State Council's notice is added. Counted again on every read."))
    due_on_provisional_reason: str | None = strawberry.field(description=(
        "Why dueOn is provisional (the years and what is missing); null when it is final."))
    status: str
    reasons: str | None = strawberry.field(description="The department's reasons for its decision.")
    resolved_at: datetime | None
    resolved_late: bool | None


@strawberry.type(name="CreditRepairApplication", description="信用修复: free of charge (seed 004).")
class RepairType:
    id: strawberry.ID
    record_id: str
    subject_uscc: str
    statement: str
    department: str | None = strawberry.field(description="The record's issuing department, which alone decides "
                                              "(seed 000 §四.(三)); 'platform' when it has none (the credit office).")
    filed_by: str
    filed_at: datetime
    status: str
    policy: str = strawberry.field(description="The publicity policy that decided eligibility.")
    reason: str | None
    decided_at: datetime | None


@strawberry.type(name="OutboxEntry", description="A change owed to the platform above.")
class OutboxEntryType:
    id: strawberry.ID
    kind: str
    record_id: str | None
    subject_uscc: str | None
    origin_platform: str
    payload: str
    created_at: datetime
    delivered_at: datetime | None


async def objections(info: Info, status: str | None = "PENDING") -> list[ObjectionType]:
    rows = await info.context.hub.objections.listed(status)
    info.context.note_served("Query.objections", [row.get("subject_uscc") for row in rows], Tier.INTERNAL)
    return rows  # type: ignore[return-value]


async def overdue_objections(info: Info) -> list[ObjectionType]:
    rows = await info.context.hub.objections.overdue()
    info.context.note_served("Query.overdueObjections", [row.get("subject_uscc") for row in rows], Tier.INTERNAL)
    return rows  # type: ignore[no-any-return]


async def outbox(info: Info) -> list[OutboxEntryType]:
    entries = await info.context.hub.repair.outbox()
    info.context.note_served("Query.outbox", [entry.subject_uscc for entry in entries], Tier.INTERNAL)
    return entries  # type: ignore[no-any-return]


async def file_objection(info: Info, target_id: strawberry.ID, reason: str) -> ObjectionType:
    row = await info.context.hub.objections.file(str(target_id), reason, info.context.viewer)
    info.context.note_write(f"fileObjection {row['id']} against {target_id}", row["subject_uscc"])
    return row  # type: ignore[no-any-return]


async def resolve_objection(info: Info, id: strawberry.ID, upheld: bool, reasons: str) -> ObjectionType:
    row = await info.context.hub.objections.resolve(str(id), Resolution(upheld, reasons), info.context.viewer)
    info.context.note_write(f"resolveObjection {id}: {row['status']}", row["subject_uscc"])
    return row  # type: ignore[no-any-return]


async def apply_for_credit_repair(info: Info, record_id: strawberry.ID, statement: str) -> RepairType:
    row = await info.context.hub.repair.apply(str(record_id), statement, info.context.viewer)
    info.context.note_write(f"applyForCreditRepair {row['id']} for {record_id}", row["subject_uscc"])
    return row  # type: ignore[no-any-return]


async def decide_credit_repair(info: Info, id: strawberry.ID, approve: bool, reason: str = "") -> RepairType:
    row = await info.context.hub.repair.decide(str(id), approve, reason, info.context.viewer)
    info.context.note_write(f"decideCreditRepair {id}: {row['status']}", row["subject_uscc"])
    return row  # type: ignore[no-any-return]
