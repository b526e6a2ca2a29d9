"""双随机、一公开 — inspection plans and their verifiable draws, from plan to published results.

A draw goes COMMITTED → FROZEN → DRAWN (docs/draw-protocol.md):
1. ``commit``: the hub makes a 32-byte seed, keeps it sealed, and publishes its SHA-256;
2. ``freeze``: the population (each covered subject with its current grade under the plan's scheme)
   is snapshotted and its digest published — after the commitment, so the seed cannot be chosen
   to suit the population;
3. ``reveal``: the seed is revealed, the targets drawn per stratum and inspectors assigned;
4. results are recorded per target and are PUBLIC (一公开).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from hub import clock
from hub.codes import parse_region, parse_uscc
from hub.db import supervision as store
from hub.db.gateway import Neo4jGateway
from hub.errors import BadInput, Conflict, NotFound
from hub.grading.schemes import SchemeRegistry
from hub.personal_data import PersonalDataVault
from hub.supervision import draw_file
from hub.supervision.draw import (
    DrawInputs,
    Inspector,
    Ratio,
    VerifyOutcome,
    draw,
    inputs_digest,
    population_digest,
    result_text,
    seed_commitment,
    verify,
)
from hub.supervision.measures import MeasuresRegistry

INSPECTION_RESULTS = ("合格", "不合格", "责令整改", "未发现问题", "无法联系", "已注销")


class InspectionError(BadInput):
    """A plan or draw request that breaks a rule; the message says which."""


@dataclass(frozen=True)
class PlanRequest:
    department: str
    name: str
    scheme: str
    region: str | None = None
    kinds: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    ratios: Mapping[str, str] | None = None  # grade → minimum percent; default: the measures list
    inspectors_per_target: int = 2
    ungraded_as: str | None = None


class Inspections:
    def __init__(self, gateway: Neo4jGateway, schemes: SchemeRegistry, measures: MeasuresRegistry,
                 vault: PersonalDataVault) -> None:
        self.gateway = gateway
        self.schemes = schemes
        self.measures = measures
        self.vault = vault

    async def create_plan(self, request: PlanRequest, created_by: str) -> dict[str, Any]:
        scheme = self.schemes.get(request.scheme)
        if request.region is not None:
            parse_region(request.region)
        ratios = self._ratios(request)
        ungraded = request.ungraded_as or scheme.grade_names[min(1, len(scheme.grade_names) - 1)]
        if ungraded not in scheme.grade_names:
            raise InspectionError(f"ungradedAs {ungraded!r} is not a grade of {scheme.id}")
        if request.inspectors_per_target < 2:
            raise InspectionError("双随机 needs at least two inspectors per target")
        plan = {
            "id": f"plan-{uuid.uuid4().hex[:12]}", "department": request.department, "name": request.name,
            "scheme": scheme.id, "region": request.region, "kinds": list(request.kinds),
            "industries": list(request.industries), "ratios": json.dumps(ratios, ensure_ascii=False),
            "inspectors_per_target": request.inspectors_per_target, "ungraded_as": ungraded,
            "created_at": clock.now(), "created_by": created_by,
        }
        await store.create_plan(self.gateway, plan)
        return plan

    def _ratios(self, request: PlanRequest) -> dict[str, str]:
        """Every grade of the scheme needs a minimum (seed 004 第十二–十五条: A 1 %, B 3 %, C 10 %,
        D 20 %); the defaults come from the measures list, and "no upper limit" (seed 002
        §三.(三).2) means a department may raise any of them up to 100 %."""
        scheme = self.schemes.get(request.scheme)
        chosen: dict[str, Decimal] = {}
        if request.ratios is None:
            chosen = self.measures.default_ratios(scheme.id)
        else:
            for grade, text in request.ratios.items():
                try:
                    chosen[grade] = Decimal(str(text))
                except InvalidOperation:
                    raise InspectionError(f"ratio for grade {grade} is not a number: {text!r}") from None
        missing = [g for g in scheme.grade_names if g not in chosen]
        unknown = [g for g in chosen if g not in scheme.grade_names]
        if missing or unknown:
            raise InspectionError(f"ratios must name every grade of {scheme.id} ({', '.join(scheme.grade_names)})"
                                  + (f"; missing {', '.join(missing)}" if missing else "")
                                  + (f"; unknown {', '.join(unknown)}" if unknown else ""))
        for grade, percent in chosen.items():
            if not Decimal(0) < percent <= Decimal(100):
                raise InspectionError(f"ratio for grade {grade} must be in (0, 100], got {percent}")
        return {grade: str(percent) for grade, percent in chosen.items()}

    async def set_inspectors(self, department: str, inspectors: Sequence[Mapping[str, Any]]) -> int:
        rows = []
        for inspector in inspectors:
            conflicts = [parse_uscc(code).value for code in inspector.get("conflicts", [])]
            rows.append({"id": inspector["id"], "name": inspector["name"], "conflicts": conflicts})
        await store.upsert_inspectors(self.gateway, department, rows)
        return len(rows)

    async def commit(self, plan_id: str) -> dict[str, Any]:
        plan = await self._plan(plan_id)
        seed = secrets.token_bytes(32)
        draw_row = {"id": f"draw-{uuid.uuid4().hex[:12]}", "plan_id": plan["id"], "department": plan["department"],
                    "scheme": plan["scheme"], "ratios": plan["ratios"], "status": "COMMITTED",
                    "seed_commitment": seed_commitment(seed), "seed_sealed": self.vault.seal_text(seed.hex()),
                    "committed_at": clock.now()}
        await store.create_draw(self.gateway, draw_row)
        return draw_row

    async def freeze(self, draw_id: str) -> dict[str, Any]:
        draw_row = await self._draw(draw_id, expect="COMMITTED")
        plan = await self._plan(draw_row["plan_id"])
        population = await store.population(
            self.gateway, scheme=plan["scheme"], region=_prefix(plan.get("region")), kinds=plan["kinds"],
            industries=plan["industries"], ungraded_as=plan["ungraded_as"], today=clock.today())
        if not population:
            raise InspectionError(f"plan {plan['id']} covers no subject; nothing to draw")
        # The inspector pool is frozen with the population: both are inputs of the draw, and a later
        # change to the department's roster must not change (or unverify) a draw already made.
        pool = await store.inspectors_of(self.gateway, plan["department"])
        if len(pool) < plan["inspectors_per_target"]:
            raise InspectionError(f"department {plan['department']} has {len(pool)} inspectors; each target "
                                  f"needs {plan['inspectors_per_target']} (setInspectors first)")
        changes = {"status": "FROZEN", "frozen_at": clock.now(), "population_size": len(population),
                   "population_digest": population_digest(population),
                   "inspectors": store.dumps([{**i, "conflicts": sorted(i["conflicts"])} for i in pool]),
                   "inspectors_per_target": plan["inspectors_per_target"]}
        # Step 3 publishes the digest of every input (docs/draw-protocol.md §1), before the reveal.
        changes["inputs_digest"] = inputs_digest(self._inputs({**draw_row, **changes}, population))
        await store.freeze_population(self.gateway, draw_id, population, changes)
        return {**draw_row, **changes}

    async def reveal(self, draw_id: str) -> dict[str, Any]:
        draw_row = await self._draw(draw_id, expect="FROZEN")
        inputs = await self.inputs(draw_row)
        seed = bytes.fromhex(self.vault.unseal(draw_row["seed_sealed"]))
        result = draw(inputs, seed)
        targets = [{"uscc": t.uscc, "grade": t.grade, "inspectors": list(t.inspectors), "position": n}
                   for n, t in enumerate(result.targets)]
        if inputs_digest(inputs) != draw_row["inputs_digest"]:
            raise InspectionError(f"draw {draw_id}: the stored inputs no longer match the digest published "
                                  "at the freeze; refusing to draw")
        changes = {"status": "DRAWN", "drawn_at": clock.now(), "seed": seed.hex(), "result_digest": result.digest,
                   "strata": json.dumps([{"grade": s.grade, "population": s.population,
                                          "minimum_percent": str(s.minimum_percent), "drawn": s.drawn}
                                         for s in result.strata], ensure_ascii=False),
                   "result_text": result_text(inputs, seed, result)}
        await store.store_targets(self.gateway, draw_id, targets, changes)
        return {**draw_row, **changes}

    async def inputs(self, draw_row: Mapping[str, Any]) -> DrawInputs:
        """The draw's inputs exactly as frozen: ratios copied at commit, population and pool at freeze."""
        return self._inputs(draw_row, await store.frozen_population(self.gateway, draw_row["id"]))

    @staticmethod
    def _inputs(draw_row: Mapping[str, Any], population: Sequence[tuple[str, str]]) -> DrawInputs:
        ratios = json.loads(draw_row["ratios"])
        return DrawInputs(
            plan_id=draw_row["plan_id"], department=draw_row["department"], scheme=draw_row["scheme"],
            ratios=tuple(Ratio(grade, Decimal(p)) for grade, p in sorted(ratios.items())),
            population=tuple(population),
            inspectors=tuple(Inspector(i["id"], i["name"], frozenset(i["conflicts"]))
                             for i in json.loads(draw_row["inspectors"])),
            inspectors_per_target=draw_row["inspectors_per_target"])

    async def record_result(self, draw_id: str, uscc: str, result: str, notes: str) -> dict[str, Any]:
        """一公开: a result is public once recorded; when every target has one, the draw is PUBLISHED."""
        await self._draw(draw_id, expect="DRAWN")
        if result not in INSPECTION_RESULTS:
            raise InspectionError(f"result must be one of {', '.join(INSPECTION_RESULTS)}")
        target = await store.record_result(self.gateway, draw_id, parse_uscc(uscc).value, result, notes,
                                           clock.now())
        if target is None:
            raise InspectionError(f"subject {uscc} is not a target of draw {draw_id}")
        if not await store.targets_of(self.gateway, draw_id, only_without_results=True, limit=1):
            await store.update_draw(self.gateway, draw_id, {"status": "PUBLISHED", "published_at": clock.now()})
        return target

    async def verify(self, draw_id: str) -> VerifyOutcome:
        draw_row = await store.get_draw(self.gateway, draw_id)
        if draw_row is None or draw_row["status"] not in ("DRAWN", "PUBLISHED"):
            raise InspectionError(f"draw {draw_id!r} does not exist or has not been drawn yet")
        inputs = await self.inputs(draw_row)
        if population_digest(inputs.population) != draw_row["population_digest"]:
            raise InspectionError("the stored population no longer matches the digest published at the freeze")
        if inputs_digest(inputs) != draw_row["inputs_digest"]:
            raise InspectionError("the stored inputs (ratios or inspector pool) no longer match the digest "
                                  "published at the freeze")
        return verify(inputs, bytes.fromhex(draw_row["seed"]), draw_row["seed_commitment"],
                      draw_row["result_digest"])

    async def export(self, draw_id: str) -> dict[str, Any]:
        """The draw as one document a verifier needs (hub.supervision.draw_file): INTERNAL, it holds the population."""
        draw_row = await store.get_draw(self.gateway, draw_id)
        if draw_row is None or draw_row["status"] not in ("DRAWN", "PUBLISHED"):
            raise InspectionError(f"draw {draw_id!r} does not exist or has not been drawn yet")
        return draw_file.to_document(await self.inputs(draw_row), draw_row)

    async def _plan(self, plan_id: str) -> dict[str, Any]:
        plan = await store.get_plan(self.gateway, plan_id)
        if plan is None:
            raise NotFound(f"no inspection plan {plan_id!r}")
        return plan

    async def _draw(self, draw_id: str, expect: str) -> dict[str, Any]:
        row = await store.get_draw(self.gateway, draw_id)
        if row is None:
            raise NotFound(f"no draw {draw_id!r}")
        if row["status"] != expect:
            raise Conflict(f"draw {draw_id} is {row['status']}; this step needs it {expect}")
        return row


def _prefix(region: str | None) -> str | None:
    if region is None:
        return None
    return region[:2] if region.endswith("0000") else region[:4] if region.endswith("00") else region
