"""Subjects' rights in GraphQL: objections (异议), credit repair (信用修复), the outbox to platforms above."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from hub.disclosure import Tier
from hub.models import Severity
from hub.rights.objections import Correction, Objection, Resolution, deciding_department


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
    outcome: str | None = strawberry.field(description=(
        "Upheld: WITHDRAWN (the record no longer counts), CORRECTED (the record set right and kept, seed 002 "
        "§三.(五).1 补充完善数据) or REGRADED (an evaluation re-made); null while pending or when rejected."))

    @strawberry.field(description="What an upheld objection corrected in the record: each field before and after.")
    def correction(self, root: strawberry.Parent[Objection]) -> list[CorrectedFieldType] | None:
        if not root.correction:
            return None
        return [CorrectedFieldType(field=f.field, before=f.before, after=f.after) for f in root.corrected_fields]


@strawberry.type(name="CorrectedField", description="One field an upheld objection set right.")
class CorrectedFieldType:
    field: str
    before: str | None
    after: str | None


@strawberry.input(name="RecordCorrection", description=(
    "What an upheld objection sets right in a contested record (seed 002 §三.(五).1); omitted fields stay."))
class RecordCorrectionInput:
    title: str | None = None
    decided_on: date | None = None
    severity: Severity | None = None
    content: str | None = None
    document_number: str | None = None
    amount_wan_yuan: float | None = None


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
    due_on: date | None = strawberry.field(description=(
        "Working days after filing on the Chinese calendar, as many as the credit office's `repair-overdue` "
        "warning rule sets (the seeds say 及时 and give no number: 7 by default); null with that rule disabled."))
    due_on_provisional: bool = strawberry.field(description="As Objection.dueOnProvisional.")
    due_on_provisional_reason: str | None = strawberry.field(description=(
        "Why dueOn is provisional (the years and what is missing); null when it is final."))


@strawberry.type(name="PendingDecisions", description="What waits for one department's decision.")
class PendingDecisionsType:
    department: str = strawberry.field(description="The department the viewer's token speaks for ('platform' for "
                                       "the credit office).")
    objections: list[ObjectionType]
    repair_applications: list[RepairType]


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
    listed = await info.context.hub.objections.listed(status)
    info.context.note_served("Query.objections", [o.subject_uscc for o in listed], Tier.INTERNAL)
    return listed


async def pending_decisions(info: Info) -> PendingDecisionsType:
    """The viewer's own department's pending objections and repair applications — no other department's."""
    viewer = info.context.viewer
    department = deciding_department(viewer)
    objections = await info.context.hub.objections.awaiting(viewer)
    repairs = await info.context.hub.repair.awaiting(department)
    info.context.note_served("Query.pendingDecisions",
                             [o.subject_uscc for o in objections] + [r.subject_uscc for r in repairs], Tier.INTERNAL)
    return PendingDecisionsType(department=department, objections=objections,
                                repair_applications=repairs)


async def overdue_objections(info: Info) -> list[ObjectionType]:
    overdue = await info.context.hub.objections.overdue()
    info.context.note_served("Query.overdueObjections", [o.subject_uscc for o in overdue], Tier.INTERNAL)
    return overdue


async def overdue_repair_applications(info: Info) -> list[RepairType]:
    overdue = await info.context.hub.repair.overdue()
    info.context.note_served("Query.overdueRepairApplications", [a.subject_uscc for a in overdue], Tier.INTERNAL)
    return overdue


async def outbox(info: Info) -> list[OutboxEntryType]:
    entries = await info.context.hub.repair.outbox()
    info.context.note_served("Query.outbox", [entry.subject_uscc for entry in entries], Tier.INTERNAL)
    return entries


async def file_objection(info: Info, target_id: strawberry.ID, reason: str) -> ObjectionType:
    filed = await info.context.hub.objections.file(str(target_id), reason, info.context.viewer)
    info.context.note_write(f"fileObjection {filed.id} against {target_id}", filed.subject_uscc)
    return filed


async def resolve_objection(info: Info, id: strawberry.ID, upheld: bool, reasons: str,
                            correction: RecordCorrectionInput | None = None) -> ObjectionType:
    fix = None if correction is None else Correction(
        title=correction.title, decided_on=correction.decided_on, severity=correction.severity,
        content=correction.content, document_number=correction.document_number,
        amount_wan_yuan=correction.amount_wan_yuan)
    decided = await info.context.hub.objections.resolve(str(id), Resolution(upheld, reasons, fix),
                                                        info.context.viewer)
    info.context.note_write(f"resolveObjection {id}: {decided.status.value}", decided.subject_uscc)
    return decided


async def apply_for_credit_repair(info: Info, record_id: strawberry.ID, statement: str) -> RepairType:
    application = await info.context.hub.repair.apply(str(record_id), statement, info.context.viewer)
    info.context.note_write(f"applyForCreditRepair {application.id} for {record_id}", application.subject_uscc)
    return application


async def decide_credit_repair(info: Info, id: strawberry.ID, approve: bool, reason: str = "") -> RepairType:
    decided = await info.context.hub.repair.decide(str(id), approve, reason, info.context.viewer)
    info.context.note_write(f"decideCreditRepair {id}: {decided.status.value}", decided.subject_uscc)
    return decided
