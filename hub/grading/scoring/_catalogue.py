"""Reading model catalogues, and the two notions every model shares: record selectors and windows.

A catalogue is a YAML file under ``catalogues/`` (or a department's directory) named after its
model id. Everything here runs at load time except :class:`FactsView` and
:meth:`RecordSelector.matches`, which run once per subject and are kept cheap: records are bucketed
by kind once per call, text filters are regular expressions compiled at load.

What counts (seeds 002 §三.(五).2 "不再纳入评价依据", 001 §二.(二).5): only ACTIVE records. Repaired
and withdrawn records are dropped here again even though whoever builds ``SubjectFacts`` should
already have dropped them, so that no model can count or cite one by accident. Records decided
after ``as_of`` do not exist yet for the evaluation.

Windows:

- ``lookback`` (an indicator's ``window: <years>``, default the catalogue's ``lookback_years``):
  the record's decision date lies in ``[as_of − years, as_of]``. An undated record lies in no
  look-back window: a deduction must point at something the subject did inside the period.
- ``current``: the record is in force on ``as_of`` — ACTIVE, decided on or before ``as_of`` (or
  undated) and, when ``publicity_ends_on`` is set, not yet past it. List records (严重失信主体名单,
  失信被执行人, 经营异常名录) use it: seed 004 第十条 speaks of being "当前被列入", and a list record
  carries the end of its listing in ``publicity_ends_on`` (as ``hub.demo`` writes it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from hub.errors import BadInput, ConfigurationError
from hub.grading.schemes import GradingError
from hub.grading.types import SubjectFacts
from hub.models import CreditRecord, RecordKind, RecordStatus, Severity

CATALOGUE_DIR = Path(__file__).with_name("catalogues")
CURRENT = "current"
_ACTIVE = RecordStatus.ACTIVE
_MISSING: Any = object()


class ModelError(ConfigurationError, GradingError, ValueError):
    """A model catalogue is malformed or breaks a rule of the seeds; names the file."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path, self.problem = path, problem
        super().__init__(f"{path}: {problem}")


class ScoringError(BadInput, GradingError):
    """A model was given facts it cannot score (e.g. a public credit score outside its scale)."""


class Problem(Exception):
    """Raised while building a model; the loader turns it into a ModelError naming the file."""


