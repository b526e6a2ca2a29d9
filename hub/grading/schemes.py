"""评价等级方案 — grading schemes as data, and the grade a score (or a category) gets under one.

A scheme is a YAML file named after its id (``presets/henan-public-credit.yaml``): its scale and
direction, its grades best → worst with intervals in interval notation exactly as the seed writes
them (``"(85, 100]"``, ``"[0, 200)"``), optional sub-levels inside a grade, the override flags that
force a grade, the disclosure tier of its results, its cycle and validity, and each grade's rung on
the common ladder (``hub.grading.ladder``). A malformed file is refused at load with the file and
the line of the offending part. (One module, reader included, so a scheme's rules live in one place.)

Flags ``classify`` accepts:

- the override flags of ``hub.grading.types`` (``JOINT_PUNISHMENT_LIST`` …); a flag the scheme has
  no override for is accepted and noted in the reasons, so a caller may pass one subject's facts to
  every scheme;
- in categorical schemes (no score; seed 002 grades by category): ``CATEGORY:<category>`` exactly
  once, e.g. ``CATEGORY:轻微失信``, plus ``GRADE:<grade>`` when the category spans several grades
  (seed 002: 诚信守法 → A or B), e.g. ``["CATEGORY:诚信守法", "GRADE:A"]``.

Errors::

    GradingError
     ├── SchemeError          a scheme file or directory is malformed; names the file and the line
     ├── UnknownScheme        no scheme has that id (also a LookupError); lists the known ids
     └── ClassifyError        classify was given something it cannot grade (also a ValueError)
          ├── ScoreOutOfScale a score outside the scheme's scale, NaN or infinite
          └── UnknownFlag     a flag the scheme does not accept; names the accepted ones
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from hub.disclosure import Disclosure
from hub.grading.types import (
    DISHONEST_EXECUTEE,
    HIGH_ATTENTION_INDUSTRY,
    JOINT_PUNISHMENT_LIST,
    OVERRIDE_FLAGS,
    SERIOUS_DISHONESTY_LIST,
    Classification,
)

PRESETS_DIR = Path(__file__).with_name("presets")
CATEGORY_PREFIX = "CATEGORY:"
GRADE_PREFIX = "GRADE:"
LADDER_RUNGS = range(1, 6)  # rung 1 best … 5 worst; the mapping is documented in hub.grading.ladder
CYCLES = ("yearly", "half-yearly", "quarterly", "monthly", "continuous")

FLAG_DESCRIPTIONS = {
    JOINT_PUNISHMENT_LIST: "on the joint-punishment list (失信联合奖惩对象名单)",
    SERIOUS_DISHONESTY_LIST: "on the serious-dishonesty list (严重失信主体名单)",
    DISHONEST_EXECUTEE: "a dishonest judgment debtor (失信被执行人)",
    HIGH_ATTENTION_INDUSTRY: "in an industry of high public concern (社会高度关注行业)",
}


class GradingError(Exception):
    """Base of the grading errors."""


class SchemeError(GradingError, ValueError):
    """A scheme file (or the directory holding it) is malformed."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"{path.name} line {line}: {problem}" if line is not None else f"{path}: {problem}")


class UnknownScheme(GradingError, LookupError):
    def __str__(self) -> str:  # LookupError would print the message quoted
        return str(self.args[0])


class ClassifyError(GradingError, ValueError):
    """classify was asked to grade something it cannot."""


class ScoreOutOfScale(ClassifyError):
    pass


class UnknownFlag(ClassifyError):
    pass


class SchemeKind(StrEnum):
    PUBLIC_CREDIT = "PUBLIC_CREDIT"  # 公共信用综合评价 (seeds 000–003)
    INDUSTRY = "INDUSTRY"  # 行业信用评价, by a department
    MARKET_RISK = "MARKET_RISK"  # 企业信用风险分类, SAMR, internal only (seed 004)
    MARKET = "MARKET"  # 市场信用评价, by third parties (seeds 001, 002)


class Direction(StrEnum):
    HIGHER_IS_BETTER = "HIGHER_IS_BETTER"
    HIGHER_IS_RISKIER = "HIGHER_IS_RISKIER"


