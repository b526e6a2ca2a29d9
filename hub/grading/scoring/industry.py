"""行业信用评价 — industry models: industry indicators overlaid on the public credit score.

Seed 002 §三.(一).3: departments "以公共信用综合评价指标体系为基础 … 叠加行业监管类指标" and "将公共信用综合
评价结果作为重要指标纳入行业信用评价指标体系，公共信用综合评价指标权重和分值不得低于平均值"; seed 001
§二.(二).2 likewise ("结合公共信用综合评价结果，叠加行业监管类指标，完善指标权重"). A model file declares the
public score's weight and the industry indicators with theirs; every indicator's value is normalised
to 0..1 and

    score = scale × (w_public × public/public_scale + Σ wᵢ × valueᵢ)

written as full marks minus what each indicator lost, so the explanation reads as deductions:
contribution ``full`` = scale, contribution ᵢ = −scale × wᵢ × (1 − valueᵢ).

Refused at load: weights that do not sum to 1 (within 1e-9), an unknown indicator kind, and — the
seed's rule — a public weight below the average weight of all indicators (the public score counted
as one of them). Since the weights sum to 1 that average is 1/(n+1) for n industry indicators.

Indicator kinds (each over the records its ``select`` picks inside its ``window``):

``record_count``
    ``points`` per record (a number or a map by severity with ``default``), summed to x;
    value = 1 − min(x, full_at)/full_at (``sense: deduction``, the default) or min(x, full_at)/full_at
    (``sense: bonus``, e.g. honours). Cites the records.
``inspection_pass_rate``
    Inspections (default kind INSPECTION_RESULT); those matching ``failed`` (text or severity
    filters, e.g. "不合格") failed; value = passed / inspected, ``no_data`` when none (default 1).
    Cites the failed ones.
``commitment_kept_rate``
    Commitments (default kind COMMITMENT) whose ``kept`` is known; value = kept / known, ``no_data``
    when none (default 1). Cites the broken ones.

The public score is ``SubjectFacts.public_credit_score`` (the one the province pushed down, seed
000 §三); when it is missing the model computes it with the public credit model of the scheme named
in ``public_credit.fallback`` (bound by the registry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hub.explanation import Grounds
from hub.grading.scoring._catalogue import (
    FactsView,
    Problem,
    RecordSelector,
    ScoringError,
    Section,
    format_weight,
    read_window,
)
from hub.grading.types import Contribution, Score, SubjectFacts
from hub.models import CreditRecord, RecordKind, Severity

KINDS = ("record_count", "inspection_pass_rate", "commitment_kept_rate")
WEIGHT_TOLERANCE = 1e-9
_INSPECTIONS = (RecordKind.INSPECTION_RESULT,)
_COMMITMENTS = (RecordKind.COMMITMENT,)


class PublicScorer(Protocol):
    def score_view(self, view: FactsView) -> Score: ...


@dataclass(frozen=True, slots=True)
class IndustryIndicator:
    """One industry indicator, compiled at load; ``measure`` runs once per subject."""

    id: str
    label: str
    kind: str
    weight: float
    selector: RecordSelector
    window: int | None
    failed: RecordSelector | None = None
    points: float | None = 1.0
    by_severity: dict[Severity | None, float] = field(default_factory=dict)
    full_at: float = 1.0
    bonus: bool = False
    no_data: float = 1.0
    notes: dict[tuple[float, float], str] = field(default_factory=dict)  # a cache: notes repeat

    def measure(self, view: FactsView) -> tuple[float, list[CreditRecord], list[CreditRecord], float, float]:
        """(value in 0..1, records to cite, records it rests on, amount, of) — the last two feed the note.

        ``record_count``: amount = points of the matched records, of = ``full_at``; the rates:
        amount = passed or kept, of = inspected or known (0: no data, value ``no_data``). A rate
        cites what failed or was broken and rests on every record it counted.
        """
        hits = view.select(self.selector, self.window)
        if self.kind == "record_count":
            if self.points is not None:
                x = self.points * len(hits)
            else:
                x = sum(self.by_severity.get(r.severity, 0.0) for r in hits)
            share = min(x, self.full_at) / self.full_at
            return (share if self.bonus else 1.0 - share), hits, hits, x, self.full_at
        if self.kind == "inspection_pass_rate":
            failed = self.failed
            bad = [r for r in hits if failed is not None and failed.matches(r)]
            return (1.0 - len(bad) / len(hits) if hits else self.no_data), bad, hits, len(hits) - len(bad), len(hits)
        known = [r for r in hits if r.kept is not None]
        broken = [r for r in known if not r.kept]
        return ((1.0 - len(broken) / len(known) if known else self.no_data), broken, known,
                len(known) - len(broken), len(known))

    def note(self, value: float, good: float, of: float) -> str:
        """The explanation's note; cached, since few (amount, of) pairs occur across a batch."""
        note = self.notes.get((good, of))
        if note is None:
            if self.kind == "record_count":
                detail = f"{good:g} point(s) of records, full effect at {of:g}"
            elif not of:
                detail = "no data in the window"
            else:
                what = "inspection(s) passed" if self.kind == "inspection_pass_rate" else "commitment(s) kept"
                detail = f"{good:g} of {of:g} {what}"
            note = f"{detail}; value {value:.2f} × weight {self.weight:g}"
            if len(self.notes) < 256:
                self.notes[good, of] = note
        return note


