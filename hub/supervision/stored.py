"""Inspection plans, draws and their targets as the hub keeps and serves them (双随机、一公开).

What the service hands to its callers: the GraphQL face maps these, nothing reads them by key. A draw's
sealed seed never leaves hub.supervision.inspections — it is not a field here. Ratios and per-grade
figures stay the JSON texts the hub stored and signed (docs/draw-protocol.md), so what is served is
what was published.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any


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
class InspectionPlan:
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

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> InspectionPlan:
        return cls(id=row["id"], department=row["department"], name=row["name"], scheme=row["scheme"],
                   region=row.get("region"), kinds=tuple(row.get("kinds") or ()),
                   industries=tuple(row.get("industries") or ()), ratios=row["ratios"],
                   frequencies=row.get("frequencies"), inspectors_per_target=row["inspectors_per_target"],
                   ungraded_as=row["ungraded_as"], period=row.get("period"),
                   period_starts_on=row.get("period_starts_on"), period_ends_on=row.get("period_ends_on"),
                   created_at=row["created_at"], created_by=row.get("created_by"))


@dataclass(frozen=True, slots=True)
class Draw:
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

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Draw:
        return cls(id=row["id"], plan_id=row["plan_id"], department=row["department"], scheme=row["scheme"],
                   status=DrawStatus(row["status"]), ratios=row["ratios"], seed_commitment=row["seed_commitment"],
                   committed_at=row["committed_at"], attempt=row.get("attempt"), replaces=row.get("replaces"),
                   redraw_reason=row.get("redraw_reason"), statements=tuple(row.get("statements") or ()),
                   population_digest=row.get("population_digest"), pool_digest=row.get("pool_digest"),
                   population_size=row.get("population_size"), frozen_at=row.get("frozen_at"),
                   seed=row.get("seed"), result_digest=row.get("result_digest"),
                   inputs_digest=row.get("inputs_digest"), targets_total=row.get("targets_total"),
                   drawn_at=row.get("drawn_at"), strata=row.get("strata"), result_text=row.get("result_text"),
                   superseded_by=row.get("superseded_by"), superseded_at=row.get("superseded_at"))


@dataclass(frozen=True, slots=True)
class DrawTarget:
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

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> DrawTarget:
        return cls(uscc=row["uscc"], name=row["name"], grade=row["grade"], inspectors=tuple(row["inspectors"]),
                   position=row["position"], result=row.get("result"), notes=row.get("notes"),
                   inspected_on=row.get("inspected_on"), result_at=row.get("result_at"),
                   result_statement=row.get("result_statement"))
