"""监管措施清单 — measures lists: for each grade of a scheme, the measures a department applies.

Seed 003 附件2 §三.(二).4 asks every department for a 信用分级分类监管措施清单 that states, per grade,
the measure, its 措施实施主体 (implementing body), 政策依据 (policy basis) and 实施期限 (period); seed
001 §二.(三).1 ties grades to measures the same way ("将监管对象信用等级与监管事项、监管措施…相衔接").
A list is a YAML file named after its id in ``measures/`` (shipped defaults) or in a department's
own directory passed to ``MeasuresRegistry``; a file there with a shipped file's id replaces it,
and the replaced file is not even read (so a department that changed a scheme's grades is not
blocked by a shipped list written for the old ones). Keys: ``id`` (= file name), ``name``,
``scheme`` (every grade of it needs a measure), ``department``, ``source``, optional defaults
``implementing_body`` and ``period``, and ``measures``, each with ``id``, ``grades: [D]``, ``name``,
``kind``, ``basis``, optional ``implementing_body``, ``period`` (``while-graded``, ``{days: N}`` or
``{months: N}``), ``sampling_minimum_percent`` (at most one per grade), ``inspections_per_year``
(``{at_least: N}`` and/or ``{at_most: N}``, on the sampling measure: 抽查频次, below) and ``note``. See
``measures/henan-samr-risk.yaml``.

抽查频次: every seed ties the 双随机 sampling *ratio* and *frequency* to the grade in one breath (seed
000 §三, seed 001 §二.(三).3, seed 003 附件1 §三.(二).6 and 附件2 §三.(六).1, seed 004 (四) and
第十二–十五条: "降低/按常规/提高抽查比例和频次"; seed 002 §三.(三): "减少检查频次", "按常规比例和频次抽查",
"提高抽查比例和频次") but none states a number of inspections per year. ``inspections_per_year``
carries that number per grade; the shipped lists give the hub's DEFAULTS (said so on each line),
which a department replaces with its own list.

Measures follow the grade: they are derived from a subject's current evaluations each time
(``measures_in_force``), never stored, so a re-grade changes them at once (seed 002 §三.(三):
实施动态差异化监管). Errors::

    MeasuresError
     ├── MeasuresFileError  a list file or directory is malformed (also a ValueError); names file and line
     ├── UnknownGrade       a grade the scheme does not have (also a LookupError)
     └── NoSamplingMeasure  default_ratios: a grade without a sampling minimum (also a LookupError)
"""

from __future__ import annotations

import calendar
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path

from hub.clock import CHINA
from hub.datafile import DataFileError, FileProblem, LineMap, read_data_file, require_keys, text
from hub.errors import HubError, NotFound
from hub.grading.combine import CombinedClass, combined_class
from hub.grading.schemes import GradingScheme, SchemeRegistry

MEASURES_DIR = Path(__file__).with_name("measures")
WHILE_GRADED = "while-graded"

# (scheme id, grade, evaluated at, valid until) — from an Evaluation:
# (e.scheme, e.grade, e.evaluated_at, e.valid_until).
EvaluationInForce = tuple[str, str, date | datetime, date | None]


class MeasuresError(HubError):
    """Base of the measures-list errors."""


class MeasuresFileError(DataFileError, MeasuresError):
    """A measures file (or the directory holding it) is malformed; ``.path``, ``.line``, ``.problem``."""


class UnknownGrade(NotFound, MeasuresError):
    pass


class NoSamplingMeasure(NotFound, MeasuresError):
    pass


@dataclass(frozen=True)
class Frequency:
    """抽查频次 — how many times a year one subject of a grade is drawn for 双随机 inspection.

    ``at_most`` for the grades whose frequency the seeds lower (降低/减少检查频次: 无事不扰, seed 002 §二),
    ``at_least`` for those whose frequency they raise (提高抽查比例和频次); either or both.
    """

    at_least: int | None = None
    at_most: int | None = None

    def __post_init__(self) -> None:
        given = [n for n in (self.at_least, self.at_most) if n is not None]
        if not given or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in given):
            raise ValueError(f"a frequency is at_least and/or at_most, each a whole number ≥ 1: {self!r}")
        # at_least above at_most is refused in a list file; combined over two lists that disagree it
        # is kept, and no count meets it (the plan reports the class unmet)

    def met_by(self, times: int) -> bool:
        return ((self.at_least is None or times >= self.at_least)
                and (self.at_most is None or times <= self.at_most))

    def __str__(self) -> str:
        parts = ([f"at least {self.at_least}"] if self.at_least is not None else []) + (
            [f"at most {self.at_most}"] if self.at_most is not None else [])
        return " and ".join(parts) + " times a year"


