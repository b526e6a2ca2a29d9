"""Additive point models: a base score, then one signed amount per indicator, clamped to the scale.

Both the public credit evaluation (seed 000 §二.(二): 百分制, 减分项指标和加分项指标) and the SAMR
risk score (seed 004 第九条: 0~1000) are sums of this shape, so one interpreter serves both; the
catalogues say what counts how much. Indicator kinds a catalogue may use:

``records``
    Records chosen by ``select`` inside the indicator's ``window``; ``points`` per record (a number,
    or a map by severity with an optional ``default``); ``cap`` limits the indicator's total
    (same sign as the points); ``once: true`` gives the points once if any record matches
    (list records). Cites the records.
``years_in_business``
    ``tiers`` of ``{at_least: N, points}`` or ``{under: N, points}`` in order, the first that holds
    wins; ``unknown`` points when the registration date is missing.
``subject_kind`` / ``industry`` / ``subject_status``
    ``points`` maps a value of the subject (SubjectKind name, industry name, status such as 吊销)
    to points; anything unlisted scores ``default`` (0).
``related_parties``
    ``on: serious_dishonesty_list | dishonest_executee``: points per distinct related subject
    (same legal representative) in that state, with ``cap``. Cites their codes in the note.
``clean_record``
    ``points`` when none of the indicators named in ``unless`` moved the score and the subject has
    been in business at least ``min_years`` (a long clean record).

Every indicator that moves the score yields a Contribution; the base is the first contribution
and a clamp to the scale is the last, so the contributions add up to the score exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hub.grading.models._catalogue import (
    FactsView,
    Problem,
    RecordSelector,
    Section,
    enum_value,
    full_years,
    read_window,
)
from hub.grading.types import Contribution
from hub.models import Severity, SubjectKind


class PointsIndicator(Protocol):
    id: str

    def contribute(self, view: FactsView, fired: set[str]) -> Contribution | None: ...


def _fmt(value: float) -> str:
    return f"{value:+g}"


def _basis(basis: str) -> str:
    return f" ({basis})" if basis else ""


@dataclass(frozen=True, slots=True)
class RecordPoints:
    id: str
    label: str
    basis: str
    selector: RecordSelector
    window: int | None
    points: float | None  # uniform points, or None when by_severity applies
    by_severity: dict[Severity | None, float]
    cap: float | None
    once: bool

    def contribute(self, view: FactsView, fired: set[str]) -> Contribution | None:
        hits = view.select(self.selector, self.window)
        if not hits:
            return None
        if self.once:
            total = self.points if self.points is not None else max(
                (self.by_severity.get(r.severity, 0.0) for r in hits), key=abs)
            note = f"{len(hits)} record(s), counted once"
        elif self.points is not None:
            total, note = self.points * len(hits), f"{len(hits)} × {_fmt(self.points)}"
        else:
            by_severity = self.by_severity
            total = sum(by_severity.get(r.severity, 0.0) for r in hits)
            note = f"{len(hits)} record(s) by severity"
        if self.cap is not None and abs(total) > abs(self.cap):
            total, note = self.cap, f"{note}, capped at {_fmt(self.cap)}"
        if total == 0:
            return None
        return Contribution(self.id, self.label, total, tuple(r.id for r in hits), note + _basis(self.basis))


@dataclass(frozen=True, slots=True)
class YearsInBusiness:
    id: str
    label: str
    basis: str
    tiers: tuple[tuple[str, int, float], ...]  # ("at_least" | "under", years, points)
    unknown: float

    def contribute(self, view: FactsView, fired: set[str]) -> Contribution | None:
        registered = view.facts.subject.registered_on
        if registered is None:
            points, note = self.unknown, "registration date unknown"
        else:
            years = full_years(registered, view.as_of)
            points, note = 0.0, f"{years} full year(s) since registration"
            for test, bound, tier_points in self.tiers:
                if (years >= bound) if test == "at_least" else (years < bound):
                    points, note = tier_points, f"{note}: {test.replace('_', ' ')} {bound}"
                    break
        return Contribution(self.id, self.label, points, (), note + _basis(self.basis)) if points else None


@dataclass(frozen=True, slots=True)
class SubjectAttribute:
    id: str
    label: str
    basis: str
    attribute: Callable[[FactsView], str | None]
    what: str
    points: dict[str, float]
    default: float

    def contribute(self, view: FactsView, fired: set[str]) -> Contribution | None:
        value = self.attribute(view)
        points = self.points.get(value, self.default) if value is not None else self.default
        if not points:
            return None
        return Contribution(self.id, self.label, points, (), f"{self.what} {value}{_basis(self.basis)}")


@dataclass(frozen=True, slots=True)
class RelatedParties:
    id: str
    label: str
    basis: str
    on_list: bool  # True: serious-dishonesty list; False: 失信被执行人
    points: float
    cap: float | None

    def contribute(self, view: FactsView, fired: set[str]) -> Contribution | None:
        own = view.facts.subject.uscc
        codes = sorted({p.uscc for p in view.facts.related
                        if p.uscc != own and (p.on_serious_dishonesty_list if self.on_list else p.dishonest_executee)})
        if not codes:
            return None
        total = self.points * len(codes)
        note = f"{len(codes)} related subject(s): {', '.join(codes)}"
        if self.cap is not None and abs(total) > abs(self.cap):
            total, note = self.cap, f"{note}; capped at {_fmt(self.cap)}"
        return Contribution(self.id, self.label, total, (), note + _basis(self.basis))


@dataclass(frozen=True, slots=True)
class CleanRecord:
    id: str
    label: str
    basis: str
    unless: frozenset[str]
    min_years: int
    points: float

    def contribute(self, view: FactsView, fired: set[str]) -> Contribution | None:
        registered = view.facts.subject.registered_on
        if registered is None or full_years(registered, view.as_of) < self.min_years or fired & self.unless:
            return None
        return Contribution(self.id, self.label, self.points, (),
                            f"no adverse record, {self.min_years}+ years in business{_basis(self.basis)}")


_ATTRIBUTES: dict[str, tuple[str, Callable[[FactsView], str | None]]] = {
    "subject_kind": ("kind", lambda v: v.facts.subject.kind),
    "industry": ("industry", lambda v: v.facts.subject.industry),
    "subject_status": ("status", lambda v: v.facts.subject.status),
}
KINDS = ("records", "years_in_business", *_ATTRIBUTES, "related_parties", "clean_record")


def _signed_cap(s: Section, sample: float) -> float | None:
    cap = s.optional_number("cap")
    if cap is not None and sample and (cap > 0) != (sample > 0):
        raise Problem(f"{s.where}: cap {cap:g} must have the sign of its points")
    return cap


def read_indicator(s: Section, lookback_years: int, earlier: set[str]) -> PointsIndicator:
    """Compile one indicator of a point model; ``earlier`` holds the ids already read."""
    kind = s.text("kind")
    ident, label, basis = s.text("id"), s.text("label"), s.data.get("basis", "")
    if kind not in KINDS:
        raise Problem(f"{s.where}: unknown indicator kind {kind!r}; known kinds: {', '.join(KINDS)}")
    common = ("id", "label", "kind", "basis")
    if kind == "records":
        s.keys(("select", "points", *common[:3]), ("window", "cap", "once", "basis"))
        selector = RecordSelector.read(s.section("select"))
        if isinstance(s.data["points"], dict):
            raw = s.number_map("points", "severities")
            default = raw.pop("default", 0.0)
            by_severity: dict[Severity | None, float] = {None: default}
            for sev in Severity:
                by_severity[sev] = raw.pop(sev.value, default)
            if raw:
                raise Problem(f"{s.where}: points: unknown severities {', '.join(raw)}")
            uniform, sample = None, max(by_severity.values(), key=abs)
        else:
            uniform = sample = s.number("points")
            by_severity = {}
        return RecordPoints(ident, label, basis, selector, read_window(s, lookback_years), uniform, by_severity,
                            _signed_cap(s, sample), s.flag("once", False))
    if kind == "years_in_business":
        s.keys(("tiers", *common[:3]), ("unknown", "basis"))
        tiers = []
        for tier in s.sections("tiers", label_key="points"):
            tier.keys(("points",), ("at_least", "under"))
            tests = [t for t in ("at_least", "under") if t in tier]
            if len(tests) != 1:
                raise Problem(f"{tier.where}: give exactly one of at_least, under")
            tiers.append((tests[0], tier.whole(tests[0]), tier.number("points")))
        return YearsInBusiness(ident, label, basis, tuple(tiers), s.number("unknown", 0.0))
    if kind in _ATTRIBUTES:
        s.keys(("points", *common[:3]), ("default", "basis"))
        what, attribute = _ATTRIBUTES[kind]
        points = s.number_map("points", what)
        if kind == "subject_kind":
            points = {enum_value(SubjectKind, k, s.where).value: v for k, v in points.items()}
        return SubjectAttribute(ident, label, basis, attribute, what, points, s.number("default", 0.0))
    if kind == "related_parties":
        s.keys(("on", "points", *common[:3]), ("cap", "basis"))
        on = s.text("on")
        if on not in ("serious_dishonesty_list", "dishonest_executee"):
            raise Problem(f"{s.where}: on must be serious_dishonesty_list or dishonest_executee, not {on!r}")
        points = s.number("points")
        return RelatedParties(ident, label, basis, on == "serious_dishonesty_list", points, _signed_cap(s, points))
    s.keys(("unless", "points", *common[:3]), ("min_years", "basis"))
    unless = frozenset(s.texts("unless"))
    if unless - earlier:
        raise Problem(f"{s.where}: unless names {', '.join(sorted(unless - earlier))}, which are not earlier "
                      "indicators of this catalogue")
    return CleanRecord(ident, label, basis, unless, s.whole("min_years", 0), s.number("points"))


@dataclass(frozen=True)
class PointsEngine:
    """Base + indicators, clamped to ``[low, high]``; see the module docstring."""

    base: float
    base_label: str
    low: float
    high: float
    indicators: tuple[PointsIndicator, ...]

    def run(self, view: FactsView) -> tuple[float, tuple[Contribution, ...]]:
        value = self.base
        out = [Contribution("base", self.base_label, self.base)]
        fired: set[str] = set()
        for indicator in self.indicators:
            contribution = indicator.contribute(view, fired)
            if contribution is not None:
                out.append(contribution)
                fired.add(contribution.indicator)
                value += contribution.points
        if value > self.high or value < self.low:
            bound = self.high if value > self.high else self.low
            out.append(Contribution("clamp", "分值截断", bound - value,
                                    note=f"the scale is [{self.low:g}, {self.high:g}]; raw score {value:g}"))
            value = bound
        return value, tuple(out)


def read_engine(doc: Section, base_label: str, low: float, high: float) -> tuple[PointsEngine, int]:
    """The engine of a point-model catalogue, and its default look-back years."""
    lookback = doc.whole("lookback_years", minimum=1)
    base = doc.number("base")
    if not low <= base <= high:
        raise Problem(f"base {base:g} lies outside the scale [{low:g}, {high:g}]")
    seen: set[str] = set()
    indicators = []
    for s in doc.sections("indicators"):
        indicator = read_indicator(s, lookback, seen)
        if indicator.id in seen or indicator.id in ("base", "clamp"):
            raise Problem(f"{s.where}: indicator id {indicator.id!r} is used twice or reserved")
        seen.add(indicator.id)
        indicators.append(indicator)
    return PointsEngine(base, base_label, low, high, tuple(indicators)), lookback
