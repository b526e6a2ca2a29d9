"""信用承诺 and 事前信用核查 in GraphQL (hub.commitments, hub.credit_check).

Who may call what is a field rule in schema.tiers; a ``Commitment`` carries its own tier (a disclosed
type), so ``Subject.commitments`` shows PUBLIC ones to everyone and all of them to government.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from hub.codes import parse_code
from hub.commitments import Commitment, CommitmentDraft
from hub.commitments import CommitmentKind as CommitmentKindEnum
from hub.commitments import Fulfilment as FulfilmentEnum
from hub.credit_check import Convenience as ConvenienceEnum
from hub.credit_check import ConvenienceAnswer, CreditCheck, GradeInForce, ListStanding, MeasureAnswer
from hub.disclosure import Tier
from hub.models import SubjectProfile

if TYPE_CHECKING:
    from schema.types import Disclosure

strawberry.enum(CommitmentKindEnum, name="CommitmentKind", description="信用承诺 kinds (seed 002 §三.(二).2).")
strawberry.enum(FulfilmentEnum, name="Fulfilment", description="履约情况: PENDING, FULFILLED (履约), BROKEN (未履约).")
strawberry.enum(ConvenienceEnum, name="Convenience", description="便利措施 of administrative approval "
                "(seed 002 §三.(三).1).")
CommitmentKind = CommitmentKindEnum
Fulfilment = FulfilmentEnum
Convenience = ConvenienceEnum


@strawberry.type(name="Commitment", description="信用承诺: a subject's written commitment (信用承诺书) to a "
                 "department, and whether it was kept. PUBLIC where the seed publishes it (seed 004 (三)), else "
                 "INTERNAL.")
class CommitmentType:
    id: strawberry.ID
    subject_uscc: str
    kind: CommitmentKind
    matter: str = strawberry.field(description="The matter (事项) it was made for.")
    text: str = strawberry.field(description="The text of the 信用承诺书.")
    department: str = strawberry.field(description="The department that holds it and alone decides its fulfilment.")
    signed_on: date
    due_on: date | None
    disclosure: Annotated[Disclosure, strawberry.lazy("schema.types")]
    disclosure_rule: str = strawberry.field(description="The seed rule that sets its tier.")
    fulfilment: Fulfilment
    fulfilment_reasons: str | None
    fulfilment_decided_at: datetime | None
    recorded_at: datetime


@strawberry.input(name="CommitmentInput", description="A commitment to record for the caller's own department.")
class CommitmentInput:
    uscc: str
    kind: CommitmentKind
    matter: str
    text: str = strawberry.field(description="The 信用承诺书's text.")
    signed_on: date | None = strawberry.field(default=None, description="Default today (China).")
    due_on: date | None = strawberry.field(default=None, description="When fulfilment is due, if the matter says.")
    department: str | None = strawberry.field(default=None, description="The caller's department (the default); "
                                              "another department is refused.")


@strawberry.type(name="ConvenienceAnswer", description="Whether a convenience may be granted, and why.")
class ConvenienceAnswerType:
    convenience: Convenience
    may_grant: bool
    rule: str = strawberry.field(description="The seed rule the answer comes from.")
    reasons: list[str] = strawberry.field(description="What in the subject's file the answer rests on.")


@strawberry.type(name="ListStanding", description="A list the subject stands on (an active list record).")
class ListStandingType:
    list_kind: str
    name: str
    record_id: str
    title: str
    decided_on: date | None
    issuing_department: str | None
    seriously_dishonest: bool
    rule: str


@strawberry.type(name="GradeInForce", description="A current grade, with the source of its scheme.")
class GradeInForceType:
    scheme: str
    scheme_name: str
    grade: str
    evaluated_at: datetime
    valid_until: date | None
    rule: str


@strawberry.type(name="CheckMeasure", description="A measure in force, with its policy basis (政策依据).")
class CheckMeasureType:
    scheme: str
    grade: str
    measure_id: str
    name: str
    kind: str
    rule: str


@strawberry.type(name="CreditCheck", description="事前信用核查 (seed 004 (三)): one answer for a department "
                 "handling an application. INTERNAL (agency, admin); audited.")
class CreditCheckType:
    uscc: str
    name: str
    matter: str
    checked_at: datetime
    seriously_dishonest: bool = strawberry.field(description="严重失信: restricted conveniences (seed 002 §三.(三).2).")
    conveniences: list[ConvenienceAnswerType]
    lists: list[ListStandingType]
    grades: list[GradeInForceType]
    measures: list[CheckMeasureType]
    commitments_broken: int = strawberry.field(description="Commitments found broken (未履约) and still counting.")


async def record_commitment(info: Info, input: CommitmentInput) -> CommitmentType | None:
    draft = CommitmentDraft(uscc=parse_code(input.uscc), kind=CommitmentKindEnum(input.kind), matter=input.matter,
                            text=input.text, signed_on=input.signed_on, due_on=input.due_on,
                            department=input.department)
    commitment = await info.context.hub.commitments.record(draft, info.context.viewer)
    info.context.note_write(f"recordCommitment {commitment.id} ({commitment.kind.value})", commitment.subject_uscc)
    return commitment


async def decide_commitment_fulfilment(info: Info, id: strawberry.ID, fulfilled: bool,
                                       reasons: str) -> CommitmentType | None:
    commitment = await info.context.hub.commitments.decide(str(id), fulfilled, reasons, info.context.viewer)
    info.context.note_write(f"decideCommitmentFulfilment {id}: {commitment.fulfilment.value}",
                            commitment.subject_uscc)
    return commitment


async def subject_commitments(root: strawberry.Parent[SubjectProfile], info: Info) -> list[CommitmentType]:
    found: list[Commitment] = await info.context.commitments.load(root.uscc)
    return found  # type: ignore[return-value]


async def credit_check(info: Info, uscc: str, matter: str) -> CreditCheckType | None:
    result: CreditCheck = await info.context.hub.credit_check(uscc, matter, info.context.viewer)
    # audited as a read of the subject's whole file, naming the matter it was checked for
    info.context.note_served(f"Query.creditCheck for {result.matter!r}", [result.uscc], Tier.INTERNAL)
    return _check(result)


def _check(result: CreditCheck) -> CreditCheckType:
    return CreditCheckType(
        uscc=result.uscc, name=result.name, matter=result.matter, checked_at=result.checked_at,
        seriously_dishonest=result.seriously_dishonest,
        conveniences=[_convenience(a) for a in result.conveniences], lists=[_standing(s) for s in result.lists],
        grades=[_grade(g) for g in result.grades], measures=[_measure(m) for m in result.measures],
        commitments_broken=result.commitments_broken)


def _convenience(a: ConvenienceAnswer) -> ConvenienceAnswerType:
    return ConvenienceAnswerType(convenience=a.convenience, may_grant=a.may_grant, rule=a.rule,
                                 reasons=list(a.reasons))


def _standing(s: ListStanding) -> ListStandingType:
    return ListStandingType(list_kind=s.list_kind.value, name=s.name, record_id=s.record_id, title=s.title,
                            decided_on=s.decided_on, issuing_department=s.issuing_department,
                            seriously_dishonest=s.seriously_dishonest, rule=s.rule)


def _grade(g: GradeInForce) -> GradeInForceType:
    return GradeInForceType(scheme=g.scheme, scheme_name=g.scheme_name, grade=g.grade, evaluated_at=g.evaluated_at,
                            valid_until=g.valid_until, rule=g.rule)


def _measure(m: MeasureAnswer) -> CheckMeasureType:
    return CheckMeasureType(scheme=m.scheme, grade=m.grade, measure_id=m.measure_id, name=m.name,
                            kind=m.kind.value, rule=m.rule)