def format_number(value: float) -> str:
    """85.0 → "85", 85.01 → "85.01"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_INTERVAL = re.compile(rf"\s*([\[(])\s*({_NUMBER})\s*,\s*({_NUMBER})\s*([\])])\s*")


@dataclass(frozen=True)
class Interval:
    """A bounded interval of scores: ``"(70, 85]"`` is ``Interval(70, 85, False, True)``."""

    low: float
    high: float
    low_closed: bool
    high_closed: bool

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Read interval notation; raise ValueError on anything else, or on an empty interval."""
        match = _INTERVAL.fullmatch(text)
        if match is None:
            hint = " (write ASCII brackets and comma)" if re.search("[（）【】，]", text) else ""
            raise ValueError(f'"{text}" is not interval notation like "(85, 100]" or "[0, 200)"{hint}')
        interval = cls(float(match[2]), float(match[3]), match[1] == "[", match[4] == "]")
        if interval.low > interval.high or (interval.is_point and not (interval.low_closed and interval.high_closed)):
            raise ValueError(f'"{text}" is empty: no score lies in it')
        return interval

    @property
    def is_point(self) -> bool:
        return self.low == self.high

    def contains(self, x: float) -> bool:
        above = x >= self.low if self.low_closed else x > self.low
        below = x <= self.high if self.high_closed else x < self.high
        return above and below

    def within(self, other: Interval) -> bool:
        low = self.low > other.low or (self.low == other.low and (other.low_closed or not self.low_closed))
        high = self.high < other.high or (self.high == other.high and (other.high_closed or not self.high_closed))
        return low and high

    def __str__(self) -> str:
        return (f"{'[' if self.low_closed else '('}{format_number(self.low)}, "
                f"{format_number(self.high)}{']' if self.high_closed else ')'}")


@dataclass(frozen=True)
class Scale:
    """The closed range of scores a scheme grades, and which way is better."""

    min: float
    max: float
    direction: Direction

    @property
    def interval(self) -> Interval:
        return Interval(self.min, self.max, True, True)

    def describe(self) -> str:
        way = "higher is better" if self.direction is Direction.HIGHER_IS_BETTER else "higher is riskier"
        return f"{self.interval}, {way}"


@dataclass(frozen=True)
class Level:
    """A sub-level inside a grade (seed 003: A, A-, B+, B, B-, … by "+/-" fine-tuning)."""

    name: str
    interval: Interval


@dataclass(frozen=True)
class Grade:
    """One grade; ``interval`` is None in a categorical scheme, where ``category`` selects it."""

    name: str
    label: str
    interval: Interval | None
    ladder: int
    levels: tuple[Level, ...] = ()
    category: str | None = None


@dataclass(frozen=True)
class Override:
    """A fact that forces a grade whatever the score; ``note`` cites the seed."""

    flag: str
    forces: str
    note: str


@dataclass(frozen=True)
class GradingScheme:
    id: str
    name: str
    source: str
    kind: SchemeKind
    scale: Scale | None  # None exactly when categorical
    disclosure: Disclosure
    cycle: str
    validity_days: int
    evaluator: str
    grades: tuple[Grade, ...]  # best → worst
    overrides: tuple[Override, ...] = ()
    categorical: bool = False

    @property
    def grade_names(self) -> tuple[str, ...]:
        return tuple(grade.name for grade in self.grades)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.category for g in self.grades if g.category is not None))

    def grade(self, name: str) -> Grade:
        for grade in self.grades:
            if grade.name == name:
                return grade
        raise KeyError(f"{self.id} has no grade {name!r}; grades: {', '.join(self.grade_names)}")

    def rank(self, grade: str) -> int:
        """0 for the best grade, growing towards the worst."""
        return self.grades.index(self.grade(grade))

    def rung(self, grade_or_level: str) -> int:
        """The common-ladder rung of a grade, or of the grade a sub-level belongs to."""
        for grade in self.grades:
            if grade.name == grade_or_level or any(lv.name == grade_or_level for lv in grade.levels):
                return grade.ladder
        levels = [lv.name for g in self.grades for lv in g.levels]
        known = ", ".join(self.grade_names) + (f" (levels {', '.join(levels)})" if levels else "")
        raise ValueError(f"{grade_or_level!r} is not a grade of {self.id}; grades: {known}")


