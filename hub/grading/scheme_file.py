"""Reading a grading scheme file: ``load_scheme`` and the checks a scheme must pass.

The file format is described in ``hub.grading.schemes``, which holds the dataclasses built here and
re-exports ``load_scheme``. A malformed file is refused with ``SchemeError`` naming the file and the
line of the offending part (``hub.datafile``), since departments write these files by hand.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

from hub.datafile import FileProblem, LineMap, LineSeq, read_data_file, require_keys, text
from hub.disclosure import Disclosure
from hub.exchange import levels
from hub.grading.schemes import (
    CYCLES,
    LADDER_RUNGS,
    Direction,
    Grade,
    GradingScheme,
    Interval,
    Level,
    Override,
    Scale,
    SchemeError,
    SchemeKind,
    format_number,
)
from hub.grading.types import OVERRIDE_FLAGS


def load_scheme(path: str | os.PathLike[str]) -> GradingScheme:
    """Read and validate one scheme file; raise SchemeError naming the file and the line."""
    stem = Path(path).stem
    return read_data_file(path, lambda document: _build(document, stem), SchemeError, parser_context=True)


def _number(m: LineMap, key: str, what: str) -> float:
    value = m[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FileProblem(m.at(key), f"{what}: {key} must be a number, not {value!r}")
    return float(value)


def _choice(m: LineMap, key: str, what: str, choices: Iterable[str]) -> str:
    names = [str(choice) for choice in choices]
    if m[key] not in names:
        raise FileProblem(m.at(key), f"{what}: {key} {m[key]!r} is not one of {', '.join(names)}")
    return str(m[key])


def _maps(m: LineMap, key: str, what: str, *, may_be_empty: bool = False) -> list[LineMap]:
    value = m[key]
    if not isinstance(value, LineSeq) or not (value or may_be_empty):
        raise FileProblem(m.at(key), f"{key} must be a {'' if may_be_empty else 'non-empty '}list of {what}s")
    for item in value:
        if not isinstance(item, LineMap):
            raise FileProblem(value.line, f"each of {key} must be a mapping, not {item!r}")
    return list(value)


def _interval(m: LineMap, what: str) -> Interval:
    value = m["interval"]
    try:
        if not isinstance(value, str):
            raise ValueError(f'{value!r} must be quoted interval notation like "(85, 100]"')
        return Interval.parse(value)
    except ValueError as exc:
        raise FileProblem(m.at("interval"), f"{what} interval {exc}") from None


def _build(document: object, stem: str) -> GradingScheme:
    if not isinstance(document, LineMap):
        raise FileProblem(1, "a scheme file holds one mapping (id, name, scale, grades, …)")
    require_keys(document, "the scheme", ("id", "name", "source", "kind", "disclosure", "cycle", "validity_days",
                                   "evaluator", "grades"), ("categorical", "scale", "overrides", "owner",
                                                               "reserved_to"))
    scheme_id = text(document, "id", "the scheme")
    if scheme_id != stem:
        raise FileProblem(document.at("id"), f"id {scheme_id!r} must match the file name ({stem}.yaml)")
    categorical = document.get("categorical", False)
    if not isinstance(categorical, bool):
        raise FileProblem(document.at("categorical"), f"categorical must be true or false, not {categorical!r}")
    if categorical == ("scale" in document):
        raise FileProblem(document.at("scale") if categorical else document.line,
                       "a categorical scheme has no scale" if categorical else "the scheme is missing scale")
    scale = None if categorical else _scale(document)
    grade_maps = _maps(document, "grades", "grade")
    grades = tuple(_grade(m, categorical) for m in grade_maps)
    _check_grades(grades, grade_maps, scale)
    validity = document["validity_days"]
    if isinstance(validity, bool) or not isinstance(validity, int) or validity < 1:
        raise FileProblem(document.at("validity_days"),
                          f"validity_days must be a whole number of days, not {validity!r}")
    return GradingScheme(
        id=scheme_id, name=text(document, "name", "the scheme"), source=text(document, "source", "the scheme"),
        kind=SchemeKind(_choice(document, "kind", "the scheme", SchemeKind)), scale=scale,
        disclosure=Disclosure(_choice(document, "disclosure", "the scheme", Disclosure)),
        cycle=_choice(document, "cycle", "the scheme", CYCLES), validity_days=validity,
        evaluator=text(document, "evaluator", "the scheme"), grades=grades,
        overrides=_overrides(document, grades), categorical=categorical, owner=_owner(document),
        reserved_to=_reserved_to(document))


def _reserved_to(document: LineMap) -> str | None:
    """``reserved_to``: the lowest platform level that may issue the scheme's evaluations (hub.exchange.levels),
    e.g. ``province`` for the public credit evaluation (seed 000 §二.(一)); absent: any level."""
    if "reserved_to" not in document:
        return None
    return _choice(document, "reserved_to", "the scheme", levels.LEVELS)


def _owner(document: LineMap) -> str:
    """``owner``: the department that owns the scheme's evaluations (hub.authority) — a code such as
    410425-SCJG, {region}-SCJG for the hub's own region — or "platform" (the default): the credit
    platform the hub runs, whose credit office decides objections to them (seed 000 §四.(二))."""
    if "owner" not in document:
        return "platform"
    owner = text(document, "owner", "the scheme")
    if re.search(r"\s", owner):
        raise FileProblem(document.at("owner"), f"owner {owner!r} must be a department code like 410425-SCJG, "
                          "{region}-SCJG, or platform")
    return owner


def _scale(document: LineMap) -> Scale:
    m = document["scale"]
    if not isinstance(m, LineMap):
        raise FileProblem(document.at("scale"), "scale must be a mapping with min, max and direction")
    require_keys(m, "the scale", ("min", "max", "direction"))
    low, high = _number(m, "min", "the scale"), _number(m, "max", "the scale")
    if low >= high:
        raise FileProblem(m.at("max"), f"the scale: max {format_number(high)} must be above min {format_number(low)}")
    return Scale(low, high, Direction(_choice(m, "direction", "the scale", Direction)))


def _grade(m: LineMap, categorical: bool) -> Grade:
    what = f"grade {m['name']}" if isinstance(m.get("name"), str) else "a grade"
    require_keys(m, what, ("name", "label", "category" if categorical else "interval", "ladder"),
          () if categorical else ("levels",))
    ladder = m["ladder"]
    if isinstance(ladder, bool) or not isinstance(ladder, int) or ladder not in LADDER_RUNGS:
        raise FileProblem(m.at("ladder"), f"{what}: ladder {ladder!r} must be a rung from 1 (best) to 5 (worst)")
    levels: list[Level] = []
    for level in _maps(m, "levels", "level") if "levels" in m else []:
        level_what = f"level {level['name']} of {what}" if isinstance(level.get("name"), str) else f"a level of {what}"
        require_keys(level, level_what, ("name", "interval"))
        levels.append(Level(text(level, "name", level_what), _interval(level, level_what)))
    return Grade(name=text(m, "name", what), label=text(m, "label", what),
                 interval=None if categorical else _interval(m, what), ladder=ladder, levels=tuple(levels),
                 category=text(m, "category", what) if categorical else None)


def _check_grades(grades: tuple[Grade, ...], maps: list[LineMap], scale: Scale | None) -> None:
    seen: dict[str, int] = {}
    for grade, m, previous in zip(grades, maps, (None, *grades), strict=False):
        if grade.name in seen:
            raise FileProblem(m.line, f"grade {grade.name} appears twice (first on line {seen[grade.name]})")
        seen[grade.name] = m.line
        if previous is not None and grade.ladder < previous.ladder:
            raise FileProblem(m.at("ladder"), f"grade {grade.name} is on ladder rung {grade.ladder}, better than "
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
                raise FileProblem(level_lines[level.name], f"level {level.name} of grade {grade.name} reuses the "
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
            raise FileProblem(line, f"{noun} {name} {interval} is outside {whole_name} {whole}")
    ordered = sorted(parts, key=lambda part: (part[1].low, not part[1].low_closed))
    (_, low, low_line), (_, high, high_line) = ordered[0], ordered[-1]
    if (low.low, low.low_closed) != (whole.low, whole.low_closed):
        gap = Interval(whole.low, low.low, whole.low_closed, not low.low_closed)
        raise FileProblem(low_line, f"{_span(gap)} in no {noun}: the {noun}s must cover {whole_name} {whole}")
    if (high.high, high.high_closed) != (whole.high, whole.high_closed):
        gap = Interval(high.high, whole.high, not high.high_closed, whole.high_closed)
        raise FileProblem(high_line, f"{_span(gap)} in no {noun}: the {noun}s must cover {whole_name} {whole}")
    for (a, ia, line_a), (b, ib, line_b) in pairwise(ordered):
        first, second = sorted([(line_a, a, ia), (line_b, b, ib)])  # name the pair in file order
        pair = f"{noun}s {first[1]} {first[2]} (line {first[0]}) and {second[1]} {second[2]} (line {second[0]})"
        if ia.high < ib.low or (ia.high == ib.low and not ia.high_closed and not ib.low_closed):
            gap = Interval(ia.high, ib.low, not ia.high_closed, not ib.low_closed)
            raise FileProblem(max(line_a, line_b), f"gap between {pair}: {_span(gap)} in no {noun}")
        if ia.high > ib.low or (ia.high == ib.low and ia.high_closed and ib.low_closed):
            top = min(ia.high, ib.high)
            both = Interval(ib.low, top, ib.low_closed and ia.contains(ib.low), ia.contains(top) and ib.contains(top))
            raise FileProblem(max(line_a, line_b), f"{pair} overlap: {_span(both)} in both")
    expected = ordered if direction is Direction.HIGHER_IS_RISKIER else ordered[::-1]
    for (name, interval, line), (wanted, wanted_interval, _) in zip(parts, expected, strict=True):
        if name != wanted:
            raise FileProblem(line, f"{noun}s must be listed best → worst ({direction.value}): {wanted} "
                           f"{wanted_interval} must come before {name} {interval}")


def _overrides(document: LineMap, grades: tuple[Grade, ...]) -> tuple[Override, ...]:
    overrides: list[Override] = []
    names = [grade.name for grade in grades]
    for m in _maps(document, "overrides", "override", may_be_empty=True) if "overrides" in document else []:
        require_keys(m, "an override", ("flag", "forces", "note"))
        flag = text(m, "flag", "an override")
        if flag not in OVERRIDE_FLAGS:
            known = ", ".join(sorted(OVERRIDE_FLAGS))
            raise FileProblem(m.at("flag"), f"unknown override flag {flag!r}; known flags: {known}")
        if any(o.flag == flag for o in overrides):
            raise FileProblem(m.at("flag"), f"override {flag} appears twice")
        forces = text(m, "forces", f"override {flag}")
        if forces not in names:
            raise FileProblem(m.at("forces"), f"override {flag} forces {forces!r}, which is not a grade of this "
                           f"scheme (grades: {', '.join(names)})")
        overrides.append(Override(flag, forces, text(m, "note", f"override {flag}")))
    return tuple(overrides)
