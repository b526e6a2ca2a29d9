"""Grading schemes and classification in GraphQL. The standards are public (seed 002 §二)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.codes import parse_code
from hub.disclosure import Tier
from hub.discrepancy_reviews import ReviewOutcome
from hub.grading.schemes import Grade, GradingScheme, Interval, classify
from hub.grading.types import Classification
from schema.types import Disclosure


def _interval(interval: Interval | None) -> str | None:
    return str(interval) if interval is not None else None


@strawberry.type(name="GradeLevel", description="A sub-level inside a grade (e.g. A-, B+).")
class LevelType:
    name: str

    @strawberry.field(description="Interval notation, e.g. (85, 92].")
    def interval(self, root: strawberry.Parent[object]) -> str:
        return str(root.interval)  # type: ignore[attr-defined]


@strawberry.type(name="Grade")
class GradeType:
    name: str
    label: str
    ladder: int = strawberry.field(description="Rung on the common ladder, 1 best … 5 worst.")
    category: str | None
    levels: list[LevelType]

    @strawberry.field(description="Score interval in interval notation, e.g. (70, 85]; null if categorical.")
    def interval(self, root: strawberry.Parent[Grade]) -> str | None:
        return _interval(root.interval)


@strawberry.type(name="GradeOverride", description="A fact that forces a grade whatever the score.")
class OverrideType:
    flag: str
    forces: str
    note: str


@strawberry.type(name="GradingScheme", description="A grading scheme, as data (the standards are public).")
class GradingSchemeType:
    id: strawberry.ID
    name: str
    source: str
    kind: str
    disclosure: Disclosure = strawberry.field(description="Tier of the evaluations this scheme produces.")
    cycle: str
    validity_days: int
    evaluator: str
    categorical: bool
    grades: list[GradeType]
    overrides: list[OverrideType]

    @strawberry.field(description="Score range and direction, e.g. [0, 100], higher is better.")
    def scale(self, root: strawberry.Parent[GradingScheme]) -> str | None:
        return root.scale.describe() if root.scale else None


@strawberry.type(name="Classification")
class ClassificationType:
    scheme: strawberry.ID
    grade: str
    level: str | None
    ladder: int
    reasons: list[str]
    overridden_by: str | None


def grading_schemes(info: Info) -> list[GradingSchemeType]:
    return list(info.context.hub.schemes.all())


def classify_score(
    info: Info, scheme: strawberry.ID,
    score: Annotated[float | None, strawberry.argument(
        description="The score; may be null only for categorical schemes.")],
    flags: Annotated[list[str] | None, strawberry.argument(
        description="Overrides: JOINT_PUNISHMENT_LIST, SERIOUS_DISHONESTY_LIST, DISHONEST_EXECUTEE, "
                    "HIGH_ATTENTION_INDUSTRY; categorical schemes take CATEGORY:… (and GRADE:…).")] = None,
) -> ClassificationType:
    result: Classification = classify(info.context.hub.schemes.get(str(scheme)), score, flags or ())
    return result  # type: ignore[return-value]


@strawberry.type(name="ReviewFlag", description="Two current evaluations of a subject two or more "
                 "rungs apart on the common ladder (seed 001 §二.(四).2): the departments review them.")
class ReviewFlagType:
    key: strawberry.ID
    subject_uscc: str
    subject_name: str
    schemes: list[str]
    grades: list[str]
    gap: int
    departments: list[str]
    status: str = strawberry.field(description="OPEN, or REVIEWED while the grades are those a department "
                                   "reviewed (new grades reopen it).")
    opened_at: datetime
    reviews: list[DiscrepancyReviewType] = strawberry.field(
        description="The departments' reviews (seed 001 §二.(四).2 复核并说明理由), oldest first.")


strawberry.enum(ReviewOutcome, name="DiscrepancyReviewOutcome", description=(
    "KEPT: the grade stands as made; CORRECTED: the data under it were set right; REGRADED: the evaluation "
    "was re-made."))


@strawberry.type(name="DiscrepancyReview", description="A department's review of a grade discrepancy.")
class DiscrepancyReviewType:
    id: strawberry.ID
    department: str = strawberry.field(description="The department that reviewed ('platform': the credit office).")
    reviewed_by: str
    outcome: ReviewOutcome
    reasons: str
    grades: list[str] = strawberry.field(description="The two grades as they stood when reviewed.")
    reviewed_at: datetime


async def review_flags(info: Info) -> list[ReviewFlagType]:
    flags = await info.context.hub.review_flags()
    info.context.note_served("Query.reviewFlags", [flag.subject_uscc for flag in flags], Tier.INTERNAL)
    return [ReviewFlagType(key=strawberry.ID(flag.key), subject_uscc=flag.subject_uscc,
                           subject_name=flag.subject_name, schemes=list(flag.schemes), grades=list(flag.grades),
                           gap=flag.gap, departments=list(flag.departments), status=flag.status.value,
                           opened_at=flag.opened_at,
                           reviews=[DiscrepancyReviewType(
                               id=strawberry.ID(r.id), department=r.department, reviewed_by=r.reviewed_by,
                               outcome=r.outcome, reasons=r.reasons, grades=list(r.grades),
                               reviewed_at=r.reviewed_at) for r in flag.reviews])
            for flag in flags]


@strawberry.type(name="GradeCount", description="How many subjects hold a grade of a scheme in force today.")
class GradeCountType:
    scheme: str
    grade: str
    count: int


async def grade_distribution(info: Info) -> list[GradeCountType]:
    counts = await info.context.hub.grade_distribution()
    return [GradeCountType(scheme=c.scheme, grade=c.grade, count=c.count) for c in counts]


async def review_grade_discrepancy(info: Info, key: strawberry.ID, outcome: ReviewOutcome,
                                   reasons: str) -> DiscrepancyReviewType:
    review = await info.context.hub.discrepancy_reviews.review(str(key), outcome, reasons, info.context.viewer)
    info.context.note_write(f"reviewGradeDiscrepancy {key}: {review.outcome.value}", review.subject_uscc)
    return DiscrepancyReviewType(id=review.id, department=review.department, reviewed_by=review.reviewed_by,
                                 outcome=review.outcome, reasons=review.reasons, grades=list(review.grades),
                                 reviewed_at=review.reviewed_at)


@strawberry.type(name="HighAttentionDecision", description=(
    "社会高度关注行业 (seed 004 第十条(三)): the department's case-by-case C or D for one subject, with its reason."))
class HighAttentionDecisionType:
    subject_uscc: str
    risk_class: str
    reason: str
    department: str
    decided_by: str
    decided_at: datetime
    grade: str | None = strawberry.field(description="The subject's henan-market-risk class after re-grading.")


async def decide_high_attention_class(info: Info, uscc: str, risk_class: str,
                                      reason: str) -> HighAttentionDecisionType:
    code = parse_code(uscc)
    decided = await info.context.hub.high_attention.decide(code, risk_class, reason, info.context.viewer)
    info.context.note_write(f"decideHighAttentionClass {code}: {decided.risk_class}", code)
    return decided