class SchemeRegistry:
    """The grading schemes a hub knows, by id.

    The presets shipped in the package load first; ``extra_dir`` (the composition root passes
    ``HUB_SCHEMES_DIR``) then adds a department's own schemes, and a file there with a preset's id
    replaces that preset — e.g. a ``henan-market-risk.yaml`` whose HIGH_ATTENTION_INDUSTRY forces D.
    """

    def __init__(self, extra_dir: str | os.PathLike[str] | None = None, *,
                 presets_dir: str | os.PathLike[str] = PRESETS_DIR) -> None:
        self._schemes: dict[str, GradingScheme] = {}
        self._paths: dict[str, Path] = {}
        for directory in (presets_dir, extra_dir):
            if directory is None or os.fspath(directory) == "":  # an empty HUB_SCHEMES_DIR means none
                continue
            folder = Path(directory)
            if not folder.is_dir():
                raise SchemeError(folder, None, "is not a directory of grading scheme files (*.yaml)")
            for path in sorted(folder.glob("*.yaml")):
                scheme = load_scheme(path)
                self._schemes[scheme.id], self._paths[scheme.id] = scheme, path

    def get(self, scheme_id: str) -> GradingScheme:
        try:
            return self._schemes[scheme_id]
        except KeyError:
            known = ", ".join(sorted(self._schemes)) or "none"
            raise UnknownScheme(f"unknown grading scheme {scheme_id!r}; known schemes: {known}") from None

    def all(self) -> tuple[GradingScheme, ...]:
        return tuple(self._schemes[key] for key in sorted(self._schemes))

    def path_of(self, scheme_id: str) -> Path:
        """The file a scheme was loaded from (a preset, or the department's replacement)."""
        self.get(scheme_id)
        return self._paths[scheme_id]

    def __contains__(self, scheme_id: object) -> bool:
        return scheme_id in self._schemes

    def __len__(self) -> int:
        return len(self._schemes)


# ---- classify ---------------------------------------------------------------------------------

def accepted_flags(scheme: GradingScheme) -> tuple[str, ...]:
    accepted = sorted(OVERRIDE_FLAGS)
    if scheme.categorical:
        accepted += [CATEGORY_PREFIX + c for c in scheme.categories] + [GRADE_PREFIX + g for g in scheme.grade_names]
    return tuple(accepted)


def classify(scheme: GradingScheme, score: float | None, flags: Iterable[str] = ()) -> Classification:
    """The grade ``score`` (or, in a categorical scheme, the category flag) gets, with its reasons.

    Overrides then apply: the worst grade any present override forces wins, and an override never
    improves a grade — if the grade is already worse, it stays and the reasons say so.
    """
    if isinstance(flags, str):
        raise UnknownFlag(f"flags must be a list of flags, not the single string {flags!r}")
    given = tuple(dict.fromkeys(flags))
    for flag in given:
        if flag not in accepted_flags(scheme):
            raise UnknownFlag(f"unknown flag {flag!r} for {scheme.id}; accepted: {', '.join(accepted_flags(scheme))}")
    if scheme.categorical:
        grade, level, reasons = _by_category(scheme, score, given)
    else:
        grade, level, reasons = _by_score(scheme, score)
    return _apply_overrides(scheme, grade, level, reasons, [f for f in given if f in OVERRIDE_FLAGS])


def _by_score(scheme: GradingScheme, score: float | None) -> tuple[Grade, str | None, list[str]]:
    scale = scheme.scale
    assert scale is not None  # only categorical schemes lack one (checked at load)
    if score is None:
        raise ScoreOutOfScale(f"{scheme.id} grades a score in {scale.describe()}; no score was given")
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise ScoreOutOfScale(f"score {score!r} is not a number; {scheme.id} grades scores in {scale.describe()}")
    if not math.isfinite(score) or not scale.interval.contains(score):
        raise ScoreOutOfScale(f"score {score!r} is outside the scale of {scheme.id}: its scores lie in "
                              f"{scale.describe()}")
    shown = format_number(score)
    grade = next(g for g in scheme.grades if g.interval is not None and g.interval.contains(score))
    reasons = [f"score {shown} is in {grade.interval}: {grade.name}"]
    level = next((lv for lv in grade.levels if lv.interval.contains(score)), None)
    if level is not None:
        reasons.append(f"score {shown} is in {level.interval}: level {level.name}")
    return grade, level.name if level else None, reasons


