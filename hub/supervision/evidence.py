"""Verifying a draw from everything stored about it: check the signatures, recompute, compare.

One routine serves both doors (docs/draw-protocol.md §5): ``hub draw verify DRAW_ID`` assembles the
evidence from the database, ``hub draw verify --file F --public-key K`` from an exported file. The
signed statements (:mod:`hub.supervision.statements`) are the anchor — the only thing someone who
can write the database or edit the file cannot forge — so every stored artefact is compared with
them, and the draw is recomputed from the frozen inputs and the revealed seed and compared with the
targets, assignments, strata and result document that are stored. Each difference is a
:class:`Finding` naming the artefact; a draw verifies when there is none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.supervision import draw as protocol  # the draw's own computations, re-done to check it
from hub.supervision.draw import DrawError, DrawInputs, DrawResult, Inspector, Ratio
from hub.supervision.statements import Statement, StatementInvalid, Step, fingerprint, open_statement


class Artefact(StrEnum):
    """What a finding is about: each stored part of a draw."""

    STATEMENTS = "signed statements"
    PLAN = "plan"
    STATUS = "status"
    SEED = "seed"
    RATIOS = "ratios"
    POPULATION = "population"
    POOL = "inspector pool"
    RECOMPUTATION = "recomputation"
    TARGETS = "targets"
    ASSIGNMENTS = "assignments"
    STRATA = "strata"
    RESULT_DOCUMENT = "result document"
    RESULTS = "results"
    PUBLISHED = "published digests"


@dataclass(frozen=True)
class Finding:
    artefact: Artefact
    detail: str

    def __str__(self) -> str:
        return f"{self.artefact}: {self.detail}"


@dataclass(frozen=True)
class StoredTarget:
    uscc: str
    grade: str
    inspectors: tuple[str, ...]
    position: int | None = None


@dataclass(frozen=True)
class StoredResult:
    uscc: str
    result: str
    notes: str
    inspected_on: str  # ISO date (China)
    statement: str | None


@dataclass(frozen=True)
class DrawEvidence:
    """Everything stored (or exported) about one draw, as found; nothing here is trusted."""

    draw_id: str
    status: str
    plan_id: str
    department: str
    scheme: str
    attempt: int | None
    replaces: str | None
    redraw_reason: str | None
    superseded_by: str | None
    ratios: Mapping[str, str]
    inspectors_per_target: int | None
    population: tuple[tuple[str, ...], ...] | None
    population_salt: str | None
    inspectors: tuple[Mapping[str, Any], ...] | None
    seed: str | None
    published: Mapping[str, Any]  # the digests and totals the hub serves beside the draw
    strata: tuple[Mapping[str, Any], ...] | None
    result_text: str | None
    targets: tuple[StoredTarget, ...]
    results: tuple[StoredResult, ...]
    statements: tuple[str, ...]
    results_statement: str | None


@dataclass(frozen=True)
class DrawReport:
    draw_id: str
    status: str
    findings: tuple[Finding, ...]
    checked: tuple[str, ...]
    recomputed_digest: str | None

    @property
    def ok(self) -> bool:
        return not self.findings

    def describe(self) -> str:
        if self.ok:
            return f"draw {self.draw_id} ({self.status}) verified: " + "; ".join(self.checked)
        return (f"draw {self.draw_id} ({self.status}) FAILED verification:\n"
                + "\n".join(f"  - {finding}" for finding in self.findings))

    def verdict_zh(self) -> str:
        """The verdict in Chinese, for the clerk (issue 13 §4); ``describe`` gives each check and finding."""
        status = _STATUS_ZH.get(self.status, self.status)
        if self.ok:
            return f"双随机抽取 {self.draw_id}（{status}）核验通过：{len(self.checked)} 项核对一致"
        return f"双随机抽取 {self.draw_id}（{status}）核验未通过：{len(self.findings)} 处不一致，明细如下"


_STATUS_ZH = {"COMMITTED": "已提交种子承诺", "FROZEN": "抽取名单已冻结", "DRAWN": "已抽取", "PUBLISHED": "结果已公布",
              "SUPERSEDED": "已被替代"}


# The statements each status needs, in chain order (a SUPERSEDED draw ends with a supersede).
_CHAIN = (Step.COMMIT, Step.FREEZE, Step.REVEAL)
_NEEDS = {"COMMITTED": 1, "FROZEN": 2, "DRAWN": 3, "PUBLISHED": 3}


def verify_evidence(evidence: DrawEvidence, key: Ed25519PublicKey) -> DrawReport:
    check = _Check(evidence, key)
    check.run()
    return DrawReport(evidence.draw_id, evidence.status, tuple(check.findings), tuple(check.checked),
                      check.recomputed_digest)


def _few(codes: Iterable[str]) -> str:
    ordered = sorted(codes)
    shown = ", ".join(ordered[:3])
    return shown + (f" … ({len(ordered)} in all)" if len(ordered) > 3 else "")


def _percents(ratios: Mapping[str, Any]) -> dict[str, str]:
    """Ratios as canonical percent text, for comparing stored with signed."""
    out = {}
    for grade, value in ratios.items():
        try:
            out[str(grade)] = protocol.percent_text(Decimal(str(value)))
        except InvalidOperation:
            out[str(grade)] = str(value)
    return out


@dataclass
class _Check:
    evidence: DrawEvidence
    key: Ed25519PublicKey
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    signed: dict[Step, Statement] = field(default_factory=dict)
    recomputed_digest: str | None = None

    def fail(self, artefact: Artefact, detail: str) -> None:
        self.findings.append(Finding(artefact, detail))

    def run(self) -> None:
        if not self._statements():
            return
        self._plan()
        self._status()
        seed = self._seed()
        inputs = self._frozen_inputs()
        result = self._recompute(inputs, seed) if inputs is not None and seed is not None else None
        if result is not None and inputs is not None and seed is not None:
            self._outcome(inputs, seed, result)
        self._results()

    # --- the anchor -----------------------------------------------------------------------
    def _statements(self) -> bool:
        e = self.evidence
        if not e.statements:
            self.fail(Artefact.STATEMENTS, "none: nothing anchors this draw (a draw made before protocol v2 "
                      "carries no signed statements, and this release cannot verify it)")
            return False
        steps: list[Step] = []
        for n, token in enumerate(e.statements, start=1):
            try:
                statement = open_statement(token, self.key)
            except StatementInvalid as exc:
                self.fail(Artefact.STATEMENTS, f"statement {n}: {exc}")
                continue
            expected_previous = fingerprint(e.statements[n - 2]) if n > 1 else None
            if statement.draw != e.draw_id:
                self.fail(Artefact.STATEMENTS, f"statement {n} is about draw {statement.draw}, not {e.draw_id}")
            elif statement.previous != expected_previous:
                self.fail(Artefact.STATEMENTS, f"statement {n} ({statement.step}) does not follow statement "
                          f"{n - 1}: the chain was cut, reordered or spliced")
            elif statement.step in self.signed or statement.step in (Step.RESULT, Step.RESULTS):
                self.fail(Artefact.STATEMENTS, f"statement {n} ({statement.step}) is out of place")
            else:
                self.signed[statement.step] = statement
                steps.append(statement.step)
        chain = [step for step in steps if step is not Step.SUPERSEDE]
        if chain != list(_CHAIN[:len(chain)]) or (Step.SUPERSEDE in steps and steps[-1] is not Step.SUPERSEDE):
            self.fail(Artefact.STATEMENTS, f"the steps are out of order: {', '.join(steps)}")
        if Step.COMMIT not in self.signed:
            self.fail(Artefact.STATEMENTS, "no valid commit statement: nothing else can be checked")
            return False
        self.checked.append(f"{len(steps)} signed statement(s) verify with the platform key")
        return True

    def _plan(self) -> None:
        e, commit = self.evidence, self.signed[Step.COMMIT]
        for name, stored in (("plan", e.plan_id), ("department", e.department), ("scheme", e.scheme),
                             ("attempt", e.attempt), ("replaces", e.replaces),
                             ("redraw_reason", e.redraw_reason)):
            if stored != commit.get(name):
                self.fail(Artefact.PLAN, f"{name} is stored as {stored!r}, signed at the commit as "
                          f"{commit.get(name)!r}")
        if e.published.get("seed_commitment") != commit.get("seed_commitment"):
            self.fail(Artefact.PUBLISHED, f"seed commitment is served as {e.published.get('seed_commitment')}, "
                      f"signed as {commit.get('seed_commitment')}")

    def _status(self) -> None:
        e, signed = self.evidence, self.signed
        chain = sum(step in signed for step in _CHAIN)
        supersede = signed.get(Step.SUPERSEDE)
        if e.status == "SUPERSEDED":
            if supersede is None:
                self.fail(Artefact.STATUS, "the draw is marked SUPERSEDED but no signed statement supersedes it")
            elif supersede.get("superseded_by") != e.superseded_by:
                self.fail(Artefact.STATUS, f"superseded by {e.superseded_by!r} as stored, "
                          f"{supersede.get('superseded_by')!r} as signed")
        elif supersede is not None:
            self.fail(Artefact.STATUS, f"the draw is {e.status} but was signed as superseded by "
                      f"{supersede.get('superseded_by')} ({supersede.get('reason')})")
        elif _NEEDS.get(e.status) != chain:
            self.fail(Artefact.STATUS, f"the draw is {e.status} but the signed statements end at "
                      f"{_CHAIN[chain - 1]}")

    # --- the seed and the frozen inputs -----------------------------------------------------
    def _seed(self) -> bytes | None:
        e, commit = self.evidence, self.signed[Step.COMMIT]
        revealing = self.signed.get(Step.REVEAL) or self.signed.get(Step.SUPERSEDE)
        signed_seed = revealing.get("seed") if revealing is not None else None
        if signed_seed is None:
            if e.seed is not None:
                self.fail(Artefact.SEED, "a seed is stored as revealed, but no signed statement reveals one")
            return None
        if e.seed != signed_seed:
            self.fail(Artefact.SEED, f"the stored seed {e.seed} is not the one revealed and signed ({signed_seed})")
        try:
            seed = bytes.fromhex(str(e.seed))
            recommitted = protocol.seed_commitment(seed)
        except (ValueError, DrawError) as exc:
            self.fail(Artefact.SEED, f"the stored seed is unusable: {exc}")
            return None
        if recommitted != commit.get("seed_commitment"):
            self.fail(Artefact.SEED, f"SHA-256 of the seed is {recommitted}, but the commitment signed before the "
                      f"freeze is {commit.get('seed_commitment')}")
        else:
            self.checked.append("the revealed seed matches the commitment signed before the freeze")
        return seed

    def _frozen_inputs(self) -> DrawInputs | None:
        e, freeze = self.evidence, self.signed.get(Step.FREEZE)
        if freeze is None:
            return None
        before = len(self.findings)
        signed_ratios = freeze.get("ratios") or {}
        stored_ratios = _percents(e.ratios)
        if stored_ratios != signed_ratios:
            changed = sorted(set(stored_ratios) | set(signed_ratios))
            self.fail(Artefact.RATIOS, "; ".join(
                f"grade {grade}: stored {stored_ratios.get(grade, 'none')} %, "
                f"signed {signed_ratios.get(grade, 'none')} %"
                for grade in changed if stored_ratios.get(grade) != signed_ratios.get(grade)))
        if e.inspectors_per_target != freeze.get("inspectors_per_target"):
            self.fail(Artefact.PLAN, f"inspectors per target is stored as {e.inspectors_per_target}, signed as "
                      f"{freeze.get('inspectors_per_target')}")
        population = self._population(freeze)
        pool = self._pool(freeze)
        for name in ("population_digest", "pool_digest", "inputs_digest", "population_size"):
            if e.published.get(name) != freeze.get(name):
                self.fail(Artefact.PUBLISHED, f"{name.replace('_', ' ')} is served as {e.published.get(name)}, "
                          f"signed at the freeze as {freeze.get(name)}")
        if population is None or pool is None or len(self.findings) > before:
            return None
        try:
            inputs = DrawInputs(
                plan_id=e.plan_id, department=e.department, scheme=e.scheme,
                ratios=tuple(Ratio(grade, Decimal(p)) for grade, p in sorted(stored_ratios.items())),
                population=population, inspectors=pool, population_salt=bytes.fromhex(str(e.population_salt)),
                inspectors_per_target=int(e.inspectors_per_target or 0))
        except (DrawError, ValueError, InvalidOperation) as exc:
            self.fail(Artefact.RECOMPUTATION, f"the frozen inputs cannot be drawn: {exc}")
            return None
        if protocol.inputs_digest(inputs) != freeze.get("inputs_digest"):
            self.fail(Artefact.PUBLISHED, f"the inputs digest signed at the freeze ({freeze.get('inputs_digest')}) "
                      f"is not that of the frozen inputs ({protocol.inputs_digest(inputs)})")
            return None
        self.checked.append(f"population ({len(population):,} subjects), inspector pool ({len(pool)}) and ratios "
                            "match the digests signed at the freeze")
        return inputs

    def _population(self, freeze: Statement) -> tuple[tuple[str, str], ...] | None:
        e = self.evidence
        if e.population is None or e.population_salt is None:
            self.fail(Artefact.POPULATION, "the frozen population (or its salt) is not stored")
            return None
        rows = tuple((row[0], row[1]) if len(row) == 2 else (str(row), "") for row in e.population)
        try:
            digest = protocol.population_digest(rows, bytes.fromhex(e.population_salt))
        except (ValueError, DrawError) as exc:
            self.fail(Artefact.POPULATION, f"the population's salt is unusable: {exc}")
            return None
        if digest != freeze.get("population_digest") or len(rows) != freeze.get("population_size"):
            self.fail(Artefact.POPULATION, f"the stored population ({len(rows):,} subjects) hashes to {digest}, but "
                      f"the digest signed at the freeze is {freeze.get('population_digest')} "
                      f"({freeze.get('population_size')} subjects): a subject was added, removed or regraded")
            return None
        return rows

    def _pool(self, freeze: Statement) -> tuple[Inspector, ...] | None:
        e = self.evidence
        if e.inspectors is None:
            self.fail(Artefact.POOL, "the frozen inspector pool is not stored")
            return None
        try:
            pool = tuple(Inspector(str(i["id"]), str(i["name"]), frozenset(str(c) for c in i["conflicts"]))
                         for i in e.inspectors)
            digest = protocol.pool_digest(pool)
        except (DrawError, KeyError, TypeError) as exc:
            self.fail(Artefact.POOL, f"the frozen pool is malformed: {exc}")
            return None
        if digest != freeze.get("pool_digest"):
            self.fail(Artefact.POOL, f"the frozen pool ({len(pool)} inspectors) hashes to {digest}, but the digest "
                      f"signed at the freeze is {freeze.get('pool_digest')}: an inspector, a name or a conflict "
                      "(回避) was changed")
            return None
        return pool

    # --- the draw itself ------------------------------------------------------------------
    def _recompute(self, inputs: DrawInputs, seed: bytes) -> DrawResult | None:
        reveal = self.signed.get(Step.REVEAL)
        if reveal is None:
            return None
        try:
            result = protocol.draw(inputs, seed)
        except DrawError as exc:
            self.fail(Artefact.RECOMPUTATION, f"the draw cannot be recomputed: {exc}")
            return None
        self.recomputed_digest = result.digest
        if result.digest != reveal.get("result_digest"):
            self.fail(Artefact.RECOMPUTATION, f"the recomputed result digest {result.digest} is not the one signed at "
                      f"the reveal ({reveal.get('result_digest')})")
        e = self.evidence
        for name, signed in (("result_digest", reveal.get("result_digest")), ("targets_total", reveal.get("targets"))):
            if e.published.get(name) != signed:
                self.fail(Artefact.PUBLISHED, f"{name.replace('_', ' ')} is served as {e.published.get(name)}, "
                          f"signed at the reveal as {signed}")
        return result

    def _outcome(self, inputs: DrawInputs, seed: bytes, result: DrawResult) -> None:
        e = self.evidence
        drawn = {target.uscc: (position, target) for position, target in enumerate(result.targets)}
        stored = {target.uscc: target for target in e.targets}
        extra, missing = set(stored) - set(drawn), set(drawn) - set(stored)
        if extra:
            self.fail(Artefact.TARGETS, f"stored as targets but not drawn: {_few(extra)}")
        if missing:
            self.fail(Artefact.TARGETS, f"drawn but not stored as targets: {_few(missing)}")
        wrong_grade, wrong_position = [], []
        for code in sorted(set(stored) & set(drawn)):
            position, target = drawn[code]
            mine = stored[code]
            if mine.grade != target.grade:
                wrong_grade.append(f"{code} stored in grade {mine.grade}, drawn in {target.grade}")
            if mine.position is not None and mine.position != position:
                wrong_position.append(code)
            if mine.inspectors != target.inspectors:
                self.fail(Artefact.ASSIGNMENTS, f"inspectors of {code} are stored as {', '.join(mine.inspectors)}; "
                          f"the draw assigns {', '.join(target.inspectors)}")
        if wrong_grade:
            self.fail(Artefact.TARGETS, "; ".join(wrong_grade[:3]))
        if wrong_position:
            self.fail(Artefact.TARGETS, f"draw positions differ for {_few(wrong_position)}")
        strata = [{"grade": s.grade, "population": s.population,
                   "minimum_percent": protocol.percent_text(s.minimum_percent), "drawn": s.drawn}
                  for s in result.strata]
        stored_strata = [{**s, "minimum_percent": protocol.percent_text(Decimal(str(s.get("minimum_percent"))))}
                         for s in (e.strata or ())]
        if stored_strata != strata:
            self.fail(Artefact.STRATA, "the stored per-grade figures are not those of the recomputed draw")
        if e.result_text != protocol.result_text(inputs, seed, result):
            self.fail(Artefact.RESULT_DOCUMENT, "the stored result document is not the recomputed one")
        if not any(f.artefact in (Artefact.TARGETS, Artefact.ASSIGNMENTS) for f in self.findings):
            self.checked.append(f"{len(result.targets):,} targets and their inspectors recomputed and equal to "
                                f"those stored; result digest {result.digest}")

    # --- 一公开 -------------------------------------------------------------------------------
    def _opened(self, token: str | None, artefact: Artefact, missing: str, what: str) -> Statement | None:
        """``token`` opened with the platform key; None, with a finding, when it is absent (``missing``
        says so) or does not verify (``what`` names it)."""
        if token is None:
            self.fail(artefact, missing)
            return None
        try:
            return open_statement(token, self.key)
        except StatementInvalid as exc:
            self.fail(artefact, f"{what}: {exc}")
            return None

    def _results(self) -> None:
        e = self.evidence
        if not e.results and e.results_statement is None:
            return
        reveal = self.signed.get(Step.REVEAL)
        if reveal is None:
            self.fail(Artefact.RESULTS, "results are stored but no signed statement revealed the draw")
            return
        anchor = fingerprint(reveal.token)
        targets = {target.uscc for target in e.targets}
        for stored in e.results:
            if stored.uscc not in targets:
                self.fail(Artefact.RESULTS, f"a result is stored for {stored.uscc}, which is not a target")
            statement = self._opened(stored.statement, Artefact.RESULTS,
                                     f"the result of {stored.uscc} carries no signed statement",
                                     f"the statement of {stored.uscc}'s result")
            if statement is None:
                continue
            signed = (statement.step, statement.draw, statement.previous, statement.get("uscc"),
                      statement.get("result"), statement.get("notes"), statement.get("inspected_on"))
            if signed != (Step.RESULT, e.draw_id, anchor, stored.uscc, stored.result, stored.notes,
                          stored.inspected_on):
                self.fail(Artefact.RESULTS, f"the result of {stored.uscc} is stored as {stored.result!r} "
                          f"({stored.notes!r}, {stored.inspected_on}); signed as {statement.get('result')!r} "
                          f"({statement.get('notes')!r}, {statement.get('inspected_on')}) for "
                          f"{statement.get('uscc')} of draw {statement.draw}")
        self._results_count(anchor, reveal)

    def _results_count(self, anchor: str, reveal: Statement) -> None:
        e = self.evidence
        count = self._opened(e.results_statement, Artefact.RESULTS,
                             f"{len(e.results)} results are stored but no signed count", "the signed count of results")
        if count is None:
            return
        if (count.step, count.draw, count.previous) != (Step.RESULTS, e.draw_id, anchor):
            self.fail(Artefact.RESULTS, "the signed count of results belongs to another draw or step")
            return
        if count.get("count") != len(e.results):
            self.fail(Artefact.RESULTS, f"{len(e.results)} results are stored, but the hub signed "
                      f"{count.get('count')}: a result was added or removed outside the hub")
        total = reveal.get("targets")
        complete = count.get("count") == total
        if (e.status == "PUBLISHED") != complete and e.status in ("DRAWN", "PUBLISHED"):
            self.fail(Artefact.STATUS, f"the draw is {e.status} with {count.get('count')} of {total} results signed")
        if not any(f.artefact is Artefact.RESULTS for f in self.findings):
            self.checked.append(f"{len(e.results):,} results match their signed statements")
