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
    ``state: serious_dishonesty_list | dishonest_executee``: points per distinct related subject
    (same legal representative) in that state, with ``cap``. Cites their codes in the note.
``clean_record``
    ``points`` when none of the indicators named in ``unless`` moved the score and the subject has
    been in business at least ``min_years`` (a long clean record).

Every indicator that moves the score yields a Contribution; the base is the first contribution
and a clamp to the scale is the last, so the contributions add up to the score exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hub.explanation import FlagGrounds, Grounds
from hub.grading.scoring._catalogue import (
    FactsView,
    Problem,
    RecordSelector,
    Section,
    enum_value,
    full_years,
    read_window,
)
from hub.grading.types import Contribution, Score, SubjectFacts
from hub.models import CreditRecord, RecordKind, Severity, SubjectKind


class PointsIndicator(Protocol):
    @property
    def id(self) -> str: ...

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
    notes: dict[tuple[int, bool], str] = field(default_factory=dict)  # a cache: notes repeat across subjects

    def contribute(self, view: FactsView, fired: set[str]) -> Contribution | None:
        hits = view.select(self.selector, self.window)
        return self.tally(hits) if hits else None

    def tally(self, hits: list[CreditRecord]) -> Contribution | None:
        """The contribution of the records this indicator matched (at least one)."""
        count = len(hits)
        if self.once:
            total = self.points if self.points is not None else max(
                (self.by_severity.get(r.severity, 0.0) for r in hits), key=abs)
        elif self.points is not None:
            total = self.points * count
        else:
            by_severity = self.by_severity
            total = sum(by_severity.get(r.severity, 0.0) for r in hits)
        cap = self.cap
        capped = cap is not None and abs(total) > abs(cap)
        if cap is not None and capped:
            total = cap
        if total == 0:
            return None
        note = self.notes.get((count, capped))
        if note is None:
            note = self.notes[count, capped] = self._note(count, capped)
        cited = tuple([r.id for r in hits])
        return Contribution(self.id, self.label, total, cited, note, Grounds.RECORDS, cited)

    def _note(self, count: int, capped: bool) -> str:
        if self.once:
            note = f"{count} record(s), counted once"
        elif self.points is not None:
            note = f"{count} × {_fmt(self.points)}"
        else:
            note = f"{count} record(s), points by severity"
        if capped and self.cap is not None:
            note = f"{note}, capped at {_fmt(self.cap)}"
        return note + _basis(self.basis)


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
        if not points:
            return None
        return Contribution(self.id, self.label, points, (), note + _basis(self.basis), Grounds.REGISTRATION)


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
        return Contribution(self.id, self.label, points, (), f"{self.what} {value}{_basis(self.basis)}",
                            Grounds.REGISTRATION)


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
        return Contribution(self.id, self.label, total, (), note + _basis(self.basis), Grounds.RELATED_PARTIES)


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
        # It rests on what is absent as much as on what is there: on everything counted (Grounds.WHOLE).
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


def read_indicator(s: Section, lookback_years: int, earlier: set[str],
                   groups: tuple[str, ...] | None = None) -> PointsIndicator:
    """Compile one indicator of a point model; ``earlier`` holds the ids already read.

    With ``groups``, each indicator must name its ``group`` (documentation the loader checks).
    """
    if groups is not None:
        group = s.data.pop("group", None)
        if group not in groups:
            raise Problem(f"{s.where}: group must be one of {', '.join(groups)}, not {group!r}")
    kind = s.text("kind")
    ident, label = s.text("id"), s.text("label")
    basis = s.text("basis") if "basis" in s else ""
    if kind not in KINDS:
        raise Problem(f"{s.where}: unknown indicator kind {kind!r}; known kinds: {', '.join(KINDS)}")
    named = ("id", "label", "kind")
    if kind == "records":
        s.keys(("select", "points", *named), ("window", "cap", "once", "basis"))
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
        s.keys(("tiers", *named), ("unknown", "basis"))
        tiers = []
        for tier in s.sections("tiers", label_key="points"):
            tier.keys(("points",), ("at_least", "under"))
            tests = [t for t in ("at_least", "under") if t in tier]
            if len(tests) != 1:
                raise Problem(f"{tier.where}: give exactly one of at_least, under")
            tiers.append((tests[0], tier.whole(tests[0]), tier.number("points")))
        return YearsInBusiness(ident, label, basis, tuple(tiers), s.number("unknown", 0.0))
    if kind in _ATTRIBUTES:
        s.keys(("points", *named), ("default", "basis"))
        what, attribute = _ATTRIBUTES[kind]
        points = s.number_map("points", what)
        if kind == "subject_kind":
            points = {enum_value(SubjectKind, k, s.where).value: v for k, v in points.items()}
        return SubjectAttribute(ident, label, basis, attribute, what, points, s.number("default", 0.0))
    if kind == "related_parties":
        s.keys(("state", "points", *named), ("cap", "basis"))
        state = s.text("state")
        if state not in ("serious_dishonesty_list", "dishonest_executee"):
            raise Problem(f"{s.where}: state must be serious_dishonesty_list or dishonest_executee, not {state!r}")
        each = s.number("points")
        return RelatedParties(ident, label, basis, state == "serious_dishonesty_list", each, _signed_cap(s, each))
    s.keys(("unless", "points", *named), ("min_years", "basis"))
    unless = frozenset(s.texts("unless"))
    if unless - earlier:
        raise Problem(f"{s.where}: unless names {', '.join(sorted(unless - earlier))}, which are not earlier "
                      "indicators of this catalogue")
    return CleanRecord(ident, label, basis, unless, s.whole("min_years", 0), s.number("points"))