class MeasureKind(StrEnum):
    """Which way a measure pushes, relative to ordinary supervision (seed 002 §三.(三) splits 1 and 2).

    The kind says the direction, not the subject matter: a sampling ratio is an INCENTIVE when it
    lowers inspections (A 1 %), SUPERVISION at the ordinary ratio, a RESTRICTION when it raises them.
    """

    INCENTIVE = "INCENTIVE"  # 守信激励: eases the subject's burden or grants a benefit (§三.(三).1)
    RESTRICTION = "RESTRICTION"  # 失信约束: adds scrutiny or limits a benefit or right (§三.(三).2)
    SUPERVISION = "SUPERVISION"  # 常规监管: the ordinary level, neither easing nor tightening


@dataclass(frozen=True)
class Period:
    """实施期限 — how long a measure lasts once its grade is given.

    ``Period()``: while the grade is current — the usual case, since measures follow the grade.
    ``Period(days=90)`` / ``Period(months=6)``: a fixed term from the evaluation date. Either way a
    measure ends no later than the evaluation that triggers it (``measures_in_force`` caps it).
    """

    days: int | None = None
    months: int | None = None

    def __post_init__(self) -> None:
        given = [n for n in (self.days, self.months) if n is not None]
        if len(given) > 1 or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in given):
            raise ValueError(f"a period is days or months, a whole number ≥ 1: {self!r}")

    def last_day(self, start: date) -> date | None:
        """The last day in force (inclusive, like ``Evaluation.valid_until``); None while graded."""
        if self.days is not None:
            return start + timedelta(days=self.days - 1)
        if self.months is not None:
            year, month = divmod(start.month - 1 + self.months, 12)
            year, month = start.year + year, month + 1
            day = min(start.day, calendar.monthrange(year, month)[1])
            return date(year, month, day) - timedelta(days=1)
        return None

    def __str__(self) -> str:
        if self.days is not None:
            return f"{self.days} days"
        return f"{self.months} months" if self.months is not None else "while the grade is current"


@dataclass(frozen=True)
class Measure:
    """One measure of a list; ``sampling_minimum_percent`` is set on a 双随机 sampling-ratio measure."""

    id: str
    name: str
    kind: MeasureKind
    implementing_body: str
    basis: str
    period: Period = Period()
    sampling_minimum_percent: Decimal | None = None
    note: str | None = None
    inspections_per_year: Frequency | None = None


@dataclass(frozen=True)
class MeasuresList:
    """A department's 监管措施清单 for one scheme; ``grades`` lists every grade best → worst."""

    id: str
    name: str
    department: str
    scheme_id: str
    source: str
    grades: tuple[tuple[str, tuple[Measure, ...]], ...]

    def measures_for(self, grade: str) -> tuple[Measure, ...]:
        return dict(self.grades).get(grade, ())

    def sampling_minimum(self, grade: str) -> Decimal | None:
        return next((m.sampling_minimum_percent for m in self.measures_for(grade)
                     if m.sampling_minimum_percent is not None), None)


@dataclass(frozen=True)
class SamplingFloor:
    """The lowest 双随机 sampling ratio a grade may be given, and the measure (with its basis) that says so."""

    grade: str
    percent: Decimal
    measures_list: MeasuresList
    measure: Measure

    def __str__(self) -> str:
        return (f"{self.percent} % (measures list {self.measures_list.id}, {self.measure.basis}: "
                f"{self.measure.name}; {self.measures_list.source})")


@dataclass(frozen=True)
class YearlyFrequency:
    """A grade's 抽查频次 over every list for the scheme, and the measures that set it: the highest
    ``at_least`` and the lowest ``at_most`` (each list's bound holds)."""

    grade: str
    frequency: Frequency
    measures: tuple[tuple[MeasuresList, Measure], ...]

    @property
    def basis(self) -> str:
        return "; ".join(f"{lst.id}/{m.id} ({m.basis})" for lst, m in self.measures)


@dataclass(frozen=True)
class MeasureInForce:
    """A measure in force on a subject now, with the scheme and grade that trigger it."""

    scheme_id: str
    grade: str
    measures_list: MeasuresList
    measure: Measure
    starts_on: date  # the evaluation date
    ends_on: date | None  # last day in force: the period's end, capped by the evaluation's validity
    evaluated_grade: str | None = None  # the scheme's own grade, where 通用+专业 replaced it (``grade``)
    combination: CombinedClass | None = None  # why ``grade`` is the combined class (seed 004 第十六条)