def read_catalogue(path: Path) -> Section:
    """The top-level mapping of a catalogue file, or ModelError."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(path, f"cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ModelError(path, f"YAML error: {exc}") from exc
    try:
        return Section(document, "the catalogue")
    except Problem as problem:
        raise ModelError(path, str(problem)) from None


class Section:
    """A mapping from a catalogue with typed, validated access; ``where`` names it in errors."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise Problem(f"{where} must be a mapping, not {data!r}")
        self.data: dict[str, Any] = data
        self.where = where

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def keys(self, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        required, allowed = list(required), [*required, *optional]
        for key in self.data:
            if key not in allowed:
                raise Problem(f"unknown key {key!r} in {self.where}; expected {', '.join(allowed)}")
        missing = [key for key in required if key not in self.data]
        if missing:
            raise Problem(f"{self.where} is missing {', '.join(missing)}")

    def _get(self, key: str, default: Any) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise Problem(f"{self.where} is missing {key}")
        return default

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self._get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise Problem(f"{self.where}: {key} must be non-empty text, not {value!r}")
        return value.strip()

    def number(self, key: str, default: Any = _MISSING) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise Problem(f"{self.where}: {key} must be a finite number, not {value!r}")
        return float(value)

    def optional_number(self, key: str) -> float | None:
        return self.number(key) if key in self.data else None

    def whole(self, key: str, default: Any = _MISSING, *, minimum: int = 0) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise Problem(f"{self.where}: {key} must be a whole number ≥ {minimum}, not {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise Problem(f"{self.where}: {key} must be true or false, not {value!r}")
        return value

    def texts(self, key: str, default: Any = _MISSING) -> tuple[str, ...]:
        value = self._get(key, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
            raise Problem(f"{self.where}: {key} must be a list of texts, not {value!r}")
        return tuple(v.strip() for v in value)

    def section(self, key: str) -> Section:
        return Section(self._get(key, _MISSING), f"{self.where}.{key}")

    def sections(self, key: str, *, label_key: str = "id") -> list[Section]:
        value = self._get(key, _MISSING)
        if not isinstance(value, list) or not value:
            raise Problem(f"{self.where}: {key} must be a non-empty list of mappings")
        out = []
        for n, item in enumerate(value):
            name = item.get(label_key) if isinstance(item, dict) else None
            out.append(Section(item, f"{key}[{n}]" + (f" ({name})" if name else "")))
        return out

    def number_map(self, key: str, what: str) -> dict[str, float]:
        value = self._get(key, _MISSING)
        if not isinstance(value, dict):
            raise Problem(f"{self.where}: {key} must map {what} to points, not {value!r}")
        inner = Section(value, f"{self.where}.{key}")
        return {str(k): inner.number(str(k)) for k in value}


def enum_value(enum: type[Any], name: str, where: str) -> Any:
    try:
        return enum(name)
    except ValueError:
        raise Problem(f"{where}: {name!r} is not one of {', '.join(e.value for e in enum)}") from None


def _pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(map(re.escape, words))) if words else None


@dataclass(frozen=True, slots=True)
class RecordSelector:
    """Which records an indicator looks at: kinds, then optional severity, kept and text filters.

    Text filters search the title and the content (where departments write outcomes such as
    "检查结果：不合格" or "核查结果：属实"); ``text_none`` excludes, so "属实" can be told from "不属实".
    ``severities`` may list ``null`` for records without a recorded severity.
    """

    kinds: tuple[RecordKind, ...]
    severities: frozenset[Severity | None] | None = None
    kept: bool | None = None
    text_any: re.Pattern[str] | None = None
    text_none: re.Pattern[str] | None = None
    plain: bool = False  # set in __post_init__: no filter beyond kinds, so matches() can be skipped

    def __post_init__(self) -> None:
        plain = self.severities is None and self.kept is None and self.text_any is None and self.text_none is None
        object.__setattr__(self, "plain", plain)

    def matches(self, record: CreditRecord) -> bool:
        if self.severities is not None and record.severity not in self.severities:
            return False
        if self.kept is not None and record.kept is not self.kept:
            return False
        if self.text_any is not None or self.text_none is not None:
            text = record.title if record.content is None else f"{record.title}\n{record.content}"
            if self.text_any is not None and self.text_any.search(text) is None:
                return False
            if self.text_none is not None and self.text_none.search(text) is not None:
                return False
        return True

    @classmethod
    def read(cls, s: Section, default_kinds: tuple[RecordKind, ...] = ()) -> RecordSelector:
        s.keys((), ("kinds", "severities", "kept", "text_any", "text_none"))
        if "kinds" in s:
            kinds = tuple(enum_value(RecordKind, k, s.where) for k in s.texts("kinds"))
        elif default_kinds:
            kinds = default_kinds
        else:
            raise Problem(f"{s.where} is missing kinds")
        severities = None
        if "severities" in s:
            listed = s.data["severities"]
            if not isinstance(listed, list) or not listed:
                raise Problem(f"{s.where}: severities must be a non-empty list (null for none recorded)")
            severities = frozenset(None if v is None else enum_value(Severity, v, s.where) for v in listed)
        kept = s.flag("kept", False) if "kept" in s else None
        return cls(kinds, severities, kept, _pattern(s.texts("text_any", ())), _pattern(s.texts("text_none", ())))


def read_window(s: Section, default_years: int) -> int | None:
    """An indicator's window: a number of look-back years, or None for ``current``."""
    value = s.data.get("window", default_years)
    if value == CURRENT:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Problem(f"{s.where}: window must be a whole number of years ≥ 1 or {CURRENT!r}, not {value!r}")
    return value


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def full_years(start: date, end: date) -> int:
    """Whole years from ``start`` to ``end`` (negative if ``start`` is later)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


class FactsView:
    """One subject's counting records, bucketed by kind once per call; windows resolved on demand."""

    __slots__ = ("_starts", "as_of", "by_kind", "facts")

    def __init__(self, facts: SubjectFacts) -> None:
        as_of = facts.as_of
        by_kind: dict[RecordKind, list[CreditRecord]] = {}
        for record in facts.records:
            if record.status != _ACTIVE:  # seed 002 §三.(五).2: repaired → 不再纳入评价依据
                continue
            decided = record.decided_on
            if decided is not None and decided > as_of:
                continue
            bucket = by_kind.get(record.kind)
            if bucket is None:
                by_kind[record.kind] = [record]
            else:
                bucket.append(record)
        self.facts, self.as_of, self.by_kind = facts, as_of, by_kind
        self._starts: dict[int, date] = {}

    def select(self, selector: RecordSelector, years: int | None) -> list[CreditRecord]:
        """The records ``selector`` matches inside the window (``None`` = current)."""
        out: list[CreditRecord] = []
        for kind in selector.kinds:
            bucket = self.by_kind.get(kind)
            if bucket:
                out += self.matching(selector, years, bucket)
        return out

    def matching(self, selector: RecordSelector, years: int | None,
                 bucket: list[CreditRecord]) -> list[CreditRecord]:
        """The records of one kind's bucket that ``selector`` matches inside the window."""
        if years is None:
            as_of = self.as_of
            inside = [r for r in bucket if r.publicity_ends_on is None or r.publicity_ends_on >= as_of]
        else:
            start = self._starts.get(years)
            if start is None:
                start = self._starts[years] = years_before(self.as_of, years)
            inside = [r for r in bucket if r.decided_on is not None and r.decided_on >= start]
        return inside if selector.plain else [r for r in inside if selector.matches(r)]

    def current_ids(self, kinds: tuple[RecordKind, ...]) -> tuple[str, ...]:
        """Ids of the records of ``kinds`` in force on ``as_of`` (a list a subject is on now)."""
        as_of = self.as_of
        return tuple(record.id for kind in kinds for record in self.by_kind.get(kind, ())
                     if record.publicity_ends_on is None or record.publicity_ends_on >= as_of)


def read_list_flags(s: Section, allowed: frozenset[str]) -> tuple[tuple[str, tuple[RecordKind, ...]], ...]:
    """``list_flags: {FLAG: [record kinds]}`` — the flag is raised when a current record of a kind exists."""
    value = s.data.get("list_flags", {})
    if not isinstance(value, dict):
        raise Problem(f"{s.where}: list_flags must map flags to lists of record kinds")
    inner = Section(value, "list_flags")
    rules = []
    for flag in value:
        if flag not in allowed:
            raise Problem(f"list_flags: {flag!r} is not one of {', '.join(sorted(allowed))}")
        rules.append((flag, tuple(enum_value(RecordKind, k, f"list_flags.{flag}") for k in inner.texts(flag))))
    return tuple(rules)


def format_weight(value: float) -> str:
    """0.2 → "0.20", 0.05 → "0.05", 1/7 → "0.1429": two decimals unless that would hide digits."""
    return f"{value:.2f}" if abs(round(value, 2) - value) < 1e-12 else f"{value:.4g}"
