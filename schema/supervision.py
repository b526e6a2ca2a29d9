"""差异化监管 in GraphQL: measures in force, inspection plans and draws (双随机、一公开).

Tiers: a plan, a draw's assignments, its per-grade figures (strata) and the time of day of a result
are INTERNAL; a draw's published inputs (commitment, digests, ratios, totals, the seed once
revealed), its signed statements, its results (listed by subject code) and — once every target has
been inspected — its result document are PUBLIC. Nothing PUBLIC carries an order, count or field
from which a target's risk class can be derived (seed 004 第六条; docs/draw-protocol.md §7). Field
rules live in schema.tiers; who may write is decided in hub.supervision.inspections (the owning department).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.disclosure import Tier
from hub.models import SubjectProfile
from hub.supervision.inspections import InspectorEntry, PlanRequest
from hub.supervision.measures import MeasureInForce, measures_in_force
from hub.supervision.stored import Draw, DrawTarget, InspectionPlan


@strawberry.type(name="MeasureInForce", description="A supervision measure (监管措施) in force on a subject.")
class MeasureInForceType:
    scheme: str
    grade: str
    measure_id: str
    name: str
    kind: str
    implementing_body: str = strawberry.field(description="措施实施主体")
    basis: str = strawberry.field(description="政策依据")
    sampling_minimum_percent: str | None
    starts_on: date
    ends_on: date | None
    evaluated_grade: str | None = strawberry.field(description="The scheme's own grade where 通用+专业 (seed 004 "
                                                    "第十六条) put the combined class in `grade`; else null.")
    combination: list[str] = strawberry.field(description="Why `grade` is the combined class: the general and the "
                                              "domain class and the rule (empty when not combined).")


def subject_measures(root: SubjectProfile, info: Info) -> list[MeasureInForceType]:
    today = info.context.today
    current = [(e.scheme, e.grade, e.evaluated_at, e.valid_until) for e in root.current_evaluations(today)]
    found: list[MeasureInForce] = measures_in_force(current, info.context.hub.measures, today)
    return [MeasureInForceType(
        scheme=m.scheme_id, grade=m.grade, measure_id=m.measure.id, name=m.measure.name,
        kind=m.measure.kind.value, implementing_body=m.measure.implementing_body, basis=m.measure.basis,
        sampling_minimum_percent=str(m.measure.sampling_minimum_percent)
        if m.measure.sampling_minimum_percent is not None else None,
        starts_on=m.starts_on, ends_on=m.ends_on, evaluated_grade=m.evaluated_grade,
        combination=list(m.combination.reasons) if m.combination is not None else []) for m in found]


@strawberry.type(name="SamplingRatio")
class SamplingRatio:
    grade: str
    minimum_percent: str


def _ratios(ratios: dict[str, str]) -> list[SamplingRatio]:
    return [SamplingRatio(grade=g, minimum_percent=p) for g, p in ratios.items()]


@strawberry.type(name="TimesDrawn", description="How many subjects of a class were drawn this many times this year.")
class TimesDrawnType:
    times: int
    subjects: int


@strawberry.type(name="ClassFrequency", description="抽查频次: one class of a plan's population against its "
                 "frequency per subject per year (docs/grading.md). INTERNAL: per-class figures (seed 004 第六条).")
class ClassFrequencyType:
    grade: str
    at_least: int | None = strawberry.field(description="Inspections per subject per year, at least (提高频次).")
    at_most: int | None = strawberry.field(description="Inspections per subject per year, at most (降低/常规频次).")
    subjects: int = strawberry.field(description="Subjects of the class in the plan's population today.")
    times_drawn: list[TimesDrawnType] = strawberry.field(
        description="Subjects by times drawn this year by the department's draws under the plan's scheme.")
    below: int = strawberry.field(description="Subjects drawn fewer times than atLeast so far this year.")
    above: int = strawberry.field(description="Subjects drawn more times than atMost this year.")
    met: bool | None = strawberry.field(description="Every subject within the frequency (null: none is set).")


@strawberry.type(name="InspectionPlan", description="A department's 双随机 plan. INTERNAL.")
class InspectionPlanType:
    id: strawberry.ID
    department: str
    name: str
    scheme: str
    region: str | None
    kinds: list[str]
    industries: list[str]
    inspectors_per_target: int
    ungraded_as: str
    created_at: datetime

    @strawberry.field(description="The period the plan covers: 2026, 2026-H2, 2026-Q4 or 2026-11.")
    def period(self, root: strawberry.Parent[InspectionPlan]) -> str | None:
        return root.period

    @strawberry.field
    def ratios(self, root: strawberry.Parent[InspectionPlan]) -> list[SamplingRatio]:
        return _ratios(root.ratio_texts)

    @strawberry.field(description="抽查频次 per class in the plan's year: how often each subject of the class has "
                      "been drawn against its measures' frequency. INTERNAL.")
    async def frequency(self, root: strawberry.Parent[InspectionPlan], info: Info) -> list[ClassFrequencyType] | None:
        found = await info.context.frequencies.load(root)  # every plan of the page at once
        return [ClassFrequencyType(
            grade=c.grade, at_least=c.frequency.at_least if c.frequency else None,
            at_most=c.frequency.at_most if c.frequency else None, subjects=c.subjects,
            times_drawn=[TimesDrawnType(times=t, subjects=n) for t, n in c.times_drawn],
            below=c.below, above=c.above, met=c.met) for c in found]


@strawberry.type(name="DrawStratum", description="One grade's figures in a draw. INTERNAL (seed 004 第六条).")
class DrawStratum:
    grade: str
    population: int
    minimum_percent: str
    drawn: int


@strawberry.type(name="InspectionResult", description="一公开: a target's inspection result (PUBLIC).")
class InspectionResultType:
    uscc: str
    name: str
    result: str
    notes: str | None
    inspected_on: date | None = strawberry.field(description="The day (China date) the result was recorded.")
    result_at: datetime | None = strawberry.field(
        description="The moment it was recorded. INTERNAL: the order results come in may follow the grades.")
    statement: str | None = strawberry.field(
        description="The result as the hub signed it (compact JWS, EdDSA; docs/draw-protocol.md §6).")


def _result(target: DrawTarget) -> InspectionResultType:
    return InspectionResultType(uscc=target.uscc, name=target.name, result=target.result or "", notes=target.notes,
                                inspected_on=target.inspected_on, result_at=target.result_at,
                                statement=target.result_statement)


@strawberry.type(name="Assignment", description="A drawn target and its inspectors. INTERNAL.")
class AssignmentType:
    uscc: str
    name: str
    grade: str
    inspectors: list[str]
    position: int
    result: str | None


@strawberry.type(name="Draw", description="A verifiable double-random draw (docs/draw-protocol.md).")
class DrawType:
    id: strawberry.ID
    plan_id: str
    department: str
    scheme: str
    status: str = strawberry.field(description="COMMITTED, FROZEN, DRAWN, PUBLISHED or SUPERSEDED (by a re-draw).")
    seed_commitment: str
    committed_at: datetime
    population_digest: str | None = strawberry.field(
        description="SHA-256 of the salted population (a hiding commitment: the salt is INTERNAL).")
    pool_digest: str | None = strawberry.field(description="SHA-256 of the frozen inspector pool.")
    population_size: int | None = strawberry.field(description="Subjects in the population, all grades together.")
    frozen_at: datetime | None
    seed: str | None = strawberry.field(description="Revealed after the freeze (hex).")
    result_digest: str | None
    inputs_digest: str | None
    targets_total: int | None = strawberry.field(description="Targets drawn, all grades together.")
    drawn_at: datetime | None
    superseded_by: str | None = strawberry.field(description="The re-draw that replaced this draw.")
    superseded_at: datetime | None
    replaces: str | None = strawberry.field(description="The earlier draw of the plan this re-draw replaces.")
    redraw_reason: str | None = strawberry.field(description="Why the plan was drawn again (recorded, public).")

    @strawberry.field(description="1 for a plan's draw, 2 and up for its re-draws: every re-draw is counted.")
    def attempt(self, root: strawberry.Parent[Draw]) -> int:
        return root.attempt or 1

    @strawberry.field(description="What the hub signed at each step (compact JWS, EdDSA, kid = platform id): "
                      "check them with `platform { publicKey }` (docs/draw-protocol.md §6).")
    def statements(self, root: strawberry.Parent[Draw]) -> list[str]:
        return list(root.statements)

    @strawberry.field
    def ratios(self, root: strawberry.Parent[Draw]) -> list[SamplingRatio]:
        return _ratios({str(g): str(p) for g, p in json.loads(root.ratios).items()})

    @strawberry.field(description="Per-grade population and targets. INTERNAL: beside the public results they "
                      "would tell a target's risk class.")
    def strata(self, root: strawberry.Parent[Draw]) -> list[DrawStratum] | None:
        return [DrawStratum(**s) for s in json.loads(root.strata or "[]")]

    @strawberry.field(description="Results recorded so far (一公开), by subject code.")
    async def results(self, root: strawberry.Parent[Draw], info: Info) -> list[InspectionResultType]:
        targets = await info.context.hub.draw_targets(root.id, only_with_results=True)
        return [_result(t) for t in targets]

    @strawberry.field(description="The canonical result document (targets by code, no grades), once every "
                      "target was inspected or the draw was superseded.")
    def result_document(self, root: strawberry.Parent[Draw]) -> str | None:
        return root.published_result

    @strawberry.field(description="Targets and their inspectors, by subject code. INTERNAL.")
    async def assignments(self, root: strawberry.Parent[Draw], info: Info) -> list[AssignmentType] | None:
        targets = await info.context.hub.draw_targets(root.id)
        info.context.note_served(f"Draw.assignments({root.id})", [t.uscc for t in targets], Tier.INTERNAL)
        return [AssignmentType(uscc=t.uscc, name=t.name, grade=t.grade, inspectors=list(t.inspectors),
                               position=t.position, result=t.result)
                for t in targets]


async def inspection_plans(
    info: Info,
    department: Annotated[str | None, strawberry.argument(description="Only this department's plans.")] = None,
) -> list[InspectionPlanType]:
    return await info.context.hub.inspection_plans(department)


async def draws(info: Info, plan_id: strawberry.ID | None = None) -> list[DrawType]:
    return await info.context.hub.draws(str(plan_id) if plan_id else None)


@strawberry.input
class InspectorInput:
    id: str
    name: str
    conflicts: list[str] = strawberry.field(default_factory=list, description="Codes they must not inspect (回避).")


@strawberry.input
class RatioInput:
    grade: str
    minimum_percent: str


@strawberry.input
class InspectionPlanInput:
    name: str
    scheme: str
    region: str | None = None
    kinds: list[str] = strawberry.field(default_factory=list)
    industries: list[str] = strawberry.field(default_factory=list)
    ratios: list[RatioInput] | None = strawberry.field(
        default=None, description="Default: the measures list's minimums (seed 004: A 1, B 3, C 10, D 20).")
    inspectors_per_target: int = 2
    ungraded_as: str | None = None
    department: str | None = strawberry.field(
        default=None, description="Default: the caller's own (its token's department); no other may be named.")
    period: str | None = strawberry.field(
        default=None, description="2026, 2026-H2, 2026-Q4 or 2026-11; default: the current quarter.")


async def create_inspection_plan(info: Info, plan: InspectionPlanInput) -> InspectionPlanType:
    request = PlanRequest(
        department=plan.department, name=plan.name, scheme=plan.scheme, region=plan.region,
        kinds=tuple(plan.kinds), industries=tuple(plan.industries),
        ratios={r.grade: r.minimum_percent for r in plan.ratios} if plan.ratios is not None else None,
        inspectors_per_target=plan.inspectors_per_target, ungraded_as=plan.ungraded_as, period=plan.period)
    created = await info.context.hub.inspections.create_plan(request, info.context.viewer)
    info.context.note_write(f"createInspectionPlan {created.id}")
    return created


async def set_inspectors(info: Info, department: str, inspectors: list[InspectorInput]) -> int:
    count = await info.context.hub.inspections.set_inspectors(
        department, [InspectorEntry(i.id, i.name, tuple(i.conflicts)) for i in inspectors], info.context.viewer)
    info.context.note_write(f"setInspectors {department}: {count}")
    return count


async def commit_draw(info: Info, plan_id: strawberry.ID, redraw_reason: str | None = None) -> DrawType:
    committed = await info.context.hub.inspections.commit(str(plan_id), info.context.viewer, redraw_reason)
    info.context.note_write(f"commitDraw {committed.id}")
    return committed


async def freeze_draw(info: Info, id: strawberry.ID) -> DrawType:
    row = await info.context.hub.inspections.freeze(str(id), info.context.viewer)
    info.context.note_write(f"freezeDraw {id}")
    return row


async def reveal_draw(info: Info, id: strawberry.ID) -> DrawType:
    row = await info.context.hub.inspections.reveal(str(id), info.context.viewer)
    info.context.note_write(f"revealDraw {id}")
    return row


async def record_inspection_result(info: Info, draw_id: strawberry.ID, uscc: str, result: str,
                                   notes: str = "") -> InspectionResultType:
    target = await info.context.hub.record_inspection_result(str(draw_id), uscc, result, notes, info.context.viewer)
    info.context.note_write(f"recordInspectionResult {draw_id}: {result}", target.uscc)
    return _result(target)