class MeasuresRegistry:
    """The measures lists a hub knows, validated against the grading schemes it knows."""

    def __init__(self, schemes: SchemeRegistry, extra_dir: str | os.PathLike[str] | None = None, *,
                 shipped_dir: str | os.PathLike[str] = MEASURES_DIR) -> None:
        self.schemes = schemes
        paths: dict[str, Path] = {}
        for directory in (shipped_dir, extra_dir):
            if directory is None or os.fspath(directory) == "":
                continue
            folder = Path(directory)
            if not folder.is_dir():
                raise MeasuresFileError(folder, None, "is not a directory of measures list files (*.yaml)")
            paths.update((path.stem, path) for path in sorted(folder.glob("*.yaml")))
        self._paths = dict(sorted(paths.items()))
        self._lists = {list_id: load_measures_list(path, schemes) for list_id, path in self._paths.items()}

    def all(self) -> tuple[MeasuresList, ...]:
        return tuple(self._lists.values())

    def path_of(self, list_id: str) -> Path:
        """The file a list was loaded from (shipped, or the department's replacement)."""
        return self._paths[list_id]

    def lists_for(self, scheme_id: str) -> list[MeasuresList]:
        self.schemes.get(scheme_id)  # an unknown scheme raises UnknownScheme, naming the known ones
        return [lst for lst in self._lists.values() if lst.scheme_id == scheme_id]

    def measures_for(self, scheme_id: str, grade: str) -> list[tuple[MeasuresList, Measure]]:
        scheme = self.schemes.get(scheme_id)
        if grade not in scheme.grade_names:
            raise UnknownGrade(f"{grade!r} is not a grade of {scheme_id}; grades: {', '.join(scheme.grade_names)}")
        return [(lst, m) for lst in self.lists_for(scheme_id) for m in lst.measures_for(grade)]

    def default_ratios(self, scheme_id: str) -> dict[str, Decimal]:
        """Each grade's minimum 双随机 sampling percentage, for inspection plans (seed 004 第十二–十五条).

        Where several lists cover a scheme the highest minimum wins: it is the only ratio that
        satisfies every list's "一般不低于".
        """
        floors = self.sampling_floors(scheme_id)
        missing = [grade for grade in self.schemes.get(scheme_id).grade_names if grade not in floors]
        if missing:
            searched = ", ".join(lst.id for lst in self.lists_for(scheme_id)) or "none"
            raise NoSamplingMeasure(f"grade {missing[0]} of {scheme_id} has no sampling measure "
                                    f"(sampling_minimum_percent) in any measures list; lists: {searched}")
        return {grade: floor.percent for grade, floor in floors.items()}

    def sampling_floors(self, scheme_id: str) -> dict[str, SamplingFloor]:
        """The floor under each grade's sampling ratio and the measure that sets it: the highest
        ``sampling_minimum_percent`` of any list for the scheme (seed 004 第十二–十五条 "抽查比例一般不低于";
        seed 002 §三.(三).2 "抽查比例不设上限": a plan may go above, never below). Grades no list gives a
        sampling measure have no floor."""
        floors: dict[str, SamplingFloor] = {}
        for grade in self.schemes.get(scheme_id).grade_names:
            for lst in self.lists_for(scheme_id):
                for measure in lst.measures_for(grade):
                    percent = measure.sampling_minimum_percent
                    if percent is not None and (grade not in floors or percent > floors[grade].percent):
                        floors[grade] = SamplingFloor(grade, percent, lst, measure)
        return floors

    def frequencies(self, scheme_id: str) -> dict[str, YearlyFrequency]:
        """Each grade's 抽查频次 (inspections per subject per year) from every list for the scheme;
        grades no list gives a frequency are absent."""
        found: dict[str, YearlyFrequency] = {}
        for grade in self.schemes.get(scheme_id).grade_names:
            yearly = _yearly(grade, [(lst, m) for lst in self.lists_for(scheme_id) for m in lst.measures_for(grade)])
            if yearly is not None:
                found[grade] = yearly
        return found


def _yearly(grade: str, found: list[tuple[MeasuresList, Measure]]) -> YearlyFrequency | None:
    bounds = [m.inspections_per_year for _, m in found if m.inspections_per_year is not None]
    if not bounds:
        return None
    least = [b.at_least for b in bounds if b.at_least is not None]
    most = [b.at_most for b in bounds if b.at_most is not None]
    frequency = Frequency(at_least=max(least) if least else None, at_most=min(most) if most else None)
    return YearlyFrequency(grade, frequency, tuple((lst, m) for lst, m in found if m.inspections_per_year))


