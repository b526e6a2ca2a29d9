"""Root query fields."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import Selection

from hub.codes import InvalidCode, parse_uscc
from hub.db.subjects import ProfilePart
from hub.models import SubjectProfile
from schema import exchange, rights
from schema import warnings as warning_fields
from schema.errors import bad_input
from schema.exchange import ChangeBatchType, DeadLetterType, PlatformType, SyncCursorType
from schema.grading import (
    ClassificationType,
    GradingSchemeType,
    ReviewFlagType,
    classify_score,
    grading_schemes,
    review_flags,
)
from schema.report import CreditReportType, credit_report
from schema.reporting import DepartmentReportingType, department_reporting
from schema.rights import ObjectionType, OutboxEntryType
from schema.supervision import DrawType, InspectionPlanType, draws, inspection_plans
from schema.types import PageInfo, SubjectConnection, SubjectEdge, SubjectType
from schema.warnings import RelatedPartyType, WarningConnection, WarningRuleType, WarningType

_CURSOR_PREFIX = "subject:"
_PART_OF_FIELD = {
    "records": ProfilePart.RECORDS,
    "evaluations": ProfilePart.EVALUATIONS,
    "riskClassification": ProfilePart.CURRENT_EVALUATIONS,
    "legalRepresentative": ProfilePart.LEGAL_REPRESENTATIVE,
    "measures": ProfilePart.CURRENT_EVALUATIONS,
}


def requested_parts(selections: Iterable[Selection]) -> frozenset[ProfilePart]:
    """Which profile parts a selection asks for, through fragments and nesting."""
    parts: set[ProfilePart] = set()
    stack = list(selections)
    while stack:
        selection = stack.pop()
        part = _PART_OF_FIELD.get(getattr(selection, "name", ""))
        if part is ProfilePart.EVALUATIONS and getattr(selection, "arguments", {}).get("current") is True:
            part = ProfilePart.CURRENT_EVALUATIONS  # no history asked for: load only the CURRENT pointers
        if part is not None:
            parts.add(part)
        stack.extend(selection.selections)
    return frozenset(parts)


def encode_cursor(uscc: str) -> str:
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + uscc).encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_CURSOR_PREFIX):
        raise bad_input(f"after cursor {cursor!r} is not one this hub issued")
    return text[len(_CURSOR_PREFIX):]


def _validated(uscc: str) -> str:
    try:
        return parse_uscc(uscc).value
    except InvalidCode as exc:
        raise bad_input(str(exc)) from None


@strawberry.type
class Query:
    grading_schemes: list[GradingSchemeType] = strawberry.field(
        resolver=grading_schemes, description="Every grading scheme this hub knows, with its grades.")
    classify: ClassificationType = strawberry.field(
        resolver=classify_score, description="Grade a score (and override flags) under a scheme.")
    credit_report: CreditReportType | None = strawberry.field(
        resolver=credit_report, description="The authorized credit report: a bank holding the subject's "
        "unexpired consent, or INTERNAL viewers. Audited with its consent.")
    inspection_plans: list[InspectionPlanType] = strawberry.field(
        resolver=inspection_plans, description="双随机 inspection plans. INTERNAL only.")
    draws: list[DrawType] = strawberry.field(
        resolver=draws, description="Draws with their published inputs, digests and results (一公开).")
    objections: list[ObjectionType] = strawberry.field(
        resolver=rights.objections, description="Objections by status (default PENDING). INTERNAL only.")
    overdue_objections: list[ObjectionType] = strawberry.field(
        resolver=rights.overdue_objections, description="Pending objections past their due date. INTERNAL only.")
    outbox: list[OutboxEntryType] = strawberry.field(
        resolver=rights.outbox, description="Changes not yet delivered to the platform above. INTERNAL only.")
    review_flags: list[ReviewFlagType] = strawberry.field(
        resolver=review_flags, description="Open grade-discrepancy flags. INTERNAL only.")
    platform: PlatformType = strawberry.field(
        resolver=exchange.platform, description="This hub's platform id, level, region and public key.")
    changes: ChangeBatchType = strawberry.field(
        resolver=exchange.changes, description="A signed page of this hub's change feed. PLATFORM peers only: "
        "the parent reads UP, children read DOWN (docs/exchange-protocol.md).")
    dead_letters: list[DeadLetterType] = strawberry.field(
        resolver=exchange.dead_letters, description="Items peers sent that failed validation. INTERNAL only.")
    sync_status: list[SyncCursorType] = strawberry.field(
        resolver=exchange.sync_status, description="Cursors and counts per peer and direction. INTERNAL only.")
    department_reporting: list[DepartmentReportingType] = strawberry.field(
        resolver=department_reporting, description="Each department's 双公示 compliance and timeliness rates "
        "over its imported files. INTERNAL only.")

    warnings: WarningConnection = strawberry.field(
        resolver=warning_fields.warnings, description="信用预警: warnings raised here or received from the platforms "
        "below, newest first, by department, region, rule, status, subject and time. INTERNAL only.")
    warning: WarningType | None = strawberry.field(resolver=warning_fields.warning, description="One warning by id. "
                                                   "INTERNAL only.")
    warning_stream_cursor: str = strawberry.field(
        resolver=warning_fields.warning_stream_cursor, description="The warnings stream's position now: subscribe "
        "to `warnings(after:)` with it to miss nothing from this moment, across reconnects. INTERNAL only.")
    warning_rules: list[WarningRuleType] = strawberry.field(
        resolver=warning_fields.warning_rules, description="The warning rules this hub applies. INTERNAL only.")
    related_parties: list[RelatedPartyType] = strawberry.field(
        resolver=warning_fields.related_parties, description="Subjects linked to one through legal representatives "
        "(current, or former within 12 months), with their current grades and list entries. INTERNAL only.")

    @strawberry.field(description="One subject by code; null when the code is valid but unknown.")
    async def subject(self, info: Info, uscc: str) -> SubjectType | None:
        code = _validated(uscc)
        parts = requested_parts(info.selected_fields[0].selections)
        return await info.context.profiles.load((code, parts))

    @strawberry.field(description="Subjects by code order; search by name or by code prefix.")
    async def subjects(
        self, info: Info,
        search: Annotated[str | None, strawberry.argument(
            description="A code prefix (e.g. 91410425) or part of a name.")] = None,
        first: int | None = 20, after: str | None = None,
    ) -> SubjectConnection:
        context = info.context
        limit = context.hub.settings.max_page_size
        size = 20 if first is None else first
        if not 1 <= size <= limit:
            raise bad_input(f"first must be between 1 and {limit}, got {size}")
        after_code = decode_cursor(after) if after else None
        parts = requested_parts(info.selected_fields[0].selections)
        page = await context.hub.search(search, after=after_code, first=size, parts=parts,
                                        viewer=context.viewer)
        for profile in page.profiles:
            context.remember(profile)
        return _connection(page.profiles, page.has_next, has_previous=after is not None)


def _connection(profiles: Iterable[SubjectProfile], has_next: bool,
                has_previous: bool) -> SubjectConnection:
    edges = [SubjectEdge(cursor=encode_cursor(p.subject.uscc), node=p)  # type: ignore[arg-type]
             for p in profiles]
    return SubjectConnection(edges=edges, page_info=PageInfo(
        has_next_page=has_next, has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None))