@dataclass(frozen=True)
class PointsEngine:
    """Base + indicators, clamped to ``[low, high]``; see the module docstring.

    ``by_kind`` maps a record kind to the record indicators that read it, so one subject's records
    are matched against the indicators of their own kinds only; the others cost a dict look-up.
    """

    base: float
    base_label: str
    low: float
    high: float
    indicators: tuple[PointsIndicator, ...]
    by_kind: dict[RecordKind, tuple[RecordPoints, ...]]
    base_line: Contribution = field(init=False)  # every score's first line, the same for every subject

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_line",
                           Contribution("base", self.base_label, self.base, grounds=Grounds.REGISTRATION))

    def run(self, view: FactsView) -> tuple[float, tuple[Contribution, ...]]:
        found: dict[str, list[CreditRecord]] = {}
        for kind, bucket in view.by_kind.items():
            for reader in self.by_kind.get(kind, ()):
                matched = view.matching(reader.selector, reader.window, bucket)
                if matched:
                    if reader.id in found:
                        found[reader.id] += matched
                    else:
                        found[reader.id] = matched
        value = self.base
        out = [self.base_line]
        fired: set[str] = set()
        for indicator in self.indicators:
            if isinstance(indicator, RecordPoints):
                hits = found.get(indicator.id)
                contribution = indicator.tally(hits) if hits else None
            else:
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


def read_engine(doc: Section, base_label: str, low: float, high: float,
                groups: tuple[str, ...] | None = None) -> tuple[PointsEngine, int]:
    """The engine of a point-model catalogue, and its default look-back years."""
    lookback = doc.whole("lookback_years", minimum=1)
    base = doc.number("base")
    if not low <= base <= high:
        raise Problem(f"base {base:g} lies outside the scale [{low:g}, {high:g}]")
    seen: set[str] = set()
    indicators: list[PointsIndicator] = []
    for s in doc.sections("indicators"):
        indicator = read_indicator(s, lookback, seen, groups)
        if indicator.id in seen or indicator.id in ("base", "clamp"):
            raise Problem(f"{s.where}: indicator id {indicator.id!r} is used twice or reserved")
        seen.add(indicator.id)
        indicators.append(indicator)
    by_kind: dict[RecordKind, tuple[RecordPoints, ...]] = {}
    for indicator in indicators:
        if isinstance(indicator, RecordPoints):
            for kind in indicator.selector.kinds:
                by_kind[kind] = (*by_kind.get(kind, ()), indicator)
    return PointsEngine(base, base_label, low, high, tuple(indicators), by_kind), lookback


@dataclass(frozen=True, eq=False)  # compared by identity: a model is a loaded file
class PointsModel:
    """A catalogue scored by a :class:`PointsEngine`, raising a flag for each list a current record is on."""

    id: str
    name: str
    source: str
    path: Path
    scheme_ids: tuple[str, ...]
    engine: PointsEngine
    lookback_years: int
    list_flags: tuple[tuple[str, tuple[RecordKind, ...]], ...]

    @property
    def scale(self) -> tuple[float, float]:
        return self.engine.low, self.engine.high

    def score(self, facts: SubjectFacts) -> Score:
        return self.score_view(FactsView(facts))

    def score_view(self, view: FactsView) -> Score:
        """Score facts already bucketed (industry models share their view with their fallback)."""
        value, contributions = self.engine.run(view)
        raised = {flag: FlagGrounds(Grounds.RECORDS, listed)
                  for flag, kinds in self.list_flags if (listed := view.current_ids(kinds))}
        return Score(value, contributions, frozenset(raised), raised)
