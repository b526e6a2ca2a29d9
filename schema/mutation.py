"""Root mutation fields. Who may call each is a field rule in schema.tiers, not an if here."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.disclosure import ConsentScope as ConsentScopeEnum
from hub.service import parse_code
from schema import exchange, rights, supervision
from schema import warnings as warning_fields
from schema.context import HubContext
from schema.exchange import PushReceiptType
from schema.rights import ObjectionType, RepairType
from schema.supervision import DrawType, InspectionPlanType, InspectionResultType
from schema.types import ConsentScope, ConsentType
from schema.warnings import WarningType


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Record a subject's authorization (授权书) of a bank. "
                         "ADMIN or PLATFORM, on the subject's behalf.")
    async def grant_consent(
        self, info: Info, uscc: str, grantee: str, purpose: str, expires_at: datetime,
        scopes: list[ConsentScope] | None = None,
    ) -> ConsentType:
        context: HubContext = info.context
        code = parse_code(uscc)
        consent = await context.hub.grant_consent(
            uscc=code, grantee=grantee, purpose=purpose, expires_at=expires_at,
            scopes=frozenset(ConsentScopeEnum(s) for s in scopes) if scopes else None,
            granted_by=context.viewer)
        context.note_write(f"grantConsent to {consent.grantee}", code, consent.id)
        return consent  # type: ignore[return-value]

    @strawberry.mutation(description="Revoke an authorization; takes effect at once.")
    async def revoke_consent(self, info: Info, id: strawberry.ID) -> ConsentType:
        context: HubContext = info.context
        consent = await context.hub.revoke_consent(str(id))
        context.note_write("revokeConsent", consent.subject_uscc, consent.id)
        return consent  # type: ignore[return-value]

    create_inspection_plan: InspectionPlanType = strawberry.mutation(
        resolver=supervision.create_inspection_plan, description="A department's 双随机 plan.")
    set_inspectors: int = strawberry.mutation(
        resolver=supervision.set_inspectors, description="Replace a department's inspector pool.")
    commit_draw: DrawType = strawberry.mutation(
        resolver=supervision.commit_draw, description="Step 1: make a seed, publish its SHA-256.")
    freeze_draw: DrawType = strawberry.mutation(
        resolver=supervision.freeze_draw, description="Step 2: freeze the population, publish its digest.")
    reveal_draw: DrawType = strawberry.mutation(
        resolver=supervision.reveal_draw, description="Step 3: reveal the seed, draw targets and inspectors.")
    record_inspection_result: InspectionResultType = strawberry.mutation(
        resolver=supervision.record_inspection_result, description="Step 4: a target's result (一公开).")
    file_objection: ObjectionType = strawberry.mutation(
        resolver=rights.file_objection, description="File an objection (异议) on the subject's behalf.")
    resolve_objection: ObjectionType = strawberry.mutation(
        resolver=rights.resolve_objection, description="Uphold (the item is withdrawn, the subject re-graded) "
        "or reject an objection, with reasons.")
    apply_for_credit_repair: RepairType = strawberry.mutation(
        resolver=rights.apply_for_credit_repair, description="Apply for credit repair (信用修复); free of charge.")
    decide_credit_repair: RepairType = strawberry.mutation(
        resolver=rights.decide_credit_repair, description="Approve (the record is repaired, the subject "
        "re-graded, the platform above told) or reject an application.")
    push_changes: PushReceiptType = strawberry.mutation(
        resolver=exchange.push_changes, description="Apply a signed batch a peer pushes (a child UP, a parent "
        "DOWN). A batch whose signature does not verify is refused whole; invalid items are dead-lettered.")
    acknowledge_changes: int = strawberry.mutation(
        resolver=exchange.acknowledge_changes, description="The parent says it has applied our upward feed up to "
        "a cursor (after checkpointing it); returns how many outbox entries that delivered.")
    acknowledge_warning: WarningType = strawberry.mutation(
        resolver=warning_fields.acknowledge_warning,
        description="Take an OPEN warning on (the department it is routed to).")
    handle_warning: WarningType = strawberry.mutation(
        resolver=warning_fields.handle_warning, description="Close an ACKNOWLEDGED warning with the measure taken.")
    dismiss_warning: WarningType = strawberry.mutation(
        resolver=warning_fields.dismiss_warning,
        description="Close an ACKNOWLEDGED warning as unfounded, with the reason.")
