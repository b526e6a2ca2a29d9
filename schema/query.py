"""Root query fields."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from hub.codes import parse_code
from hub.disclosure import Viewer
from hub.models import SubjectProfile
from hub.profiles import CURRENCY, UNDER_OBJECTION, ProfilePart, ProfileShape
from schema import commitments, consents, exchange, rights
from schema import warnings as warning_fields
from schema.commitments import CreditCheckType
from schema.consents import ConsentConnection
from schema.errors import bad_input
from schema.exchange import ChangeBatchType, DeadLetterType, PlatformType, SyncCursorType
from schema.grade_movement import GradeBreakdownType, grade_breakdown
from schema.grading import (
    ClassificationType,
    GradeCountType,
    GradingSchemeType,
    ReviewFlagType,
    classify_score,
    grade_distribution,
    grading_schemes,
    review_flags,
)
from schema.persons import PersonRecordType, person_records
from schema.read_audit import SubjectReadType, subject_reads
from schema.report import CreditReportType, credit_report, verify_credit_report
from schema.reporting import (
    DepartmentReportingMonthType,
    DepartmentReportingType,
    department_reporting,
    department_reporting_by_month,
)
from schema.rights import ObjectionType, OutboxEntryType, PendingDecisionsType, RepairType
from schema.supervision import DrawType, InspectionPlanType, draws, inspection_plans
from schema.tiers import may_ever
from schema.types import Counter, PageInfo, SubjectConnection, SubjectEdge, SubjectType
from schema.warnings import RelatedPartyType, WarningConnection, WarningRuleType, WarningType

_CURSOR_PREFIX = "subject:"
_PART_OF_FIELD = {
    "records": ProfilePart.RECORDS,
    "evaluations": ProfilePart.EVALUATIONS,
    "riskClassification": ProfilePart.CURRENT_EVALUATIONS,
    "legalRepresentative": ProfilePart.LEGAL_REPRESENTATIVE,
    "measures": ProfilePart.CURRENT_EVALUATIONS,
    # an explanation is shown as far as its viewer may see the records it rests on
    "explanation": ProfilePart.RECORDS,
    "reasons": ProfilePart.RECORDS,
}


# GraphQL field → the stored properties it reads (schema/types.py). A field not listed here makes
# its type load every property, so a field added later is served before it is tuned.
_RECORD_FIELD_PROPERTIES: dict[str, tuple[str, ...]] = {
    "id": (), "kind": (), "disclosure": (), "status": (), "publicityEndsOn": (), "__typename": (),
    "title": ("title",), "severity": ("severity",), "issuingDepartment": ("issuing_department",),
    "sourcePlatform": ("source_platform",), "documentNumber": ("document_number",), "content": ("content",),
    "amountWanYuan": ("amount_wan_yuan",), "kept": ("kept",), "decidedOn": ("decided_on",),
    "decidedAt": ("decided_on",), "underObjection": (UNDER_OBJECTION,),
}
_EVALUATION_FIELD_PROPERTIES: dict[str, tuple[str, ...]] = {
    "id": (), "scheme": (), "grade": (), "disclosure": (), "__typename": (),
    "evaluatedAt": ("evaluated_at",), "validUntil": ("valid_until",), "supersededAt": ("superseded_at",),
    "current": tuple(CURRENCY),
    "score": ("score",), "level": ("level",), "evaluator": ("evaluator",), "previousGrade": ("previous_grade",),
    "explanation": ("explanation",), "reasons": ("explanation",), "underObjection": (UNDER_OBJECTION,),
    "computedBy": ("computed_by", "origin_platform"), "issuedInNameOf": ("issued_in_name_of", "issuer"),
    "authoritative": ("authoritative",),
}
_ITEM_FIELDS = {"records": _RECORD_FIELD_PROPERTIES, "evaluations": _EVALUATION_FIELD_PROPERTIES,
                "riskClassification": _EVALUATION_FIELD_PROPERTIES}


def requested_parts(selections: Iterable[Selection]) -> frozenset[ProfilePart]:
    """Which profile parts a selection asks for, through fragments and nesting."""
    return requested_shape(selections).parts


def requested_shape(selections: Iterable[Selection], viewer: Viewer | None = None) -> ProfileShape:
    """Which profile parts, and which properties of records and evaluations, a selection asks for — leaving
    out, for ``viewer``, the parts only a field it can never be given reads (a PUBLIC caller naming
    ``legalRepresentative`` is refused it without its person being read: schema.tiers.may_ever)."""
    parts: set[ProfilePart] = set()
    wanted: dict[str, set[str] | None] = {"records": set(), "evaluations": set()}
    stack = list(selections)
    while stack:
        selection = stack.pop()
        name = selection.name if isinstance(selection, SelectedField) else ""  # a spread's name is its fragment's
        part = _PART_OF_FIELD.get(name)
        # the parts are read for Subject fields (explanation and reasons, on Evaluation, have no Subject rule)
        if part is not None and viewer is not None and not may_ever(viewer, "Subject", name):
            continue  # refused where it stands, whatever is loaded
        current_only = part is ProfilePart.EVALUATIONS and getattr(selection, "arguments", {}).get("current") is True
        if current_only:
            part = ProfilePart.CURRENT_EVALUATIONS  # no history asked for: load only the CURRENT pointers
        if part is not None:
            parts.add(part)
        if current_only or name in ("riskClassification", "measures"):  # these pick by currency
            wanted["evaluations"] = _with(wanted["evaluations"], CURRENCY)
        table = _ITEM_FIELDS.get(name)
        if table is not None:
            bucket = "records" if name == "records" else "evaluations"
            wanted[bucket] = _properties(selection.selections, table, wanted[bucket])
            if bucket == "evaluations" and _names(selection.selections) & _EXPLAINING:
                parts.add(ProfilePart.RECORDS)  # an explanation is shown as far as its records may be seen
            continue
        stack.extend(selection.selections)
    return ProfileShape(frozenset(parts), _frozen(wanted["records"]), _frozen(wanted["evaluations"]))


_EXPLAINING = frozenset({"explanation", "reasons"})


def _names(selections: Iterable[Selection]) -> set[str]:
    """The field names of one item's selection, fragments included."""
    found: set[str] = set()
    stack = list(selections)
    while stack:
        selection = stack.pop()
        if isinstance(selection, SelectedField):
            found.add(selection.name)
        else:  # a fragment (a spread has a name too: the fragment's)
            stack.extend(selection.selections)
    return found


