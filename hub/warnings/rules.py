"""预警规则 — warning rules as data: what each rule looks for, with which thresholds, citing its source.

A rule is a YAML file named after its id (``hub/warnings/presets/serious-penalty.yaml``); the reading
and its checks are in :mod:`hub.warnings.rule_file`. The presets load first, then the files in
``HUB_WARNING_RULES_DIR``: a department adds its own rules there, and a file with a preset's id replaces
that preset (``enabled: false`` switches a preset off).

Each rule has a ``kind`` — the detector that applies it (:mod:`hub.warnings.detectors`) — and the
parameters that kind takes. Three families (seed 001 §二.(一).2 "信用预警分析实时开展"; seed 002
§三.(四).1 "支撑信用风险预判预警"):

- **subject events**: a serious penalty, entry onto a list, a broken commitment, a grade falling,
  penalties from several departments;
- **graph signals** over legal representatives: a subject whose representative also represents (or
  represented) a subject that just entered a list; a person representing many subjects of which some
  are graded 差/D; a cluster of subjects sharing a representative whose combined penalties cross a
  threshold;
- **supervision signals**: an objection or a repair application past its due date; a department whose
  双公示 timeliness falls below a threshold.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from hub.datafile import DataFileError
from hub.models import RecordKind, Severity

PRESETS_DIR = Path(__file__).with_name("presets")


class RuleKind(StrEnum):
    """The detector a rule uses; each takes its own parameters (PARAMETERS below)."""

    SERIOUS_PENALTY = "SERIOUS_PENALTY"
    LIST_ENTRY = "LIST_ENTRY"
    BROKEN_COMMITMENT = "BROKEN_COMMITMENT"
    GRADE_FALL = "GRADE_FALL"
    PENALTIES_ACROSS_DEPARTMENTS = "PENALTIES_ACROSS_DEPARTMENTS"
    REPRESENTATIVE_OF_LISTED = "REPRESENTATIVE_OF_LISTED"
    REPRESENTATIVE_OF_POOR = "REPRESENTATIVE_OF_POOR"
    REPRESENTATIVE_CLUSTER = "REPRESENTATIVE_CLUSTER"
    OBJECTION_OVERDUE = "OBJECTION_OVERDUE"
    REPAIR_OVERDUE = "REPAIR_OVERDUE"
    REPORTING_TIMELINESS = "REPORTING_TIMELINESS"

    @property
    def family(self) -> str:
        if self in (RuleKind.OBJECTION_OVERDUE, RuleKind.REPAIR_OVERDUE, RuleKind.REPORTING_TIMELINESS):
            return "SUPERVISION"
        if self.name.startswith("REPRESENTATIVE_"):
            return "GRAPH"
        return "SUBJECT"


class Level(StrEnum):
    """How urgent a warning is. The seeds name no levels; these three are the hub's, for sorting."""

    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


# The lists whose entry a rule may watch (SPEC 2.4; seed 004 第七条, 第十条).
LIST_KINDS = frozenset({RecordKind.SERIOUS_DISHONESTY_LIST, RecordKind.DISHONEST_EXECUTEE,
                        RecordKind.ABNORMAL_OPERATION})


@dataclass(frozen=True)
class Parameters:
    """Every threshold a rule may set; which ones a kind takes is PARAMETERS[kind]."""

    fresh_days: int | None = None  # a fact decided longer ago than this is history, not news
    severities: frozenset[Severity] = frozenset()
    min_amount_wan_yuan: float | None = None
    lists: frozenset[RecordKind] = frozenset()
    min_rungs: int = 2
    schemes: frozenset[str] | None = None  # None: every scheme
    min_penalties: int | None = None
    min_departments: int = 2
    months: int = 12
    more_than: int = 5
    min_poor: int = 1
    poor_rung: int = 5
    max_fan_out: int = 200
    due_working_days: int = 7
    below: float = 1.0
    min_rows: int = 1