def measures_in_force(evaluations: Iterable[EvaluationInForce], registry: MeasuresRegistry,
                      today: date) -> list[MeasureInForce]:
    """Every measure in force ``today`` for a subject, from its current evaluations.

    The caller passes current evaluations only; still, defensively, of two for one scheme the later
    one wins (the earlier is superseded), and an evaluation past ``valid_until`` or dated after
    ``today`` contributes nothing — so a re-grade or a lapse changes the measures at once.
    """
    latest: dict[str, EvaluationInForce] = {}
    for evaluation in evaluations:
        kept = latest.get(evaluation[0])
        if kept is None or _instant(evaluation[2]) > _instant(kept[2]):
            latest[evaluation[0]] = evaluation
    standing = [(scheme_id, grade, _china_day(evaluated_at), valid_until)
                for scheme_id, grade, evaluated_at, valid_until in (latest[key] for key in sorted(latest))
                if not ((valid_until is not None and valid_until < today) or _china_day(evaluated_at) > today)]
    current = {scheme_id: grade for scheme_id, grade, _, _ in standing}
    in_force: list[MeasureInForce] = []
    for scheme_id, own_grade, starts_on, valid_until in standing:
        # 通用+专业 (seed 004 第十六条): for food, drugs and special equipment the combined class is what
        # the measures follow, under the general scheme and the domain's alike (hub.grading.combine)
        combination = combined_class(scheme_id, own_grade, current)
        grade = combination.grade if combination is not None else own_grade
        for measures_list, measure in registry.measures_for(scheme_id, grade):
            ends_on = measure.period.last_day(starts_on)
            if valid_until is not None and (ends_on is None or valid_until < ends_on):
                ends_on = valid_until
            if ends_on is None or today <= ends_on:
                in_force.append(MeasureInForce(scheme_id, grade, measures_list, measure, starts_on, ends_on,
                                               own_grade if combination is not None else None, combination))
    return in_force


def _instant(when: date | datetime) -> datetime:
    if not isinstance(when, datetime):
        return datetime.combine(when, time.min)
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _china_day(when: date | datetime) -> date:
    """An aware timestamp's date in China — evaluations are stored in UTC (hub.clock)."""
    if isinstance(when, datetime):
        return when.astimezone(CHINA).date() if when.tzinfo else when.date()
    return when


# ---- reading a list file ----------------------------------------------------------------------

def load_measures_list(path: str | os.PathLike[str], schemes: SchemeRegistry) -> MeasuresList:
    """Read and validate one list file; raise MeasuresFileError naming the file and the line."""
    stem = Path(path).stem
    return read_data_file(path, lambda document: _build(document, stem, schemes), MeasuresFileError)


def _period(m: LineMap, what: str) -> Period:
    value = m["period"]
    if value == WHILE_GRADED:
        return Period()
    if isinstance(value, LineMap) and len(value) == 1 and next(iter(value)) in ("days", "months"):
        try:
            return Period(**value)
        except ValueError:
            pass
    raise FileProblem(m.at("period"), f"{what}: period must be {WHILE_GRADED}, {{days: N}} or {{months: N}} "
                   f"with N a whole number ≥ 1, not {value!r}")


def _percent(m: LineMap, what: str) -> Decimal:
    value = m["sampling_minimum_percent"]
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        percent = Decimal(str(value).strip().removesuffix("%"))
    except InvalidOperation:
        percent = Decimal("NaN")
    if not (percent.is_finite() and 0 < percent <= 100):
        raise FileProblem(m.at("sampling_minimum_percent"), f"{what}: sampling_minimum_percent must be a "
                       f"percentage above 0 and at most 100, not {value!r}")
    return percent


