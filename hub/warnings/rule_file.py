"""Reading a warning rule file: ``load_rule`` and the checks a rule must pass.

The format (one mapping per file, the file named after the id)::

    id: serious-penalty                  # = the file name
    title: 严重行政处罚
    source: seed 001 §二.(一).2 …         # what the rule encodes, cited
    kind: SERIOUS_PENALTY                # the detector (hub.warnings.rules.RuleKind)
    level: HIGH                          # HIGH, MEDIUM or LOW
    enabled: true                        # optional (default true)
    departments: [410425-SCJG]           # optional: only warnings routed to these departments
    parameters:                          # what the kind takes (hub.warnings.rules.PARAMETERS)
      severities: [SERIOUS]
      min_amount_wan_yuan: 10

A mistake is refused with ``RuleError`` naming the file and the line (``hub.datafile``), since
departments write these files by hand.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from hub.datafile import FileProblem, LineMap, LineSeq, read_data_file, require_keys, text
from hub.grading.schemes import LADDER_RUNGS
from hub.models import RecordKind, Severity
from hub.warnings.rules import LIST_KINDS, PARAMETERS, Level, Parameters, RuleError, RuleKind, WarningRule


def load_rule(path: str | os.PathLike[str]) -> WarningRule:
    """Read and validate one rule file; raise RuleError naming the file and the line."""
    stem = Path(path).stem
    return read_data_file(path, lambda document: _build(document, stem), RuleError, parser_context=True)


def _build(document: object, stem: str) -> WarningRule:
    if not isinstance(document, LineMap):
        raise FileProblem(1, "a warning rule file holds one mapping (id, title, source, kind, level, parameters)")
    require_keys(document, "the rule", ("id", "title", "source", "kind", "level"),
                 ("enabled", "departments", "parameters"))
    rule_id = text(document, "id", "the rule")
    if rule_id != stem:
        raise FileProblem(document.at("id"), f"id {rule_id!r} must match the file name ({stem}.yaml)")
    kind = _choice(document, "kind", f"rule {rule_id}", RuleKind)
    level = _choice(document, "level", f"rule {rule_id}", Level)
    enabled = document.get("enabled", True)
    if not isinstance(enabled, bool):
        raise FileProblem(document.at("enabled"), f"rule {rule_id}: enabled must be true or false, not {enabled!r}")
    departments = None
    if "departments" in document:
        departments = frozenset(_names(document, "departments", f"rule {rule_id}"))
    return WarningRule(id=rule_id, title=text(document, "title", f"rule {rule_id}"),
                       source=text(document, "source", f"rule {rule_id}"), kind=RuleKind(kind), level=Level(level),
                       parameters=_parameters(document, RuleKind(kind), rule_id), enabled=enabled,
                       departments=departments)


def _parameters(document: LineMap, kind: RuleKind, rule_id: str) -> Parameters:
    required, optional = PARAMETERS[kind]
    given = document.get("parameters", LineMap())
    if not isinstance(given, LineMap):
        raise FileProblem(document.at("parameters"), f"rule {rule_id}: parameters must be a mapping")
    require_keys(given, f"the parameters of rule {rule_id} ({kind.value})", required, optional)
    what = f"rule {rule_id}"
    values: dict[str, Any] = {}
    for key in given:
        values[key] = _READERS[key](given, key, what)
    if kind in (RuleKind.REPRESENTATIVE_CLUSTER,) and not ({"min_penalties", "min_amount_wan_yuan"} & set(given)):
        raise FileProblem(given.line, f"{what}: a {kind.value} rule needs min_penalties or min_amount_wan_yuan "
                                      "(or both: either crossing raises the warning)")
    if kind is RuleKind.SERIOUS_PENALTY and not ({"severities", "min_amount_wan_yuan"} & set(given)):
        raise FileProblem(given.line, f"{what}: a {kind.value} rule needs severities or min_amount_wan_yuan "
                                      "(or both: either makes a penalty serious)")
    return Parameters(**values)


def _choice(m: LineMap, key: str, what: str, choices: Any) -> str:
    names = [str(choice) for choice in choices]
    if m[key] not in names:
        raise FileProblem(m.at(key), f"{what}: {key} {m[key]!r} is not one of {', '.join(names)}")
    return str(m[key])


def _names(m: LineMap, key: str, what: str) -> list[str]:
    value = m[key]
    if not isinstance(value, LineSeq) or not value:
        raise FileProblem(m.at(key), f"{what}: {key} must be a non-empty list")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise FileProblem(m.at(key), f"{what}: each of {key} must be non-empty text, not {item!r}")
    return [item.strip() for item in value]


def _whole(m: LineMap, key: str, what: str, low: int, high: int | None = None) -> int:
    value = m[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise FileProblem(m.at(key), f"{what}: {key} must be a whole number {limits}, not {value!r}")
    return value


def _number(m: LineMap, key: str, what: str, low: float, high: float | None = None) -> float:
    value = m[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < low or (
            high is not None and value > high):
        limits = f"between {low:g} and {high:g}" if high is not None else f"of at least {low:g}"
        raise FileProblem(m.at(key), f"{what}: {key} must be a number {limits}, not {value!r}")
    return float(value)


def _severities(m: LineMap, key: str, what: str) -> frozenset[Severity]:
    names = _names(m, key, what)
    unknown = [name for name in names if name not in Severity.__members__]
    if unknown:
        raise FileProblem(m.at(key), f"{what}: {key} names {', '.join(unknown)}; severities are "
                                     f"{', '.join(Severity)}")
    return frozenset(Severity(name) for name in names)


def _lists(m: LineMap, key: str, what: str) -> frozenset[RecordKind]:
    names = _names(m, key, what)
    allowed = sorted(kind.value for kind in LIST_KINDS)
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise FileProblem(m.at(key), f"{what}: {key} names {', '.join(unknown)}; the lists are {', '.join(allowed)}")
    return frozenset(RecordKind(name) for name in names)


_READERS: dict[str, Any] = {
    "fresh_days": lambda m, k, w: _whole(m, k, w, 1),
    "severities": _severities,
    "min_amount_wan_yuan": lambda m, k, w: _number(m, k, w, 0.0),
    "lists": _lists,
    "min_rungs": lambda m, k, w: _whole(m, k, w, 1, max(LADDER_RUNGS) - 1),
    "schemes": lambda m, k, w: frozenset(_names(m, k, w)),
    "min_penalties": lambda m, k, w: _whole(m, k, w, 1),
    "min_departments": lambda m, k, w: _whole(m, k, w, 1),
    "months": lambda m, k, w: _whole(m, k, w, 1, 120),
    "more_than": lambda m, k, w: _whole(m, k, w, 1),
    "min_poor": lambda m, k, w: _whole(m, k, w, 1),
    "poor_rung": lambda m, k, w: _whole(m, k, w, min(LADDER_RUNGS), max(LADDER_RUNGS)),
    "max_fan_out": lambda m, k, w: _whole(m, k, w, 1, 10_000),
    "due_working_days": lambda m, k, w: _whole(m, k, w, 1, 365),
    "below": lambda m, k, w: _number(m, k, w, 0.0, 1.0),
    "min_rows": lambda m, k, w: _whole(m, k, w, 1),
}
assert set(_READERS) == {name for required, optional in PARAMETERS.values() for name in (*required, *optional)}