# kind → (required parameters, optional parameters). A parameter not listed for a kind is refused.
PARAMETERS: dict[RuleKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    RuleKind.SERIOUS_PENALTY: ((), ("severities", "min_amount_wan_yuan", "fresh_days")),
    RuleKind.LIST_ENTRY: (("lists",), ("fresh_days",)),
    RuleKind.BROKEN_COMMITMENT: ((), ("fresh_days",)),
    RuleKind.GRADE_FALL: ((), ("min_rungs", "schemes", "fresh_days")),
    RuleKind.PENALTIES_ACROSS_DEPARTMENTS: (("min_penalties", "months"), ("min_departments", "fresh_days")),
    RuleKind.REPRESENTATIVE_OF_LISTED: (("lists",), ("months", "fresh_days", "max_fan_out")),
    RuleKind.REPRESENTATIVE_OF_POOR: (("more_than",), ("min_poor", "poor_rung", "max_fan_out")),
    RuleKind.REPRESENTATIVE_CLUSTER: (("months",), ("min_penalties", "min_amount_wan_yuan", "max_fan_out",
                                                    "fresh_days")),
    RuleKind.OBJECTION_OVERDUE: ((), ()),
    RuleKind.REPAIR_OVERDUE: (("due_working_days",), ()),
    RuleKind.REPORTING_TIMELINESS: (("below",), ("min_rows",)),
}

# Rules over a changing set of facts (a person's subjects, a department's rate) raise at most one
# warning per anchor while it is open: a new penalty in an already-warned cluster is not a new warning
# until the department has handled or dismissed the first.
AGGREGATE_KINDS = frozenset({RuleKind.PENALTIES_ACROSS_DEPARTMENTS, RuleKind.REPRESENTATIVE_OF_POOR,
                             RuleKind.REPRESENTATIVE_CLUSTER, RuleKind.REPORTING_TIMELINESS})


@dataclass(frozen=True)
class WarningRule:
    """One rule: its id and title, the source it encodes, its detector and thresholds."""

    id: str
    title: str
    source: str
    kind: RuleKind
    level: Level
    parameters: Parameters = field(default_factory=Parameters)
    enabled: bool = True
    departments: frozenset[str] | None = None  # only warnings routed to these departments; None: all

    @property
    def family(self) -> str:
        return self.kind.family

    @property
    def suppress_while_open(self) -> bool:
        return self.kind in AGGREGATE_KINDS

    def routes_to(self, department: str | None) -> bool:
        return self.departments is None or department in self.departments


class RuleError(DataFileError):
    """A warning rule file (or the directory holding it) is malformed; names the file and the line."""


class RuleBook:
    """The rules a hub applies, by id: the presets, then ``extra_dir`` (HUB_WARNING_RULES_DIR)."""

    def __init__(self, extra_dir: str | os.PathLike[str] | None = None, *,
                 presets_dir: str | os.PathLike[str] = PRESETS_DIR) -> None:
        from hub.warnings.rule_file import load_rule

        self._rules: dict[str, WarningRule] = {}
        self._paths: dict[str, Path] = {}
        for directory in (presets_dir, extra_dir):
            if directory is None or os.fspath(directory) == "":
                continue
            folder = Path(directory)
            if not folder.is_dir():
                raise RuleError(folder, None, "is not a directory of warning rule files (*.yaml)")
            for path in sorted(folder.glob("*.yaml")):
                rule = load_rule(path)
                self._rules[rule.id], self._paths[rule.id] = rule, path

    def __iter__(self) -> Iterator[WarningRule]:
        return iter(self._rules[key] for key in sorted(self._rules))

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def get(self, rule_id: str) -> WarningRule | None:
        return self._rules.get(rule_id)

    def enabled(self, *kinds: RuleKind) -> list[WarningRule]:
        """The switched-on rules of these kinds (every kind when none is named)."""
        return [rule for rule in self if rule.enabled and (not kinds or rule.kind in kinds)]

    def path_of(self, rule_id: str) -> Path:
        return self._paths[rule_id]