def _properties(selections: Iterable[Selection], table: dict[str, tuple[str, ...]],
                into: set[str] | None) -> set[str] | None:
    """The properties the fields under one item field read; None (all) for a field not in the table."""
    stack = list(selections)
    while stack and into is not None:
        selection = stack.pop()
        name = selection.name if isinstance(selection, SelectedField) else None
        if name is None:  # a fragment (a spread's name is the fragment's): its fields belong to the same item
            stack.extend(selection.selections)
        elif name not in table:
            return None
        else:
            into.update(table[name])
    return into


def _with(properties: set[str] | None, more: Iterable[str]) -> set[str] | None:
    return None if properties is None else properties | set(more)


def _frozen(properties: set[str] | None) -> frozenset[str] | None:
    return None if properties is None else frozenset(properties)


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


@strawberry.type
class Query:
    grading_schemes: list[GradingSchemeType] = strawberry.field(
        resolver=grading_schemes, description="Every grading scheme this hub knows, with its grades.")
    classify: ClassificationType = strawberry.field(
        resolver=classify_score, description="Grade a score (and override flags) under a scheme.")
    credit_report: CreditReportType | None = strawberry.field(
        resolver=credit_report, description="The authorized credit report: a bank holding the subject's "
        "unexpired consent, or INTERNAL viewers. Audited with its consent.")
    verify_credit_report: bool = strawberry.field(
        resolver=verify_credit_report, description="PUBLIC: whether this hub issued the credit report with this "
        "number and `digest` is the SHA-256 (hex) of its PDF file, unaltered. False for an unknown number and for "
        "a wrong digest alike; nothing about the report is returned.")
    inspection_plans: list[InspectionPlanType] | None = strawberry.field(
        resolver=inspection_plans, description="双随机 inspection plans. INTERNAL only.")
    draws: list[DrawType] = strawberry.field(
        resolver=draws, description="Draws with their published inputs, digests and results (一公开).")
    objections: list[ObjectionType] | None = strawberry.field(
        resolver=rights.objections, description="Objections by status (default PENDING). INTERNAL only.")
    overdue_objections: list[ObjectionType] | None = strawberry.field(
        resolver=rights.overdue_objections, description="Pending objections past their due date. INTERNAL only.")
    overdue_repair_applications: list[RepairType] | None = strawberry.field(
        resolver=rights.overdue_repair_applications, description="Pending credit repair applications past their "
        "due date, every department's. INTERNAL only.")
    pending_decisions: PendingDecisionsType | None = strawberry.field(
        resolver=rights.pending_decisions, description="The pending objections and credit repair applications the "
        "viewer's own department decides (the credit office: the platform's). INTERNAL only.")
    outbox: list[OutboxEntryType] | None = strawberry.field(
        resolver=rights.outbox, description="Changes not yet delivered to the platform above. INTERNAL only.")
    review_flags: list[ReviewFlagType] | None = strawberry.field(
        resolver=review_flags, description="Open grade-discrepancy flags. INTERNAL only.")
    grade_distribution: list[GradeCountType] | None = strawberry.field(
        resolver=grade_distribution, description="How many subjects hold each grade of each scheme, counting the "
        "evaluations in force today. INTERNAL only.")
    grade_breakdown: GradeBreakdownType | None = strawberry.field(
        resolver=grade_breakdown, description="The evaluations in force today by region, by industry and by the "
        "grade each replaced (how grades moved since the last evaluation), in one answer. INTERNAL only.")
    platform: PlatformType = strawberry.field(
        resolver=exchange.platform, description="This hub's platform id, level, region and public key.")
    changes: ChangeBatchType | None = strawberry.field(
        resolver=exchange.changes, description="A signed page of this hub's change feed. PLATFORM peers only: "
        "the parent reads UP, children read DOWN (docs/exchange-protocol.md).")
    dead_letters: list[DeadLetterType] | None = strawberry.field(
        resolver=exchange.dead_letters, description="Items peers sent that failed validation. INTERNAL only.")
    sync_status: list[SyncCursorType] | None = strawberry.field(
        resolver=exchange.sync_status, description="Cursors and counts per peer and direction. INTERNAL only.")
    department_reporting: list[DepartmentReportingType] | None = strawberry.field(
        resolver=department_reporting, description="Each department's 双公示 compliance and timeliness rates "
        "over its imported files. INTERNAL only.")
    department_reporting_by_month: list[DepartmentReportingMonthType] | None = strawberry.field(
        resolver=department_reporting_by_month, description="Each department's 双公示 合规率 and 及时率 per month "
        "over the last `months` months. INTERNAL only.")
    credit_check: CreditCheckType | None = strawberry.field(
        resolver=commitments.credit_check, description="事前信用核查 (seed 004 (三)): for a department handling an "
        "application — whether 告知承诺, 容缺受理 and other conveniences may be granted, the lists the subject "
        "stands on, its current grades and the measures in force, each with its rule. Agency and admin; audited.")

    my_consents: ConsentConnection | None = strawberry.field(
        resolver=consents.my_consents, description="The consents (授权) granted to the calling bank, newest first, "
        "with scopes, validity and status: a bank token's own, never another bank's. Banks only; audited.")

    subject_reads: list[SubjectReadType] | None = strawberry.field(
        resolver=subject_reads, description="Who read a subject and when (the audit chain), newest first: for the "
        "credit office and the departments that issued its records. INTERNAL; audited.")
    person_records: list[PersonRecordType] | None = strawberry.field(
        resolver=person_records, description="Decisions about a natural person (行政相对人类别 自然人) from the "
        "双公示 files, by the identity number (sealed before the lookup), newest first. INTERNAL only; audited.")
    warnings: WarningConnection | None = strawberry.field(
        resolver=warning_fields.warnings, description="信用预警: warnings raised here or received from the platforms "
        "below, newest first, by department, region, rule, status, subject and time. INTERNAL only.")
    warning: WarningType | None = strawberry.field(resolver=warning_fields.warning, description="One warning by id. "
                                                   "INTERNAL only.")
    warning_stream_cursor: str | None = strawberry.field(
        resolver=warning_fields.warning_stream_cursor, description="The warnings stream's position now: subscribe "
        "to `warnings(after:)` with it to miss nothing from this moment, across reconnects. INTERNAL only.")
    warning_rules: list[WarningRuleType] | None = strawberry.field(
        resolver=warning_fields.warning_rules, description="The warning rules this hub applies. INTERNAL only.")
    related_parties: list[RelatedPartyType] | None = strawberry.field(
        resolver=warning_fields.related_parties, description="Subjects linked to one through legal representatives "
        "(current, or former within 12 months), with their current grades and list entries. INTERNAL only.")

    @strawberry.field(description="One subject by code; null when the code is valid but unknown.")
    async def subject(self, info: Info, uscc: str) -> SubjectType | None:
        code = parse_code(uscc)
        shape = requested_shape(info.selected_fields[0].selections, info.context.viewer)
        return await info.context.profiles.load((code, shape))

    @strawberry.field(description="Subjects by code order; search by name or by code prefix.")
    async def subjects(
        self, info: Info,
        search: Annotated[str | None, strawberry.argument(
            description="A code prefix (e.g. 91410425) or part of a name.")] = None,
        first: int | None = 20, after: str | None = None,
    ) -> SubjectConnection:
        context = info.context
        after_code = decode_cursor(after) if after else None
        shape = requested_shape(info.selected_fields[0].selections, context.viewer)
        page = await context.hub.search(search, after=after_code, first=first, parts=shape,
                                        viewer=context.viewer)
        for profile in page.profiles:
            context.remember(profile)
        return _connection(page.profiles, page.has_next, has_previous=after is not None,
                           counter=lambda: context.hub.count_search(search))


def _connection(profiles: Iterable[SubjectProfile], has_next: bool,
                has_previous: bool, counter: Counter) -> SubjectConnection:
    edges = [SubjectEdge(cursor=encode_cursor(p.subject.uscc), node=p)  # type: ignore[arg-type]
             for p in profiles]
    return SubjectConnection(edges=edges, counter=counter, page_info=PageInfo(
        has_next_page=has_next, has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None))
