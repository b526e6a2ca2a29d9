"""评价等级方案 — grading schemes as data, and the grade a score (or a category) gets under one.

A scheme is a YAML file named after its id (``presets/henan-public-credit.yaml``): its scale and
direction, its grades best → worst with intervals in interval notation exactly as the seed writes
them (``"(85, 100]"``, ``"[0, 200)"``), optional sub-levels inside a grade, the override flags that
force a grade, the disclosure tier of its results, its cycle and validity, and each grade's rung on
the common ladder (``hub.grading.ladder``). A malformed file is refused at load with the file and
the line of the offending part; the reading and its checks live in ``hub.grading.scheme_file``, and
``load_scheme`` is importable from here as well.

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
from pathlib import Path

from hub.datafile import DataFileError
from hub.disclosure import Disclosure
from hub.errors import BadInput, HubError, NotFound
from hub.exchange import levels
from hub.grading.types import (
    DISHONEST_EXECUTEE,
    HIGH_ATTENTION_INDUSTRY,
    HIGH_ATTENTION_INDUSTRY_D,
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
    HIGH_ATTENTION_INDUSTRY_D: "in an industry of high public concern (社会高度关注行业), decided D by the department",
}


class GradingError(HubError):
    """Base of the grading errors."""


class SchemeError(DataFileError, GradingError):
    """A scheme file (or the directory holding it) is malformed; ``.path``, ``.line``, ``.problem``."""


class UnknownScheme(NotFound, GradingError):
    exit_code = 2  # on the command line it is always an option naming a scheme: a usage error

    def __str__(self) -> str:  # LookupError would print the message quoted
        return str(self.args[0])


class ClassifyError(BadInput, GradingError):
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
    # Who owns the evaluations it makes (hub.authority): a department code, "{region}-SCJG" for the
    # hub's own region's department, or "platform" — the credit platform the hub runs.
    owner: str = "platform"
    # The lowest platform level that may issue its evaluations (hub.exchange.levels.may_issue); None: any.
    # Elsewhere a hub computes them as its own estimate, which never stands over the issuer's.
    reserved_to: str | None = None

    def issued_at(self, level: str | None) -> bool:
        """Whether an evaluation computed on a platform of ``level`` is issued under this scheme's name."""
        return levels.may_issue(level, self.reserved_to)

    def owner_in(self, region: str) -> str:
        """The owning department's code on a hub of ``region`` (or "platform")."""
        return self.owner.replace("{region}", region)

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


def load_scheme(path: str | os.PathLike[str]) -> GradingScheme:
    """Read and validate one scheme file; raise SchemeError naming the file and the line."""
    from hub.grading.scheme_file import load_scheme as read  # scheme_file imports this module

    return read(path)


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

    def rung_of(self, scheme_id: str, grade: str) -> int | None:
        """The grade's rung under the scheme (0 the best), or None when the scheme or grade is unknown here."""
        if scheme_id not in self:
            return None
        try:
            return self.get(scheme_id).rung(grade)
        except ValueError:
            return None

    def get(self, scheme_id: str) -> GradingScheme:
        try:
            return self._schemes[scheme_id]
        except KeyError:
            known = ", ".join(sorted(self._schemes)) or "none"
            raise UnknownScheme(f"unknown grading scheme {scheme_id!r}; known schemes: {known}") from None

    def all(self) -> tuple[GradingScheme, ...]:
        return tuple(self._schemes[key] for key in sorted(self._schemes))

    def of_kind(self, kind: SchemeKind) -> frozenset[str]:
        """The ids of the schemes of one kind (the market-risk ones: SchemeKind.MARKET_RISK)."""
        return frozenset(scheme_id for scheme_id, scheme in self._schemes.items() if scheme.kind is kind)

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
    accepted = accepted_flags(scheme) if given else ()
    for flag in given:
        if flag not in accepted:
            raise UnknownFlag(f"unknown flag {flag!r} for {scheme.id}; accepted: {', '.join(accepted)}")
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
    if not math.isfinite(score) or not scale.min <= score <= scale.max:  # the scale is closed
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
    about: list[str | None] = [None] * len(reasons)  # the override flag each reason speaks of
    if not flags:  # most subjects: the grade stands, and no reason speaks of a flag
        return Classification(scheme.id, grade.name, level, grade.ladder, tuple(reasons), reason_flags=tuple(about))

    def say(flag: str, text: str) -> None:
        reasons.append(text)
        about.append(flag)

    present = [o for o in scheme.overrides if o.flag in flags]
    for flag in sorted(set(flags) - {o.flag for o in present}):
        say(flag, f"{FLAG_DESCRIPTIONS[flag]}: no override under {scheme.id}")
    worst = max(present, key=lambda o: scheme.rank(o.forces), default=None)  # the first of the worst
    if worst is None or scheme.rank(worst.forces) <= scheme.rank(grade.name):
        for o in present:
            already = ("; the grade is already " + o.forces if o.forces == grade.name else
                       f", but the grade is already the worse {grade.name}: an override never improves a grade")
            say(o.flag, f"{FLAG_DESCRIPTIONS[o.flag]}: forces {o.forces} ({o.note}){already}")
        return Classification(scheme.id, grade.name, level, grade.ladder, tuple(reasons), reason_flags=tuple(about))
    final = scheme.grade(worst.forces)
    for o in present:
        said = FLAG_DESCRIPTIONS[o.flag]
        if o is worst:
            say(o.flag, f"{said}: forced to {o.forces} ({o.note})")
        elif o.forces == final.name:
            say(o.flag, f"{said}: also forces {o.forces} ({o.note})")
        else:
            say(o.flag, f"{said}: forces {o.forces} ({o.note}), outweighed by the worse {final.name}")
    # No score lies inside a forced grade: name a level only when the grade has just one.
    forced_level = final.levels[0].name if len(final.levels) == 1 else None
    return Classification(scheme.id, final.name, forced_level, final.ladder, tuple(reasons),
                          overridden_by=worst.flag, reason_flags=tuple(about))