def _by_category(scheme: GradingScheme, score: float | None,
                 flags: Sequence[str]) -> tuple[Grade, str | None, list[str]]:
    options = ", ".join(CATEGORY_PREFIX + c for c in scheme.categories)
    if score is not None:
        raise ClassifyError(f"{scheme.id} grades by category, not by score: give no score and one of {options}")
    categories = [f.removeprefix(CATEGORY_PREFIX) for f in flags if f.startswith(CATEGORY_PREFIX)]
    chosen = [f.removeprefix(GRADE_PREFIX) for f in flags if f.startswith(GRADE_PREFIX)]
    if len(categories) != 1:
        raise ClassifyError(f"{scheme.id} needs exactly one category flag ({options}); "
                            f"given: {', '.join(categories) or 'none'}")
    category = categories[0]
    candidates = [g for g in scheme.grades if g.category == category]
    names = " or ".join(g.name for g in candidates)
    if len(chosen) > 1 or (chosen and scheme.grade(chosen[0]) not in candidates):
        raise ClassifyError(f"category {category} admits {names} only; given "
                            f"{', '.join(GRADE_PREFIX + c for c in chosen)}")
    if chosen:
        grade = scheme.grade(chosen[0])
        reason = f"category {category} admits {names}; {GRADE_PREFIX}{grade.name} chose {grade.name}"
    elif len(candidates) == 1:
        grade = candidates[0]
        reason = f"category {category}: {grade.name}"
    else:
        choices = " or ".join(GRADE_PREFIX + g.name for g in candidates)
        raise ClassifyError(f"category {category} admits {names} under {scheme.id}; add {choices} to choose")
    return grade, None, [f"{reason} ({scheme.source})"]


def _apply_overrides(scheme: GradingScheme, grade: Grade, level: str | None, reasons: list[str],
                     flags: Sequence[str]) -> Classification:
    present = [o for o in scheme.overrides if o.flag in flags]
    for flag in sorted(set(flags) - {o.flag for o in present}):
        reasons.append(f"{FLAG_DESCRIPTIONS[flag]}: no override under {scheme.id}")
    worst = max(present, key=lambda o: scheme.rank(o.forces), default=None)  # the first of the worst
    if worst is None or scheme.rank(worst.forces) <= scheme.rank(grade.name):
        for o in present:
            already = ("; the grade is already " + o.forces if o.forces == grade.name else
                       f", but the grade is already the worse {grade.name}: an override never improves a grade")
            reasons.append(f"{FLAG_DESCRIPTIONS[o.flag]}: forces {o.forces} ({o.note}){already}")
        return Classification(scheme.id, grade.name, level, grade.ladder, tuple(reasons))
    final = scheme.grade(worst.forces)
    for o in present:
        said = FLAG_DESCRIPTIONS[o.flag]
        if o is worst:
            reasons.append(f"{said}: forced to {o.forces} ({o.note})")
        elif o.forces == final.name:
            reasons.append(f"{said}: also forces {o.forces} ({o.note})")
        else:
            reasons.append(f"{said}: forces {o.forces} ({o.note}), outweighed by the worse {final.name}")
    # No score lies inside a forced grade: name a level only when the grade has just one.
    forced_level = final.levels[0].name if len(final.levels) == 1 else None
    return Classification(scheme.id, final.name, forced_level, final.ladder, tuple(reasons), overridden_by=worst.flag)


# ---- reading a scheme file --------------------------------------------------------------------