def _build(document: object, stem: str, schemes: SchemeRegistry) -> MeasuresList:
    if not isinstance(document, LineMap):
        raise FileProblem(1, "a measures list file holds one mapping (id, name, scheme, department, measures, …)")
    require_keys(document, "the list", ("id", "name", "scheme", "department", "source", "measures"),
          ("implementing_body", "period"))
    list_id = text(document, "id", "the list")
    if list_id != stem:
        raise FileProblem(document.at("id"), f"id {list_id!r} must match the file name ({stem}.yaml)")
    scheme_id = text(document, "scheme", "the list")
    if scheme_id not in schemes:
        known = ", ".join(scheme.id for scheme in schemes.all())
        raise FileProblem(document.at("scheme"), f"unknown grading scheme {scheme_id!r}; known schemes: {known}")
    scheme = schemes.get(scheme_id)
    body = text(document, "implementing_body", "the list") if "implementing_body" in document else None
    period = _period(document, "the list") if "period" in document else Period()
    items = document["measures"]
    if not isinstance(items, list) or not items or not all(isinstance(item, LineMap) for item in items):
        raise FileProblem(document.at("measures"), "measures must be a non-empty list of mappings")
    by_grade: dict[str, list[tuple[Measure, int]]] = {grade: [] for grade in scheme.grade_names}
    lines: dict[str, int] = {}
    for m in items:
        measure, grades = _measure(m, scheme, body, period)
        if measure.id in lines:
            raise FileProblem(m.at("id"), f"measure id {measure.id!r} appears twice "
                              f"(first on line {lines[measure.id]})")
        lines[measure.id] = m.line
        for grade in grades:
            by_grade[grade].append((measure, m.line))
    for grade, measures in by_grade.items():
        if not measures:
            raise FileProblem(document.at("measures"), f"grade {grade} of {scheme_id} has no measure; a list "
                           f"states the measures of every grade (seed 003 附件2 §三.(二).4)")
        sampling = [(m, line) for m, line in measures if m.sampling_minimum_percent is not None]
        if len(sampling) > 1:
            (first, first_line), (second, second_line) = sampling[:2]
            raise FileProblem(second_line, f"grade {grade} has two sampling measures ({first.id}, line {first_line}, "
                           f"and {second.id}): a list gives one sampling minimum per grade")
    return MeasuresList(id=list_id, name=text(document, "name", "the list"),
                        department=text(document, "department", "the list"), scheme_id=scheme_id,
                        source=text(document, "source", "the list"),
                        grades=tuple((g, tuple(m for m, _ in ms)) for g, ms in by_grade.items()))


def _measure(m: LineMap, scheme: GradingScheme, body: str | None, period: Period) -> tuple[Measure, list[str]]:
    what = f"measure {m['id']}" if isinstance(m.get("id"), str) else "a measure"
    require_keys(m, what, ("id", "grades", "name", "kind", "basis"),
          ("implementing_body", "period", "sampling_minimum_percent", "inspections_per_year", "note"))
    grades = m["grades"]
    if not isinstance(grades, list) or not grades or not all(isinstance(g, str) for g in grades):
        raise FileProblem(m.at("grades"), f"{what}: grades must be a non-empty list of grade names, like [A, B]")
    for grade in grades:
        if grade not in scheme.grade_names:
            raise FileProblem(m.at("grades"), f"{what}: {grade!r} is not a grade of {scheme.id} "
                           f"(grades: {', '.join(scheme.grade_names)})")
    if len(set(grades)) != len(grades):
        raise FileProblem(m.at("grades"), f"{what}: grades name a grade twice: {grades}")
    if m["kind"] not in list(MeasureKind):
        raise FileProblem(m.at("kind"), f"{what}: kind {m['kind']!r} is not one of {', '.join(MeasureKind)}")
    if "implementing_body" in m:
        body = text(m, "implementing_body", what)
    if "inspections_per_year" in m and "sampling_minimum_percent" not in m:
        raise FileProblem(m.at("inspections_per_year"), f"{what}: inspections_per_year goes on the sampling measure "
                          "(the one with sampling_minimum_percent): the seeds set 抽查比例和频次 together")
    if body is None:
        raise FileProblem(m.line, f"{what} has no implementing_body (措施实施主体): give it here or as the list's")
    return Measure(
        id=text(m, "id", what), name=text(m, "name", what), kind=MeasureKind(m["kind"]), implementing_body=body,
        basis=text(m, "basis", what), period=_period(m, what) if "period" in m else period,
        sampling_minimum_percent=_percent(m, what) if "sampling_minimum_percent" in m else None,
        note=text(m, "note", what) if "note" in m else None,
        inspections_per_year=_frequency(m, what) if "inspections_per_year" in m else None), grades


def _frequency(m: LineMap, what: str) -> Frequency:
    value = m["inspections_per_year"]
    if isinstance(value, LineMap) and value and set(value) <= {"at_least", "at_most"}:
        try:
            frequency = Frequency(at_least=value.get("at_least"), at_most=value.get("at_most"))
        except ValueError as error:
            raise FileProblem(m.at("inspections_per_year"), f"{what}: inspections_per_year: {error}") from None
        if frequency.at_least is not None and frequency.at_most is not None and frequency.at_least > frequency.at_most:
            raise FileProblem(m.at("inspections_per_year"), f"{what}: inspections_per_year at_least "
                              f"{frequency.at_least} is above at_most {frequency.at_most}")
        return frequency
    raise FileProblem(m.at("inspections_per_year"), f"{what}: inspections_per_year must be {{at_least: N}}, "
                      f"{{at_most: N}} or both, with N a whole number ≥ 1, not {value!r}")
