"""Inspection plans, draws and their targets as the hub keeps and serves them (双随机、一公开).

What the service hands to its callers: the GraphQL face maps these, nothing reads them by key. A draw's
sealed seed never leaves hub.supervision.inspections — it is not a field here. Ratios and per-grade
figures stay the JSON texts the hub stored and signed (docs/draw-protocol.md), so what is served is
what was published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hub.rows import FromRow


class DrawStatus(StrEnum):
    COMMITTED = "COMMITTED"
    FROZEN = "FROZEN"
    DRAWN = "DRAWN"
    PUBLISHED = "PUBLISHED"
    SUPERSEDED = "SUPERSEDED"


class ResultState(StrEnum):
    """What asking to record a target's result came to."""

    RECORDED = "recorded"
    NOT_DRAWN = "not-drawn"  # the draw is not (or no longer) DRAWN
    NOT_A_TARGET = "not-a-target"
    ALREADY_RECORDED = "already-recorded"  # results are final (一公开)


@dataclass(frozen=True, slots=True)
class InspectionPlan(FromRow):
    """A department's 双随机 plan: its scheme, scope, ratios (JSON: grade → minimum percent) and period."""

    id: str
    department: str
    name: str
    scheme: str
    region: str | None
    kinds: tuple[str, ...]
    industries: tuple[str, ...]
    ratios: str
    frequencies: str | None  # 抽查频次 in force when the plan was made (hub.supervision.frequency)
    inspectors_per_target: int
    ungraded_as: str
    period: str | None  # plans made before periods existed have none
    period_starts_on: date | None
    period_ends_on: date | None
    created_at: datetime
    created_by: str | None

    @property
    def ratio_texts(self) -> dict[str, str]:
        """Grade → minimum percent, as stored."""
        return {str(grade): str(percent) for grade, percent in json.loads(self.ratios).items()}



@dataclass(frozen=True, slots=True)
class Draw(FromRow):
    """A verifiable draw of a plan: what it published at each step and the statements the hub signed."""

    id: str
    plan_id: str
    department: str
    scheme: str
    status: DrawStatus
    ratios: str
    seed_commitment: str
    committed_at: datetime
    attempt: int | None = None  # none on draws made before re-draws were counted: the first
    replaces: str | None = None
    redraw_reason: str | None = None
    statements: tuple[str, ...] = ()
    population_digest: str | None = None
    pool_digest: str | None = None
    population_size: int | None = None
    frozen_at: datetime | None = None
    seed: str | None = None
    result_digest: str | None = None
    inputs_digest: str | None = None
    targets_total: int | None = None
    drawn_at: datetime | None = None
    strata: str | None = None  # JSON: per grade, population, minimum percent and drawn (INTERNAL)
    result_text: str | None = None
    superseded_by: str | None = None
    superseded_at: datetime | None = None

    @property
    def published_result(self) -> str | None:
        """The result document, once every target was inspected or the draw was superseded."""
        return self.result_text if self.status in (DrawStatus.PUBLISHED, DrawStatus.SUPERSEDED) else None



@dataclass(frozen=True, slots=True)
class DrawTarget(FromRow):
    """A drawn subject: its class and inspectors (INTERNAL) and, once recorded, its result (PUBLIC)."""

    uscc: str
    name: str
    grade: str
    inspectors: tuple[str, ...]
    position: int  # in draw order (grade order): INTERNAL
    result: str | None = None
    notes: str | None = None
    inspected_on: date | None = None
    result_at: datetime | None = None
    result_statement: str | None = None