class _Problem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class _Map(dict[str, Any]):
    """A YAML mapping that remembers its start line and the line of each key (1-based)."""

    line: int = 1
    key_lines: dict[str, int]

    def at(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Seq(list[Any]):
    line: int = 1


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that records where every mapping, sequence and mapping key starts."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    mapping = _Map()
    mapping.line, mapping.key_lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key, line = loader.construct_object(key_node, deep=True), key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise _Problem(line, f"key {key!r} is not a name")
        if key in mapping:
            raise _Problem(line, f"key {key!r} appears twice (first on line {mapping.key_lines[key]})")
        mapping[key], mapping.key_lines[key] = loader.construct_object(value_node, deep=True), line
    return mapping


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> _Seq:
    sequence = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    sequence.line = node.start_mark.line + 1
    return sequence


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_scheme(path: str | os.PathLike[str]) -> GradingScheme:
    """Read and validate one scheme file; raise SchemeError naming the file and the line."""
    path = Path(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
        return _build(document, path.stem)
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemeError(path, None, f"cannot be read: {exc}") from exc
    except yaml.MarkedYAMLError as exc:
        mark, context = exc.problem_mark or exc.context_mark, exc.context_mark
        where = f" ({exc.context} on line {context.line + 1})" if exc.context and context else ""
        raise SchemeError(path, mark.line + 1 if mark else None, f"YAML syntax error: {exc.problem}{where}") from exc
    except yaml.YAMLError as exc:
        raise SchemeError(path, None, f"YAML error: {exc}") from exc
    except _Problem as problem:
        raise SchemeError(path, problem.line, problem.message) from None


def _keys(m: _Map, what: str, required: Sequence[str], optional: Sequence[str] = ()) -> None:
    allowed = [*required, *optional]
    for key in m:
        if key not in allowed:
            raise _Problem(m.at(key), f"unknown key {key!r} in {what}; expected {', '.join(allowed)}")
    missing = [key for key in required if key not in m]
    if missing:
        raise _Problem(m.line, f"{what} is missing {', '.join(missing)}")


def _text(m: _Map, key: str, what: str) -> str:
    value = m[key]
    if not isinstance(value, str) or not value.strip():
        raise _Problem(m.at(key), f"{what}: {key} must be non-empty text, not {value!r}")
    return value.strip()


def _number(m: _Map, key: str, what: str) -> float:
    value = m[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Problem(m.at(key), f"{what}: {key} must be a number, not {value!r}")
    return float(value)


def _choice(m: _Map, key: str, what: str, choices: Iterable[str]) -> str:
    names = [str(choice) for choice in choices]
    if m[key] not in names:
        raise _Problem(m.at(key), f"{what}: {key} {m[key]!r} is not one of {', '.join(names)}")
    return str(m[key])


def _maps(m: _Map, key: str, what: str, *, may_be_empty: bool = False) -> list[_Map]:
    value = m[key]
    if not isinstance(value, _Seq) or not (value or may_be_empty):
        raise _Problem(m.at(key), f"{key} must be a {'' if may_be_empty else 'non-empty '}list of {what}s")
    for item in value:
        if not isinstance(item, _Map):
            raise _Problem(value.line, f"each of {key} must be a mapping, not {item!r}")
    return list(value)


def _interval(m: _Map, what: str) -> Interval:
    value = m["interval"]
    try:
        if not isinstance(value, str):
            raise ValueError(f'{value!r} must be quoted interval notation like "(85, 100]"')
        return Interval.parse(value)
    except ValueError as exc:
        raise _Problem(m.at("interval"), f"{what} interval {exc}") from None


def _build(document: object, stem: str) -> GradingScheme:
    if not isinstance(document, _Map):
        raise _Problem(1, "a scheme file holds one mapping (id, name, scale, grades, …)")
    _keys(document, "the scheme", ("id", "name", "source", "kind", "disclosure", "cycle", "validity_days",
                                   "evaluator", "grades"), ("categorical", "scale", "overrides"))
    scheme_id = _text(document, "id", "the scheme")
    if scheme_id != stem:
        raise _Problem(document.at("id"), f"id {scheme_id!r} must match the file name ({stem}.yaml)")
    categorical = document.get("categorical", False)
    if not isinstance(categorical, bool):
        raise _Problem(document.at("categorical"), f"categorical must be true or false, not {categorical!r}")
    if categorical == ("scale" in document):
        raise _Problem(document.at("scale") if categorical else document.line,
                       "a categorical scheme has no scale" if categorical else "the scheme is missing scale")
    scale = None if categorical else _scale(document)
    grade_maps = _maps(document, "grades", "grade")
    grades = tuple(_grade(m, categorical) for m in grade_maps)
    _check_grades(grades, grade_maps, scale)
    validity = document["validity_days"]
    if isinstance(validity, bool) or not isinstance(validity, int) or validity < 1:
        raise _Problem(document.at("validity_days"), f"validity_days must be a whole number of days, not {validity!r}")
    return GradingScheme(
        id=scheme_id, name=_text(document, "name", "the scheme"), source=_text(document, "source", "the scheme"),
        kind=SchemeKind(_choice(document, "kind", "the scheme", SchemeKind)), scale=scale,
        disclosure=Disclosure(_choice(document, "disclosure", "the scheme", Disclosure)),
        cycle=_choice(document, "cycle", "the scheme", CYCLES), validity_days=validity,
        evaluator=_text(document, "evaluator", "the scheme"), grades=grades,
        overrides=_overrides(document, grades), categorical=categorical)


def _scale(document: _Map) -> Scale:
    m = document["scale"]
    if not isinstance(m, _Map):
        raise _Problem(document.at("scale"), "scale must be a mapping with min, max and direction")
    _keys(m, "the scale", ("min", "max", "direction"))
    low, high = _number(m, "min", "the scale"), _number(m, "max", "the scale")
    if low >= high:
        raise _Problem(m.at("max"), f"the scale: max {format_number(high)} must be above min {format_number(low)}")
    return Scale(low, high, Direction(_choice(m, "direction", "the scale", Direction)))


def _grade(m: _Map, categorical: bool) -> Grade:
    what = f"grade {m['name']}" if isinstance(m.get("name"), str) else "a grade"
    _keys(m, what, ("name", "label", "category" if categorical else "interval", "ladder"),
          () if categorical else ("levels",))
    ladder = m["ladder"]
    if isinstance(ladder, bool) or not isinstance(ladder, int) or ladder not in LADDER_RUNGS:
        raise _Problem(m.at("ladder"), f"{what}: ladder {ladder!r} must be a rung from 1 (best) to 5 (worst)")
    levels: list[Level] = []
    for level in _maps(m, "levels", "level") if "levels" in m else []:
        level_what = f"level {level['name']} of {what}" if isinstance(level.get("name"), str) else f"a level of {what}"
        _keys(level, level_what, ("name", "interval"))
        levels.append(Level(_text(level, "name", level_what), _interval(level, level_what)))
    return Grade(name=_text(m, "name", what), label=_text(m, "label", what),
                 interval=None if categorical else _interval(m, what), ladder=ladder, levels=tuple(levels),
                 category=_text(m, "category", what) if categorical else None)


def _check_grades(grades: tuple[Grade, ...], maps: list[_Map], scale: Scale | None) -> None:
    seen: dict[str, int] = {}
    for grade, m, previous in zip(grades, maps, (None, *grades), strict=False):
        if grade.name in seen:
            raise _Problem(m.line, f"grade {grade.name} appears twice (first on line {seen[grade.name]})")
        seen[grade.name] = m.line
        if previous is not None and grade.ladder < previous.ladder:
            raise _Problem(m.at("ladder"), f"grade {grade.name} is on ladder rung {grade.ladder}, better than "
                           f"{previous.name} above it ({previous.ladder}); grades go best → worst, so rungs "
                           f"must not decrease")
    if scale is None:
        return
    _check_partition([(g.name, g.interval, m.line) for g, m in zip(grades, maps, strict=True) if g.interval],
                     scale.interval, "the scale", scale.direction, "grade")
    level_names: dict[str, str] = {}
    for grade, m in zip(grades, maps, strict=True):
        level_lines = {lv.name: lv_map.line for lv, lv_map in zip(grade.levels, m.get("levels", []), strict=False)}
        for level in grade.levels:
            if level.name in level_names or (level.name in seen and level.name != grade.name):
                raise _Problem(level_lines[level.name], f"level {level.name} of grade {grade.name} reuses the "
                               f"name of {level_names.get(level.name, 'a grade')}; level names must be unique")
            level_names[level.name] = f"level {level.name} of grade {grade.name}"
        if grade.levels and grade.interval:
            _check_partition([(lv.name, lv.interval, level_lines[lv.name]) for lv in grade.levels],
                             grade.interval, f"grade {grade.name}", scale.direction, "level")


def _span(interval: Interval) -> str:
    return f"the score {format_number(interval.low)} is" if interval.is_point else f"scores {interval} are"


def _check_partition(parts: list[tuple[str, Interval, int]], whole: Interval, whole_name: str,
                     direction: Direction, noun: str) -> None:
    """The parts must cover ``whole`` with no gap and no overlap, listed best → worst."""
    for name, interval, line in parts:
        if not interval.within(whole):
            raise _Problem(line, f"{noun} {name} {interval} is outside {whole_name} {whole}")
    ordered = sorted(parts, key=lambda part: (part[1].low, not part[1].low_closed))
    (_, low, low_line), (_, high, high_line) = ordered[0], ordered[-1]
    if (low.low, low.low_closed) != (whole.low, whole.low_closed):
        gap = Interval(whole.low, low.low, whole.low_closed, not low.low_closed)
        raise _Problem(low_line, f"{_span(gap)} in no {noun}: the {noun}s must cover {whole_name} {whole}")
    if (high.high, high.high_closed) != (whole.high, whole.high_closed):
        gap = Interval(high.high, whole.high, not high.high_closed, whole.high_closed)
        raise _Problem(high_line, f"{_span(gap)} in no {noun}: the {noun}s must cover {whole_name} {whole}")
    for (a, ia, line_a), (b, ib, line_b) in pairwise(ordered):
        first, second = sorted([(line_a, a, ia), (line_b, b, ib)])  # name the pair in file order
        pair = f"{noun}s {first[1]} {first[2]} (line {first[0]}) and {second[1]} {second[2]} (line {second[0]})"
        if ia.high < ib.low or (ia.high == ib.low and not ia.high_closed and not ib.low_closed):
            gap = Interval(ia.high, ib.low, not ia.high_closed, not ib.low_closed)
            raise _Problem(max(line_a, line_b), f"gap between {pair}: {_span(gap)} in no {noun}")
        if ia.high > ib.low or (ia.high == ib.low and ia.high_closed and ib.low_closed):
            top = min(ia.high, ib.high)
            both = Interval(ib.low, top, ib.low_closed and ia.contains(ib.low), ia.contains(top) and ib.contains(top))
            raise _Problem(max(line_a, line_b), f"{pair} overlap: {_span(both)} in both")
    expected = ordered if direction is Direction.HIGHER_IS_RISKIER else ordered[::-1]
    for (name, interval, line), (wanted, wanted_interval, _) in zip(parts, expected, strict=True):
        if name != wanted:
            raise _Problem(line, f"{noun}s must be listed best → worst ({direction.value}): {wanted} "
                           f"{wanted_interval} must come before {name} {interval}")


def _overrides(document: _Map, grades: tuple[Grade, ...]) -> tuple[Override, ...]:
    overrides: list[Override] = []
    names = [grade.name for grade in grades]
    for m in _maps(document, "overrides", "override", may_be_empty=True) if "overrides" in document else []:
        _keys(m, "an override", ("flag", "forces", "note"))
        flag = _text(m, "flag", "an override")
        if flag not in OVERRIDE_FLAGS:
            known = ", ".join(sorted(OVERRIDE_FLAGS))
            raise _Problem(m.at("flag"), f"unknown override flag {flag!r}; known flags: {known}")
        if any(o.flag == flag for o in overrides):
            raise _Problem(m.at("flag"), f"override {flag} appears twice")
        forces = _text(m, "forces", f"override {flag}")
        if forces not in names:
            raise _Problem(m.at("forces"), f"override {flag} forces {forces!r}, which is not a grade of this "
                           f"scheme (grades: {', '.join(names)})")
        overrides.append(Override(flag, forces, _text(m, "note", f"override {flag}")))
    return tuple(overrides)