@dataclass(eq=False)  # compared by identity; mutable only to bind the fallback
class IndustryModel:
    """Public score plus weighted industry indicators on ``scale`` points (see the module docstring)."""

    id: str
    name: str
    source: str
    path: Path
    scheme_ids: tuple[str, ...]
    scale: float
    public_weight: float
    public_scale: float
    fallback_scheme: str | None
    indicators: tuple[IndustryIndicator, ...]
    fallback: PublicScorer | None = None  # bound by the registry

    def public_score(self, view: FactsView) -> tuple[float, str]:
        facts = view.facts
        given = facts.public_credit_score
        if given is not None:
            if not 0 <= given <= self.public_scale:
                raise ScoringError(f"{self.id}: public credit score {given!r} of {facts.subject.uscc} is outside "
                                   f"[0, {self.public_scale:g}]")
            return float(given), "given"
        if self.fallback is None:
            raise ScoringError(f"{self.id}: {facts.subject.uscc} has no public credit score and no public credit "
                               "model is bound to compute one")
        value = self.fallback.score_view(view).value
        if value is None:
            raise ScoringError(f"{self.id}: the fallback model {self.fallback_scheme} gave no score")
        return value, f"computed by {self.fallback_scheme}"

    def score(self, facts: SubjectFacts) -> Score:
        scale = self.scale
        view = FactsView(facts)
        public, origin = self.public_score(view)
        contributions = [Contribution("full", "满分", scale, grounds=Grounds.REGISTRATION)]
        value = scale
        lost = -scale * self.public_weight * (1.0 - public / self.public_scale)
        if lost:
            contributions.append(Contribution(
                "public_credit", "公共信用综合评价", lost, (),
                f"public credit score {public:g} of {self.public_scale:g} ({origin}) × weight "
                f"{self.public_weight:g} (seed 002 §三.(一).3)"))
            value += lost
        for indicator in self.indicators:
            measured, cited, counted, good, of = indicator.measure(view)
            lost = -scale * indicator.weight * (1.0 - measured)
            if lost:
                # A line that moved for want of records (no data, no honours) rests on their
                # absence, which only government can judge (Grounds.WHOLE).
                grounds = Grounds.RECORDS if counted else Grounds.WHOLE
                contributions.append(Contribution(indicator.id, indicator.label, lost, tuple([r.id for r in cited]),
                                                  indicator.note(measured, good, of), grounds,
                                                  tuple([r.id for r in counted])))
                value += lost
        return Score(value, tuple(contributions), frozenset())


