"""信用预警 in GraphQL: the ``warnings`` query and subscription, the lifecycle mutations, ``relatedParties``.

All INTERNAL (schema/tiers.py FIELD_RULES); deciding is the routed department's (hub.warnings.service).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.audit import AuditEvent
from hub.codes import parse_code, parse_region
from hub.errors import HubError
from hub.warnings.model import Step, Warning, WarningFilter, WarningStatus
from hub.warnings.rules import Level, WarningRule
from hub.warnings.service import (
    PAGE_CURSOR,
    STREAM_CURSOR,
    RelatedParty,
    encode_cursor,
    evidence_with_persons,
)
from schema.context import HubContext
from schema.errors import graphql_error
from schema.types import TOTAL_COUNT, Counter, PageInfo, SubjectType

strawberry.enum(WarningStatus, name="WarningStatus", description="OPEN → ACKNOWLEDGED → HANDLED or DISMISSED.")
strawberry.enum(Level, name="WarningLevel", description="How urgent (the hub's three levels; the seeds name none).")


@strawberry.type(name="Warning", description="预警信息: a warning a rule raised, routed to the department that "
                 "must act.")
class WarningType:
    id: strawberry.ID
    rule: str = strawberry.field(description="The rule's id (warningRules).")
    title: str
    level: Level
    family: str | None = strawberry.field(description="SUBJECT, GRAPH or SUPERVISION.")
    status: WarningStatus
    summary: str
    subject_uscc: str | None
    subject_name: str | None
    department: str | None = strawberry.field(description="The department it is routed to; null: the credit "
                                              "office.")
    region: str | None
    facts: list[str] = strawberry.field(description="The ids of the records, evaluations or applications that "
                                        "raised it (with the rule and the anchor, its identity).")
    raised_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    handled_at: datetime | None
    handled_by: str | None
    measure: str | None = strawberry.field(description="The measure taken (HANDLED).")
    dismissed_at: datetime | None
    dismissed_by: str | None
    dismiss_reason: str | None
    origin_platform: str | None = strawberry.field(description="The platform that raised it.")
    origin_level: str | None
    version: int

    @strawberry.field(description="What triggered it, as JSON: the records, the path through legal "
                      "representatives (graph rules), the figures; with the persons it names.")
    def evidence(self, root: strawberry.Parent[Warning], info: Info) -> str:
        return evidence_with_persons(root, info.context.viewer.is_internal)

    @strawberry.field(description="This change's position in the stream: a subscription resumes after it.")
    def cursor(self, root: strawberry.Parent[Warning]) -> str | None:
        return encode_cursor(root.stream_seq, STREAM_CURSOR) if root.stream_seq is not None else None

    @strawberry.field(description="The subject it concerns, as the viewer may see it.")
    async def subject(self, root: strawberry.Parent[Warning], info: Info) -> SubjectType | None:
        if root.subject_uscc is None:
            return None
        from schema.query import requested_parts

        parts = requested_parts(info.selected_fields[0].selections)
        return await info.context.profiles.load((root.subject_uscc, parts))


@strawberry.type(name="WarningEdge")
class WarningEdge:
    cursor: str
    node: WarningType


@strawberry.type(name="WarningConnection", description="Relay-style page of warnings, newest first.")
class WarningConnection:
    edges: list[WarningEdge]
    page_info: PageInfo
    counter: strawberry.Private[Counter]

    @strawberry.field(description=TOTAL_COUNT)
    async def total_count(self) -> int:
        return await self.counter()

    @strawberry.field
    def nodes(self) -> list[WarningType]:
        return [edge.node for edge in self.edges]


@strawberry.type(name="WarningRule", description="预警规则: a rule as data, with the source it encodes.")
class WarningRuleType:
    id: strawberry.ID
    title: str
    source: str
    kind: str
    family: str
    level: Level
    enabled: bool
    departments: list[str] | None
    parameters: str = strawberry.field(description="The rule's thresholds, as JSON.")


@strawberry.type(name="RelatedLink", description="One step of the path: a legal representative shared with "
                 "the subject before it.")
class RelatedLinkType:
    from_uscc: str
    person_name: str
    person_id_masked: str | None
    current: bool = strawberry.field(description="False: a former representative, until `until`.")
    until: date | None


@strawberry.type(name="RelatedGrade")
class RelatedGradeType:
    scheme: str
    grade: str
    rung: int | None = strawberry.field(description="The grade's rung on the common ladder (1 best … 5 worst).")


@strawberry.type(name="ListEntry", description="A list record: 严重失信主体名单, 失信被执行人, 经营异常名录.")
class ListEntryType:
    id: strawberry.ID
    kind: str
    decided_on: date | None
    status: str


@strawberry.type(name="RelatedParty", description="A subject linked through legal representatives: the "
                 "evidence behind graph warnings.")
class RelatedPartyType:
    uscc: str
    name: str | None
    region: str | None
    depth: int
    path: list[RelatedLinkType]
    current_grades: list[RelatedGradeType]
    list_entries: list[ListEntryType]
    truncated: bool = strawberry.field(description="A person on the path represents more subjects than were "
                                       "followed (50 per person and step).")


def _rule(rule: WarningRule) -> WarningRuleType:
    import json
    from dataclasses import asdict

    values = {k: sorted(v) if isinstance(v, frozenset) else v for k, v in asdict(rule.parameters).items()}
    return WarningRuleType(id=strawberry.ID(rule.id), title=rule.title, source=rule.source, kind=rule.kind.value,
                           family=rule.family, level=rule.level, enabled=rule.enabled,
                           departments=sorted(rule.departments) if rule.departments is not None else None,
                           parameters=json.dumps(values, ensure_ascii=False, sort_keys=True, default=str))


def _region_prefix(region: str | None) -> str | None:
    """A county code selects itself, a city (xxxx00) its counties, a province (xx0000) all of it."""
    if region is None:
        return None
    code = parse_region(region)  # a bad one raises InvalidCode, a BadInput naming the rule
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code


# --- queries ---------------------------------------------------------------------------------

async def warnings(
    info: Info,
    department: Annotated[str | None, strawberry.argument(description="Routed to this department.")] = None,
    region: Annotated[str | None, strawberry.argument(description="In this region: a county, a city (xxxx00) "
                                                      "or a province (xx0000).")] = None,
    rule: Annotated[str | None, strawberry.argument(description="Raised by this rule.")] = None,
    status: WarningStatus | None = None,
    subject: Annotated[str | None, strawberry.argument(description="About this subject (its code).")] = None,
    raised_from: datetime | None = None,
    raised_to: datetime | None = None,
    first: int = 20,
    after: str | None = None,
) -> WarningConnection:
    context: HubContext = info.context
    wanted = WarningFilter(department=department, region_prefix=_region_prefix(region), rule=rule, status=status,
                           raised_from=raised_from, raised_to=raised_to, subject_uscc=subject)
    page = await context.hub.warnings.page(wanted, first=first, after=after)
    edges = [WarningEdge(cursor=encode_cursor(w.number or 0, PAGE_CURSOR), node=w)  # type: ignore[arg-type]
             for w in page.warnings]
    return WarningConnection(edges=edges, counter=lambda: context.hub.warnings.count(wanted), page_info=PageInfo(
        has_next_page=page.has_next, has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None))


async def warning(info: Info, id: strawberry.ID) -> WarningType | None:
    return await info.context.hub.warnings.get(str(id))


async def warning_stream_cursor(info: Info) -> str:
    return await info.context.hub.warnings.stream_cursor()


def warning_rules(info: Info) -> list[WarningRuleType]:
    return [_rule(rule) for rule in info.context.hub.warnings.rules]


async def related_parties(
    info: Info, uscc: str,
    depth: Annotated[int, strawberry.argument(description="Steps through shared legal representatives (1–3).")] = 1,
) -> list[RelatedPartyType]:
    parties: list[RelatedParty] = await info.context.hub.warnings.related_parties(parse_code(uscc), depth)
    return [RelatedPartyType(
        uscc=p.uscc, name=p.name, region=p.region, depth=p.depth, truncated=p.truncated,
        path=[RelatedLinkType(from_uscc=link.from_uscc, person_name=link.person_name,
                              person_id_masked=link.person_id_masked, current=link.current, until=link.until)
              for link in p.path],
        current_grades=[RelatedGradeType(scheme=s, grade=g, rung=r) for s, g, r in p.grades],
        list_entries=[ListEntryType(id=strawberry.ID(i), kind=k, decided_on=d, status=st)
                      for i, k, d, st in p.list_entries]) for p in parties]


# --- the lifecycle ---------------------------------------------------------------------------

async def _decide(info: Info, warning_id: str, step: Step, text: str | None = None) -> WarningType:
    context: HubContext = info.context
    decided = await context.hub.warnings.decide(context.viewer, warning_id, step, text)
    context.note_write(f"{step.value}Warning {warning_id}: {decided.status.value}", decided.subject_uscc)
    return decided  # type: ignore[return-value]


async def acknowledge_warning(info: Info, id: strawberry.ID) -> WarningType:
    return await _decide(info, str(id), Step.ACKNOWLEDGE)


async def handle_warning(info: Info, id: strawberry.ID, measure: str) -> WarningType:
    return await _decide(info, str(id), Step.HANDLE, measure)


async def dismiss_warning(info: Info, id: strawberry.ID, reason: str) -> WarningType:
    return await _decide(info, str(id), Step.DISMISS, reason)


# --- the subscription ------------------------------------------------------------------------

@strawberry.type
class Subscription:
    @strawberry.subscription(description="Warnings as they are raised or change, for one department's screen "
                             "or job (an agency token carries its own department's only). `after`: the cursor of "
                             "the last warning received, to resume without loss. INTERNAL only.")
    async def warnings(
        self, info: Info, after: str | None = None, department: str | None = None, region: str | None = None,
        rule: str | None = None,
    ) -> AsyncGenerator[WarningType | None, None]:
        context: HubContext = info.context
        viewer = context.viewer
        try:
            wanted = context.hub.warnings.subscription_filter(viewer, department, _region_prefix(region), rule)
            stream = context.hub.warnings.follow(wanted, after)
            await context.hub.audit([AuditEvent(
                action="read", actor=viewer.label, role=viewer.role.value, subject_uscc=None, tier="INTERNAL",
                token_id=viewer.token_id, detail=f"subscribe warnings department={wanted.department or '*'} "
                                                 f"region={wanted.region_prefix or '*'} rule={rule or '*'}")])
            async for found in stream:
                context.profiles.clear_all()  # a long-lived connection reads subjects fresh per event
                yield found  # type: ignore[misc]
        except HubError as exc:
            raise graphql_error(exc) from None
