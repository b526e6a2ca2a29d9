"""双随机、一公开 — inspection plans and their verifiable draws, from plan to published results.

A draw goes COMMITTED → FROZEN → DRAWN → PUBLISHED (docs/draw-protocol.md), and at each step the hub
signs what it publishes with the platform's Ed25519 key (hub.supervision.statements):
1. ``commit``: the hub makes a 32-byte seed, keeps it sealed, and publishes its SHA-256;
2. ``freeze``: the population (each covered subject with its current grade under the plan's scheme)
   and the department's inspector pool are snapshotted and their digests published — after the
   commitment, so the seed cannot be chosen to suit them;
3. ``reveal``: the seed is revealed, the targets drawn per stratum and inspectors assigned;
4. results are recorded per target and are PUBLIC (一公开); when every target has one, PUBLISHED.
   Each result is also the 抽查检查结果 record of its subject, written in the same transaction
   (hub.supervision.result_record), and the subject is re-graded when the result counts (不合格, 责令整改).

One plan period, one draw: a plan is drawn once. A re-draw needs a recorded reason; the earlier
draw is SUPERSEDED, stays public (revealed, if it had not been yet, so nobody can look at a draw in
private and then discard it) and the new one carries its attempt number.

Only the department that owns a plan acts on it (hub.authority): it creates plans for itself, sets
its own inspector pool, commits, freezes and reveals its draws and records their results. Seeds 000
§三 and 004 (要求二; 第十一条) give the 双随机 inspections to the regulating departments ("各行业监管部门",
"县（市、区）市场监督管理局负责…组织实施"); the credit office coordinates and assesses them (seed 000
§五.(二), seed 001 §四.(三), seed 002 §四) — it reads, it does not draw — so ``admin_may`` is never given.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub import clock
from hub.authority import require_owner
from hub.codes import parse_code, parse_region
from hub.credit_info.kinds import rule_of
from hub.db import supervision as store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Viewer
from hub.errors import BadInput, Conflict, NotFound
from hub.grading.combine import combination_partners, combined_class
from hub.grading.schemes import SchemeRegistry
from hub.personal_data import PersonalDataVault
from hub.supervision import draw_file
from hub.supervision.draw import (
    PROTOCOL,
    SALT_BYTES,
    DrawInputs,
    Inspector,
    Ratio,
    draw,
    inputs_digest,
    percent_text,
    pool_digest,
    population_digest,
    result_text,
    seed_commitment,
)
from hub.supervision.evidence import DrawEvidence, DrawReport, StoredResult, StoredTarget, verify_evidence
from hub.supervision.frequency import ClassFrequency, class_frequencies, frequencies_json, read_frequencies
from hub.supervision.measures import MeasuresRegistry
from hub.supervision.plans import PlanError, PlanPeriod, PlanScope, check_ratios, region_prefix
from hub.supervision.result_record import COUNTED_RESULTS, result_record
from hub.supervision.result_record import KIND as RESULT_KIND
from hub.supervision.statements import Notary, Step, fingerprint
from hub.supervision.stored import Draw, DrawStatus, DrawTarget, InspectionPlan, ResultState

INSPECTION_RESULTS = ("合格", "不合格", "责令整改", "未发现问题", "无法联系", "已注销")
MAX_REASON = 500
MAX_NOTES = 2000


class InspectionError(BadInput):
    """A plan or draw request that breaks a rule; the message says which."""


class RedrawWithoutReason(Conflict):
    """A plan that was already drawn is committed again without a recorded reason."""


@dataclass(frozen=True)
class PlanRequest:
    name: str
    scheme: str
    department: str | None = None  # default: the caller's own department
    region: str | None = None
    kinds: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    ratios: Mapping[str, str] | None = None  # grade → minimum percent; default: the measures list
    inspectors_per_target: int = 2
    ungraded_as: str | None = None
    period: str | None = None  # default: the current quarter (China date)


@dataclass(frozen=True)
class InspectorEntry:
    id: str
    name: str
    conflicts: tuple[str, ...] = ()


class Inspections:
    def __init__(self, gateway: Neo4jGateway, schemes: SchemeRegistry, measures: MeasuresRegistry,
                 vault: PersonalDataVault, notary: Notary,
                 regrade: Callable[[Sequence[str]], Awaitable[Any]] | None = None) -> None:
        self.gateway = gateway
        self.regrade = regrade  # after a result's record is written (hub.service: the reevaluator)
        self.schemes = schemes
        self.measures = measures
        self.vault = vault
        self.notary = notary

    # --- plans and pools ------------------------------------------------------------------
    async def plans(self, department: str | None = None) -> list[InspectionPlan]:
        """Every plan (or one department's), newest first."""
        return [InspectionPlan.of(row) for row in await store.list_plans(self.gateway, department)]

    async def draws(self, plan_id: str | None = None) -> list[Draw]:
        """Every draw (of one plan), newest first."""
        return [Draw.of(row) for row in await store.list_draws(self.gateway, plan_id)]

    async def targets(self, draw_id: str, *, only_with_results: bool = False) -> list[DrawTarget]:
        """A draw's targets in subject-code order — never in draw order, which is grade order."""
        return [DrawTarget.of(row) for row in
                await store.targets_of(self.gateway, draw_id, only_with_results=only_with_results)]

    async def create_plan(self, request: PlanRequest, viewer: Viewer) -> InspectionPlan:
        """A plan for the caller's own department (a token cannot create one in another's name)."""
        department = request.department or viewer.department
        require_owner(viewer, department, f"an inspection plan of department {department or '(none)'} (create)")
        assert department is not None
        scheme = self.schemes.get(request.scheme)
        if not request.name.strip():
            raise InspectionError("a plan needs a name (e.g. 2026年第四季度双随机抽查)")
        if request.region is not None:
            parse_region(request.region)
        period = PlanPeriod.parse(request.period) if request.period else PlanPeriod.quarter_of(clock.today())
        ratios = check_ratios(scheme.id, scheme.grade_names, request.ratios, self.measures.sampling_floors(scheme.id))
        ungraded = request.ungraded_as or scheme.grade_names[min(1, len(scheme.grade_names) - 1)]
        if ungraded not in scheme.grade_names:
            raise InspectionError(f"ungradedAs {ungraded!r} is not a grade of {scheme.id}")
        if request.inspectors_per_target < 2:
            raise InspectionError("双随机 needs at least two inspectors per target")
        scope = PlanScope(region_prefix(request.region), frozenset(request.kinds), frozenset(request.industries))
        plan = {
            "id": f"plan-{uuid.uuid4().hex[:12]}", "department": department, "name": request.name.strip(),
            "scheme": scheme.id, "region": request.region, "kinds": sorted(request.kinds),
            "industries": sorted(request.industries), "ratios": json.dumps(ratios, ensure_ascii=False),
            # 抽查频次 in force when the plan was made (hub.supervision.frequency)
            "frequencies": frequencies_json(self.measures.frequencies(scheme.id)),
            "inspectors_per_target": request.inspectors_per_target, "ungraded_as": ungraded,
            "period": period.label, "period_starts_on": period.starts_on, "period_ends_on": period.ends_on,
            "created_at": clock.now(), "created_by": viewer.label,
        }

        def clashes(existing: list[dict[str, Any]]) -> list[str]:
            return [f"{other['id']} ({other.get('name')}, {other.get('period')})" for other in existing
                    if PlanScope(region_prefix(other.get("region")), frozenset(other.get("kinds") or ()),
                                 frozenset(other.get("industries") or ())).overlaps(scope)]

        found = await store.create_plan(self.gateway, plan, clashes)
        if found:
            raise Conflict(f"department {department} already has a {scheme.id} plan for a period overlapping "
                           f"{period.label} over overlapping subjects: {', '.join(found)}. One plan period, one "
                           "draw: re-draw that plan (commitDraw with redrawReason) instead of planning again")
        return InspectionPlan.of(plan)

    async def set_inspectors(self, department: str, inspectors: Sequence[InspectorEntry], viewer: Viewer) -> int:
        """Replace the department's own inspector pool; another department's is never touched."""
        require_owner(viewer, department, f"the inspector pool of department {department} (replace)")
        rows, seen = [], set()
        for inspector in inspectors:
            if not inspector.id.strip() or not inspector.name.strip():
                raise InspectionError("every inspector needs an id and a name")
            if inspector.id in seen:
                raise InspectionError(f"inspector id {inspector.id!r} appears twice")
            seen.add(inspector.id)
            conflicts = sorted({parse_code(code) for code in inspector.conflicts})
            rows.append({"id": inspector.id, "name": inspector.name, "conflicts": conflicts})
        await store.replace_inspectors(self.gateway, department, rows)
        return len(rows)

    async def inspectors(self, department: str) -> list[InspectorEntry]:
        return [InspectorEntry(row["id"], row["name"], tuple(row["conflicts"]))
                for row in await store.inspectors_of(self.gateway, department)]

    async def frequencies(self, plans: Sequence[InspectionPlan]) -> list[list[ClassFrequency]]:
        """抽查频次 of each plan, per class: its population now against the times the department's draws
        of the plan's year under its scheme have drawn each subject. INTERNAL (per-class figures). Two
        round trips for any number of plans (a page of plans asks for all of theirs at once)."""
        populations = await store.populations(self.gateway, [self._scope(plan) for plan in plans], clock.today())
        years = [(plan.period_starts_on or clock.date_of(plan.created_at)).year for plan in plans]
        drawn = await store.times_drawn_many(self.gateway, [
            store.DrawnIn(plan.department, plan.scheme, date(year, 1, 1), date(year, 12, 31))
            for plan, year in zip(plans, years, strict=True)])
        found = []
        for plan, rows, times in zip(plans, populations, drawn, strict=True):
            scheme = self.schemes.get(plan.scheme)
            stored = plan.frequencies
            frequencies = ({grade: frequency for grade, (frequency, _) in read_frequencies(stored).items()}
                           if stored is not None else
                           {grade: f.frequency for grade, f in self.measures.frequencies(scheme.id).items()})
            found.append(class_frequencies(scheme.grade_names, frequencies, self._classes(plan, rows), times))
        return found

    async def _population(self, plan: InspectionPlan) -> list[tuple[str, str]]:
        """(code, class) of every subject the plan covers today, as a draw stratifies it."""
        return self._classes(plan, await store.population(self.gateway, self._scope(plan), clock.today()))

    @staticmethod
    def _scope(plan: InspectionPlan) -> store.Scope:
        return store.Scope(scheme=plan.scheme, region=region_prefix(plan.region), kinds=plan.kinds,
                           industries=plan.industries, partners=combination_partners(plan.scheme))

    @staticmethod
    def _classes(plan: InspectionPlan, rows: Sequence[store.PopulationRow]) -> list[tuple[str, str]]:
        """Each subject's class as a draw stratifies it: ungraded subjects in the plan's ``ungraded_as``
        stratum, so that nobody escapes the draw by having no grade; and for food, drugs and special
        equipment the combined class (通用+专业, seed 004 第十六条, hub.grading.combine), so that a domain
        D is drawn as D whatever its general class."""
        population = []
        for code, grade, partners in rows:
            own = grade or plan.ungraded_as
            combination = combined_class(plan.scheme, own, partners)
            population.append((code, combination.grade if combination is not None else own))
        return population

    # --- the draw -------------------------------------------------------------------------
    async def commit(self, plan_id: str, viewer: Viewer, redraw_reason: str | None = None) -> Draw:
        plan = await self._plan(plan_id)
        require_owner(viewer, plan.department, f"inspection plan {plan_id} (commit a draw)")
        earlier = await store.draws_of_plan(self.gateway, plan_id)
        reason = (redraw_reason or "").strip() or None
        if earlier and reason is None:
            last = earlier[-1]
            raise RedrawWithoutReason(
                f"plan {plan_id} was already drawn (draw {last['id']}, attempt {last.get('attempt') or 1}, "
                f"{last['status']}): one plan period, one draw. A re-draw needs redrawReason; it is recorded, "
                "public and counted, and the earlier draw stays public")
        if reason is not None and not earlier:
            raise InspectionError(f"redrawReason is for a re-draw, and plan {plan_id} has not been drawn yet")
        if reason is not None and len(reason) > MAX_REASON:
            raise InspectionError(f"redrawReason is longer than {MAX_REASON} characters")
        previous = earlier[-1] if earlier else None
        seed, now = secrets.token_bytes(32), clock.now()
        draw_id, attempt = f"draw-{uuid.uuid4().hex[:12]}", len(earlier) + 1
        statement = self.notary.sign(
            Step.COMMIT, draw_id, None, plan=plan.id, department=plan.department, scheme=plan.scheme,
            attempt=attempt, replaces=previous["id"] if previous else None, redraw_reason=reason,
            seed_commitment=seed_commitment(seed), at=now.isoformat())
        draw_row = {"id": draw_id, "plan_id": plan.id, "department": plan.department, "scheme": plan.scheme,
                    "ratios": plan.ratios, "status": DrawStatus.COMMITTED.value, "protocol": PROTOCOL,
                    "attempt": attempt, "replaces": previous["id"] if previous else None, "redraw_reason": reason,
                    "seed_commitment": seed_commitment(seed), "seed_sealed": self.vault.seal_text(seed.hex()),
                    "committed_at": now, "statements": [statement]}
        supersession = await self._supersession(previous, draw_id, reason) if previous and reason else None
        await store.create_draw(self.gateway, draw_row, supersession)
        return Draw.of(draw_row)

    async def freeze(self, draw_id: str, viewer: Viewer) -> Draw:
        draw_row = await self._draw(draw_id, DrawStatus.COMMITTED, viewer, "freeze")
        plan = await self._plan(draw_row["plan_id"])
        population = await self._population(plan)
        if not population:
            raise InspectionError(f"plan {plan.id} covers no subject; nothing to draw")
        # The inspector pool is frozen with the population: both are inputs of the draw, and a later
        # change to the department's roster must not change (or unverify) a draw already made.
        pool = await store.inspectors_of(self.gateway, plan.department)
        if len(pool) < plan.inspectors_per_target:
            raise InspectionError(f"department {plan.department} has {len(pool)} inspectors; each target "
                                  f"needs {plan.inspectors_per_target} (setInspectors first)")
        salt = secrets.token_bytes(SALT_BYTES)
        frozen = {"population_salt": salt.hex(), "inspectors_per_target": plan.inspectors_per_target,
                  "inspectors": store.dumps([{**i, "conflicts": sorted(i["conflicts"])} for i in pool])}
        inputs = self._inputs({**draw_row, **frozen}, population)
        now = clock.now()
        digests = {"population_size": len(population),
                   "population_digest": population_digest(inputs.population, salt),
                   "pool_digest": pool_digest(inputs.inspectors), "inputs_digest": inputs_digest(inputs)}
        statement = self.notary.sign(
            Step.FREEZE, draw_id, fingerprint(draw_row["statements"][-1]), **digests,
            ratios=_ratio_texts(draw_row["ratios"]), inspectors_per_target=inputs.inspectors_per_target,
            at=now.isoformat())
        changes = {**frozen, **digests, "status": DrawStatus.FROZEN.value, "frozen_at": now,
                   "statements": [*draw_row["statements"], statement]}
        if not await store.freeze_population(self.gateway, draw_id, population, changes):
            raise Conflict(f"draw {draw_id} changed while it was being frozen; look at it again")
        return Draw.of({**draw_row, **changes})

    async def reveal(self, draw_id: str, viewer: Viewer) -> Draw:
        draw_row = await self._draw(draw_id, DrawStatus.FROZEN, viewer, "reveal")
        targets, changes = await self._drawn(draw_row)
        changes["status"] = DrawStatus.DRAWN.value
        if not await store.store_targets(self.gateway, draw_id, targets, changes):
            raise Conflict(f"draw {draw_id} changed while it was being revealed; look at it again")
        return Draw.of({**draw_row, **changes})

    async def _drawn(self, draw_row: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Reveal the seed and draw: the targets to store and the draw's changes (with the signed reveal)."""
        inputs = await self.inputs(draw_row)
        if inputs_digest(inputs) != draw_row["inputs_digest"]:
            raise Conflict(f"draw {draw_row['id']}: the stored inputs no longer match the digest published at the "
                           "freeze; refusing to draw (run `hub draw verify` to see what changed)")
        seed = bytes.fromhex(self.vault.unseal(draw_row["seed_sealed"]))
        result = draw(inputs, seed)
        now = clock.now()
        statement = self.notary.sign(
            Step.REVEAL, draw_row["id"], fingerprint(draw_row["statements"][-1]), seed=seed.hex(),
            result_digest=result.digest, targets=len(result.targets), at=now.isoformat())
        targets = [{"uscc": t.uscc, "grade": t.grade, "inspectors": list(t.inspectors), "position": n}
                   for n, t in enumerate(result.targets)]
        changes = {"drawn_at": now, "seed": seed.hex(), "result_digest": result.digest,
                   "targets_total": len(result.targets),
                   "strata": json.dumps([{"grade": s.grade, "population": s.population,
                                          "minimum_percent": percent_text(s.minimum_percent), "drawn": s.drawn}
                                         for s in result.strata], ensure_ascii=False),
                   "result_text": result_text(inputs, seed, result),
                   "statements": [*draw_row["statements"], statement]}
        return targets, changes

    async def _supersession(self, previous: Mapping[str, Any], new_id: str, reason: str) -> store.Supersession:
        """The earlier draw, superseded: it stays public, and a seed nobody has seen yet is revealed (a
        frozen draw is drawn), so a re-draw can never hide a draw that was looked at in private."""
        status = previous["status"]
        if status == DrawStatus.SUPERSEDED:
            raise Conflict(f"draw {previous['id']} is already superseded by {previous.get('superseded_by')}")
        now = clock.now()
        changes: dict[str, Any] = {"status": DrawStatus.SUPERSEDED.value, "superseded_by": new_id,
                                   "superseded_at": now}
        targets: list[dict[str, Any]] = []
        revealed_seed = None
        if previous.get("protocol") != PROTOCOL:
            pass  # a v1 draw is marked superseded as it is; it was never signed
        elif status == DrawStatus.FROZEN:
            targets, drawn = await self._drawn(previous)
            changes |= drawn
        elif status == DrawStatus.COMMITTED:
            revealed_seed = self.vault.unseal(previous["seed_sealed"])
            changes["seed"] = revealed_seed
        statements = list(changes.get("statements") or previous.get("statements") or [])
        statement = self.notary.sign(
            Step.SUPERSEDE, previous["id"], fingerprint(statements[-1]) if statements else None,
            superseded_by=new_id, reason=reason, seed=revealed_seed, at=now.isoformat())
        changes["statements"] = [*statements, statement]
        return store.Supersession(previous["id"], status, changes, targets)

    async def inputs(self, draw_row: Mapping[str, Any]) -> DrawInputs:
        """The draw's inputs exactly as frozen: ratios copied at commit, population and pool at freeze."""
        population = await store.frozen_population(self.gateway, draw_row["id"])
        return self._inputs(draw_row, [(row[0], row[-1]) for row in population])

    @staticmethod
    def _inputs(draw_row: Mapping[str, Any], population: Sequence[tuple[str, str]]) -> DrawInputs:
        ratios = json.loads(draw_row["ratios"])
        return DrawInputs(
            plan_id=draw_row["plan_id"], department=draw_row["department"], scheme=draw_row["scheme"],
            ratios=tuple(Ratio(grade, Decimal(p)) for grade, p in sorted(ratios.items())),
            population=tuple(population),
            inspectors=tuple(Inspector(i["id"], i["name"], frozenset(i["conflicts"]))
                             for i in json.loads(draw_row["inspectors"])),
            population_salt=bytes.fromhex(draw_row["population_salt"]),
            inspectors_per_target=draw_row["inspectors_per_target"])

    # --- 一公开 ---------------------------------------------------------------------------------
    async def record_result(self, draw_id: str, uscc: str, result: str, notes: str,
                            viewer: Viewer) -> DrawTarget:
        """A target's result, signed and public once recorded (and final: 一公开 publishes what was
        found); when every target has one, the draw is PUBLISHED."""
        draw_row = await self._draw(draw_id, DrawStatus.DRAWN, viewer, "record an inspection result")
        if result not in INSPECTION_RESULTS:
            raise InspectionError(f"result must be one of {', '.join(INSPECTION_RESULTS)}")
        if len(notes) > MAX_NOTES:
            raise InspectionError(f"notes are longer than {MAX_NOTES} characters")
        code = parse_code(uscc)
        now = clock.now()
        reveal = fingerprint(draw_row["statements"][-1])
        inspected_on = clock.date_of(now)
        # The public statement carries the date, not the time, and no sequence number: the order in
        # which results come in could follow the grades (a department inspecting D first).
        statement = self.notary.sign(Step.RESULT, draw_id, reveal, uscc=code, result=result, notes=notes,
                                     inspected_on=inspected_on.isoformat())

        def count_statement(count: int) -> str:
            return self.notary.sign(Step.RESULTS, draw_id, reveal, count=count, at=now.isoformat())

        fields = {"result": result, "notes": notes, "result_at": now, "inspected_on": inspected_on,
                  "result_statement": statement}
        record = result_record(draw_id=draw_id, plan_id=draw_row["plan_id"], department=draw_row["department"],
                               uscc=code, result=result, inspected_on=inspected_on, platform_id=self.notary.platform)
        outcome = await store.record_result(self.gateway, draw_id, code, fields, count_statement, now, record)
        if outcome.state is ResultState.NOT_A_TARGET:
            raise InspectionError(f"subject {code} is not a target of draw {draw_id}")
        if outcome.state is ResultState.ALREADY_RECORDED:
            raise Conflict(f"the result of {code} in draw {draw_id} is already recorded and published; "
                           "results are final")
        if outcome.state is not ResultState.RECORDED or outcome.target is None:
            raise Conflict(f"draw {draw_id} is no longer DRAWN; no result can be recorded")
        if self.regrade is not None and rule_of(RESULT_KIND).counted and result in COUNTED_RESULTS:
            await self.regrade([code])  # a result the grading catalogues count (hub.supervision.result_record)
        return outcome.target

    # --- verification -----------------------------------------------------------------------
    async def verify(self, draw_id: str, public_key: Ed25519PublicKey | None = None) -> DrawReport:
        """Every check of docs/draw-protocol.md §5 on the stored draw, against the platform's key (or
        ``public_key``, one obtained out of band)."""
        return verify_evidence(await self.evidence(draw_id), public_key or self.notary.public_key)

    async def export(self, draw_id: str) -> dict[str, Any]:
        """The draw as one document a verifier needs (hub.supervision.draw_file): INTERNAL, it holds the
        population with its risk classes."""
        return draw_file.to_document(await self.evidence(draw_id), self.notary.platform,
                                     self.notary.public_key_text)

    async def evidence(self, draw_id: str) -> DrawEvidence:
        row = await store.get_draw(self.gateway, draw_id)
        if row is None:
            raise NotFound(f"no draw {draw_id!r}")
        frozen = row.get("frozen_at") is not None
        population = tuple(await store.frozen_population(self.gateway, draw_id)) if frozen else None
        targets = await store.targets_of(self.gateway, draw_id, limit=None)
        strata = json.loads(row["strata"]) if row.get("strata") else None
        return DrawEvidence(
            draw_id=row["id"], status=row["status"], plan_id=row["plan_id"], department=row["department"],
            scheme=row["scheme"], attempt=row.get("attempt"), replaces=row.get("replaces"),
            redraw_reason=row.get("redraw_reason"), superseded_by=row.get("superseded_by"),
            ratios=json.loads(row["ratios"]), inspectors_per_target=row.get("inspectors_per_target"),
            population=population, population_salt=row.get("population_salt"),
            inspectors=tuple(json.loads(row["inspectors"])) if row.get("inspectors") else None,
            seed=row.get("seed"),
            published={name: row.get(name) for name in ("seed_commitment", "population_size", "population_digest",
                                                        "pool_digest", "inputs_digest", "result_digest",
                                                        "targets_total")},
            strata=tuple(strata) if strata is not None else None, result_text=row.get("result_text"),
            targets=tuple(StoredTarget(t["uscc"], t["grade"], tuple(t["inspectors"]), t.get("position"))
                          for t in targets),
            results=tuple(StoredResult(t["uscc"], t["result"], t.get("notes") or "",
                                       _iso(t.get("inspected_on")), t.get("result_statement"))
                          for t in targets if t.get("result") is not None),
            statements=tuple(row.get("statements") or ()), results_statement=row.get("results_statement"))

    async def _plan(self, plan_id: str) -> InspectionPlan:
        plan = await store.get_plan(self.gateway, plan_id)
        if plan is None:
            raise NotFound(f"no inspection plan {plan_id!r}")
        return InspectionPlan.of(plan)

    async def _draw(self, draw_id: str, expect: DrawStatus, viewer: Viewer, step: str) -> dict[str, Any]:
        """The draw, if the viewer's department owns it (asked first: a stranger learns nothing of its
        state from the answer) and it is in the state the step needs."""
        row = await store.get_draw(self.gateway, draw_id)
        if row is None:
            raise NotFound(f"no draw {draw_id!r}")
        require_owner(viewer, row["department"], f"draw {draw_id} ({step})")
        if row["status"] != expect:
            raise Conflict(f"draw {draw_id} is {row['status']}; this step needs it {expect}")
        if row.get("protocol") != PROTOCOL:
            raise Conflict(f"draw {draw_id} was made under protocol {row.get('protocol') or 'v1'}; this hub draws "
                           f"under {PROTOCOL} only — re-draw its plan (commitDraw with redrawReason)")
        return row


def _ratio_texts(ratios_json: str) -> dict[str, str]:
    return {grade: percent_text(Decimal(str(p))) for grade, p in json.loads(ratios_json).items()}


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


__all__ = ["DrawStatus", "InspectionError", "Inspections", "InspectorEntry", "PlanError", "PlanRequest"]
