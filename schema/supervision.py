"""差异化监管 in GraphQL: measures in force, inspection plans and draws (双随机、一公开).

Tiers (issue 4): a plan's population and a draw's assignments are INTERNAL; a draw's published
inputs (commitment, population digest, ratios, the seed once revealed), its results and — once
every target has been inspected — its result document are PUBLIC. Field rules live in schema.tiers.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from hub.disclosure import Tier
from hub.inspections import PlanRequest
from hub.models import SubjectProfile
from hub.supervision.measures import MeasureInForce, measures_in_force


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


def subject_measures(root: SubjectProfile, info: Info) -> list[MeasureInForceType]:
    today = info.context.today
    current = [(e.scheme, e.grade, e.evaluated_at, e.valid_until) for e in root.evaluations if e.is_current(today)]
    found: list[MeasureInForce] = measures_in_force(current, info.context.hub.measures, today)
    return [MeasureInForceType(
        scheme=m.scheme_id, grade=m.grade, measure_id=m.measure.id, name=m.measure.name,
        kind=m.measure.kind.value, implementing_body=m.measure.implementing_body, basis=m.measure.basis,
        sampling_minimum_percent=str(m.measure.sampling_minimum_percent)
        if m.measure.sampling_minimum_percent is not None else None,
        starts_on=m.starts_on, ends_on=m.ends_on) for m in found]


@strawberry.type(name="SamplingRatio")
class SamplingRatio:
    grade: str
    minimum_percent: str


def _ratios(text: str) -> list[SamplingRatio]:
    return [SamplingRatio(grade=g, minimum_percent=p) for g, p in json.loads(text).items()]


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

    @strawberry.field
    def ratios(self, root: strawberry.Parent[dict[str, Any]]) -> list[SamplingRatio]:
        return _ratios(root["ratios"])


@strawberry.type(name="DrawStratum")
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
    result_at: datetime


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
    status: str
    seed_commitment: str
    committed_at: datetime
    population_digest: str | None
    population_size: int | None
    frozen_at: datetime | None
    seed: str | None = strawberry.field(description="Revealed after the freeze (hex).")
    result_digest: str | None
    inputs_digest: str | None
    drawn_at: datetime | None

    @strawberry.field
    def ratios(self, root: strawberry.Parent[dict[str, Any]]) -> list[SamplingRatio]:
        return _ratios(root["ratios"])

    @strawberry.field
    def strata(self, root: strawberry.Parent[dict[str, Any]]) -> list[DrawStratum]:
        return [DrawStratum(**s) for s in json.loads(root.get("strata") or "[]")]

    @strawberry.field(description="Results recorded so far (一公开).")
    async def results(self, root: strawberry.Parent[dict[str, Any]], info: Info) -> list[InspectionResultType]:
        rows = await info.context.hub.draw_targets(root["id"], only_with_results=True)
        return [InspectionResultType(uscc=r["uscc"], name=r["name"], result=r["result"], notes=r.get("notes"),
                                     result_at=r["result_at"]) for r in rows]

    @strawberry.field(description="The canonical result document, once every target was inspected.")
    def result_document(self, root: strawberry.Parent[dict[str, Any]]) -> str | None:
        return root.get("result_text") if root["status"] == "PUBLISHED" else None

    @strawberry.field(description="Targets and their inspectors. INTERNAL.")
    async def assignments(self, root: strawberry.Parent[dict[str, Any]], info: Info) -> list[AssignmentType]:
        rows = await info.context.hub.draw_targets(root["id"])
        info.context.note_served(f"Draw.assignments({root['id']})", [r["uscc"] for r in rows], Tier.INTERNAL)
        return [AssignmentType(uscc=r["uscc"], name=r["name"], grade=r["grade"], inspectors=r["inspectors"],
                               position=r["position"], result=r.get("result")) for r in rows]


async def inspection_plans(info: Info) -> list[InspectionPlanType]:
    return await info.context.hub.inspection_plans()  # type: ignore[no-any-return]


async def draws(info: Info, plan_id: strawberry.ID | None = None) -> list[DrawType]:
    return await info.context.hub.draws(str(plan_id) if plan_id else None)  # type: ignore[no-any-return]


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
    department: str
    name: str
    scheme: str
    region: str | None = None
    kinds: list[str] = strawberry.field(default_factory=list)
    industries: list[str] = strawberry.field(default_factory=list)
    ratios: list[RatioInput] | None = strawberry.field(
        default=None, description="Default: the measures list's minimums (seed 004: A 1, B 3, C 10, D 20).")
    inspectors_per_target: int = 2
    ungraded_as: str | None = None


async def create_inspection_plan(info: Info, plan: InspectionPlanInput) -> InspectionPlanType:
    request = PlanRequest(
        department=plan.department, name=plan.name, scheme=plan.scheme, region=plan.region,
        kinds=tuple(plan.kinds), industries=tuple(plan.industries),
        ratios={r.grade: r.minimum_percent for r in plan.ratios} if plan.ratios is not None else None,
        inspectors_per_target=plan.inspectors_per_target, ungraded_as=plan.ungraded_as)
    created = await info.context.hub.inspections.create_plan(request, info.context.viewer.label)
    info.context.note_write(f"createInspectionPlan {created['id']}")
    return created  # type: ignore[return-value]


async def set_inspectors(info: Info, department: str, inspectors: list[InspectorInput]) -> int:
    count = await info.context.hub.inspections.set_inspectors(
        department, [{"id": i.id, "name": i.name, "conflicts": i.conflicts} for i in inspectors])
    info.context.note_write(f"setInspectors {department}: {count}")
    return count  # type: ignore[no-any-return]


async def commit_draw(info: Info, plan_id: strawberry.ID) -> DrawType:
    row = await info.context.hub.inspections.commit(str(plan_id))
    info.context.note_write(f"commitDraw {row['id']}")
    return row  # type: ignore[no-any-return]


async def freeze_draw(info: Info, id: strawberry.ID) -> DrawType:
    row = await info.context.hub.inspections.freeze(str(id))
    info.context.note_write(f"freezeDraw {id}")
    return row  # type: ignore[no-any-return]


async def reveal_draw(info: Info, id: strawberry.ID) -> DrawType:
    row = await info.context.hub.inspections.reveal(str(id))
    info.context.note_write(f"revealDraw {id}")
    return row  # type: ignore[no-any-return]


async def record_inspection_result(info: Info, draw_id: strawberry.ID, uscc: str, result: str,
                                   notes: str = "") -> InspectionResultType:
    row = await info.context.hub.record_inspection_result(str(draw_id), uscc, result, notes)
    info.context.note_write(f"recordInspectionResult {draw_id}: {result}", row["uscc"])
    return InspectionResultType(uscc=row["uscc"], name=row["name"], result=row["result"], notes=row.get("notes"),
                                result_at=row["result_at"])
