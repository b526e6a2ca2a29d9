"""GraphQL object types. Resolvers read the domain objects of hub.models; they never query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.bank_consents import ConsentStatus
from hub.clock import CHINA
from hub.disclosure import ConsentScope as ConsentScopeEnum
from hub.disclosure import Disclosure as DisclosureEnum
from hub.explanation import Explanation
from hub.grading.schemes import SchemeKind
from hub.models import Consent as ConsentModel
from hub.models import CreditRecord, Evaluation, Person, SubjectProfile
from hub.models import SubjectKind as SubjectKindEnum
from schema.commitments import CommitmentType, subject_commitments
from schema.rights import ObjectionType, RepairType
from schema.subject_file import subject_consents, subject_objections, subject_repairs
from schema.supervision import MeasureInForceType, subject_measures

# The domain's enums are the GraphQL enums: strawberry.enum registers them in place.
strawberry.enum(DisclosureEnum, name="Disclosure", description="Disclosure tier (seed 003 附件2 §五.1).")
strawberry.enum(ConsentScopeEnum, name="ConsentScope", description="What part of a profile a consent opens.")
strawberry.enum(ConsentStatus, name="ConsentStatus", description="Where a consent stands now.")
strawberry.enum(SubjectKindEnum, name="SubjectKind", description="Kind of subject, from its code (GB 32100).")
Disclosure = DisclosureEnum
ConsentScope = ConsentScopeEnum
SubjectKind = SubjectKindEnum

def _at_midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=CHINA) if day else None


@strawberry.type(name="Person", description="A legal representative (a natural person).")
class PersonType:
    @strawberry.field
    def name(self, root: strawberry.Parent[Person]) -> str:
        return root.name

    @strawberry.field(description="Resident ID number with the middle hidden, e.g. 410425********123X.")
    def id_masked(self, root: strawberry.Parent[Person]) -> str | None:
        return root.id_masked

    @strawberry.field(description="The whole resident ID number. INTERNAL only.")
    def id_number(self, root: strawberry.Parent[Person], info: Info) -> str | None:
        return info.context.hub.unseal_resident_id(root.id_sealed)


@strawberry.type(name="Record", description="A credit record (信用信息) with its disclosure tier.")
class RecordType:
    id: strawberry.ID
    kind: str
    title: str
    disclosure: Disclosure
    status: str
    severity: str | None
    issuing_department: str | None
    source_platform: str | None
    document_number: str | None
    content: str | None
    amount_wan_yuan: float | None
    kept: bool | None = strawberry.field(description="Commitments: whether it was kept.")
    under_objection: bool = strawberry.field(description="A pending objection (异议) contests it.")
    decided_on: date | None
    publicity_ends_on: date | None = strawberry.field(
        description="Last day PUBLIC viewers see it (penalties' publicity window).")

    @strawberry.field(description="Decision date as a DateTime (midnight, China time).")
    def decided_at(self, root: strawberry.Parent[CreditRecord]) -> datetime | None:
        return _at_midnight(root.decided_on)


@strawberry.type(name="Contribution", description="One line of an evaluation's explanation.")
class ContributionType:
    indicator: str
    label: str
    points: float
    record_ids: list[str]
    note: str


@strawberry.type(name="Evaluation", description="A grade under a grading scheme.")
class EvaluationType:
    id: strawberry.ID
    scheme: strawberry.ID
    score: float | None
    grade: str
    level: str | None
    disclosure: Disclosure
    evaluated_at: datetime
    valid_until: date | None
    evaluator: str | None

    previous_grade: str | None = strawberry.field(description="The grade this one replaced.")
    under_objection: bool = strawberry.field(description="A pending objection (异议) contests it.")
    superseded_at: datetime | None
    computed_by: str | None = strawberry.field(
        description="The platform that computed it (null: not recorded, e.g. loaded from a file).")
    issued_in_name_of: str | None = strawberry.field(
        description="In whose name it stands: the scheme's evaluator where the platform may issue it, else "
                    "the computing platform (seed 000 §二.(一): the province issues the public credit evaluation).")
    authoritative: bool | None = strawberry.field(
        description="Issued by a platform its scheme allows; false for a lower platform's own estimate, which "
                    "never stands over the issuer's as current. Null: not recorded.")

    @strawberry.field(description="True while within its validity and not replaced by a newer one.")
    def current(self, root: strawberry.Parent[Evaluation], info: Info) -> bool:
        return root.is_current(info.context.today)

    @strawberry.field(description="Why: each indicator's contribution to the score, as far as the viewer "
                      "may see what it rests on; the rest is one line of their summed points (docs/tiers.md).")
    def explanation(self, root: strawberry.Parent[Evaluation]) -> list[ContributionType]:
        return [ContributionType(indicator=line.indicator, label=line.label, points=line.points,
                                 record_ids=list(line.record_ids), note=line.note)
                for line in Explanation.parse(root.explanation).lines]

    @strawberry.field(description="Why this grade: the score's band, or the override that forced it.")
    def reasons(self, root: strawberry.Parent[Evaluation]) -> list[str]:
        return [reason.text for reason in Explanation.parse(root.explanation).reasons]


@strawberry.type(name="Consent", description="授权: a subject's authorization of a grantee.")
class ConsentType:
    id: strawberry.ID
    subject_uscc: str
    grantee: str
    purpose: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    granted_by: str | None

    @strawberry.field
    def scopes(self, root: strawberry.Parent[ConsentModel]) -> list[ConsentScope]:
        return sorted(root.scopes)

    @strawberry.field
    def active(self, root: strawberry.Parent[ConsentModel], info: Info) -> bool:
        return root.is_active(info.context.now)

    @strawberry.field(description="ACTIVE (in force), EXPIRED (past expiresAt) or REVOKED (withdrawn), now.")
    def status(self, root: strawberry.Parent[ConsentModel], info: Info) -> ConsentStatus:
        return ConsentStatus.of(root, info.context.now)


@strawberry.type(name="Subject", description="A credit subject (信用主体), keyed by its code.")
class SubjectType:
    # Plain fields: hub.models.SubjectProfile exposes its subject's facts (schema/fast_fields.py).
    uscc: str = strawberry.field(description="Unified social credit code (统一社会信用代码).")
    name: str
    kind: SubjectKind
    region: str = strawberry.field(description="Administrative division code (GB/T 2260).")
    industry: str | None
    status: str = strawberry.field(description="Registration status, e.g. 存续, 注销.")
    registered_on: date | None

    @strawberry.field(description="Evaluations the viewer may see, newest first: the whole history, or with "
                      "`current: true` only those in force (one per scheme, within validity).")
    def evaluations(
        self, root: strawberry.Parent[SubjectProfile], info: Info,
        current: Annotated[bool, strawberry.argument(description="Only the evaluations in force now.")] = False,
    ) -> list[EvaluationType]:
        if current:
            return root.current_evaluations(info.context.today)  # type: ignore[return-value]
        return list(root.evaluations)  # type: ignore[arg-type]

    @strawberry.field(description="Records the viewer may see; PUBLIC sees 双公示 records "
                      "inside their publicity window.")
    def records(
        self, root: strawberry.Parent[SubjectProfile],
        kind: Annotated[str | None, strawberry.argument(description="Only this kind.")] = None,
    ) -> list[RecordType]:
        return [r for r in root.records if kind is None or r.kind == kind]  # type: ignore[misc]

    @strawberry.field(description="AUTHORIZED (with the subject's consent) and INTERNAL.")
    def legal_representative(self, root: strawberry.Parent[SubjectProfile]) -> PersonType | None:
        return root.subject.legal_representative  # type: ignore[return-value]

    commitments: list[CommitmentType] = strawberry.field(
        resolver=subject_commitments, description="信用承诺 with their fulfilment, newest first: PUBLIC where the "
        "seed publishes them (seed 004 (三)), all of them to government (seed 002 §三.(二).2).")

    measures: list[MeasureInForceType] | None = strawberry.field(
        resolver=subject_measures, description="Supervision measures in force now, each with the grade "
        "that triggers it (监管措施清单). INTERNAL only.")

    consents: list[ConsentType] | None = strawberry.field(
        resolver=subject_consents, description="The subject's consents (授权), newest first, each with its status: "
        "for a bank holding its consent only those granted to that bank; all of them to government.")
    objections: list[ObjectionType] | None = strawberry.field(
        resolver=subject_objections, description="The objections (异议) about the subject, newest first, each with "
        "its state. INTERNAL only.")
    repair_applications: list[RepairType] | None = strawberry.field(
        resolver=subject_repairs, description="The subject's credit repair applications (信用修复), newest first, "
        "each with its state. INTERNAL only.")

    @strawberry.field(description="SAMR enterprise credit risk class (henan-market-risk). "
                      "INTERNAL only (seed 004 第六条).")
    def risk_classification(self, root: strawberry.Parent[SubjectProfile],
                            info: Info) -> EvaluationType | None:
        market_risk = info.context.hub.schemes.of_kind(SchemeKind.MARKET_RISK)
        return root.newest_current(info.context.today, market_risk)  # type: ignore[return-value]


@strawberry.type(name="PageInfo")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(name="SubjectEdge")
class SubjectEdge:
    cursor: str
    node: SubjectType


# A connection's totalCount is counted only when a request selects it (one more COUNT statement, never a
# round trip for a query that does not ask), by the same filter as its pages: it counts only what the
# viewer could page through itself, so it reveals nothing the pages do not (docs/tiers.md).
Counter = Callable[[], Awaitable[int]]
TOTAL_COUNT = ("How many items every page of this connection holds together: only what this viewer may "
               "see, counted when selected.")


@strawberry.type(name="SubjectConnection", description="Relay-style page of subjects by code.")
class SubjectConnection:
    edges: list[SubjectEdge]
    page_info: PageInfo
    counter: strawberry.Private[Counter]

    @strawberry.field(description=TOTAL_COUNT)
    async def total_count(self) -> int:
        return await self.counter()

    @strawberry.field
    def nodes(self) -> list[SubjectType]:
        return [edge.node for edge in self.edges]
