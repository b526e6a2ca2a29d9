"""Root mutation fields. Who may call each is a field rule in schema.tiers, not an if here.

Each is nullable: a refused mutation is null with FORBIDDEN and leaves the others of the request
standing (schema.tiers checks it at start-up)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.codes import parse_code
from hub.disclosure import ConsentScope as ConsentScopeEnum
from schema import commitments, credit_info, exchange, grading, rights, supervision
from schema import warnings as warning_fields
from schema.commitments import CommitmentType
from schema.context import HubContext
from schema.credit_info import CreditInformationReceiptType
from schema.exchange import PushReceiptType
from schema.grading import DiscrepancyReviewType, HighAttentionDecisionType
from schema.rights import ObjectionType, RepairType
from schema.supervision import DrawType, InspectionPlanType, InspectionResultType
from schema.types import ConsentScope, ConsentType
from schema.warnings import WarningType


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Record a subject's authorization (授权书) of a registered bank. "
                         "ADMIN or this hub's own PLATFORM, on the subject's behalf. Omitted scopes open all "
                         "scopes; an empty list is an error.")
    async def grant_consent(
        self, info: Info, uscc: str, grantee: str, purpose: str, expires_at: datetime,
        scopes: list[ConsentScope] | None = None,
    ) -> ConsentType | None:
        context: HubContext = info.context
        code = parse_code(uscc)
        consent = await context.hub.grant_consent(
            uscc=code, grantee=grantee, purpose=purpose, expires_at=expires_at,
            scopes=None if scopes is None else frozenset(ConsentScopeEnum(s) for s in scopes),
            granted_by=context.viewer)
        context.note_write(f"grantConsent to {consent.grantee}", code, consent.id)
        return consent  # type: ignore[return-value]

    @strawberry.mutation(description="Revoke an authorization; takes effect at once. The subject's side "
                         "(ADMIN or this hub's PLATFORM) or the bank that holds it.")
    async def revoke_consent(self, info: Info, id: strawberry.ID) -> ConsentType | None:
        context: HubContext = info.context
        consent = await context.hub.revoke_consent(str(id), context.viewer)
        context.note_write("revokeConsent", consent.subject_uscc, consent.id)
        return consent  # type: ignore[return-value]

    create_inspection_plan: InspectionPlanType | None = strawberry.mutation(
        resolver=supervision.create_inspection_plan, description="A 双随机 plan of the caller's own department "
        "for one period; ratios never below the measures lists' minimums (seed 004: A 1, B 3, C 10, D 20 %).")
    set_inspectors: int | None = strawberry.mutation(
        resolver=supervision.set_inspectors, description="Replace the caller's own department's inspector pool "
        "(inspector ids are per department).")
    commit_draw: DrawType | None = strawberry.mutation(
        resolver=supervision.commit_draw, description="Step 1: make a seed, publish its SHA-256. A plan is drawn "
        "once; a re-draw needs redrawReason (recorded, public, counted) and supersedes the earlier draw.")
    freeze_draw: DrawType | None = strawberry.mutation(
        resolver=supervision.freeze_draw, description="Step 2: freeze the population, publish its digest.")
    reveal_draw: DrawType | None = strawberry.mutation(
        resolver=supervision.reveal_draw, description="Step 3: reveal the seed, draw targets and inspectors.")
    record_inspection_result: InspectionResultType | None = strawberry.mutation(
        resolver=supervision.record_inspection_result, description="Step 4: a target's result (一公开).")
    file_objection: ObjectionType | None = strawberry.mutation(
        resolver=rights.file_objection, description="File an objection (异议) on the subject's behalf.")
    resolve_objection: ObjectionType | None = strawberry.mutation(
        resolver=rights.resolve_objection, description="Uphold (the item is withdrawn, or corrected with "
        "`correction`; the subject re-graded) or reject an objection, with reasons.")
    apply_for_credit_repair: RepairType | None = strawberry.mutation(
        resolver=rights.apply_for_credit_repair, description="Apply for credit repair (信用修复); free of charge.")
    decide_credit_repair: RepairType | None = strawberry.mutation(
        resolver=rights.decide_credit_repair, description="Approve (the record is repaired, the subject "
        "re-graded, the platform above told) or reject an application.")
    review_grade_discrepancy: DiscrepancyReviewType | None = strawberry.mutation(
        resolver=grading.review_grade_discrepancy, description="Record a review of a grade-discrepancy flag (seed "
        "001 §二.(四).2 复核并说明理由): KEPT, CORRECTED or REGRADED (the reviewer's evaluation re-made), with "
        "reasons; by a department that owns one of the flag's schemes (the credit office for the platform's).")
    decide_high_attention_class: HighAttentionDecisionType | None = strawberry.mutation(
        resolver=grading.decide_high_attention_class, description="社会高度关注行业 (seed 004 第十条(三)): C or D for "
        "one subject, decided case by case with the reason, by the department that owns henan-market-risk; the "
        "subject is re-graded.")
    record_commitment: CommitmentType | None = strawberry.mutation(
        resolver=commitments.record_commitment, description="Record a 信用承诺 with its 信用承诺书 for the "
        "caller's own department (an agency token with --department); PUBLIC or INTERNAL as the seed says.")
    decide_commitment_fulfilment: CommitmentType | None = strawberry.mutation(
        resolver=commitments.decide_commitment_fulfilment, description="履约 or 未履约, with reasons, by the "
        "department that holds the commitment, once; a broken commitment counts in grading and the subject is "
        "re-graded.")
    submit_credit_information: CreditInformationReceiptType | None = strawberry.mutation(
        resolver=credit_info.submit_credit_information, description="A batch of credit information of any kind "
        "(信用信息, seed 004 第七条) for the caller's own department (an agency token with --department), at most 500 "
        "items: idempotent by sourceId; each bad item comes back in errors with its number and the rest is stored; "
        "tier and publicity window by rule (docs/tiers.md); the subject is re-graded when an item that counts "
        "changed.")
    push_changes: PushReceiptType | None = strawberry.mutation(
        resolver=exchange.push_changes, description="Apply a signed batch a peer pushes (a child UP, a parent "
        "DOWN). A batch whose signature does not verify is refused whole; invalid items are dead-lettered.")
    acknowledge_changes: int | None = strawberry.mutation(
        resolver=exchange.acknowledge_changes, description="The parent says it has applied our upward feed up to "
        "a cursor (after checkpointing it); returns how many outbox entries that delivered.")
    acknowledge_warning: WarningType | None = strawberry.mutation(
        resolver=warning_fields.acknowledge_warning,
        description="Take an OPEN warning on (the department it is routed to).")
    handle_warning: WarningType | None = strawberry.mutation(
        resolver=warning_fields.handle_warning, description="Close an ACKNOWLEDGED warning with the measure taken.")
    dismiss_warning: WarningType | None = strawberry.mutation(
        resolver=warning_fields.dismiss_warning,
        description="Close an ACKNOWLEDGED warning as unfounded, with the reason.")
