"""Grade distributions broken down, and how grades moved since the last evaluation (the console's charts).

Counts only: how many subjects hold each grade of each scheme now, by region and by industry, and for
each current evaluation the grade it replaced (``previous_grade``, written when an evaluation takes the
CURRENT pointer from the one before it: hub.db.evaluations). A move is *up* when the new grade is better
under its scheme — a lower rung of the common ladder (seed 002 §二: the schemes' grades, best first) — *down*
when worse, *same* when unchanged, *first* when there was no grade before. INTERNAL (schema/tiers.py):
counts of every scheme include the SAMR risk classes (seed 004 第六条).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from hub.db.distribution import GradeBreakdown, GradeCell
from hub.grading.schemes import SchemeRegistry


class Move(StrEnum):
    UP = "UP"
    DOWN = "DOWN"
    SAME = "SAME"
    FIRST = "FIRST"


@dataclass(frozen=True)
class GradeMove:
    """``count`` subjects whose evaluation in force under ``scheme`` is ``grade`` and replaced ``previous``."""

    scheme: str
    previous: str | None
    grade: str
    count: int
    move: Move


@dataclass(frozen=True)
class MoveSummary:
    scheme: str
    up: int
    down: int
    same: int
    first: int


@dataclass(frozen=True)
class GradeMovement:
    by_region: tuple[GradeCell, ...]
    by_industry: tuple[GradeCell, ...]
    moves: tuple[GradeMove, ...]

    @property
    def summaries(self) -> tuple[MoveSummary, ...]:
        totals: dict[str, dict[Move, int]] = {}
        for move in self.moves:
            per = totals.setdefault(move.scheme, dict.fromkeys(Move, 0))
            per[move.move] += move.count
        return tuple(MoveSummary(scheme, per[Move.UP], per[Move.DOWN], per[Move.SAME], per[Move.FIRST])
                     for scheme, per in sorted(totals.items()))


def order_of(schemes: SchemeRegistry, scheme_id: str) -> dict[str, int]:
    """A scheme's grades, best first: by rung of the common ladder, then as the scheme lists them."""
    if scheme_id not in schemes:
        return {}
    grades = schemes.get(scheme_id).grades
    ranked = sorted(range(len(grades)), key=lambda i: (grades[i].ladder, i))
    return {grades[i].name: position for position, i in enumerate(ranked)}


def move_of(order: dict[str, int], previous: str | None, grade: str) -> Move:
    if previous is None:
        return Move.FIRST
    if previous == grade or previous not in order or grade not in order:
        return Move.SAME if previous == grade else Move.FIRST  # a grade this hub no longer knows: no direction
    return Move.UP if order[grade] < order[previous] else Move.DOWN if order[grade] > order[previous] else Move.SAME


def movement(breakdown: GradeBreakdown, schemes: SchemeRegistry) -> GradeMovement:
    orders: dict[str, dict[str, int]] = {}

    def moves(cells: Iterable[GradeCell]) -> Iterable[GradeMove]:
        for cell in cells:
            order = orders.setdefault(cell.scheme, order_of(schemes, cell.scheme))
            yield GradeMove(cell.scheme, cell.key, cell.grade, cell.count, move_of(order, cell.key, cell.grade))

    return GradeMovement(breakdown.by_region, breakdown.by_industry, tuple(moves(breakdown.by_previous)))