def _indicator(s: Section, lookback: int) -> IndustryIndicator:
    kind = s.text("kind")
    if kind not in KINDS:
        raise Problem(f"{s.where}: unknown indicator kind {kind!r}; known kinds: {', '.join(KINDS)}")
    common = ("id", "label", "kind", "weight")
    ident, label, weight = s.text("id"), s.text("label"), s.number("weight")
    if weight < 0:
        raise Problem(f"{s.where}: weight {weight:g} is negative")
    if kind == "record_count":
        s.keys((*common, "select", "full_at"), ("points", "sense", "window"))
        full_at = s.number("full_at")
        if full_at <= 0:
            raise Problem(f"{s.where}: full_at must be positive")
        sense = s.text("sense", "deduction")
        if sense not in ("deduction", "bonus"):
            raise Problem(f"{s.where}: sense must be deduction or bonus, not {sense!r}")
        points: float | None = 1.0
        by_severity: dict[Severity | None, float] = {}
        if isinstance(s.data.get("points"), dict):
            raw = s.number_map("points", "severities")
            default = raw.pop("default", 0.0)
            by_severity = {None: default} | {sev: raw.pop(sev.value, default) for sev in Severity}
            if raw:
                raise Problem(f"{s.where}: points: unknown severities {', '.join(raw)}")
            points = None
        elif "points" in s:
            points = s.number("points")
        return IndustryIndicator(ident, label, kind, weight, RecordSelector.read(s.section("select")),
                                 read_window(s, lookback), points=points, by_severity=by_severity,
                                 full_at=full_at, bonus=sense == "bonus")
    optional = ("select", "window", "no_data")
    if kind == "inspection_pass_rate":
        s.keys((*common, "failed"), optional)
        failed = RecordSelector.read(s.section("failed"), _INSPECTIONS)
        defaults = _INSPECTIONS
    else:
        s.keys(common, optional)
        failed, defaults = None, _COMMITMENTS
    selector = RecordSelector.read(s.section("select"), defaults) if "select" in s else RecordSelector(defaults)
    no_data = s.number("no_data", 1.0)
    if not 0 <= no_data <= 1:
        raise Problem(f"{s.where}: no_data must lie in [0, 1]")
    return IndustryIndicator(ident, label, kind, weight, selector, read_window(s, lookback), failed=failed,
                             no_data=no_data)


def build(doc: Section, path: Path, model_id: str, scheme_ids: tuple[str, ...]) -> IndustryModel:
    doc.keys(("id", "model", "name", "source", "schemes", "scale", "lookback_years", "public_credit",
              "indicators"))
    scale = doc.number("scale")
    if scale <= 0:
        raise Problem(f"scale must be positive, not {scale:g}")
    lookback = doc.whole("lookback_years", minimum=1)
    public = doc.section("public_credit")
    public.keys(("weight", "scale"), ("fallback",))
    public_weight, public_scale = public.number("weight"), public.number("scale")
    if public_scale <= 0 or public_weight < 0:
        raise Problem("public_credit: scale must be positive and weight not negative")
    indicators = tuple(_indicator(s, lookback) for s in doc.sections("indicators"))
    ids = [i.id for i in indicators]
    if len(set(ids)) != len(ids) or {"full", "public_credit"} & set(ids):
        raise Problem(f"indicator ids must be distinct and not full or public_credit: {', '.join(ids)}")
    weights = [public_weight, *(i.weight for i in indicators)]
    total = sum(weights)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise Problem(f"{model_id} model: the weights sum to {total:.6g}, not 1 "
                      f"(public credit {public_weight:g} + {' + '.join(f'{i.weight:g}' for i in indicators)})")
    average = total / len(weights)
    if public_weight < average - WEIGHT_TOLERANCE:  # seed 002 §三.(一).3
        raise Problem(f"{model_id} model: the public credit score's weight {format_weight(public_weight)} is below "
                      f"the average indicator weight {format_weight(average)} (seed 002 §三.(一).3: "
                      "公共信用综合评价指标权重和分值不得低于平均值)")
    fallback = public.text("fallback") if "fallback" in public else None
    return IndustryModel(model_id, doc.text("name"), doc.text("source"), path, scheme_ids, scale, public_weight,
                         public_scale, fallback, indicators)
