"""An evaluation's explanation as stored: its lines (the contributions that make up the score), its
reasons (the band, the overrides), and what each rests on — so that what a viewer is shown of it can
be decided line by line (hub.disclosure.Access.explanation_seen).

Every line says what it rests on (:class:`Grounds`): the subject's registration facts, which
everyone may read; named records (``rests_on``: every record the line counted, not only those it
cites — an inspection pass rate rests on the inspections passed as well as the failed ones it
cites); other subjects linked through the legal representative; or the whole of what was counted
(a clamp of the sum, a bonus for having no adverse record, a public score computed from every
record). A reason about an override names its flag, and each flag what raised it.

Stored as JSON on the Evaluation node (``explanation``); explanations written before grounds were
recorded read as resting on everything, except the base or full marks, which rest on nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson


class Grounds(StrEnum):
    """What a line of an explanation, or an override flag, rests on."""

    REGISTRATION = "REGISTRATION"  # the subject's registration facts (kind, industry, status, registered_on)
    RECORDS = "RECORDS"  # the records in rests_on, and nothing else
    RELATED_PARTIES = "RELATED_PARTIES"  # other subjects sharing the legal representative, and their lists
    WHOLE = "WHOLE"  # everything counted: a clamp, the absence of adverse records, a computed public score


# Lines that are the scale's starting point, in explanations stored before grounds were recorded.
_STARTING_POINTS = frozenset({"base", "full"})


@dataclass(frozen=True)
class Line:
    """One contribution to the score: an indicator, its points, the records it cites."""

    indicator: str
    label: str
    points: float
    record_ids: tuple[str, ...] = ()
    note: str = ""
    grounds: Grounds = Grounds.WHOLE
    rests_on: tuple[str, ...] = ()

    def as_json(self, rests_on: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The stored form, for orjson; ``rests_on`` replaces the line's own (the engine stores a line's
        cited records as what it rests on when it names nothing else, without building a new Line).
        orjson writes a tuple as an array and an enum as its value, so neither is copied: the batch
        engine stores hundreds of thousands of lines a run."""
        return {"indicator": self.indicator, "label": self.label, "points": self.points,
                "record_ids": self.record_ids, "note": self.note, "grounds": self.grounds,
                "rests_on": self.rests_on if rests_on is None else rests_on}

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> Line:
        record_ids = tuple(row.get("record_ids", ()))
        if "grounds" in row:
            grounds, rests_on = Grounds(row["grounds"]), tuple(row.get("rests_on", record_ids))
        else:  # written before grounds were recorded: trust nothing but the starting point
            grounds = Grounds.REGISTRATION if row["indicator"] in _STARTING_POINTS else Grounds.WHOLE
            rests_on = record_ids
        return cls(row["indicator"], row["label"], float(row["points"]), record_ids, row.get("note", ""),
                   grounds, rests_on)


@dataclass(frozen=True)
class FlagGrounds:
    """What raised an override flag: the records of a list, or a registration fact."""

    grounds: Grounds
    rests_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One reason for the grade; ``flag`` names the override it speaks of (None: the score's band)."""

    text: str
    flag: str | None = None


@dataclass(frozen=True)
class Explanation:
    lines: tuple[Line, ...] = ()
    reasons: tuple[Reason, ...] = ()
    overridden_by: str | None = None
    flags: tuple[str, ...] = ()
    flag_grounds: Mapping[str, FlagGrounds] = field(default_factory=dict)

    def dumps(self) -> str:
        return dumps_document([line.as_json() for line in self.lines], [reason.text for reason in self.reasons],
                              [reason.flag for reason in self.reasons], self.overridden_by, self.flags,
                              self.flag_grounds)

    @classmethod
    def parse(cls, text: str | None) -> Explanation:
        if not text:
            return cls()
        document = orjson.loads(text)
        texts = list(document.get("reasons", []))
        # Before reasons named their flags, only the first (the score's band or the category)
        # was certainly about no flag; the others are read as about the override, if any.
        flags = document.get("reason_flags") or [None] + [document.get("overridden_by") or "?"] * (len(texts) - 1)
        return cls(
            lines=tuple(Line.from_json(row) for row in document.get("contributions", [])),
            reasons=tuple(Reason(text, flag) for text, flag in zip(texts, flags, strict=False)),
            overridden_by=document.get("overridden_by"),
            flags=tuple(document.get("flags", [])),
            flag_grounds={flag: FlagGrounds(Grounds(g["grounds"]), tuple(g.get("rests_on", ())))
                          for flag, g in (document.get("flag_grounds") or {}).items()},
        )


def dumps_document(lines: list[dict[str, Any]], reasons: list[str], reason_flags: list[str | None],
                   overridden_by: str | None, flags: Iterable[str], flag_grounds: Mapping[str, FlagGrounds]) -> str:
    """The stored JSON of an explanation from its parts (lines already in their stored form): the batch
    engine writes one per evaluation, hundreds of thousands a run, without building an Explanation."""
    return orjson.dumps({
        "contributions": lines,
        "reasons": reasons,
        "reason_flags": reason_flags,
        "overridden_by": overridden_by,
        "flags": list(flags),
        "flag_grounds": {flag: {"grounds": g.grounds, "rests_on": g.rests_on} for flag, g in flag_grounds.items()},
    }).decode()
