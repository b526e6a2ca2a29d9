"""复核 — departments review two grades of one subject two or more rungs apart (seed 001 §二.(四).2).

"对同一市场主体评价等级存在两档以上差距的，要及时通报相关部门进行复核并说明理由": a run opens a ``ReviewFlag``
(hub.grading.ladder); a department that owns one of its two schemes (hub.authority: the scheme's owner, the
credit office for the platform's) records its review — who, the reasons, and the outcome:

- KEPT: its grade stands as made (the reasons say why the two measure different things);
- CORRECTED: the data under it were set right (an objection's correction, a record's status);
- REGRADED: its evaluation is re-made now (of its schemes this hub grades; the others by the department).

The flag then reads REVIEWED, with every review, for INTERNAL viewers; if the grades later change and still
differ by two rungs, the next run reopens it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub import clock
from hub.authority import PLATFORM, NotTheOwner, acts_for
from hub.db import evaluations as store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Role, Viewer
from hub.errors import BadInput, Conflict, NotFound

Regrade = Callable[[Sequence[str], Sequence[str] | None], Awaitable[Any]]
SchemeOwner = Callable[[str | None], str]


class ReviewOutcome(StrEnum):
    KEPT = "KEPT"
    CORRECTED = "CORRECTED"
    REGRADED = "REGRADED"


class FlagStatus(StrEnum):
    """OPEN; REVIEWED while the grades are those a department reviewed; CLEARED once they no longer differ."""
    OPEN = "OPEN"
    REVIEWED = "REVIEWED"
    CLEARED = "CLEARED"



@dataclass(frozen=True)
class Review:
    id: str
    flag_key: str
    subject_uscc: str
    department: str
    reviewed_by: str
    outcome: ReviewOutcome
    reasons: str
    grades: tuple[str, ...]
    reviewed_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewFlag:
    """Two grades of one subject two or more rungs apart, and the departments' reviews, oldest first."""
    key: str
    subject_uscc: str
    subject_name: str
    schemes: tuple[str, ...]
    grades: tuple[str, ...]
    gap: int
    departments: tuple[str, ...]
    status: FlagStatus
    opened_at: datetime
    reviews: tuple[Review, ...]

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> ReviewFlag:
        uscc = str(row["subject_uscc"])
        return cls(key=str(row["key"]), subject_uscc=uscc, subject_name=str(row["subject_name"]),
                   schemes=tuple(row["schemes"]), grades=tuple(row["grades"]), gap=int(row["gap"]),
                   departments=tuple(row["departments"]), status=FlagStatus(row["status"]),
                   opened_at=row["opened_at"],
                   reviews=tuple(Review(id=r["id"], flag_key=str(row["key"]), subject_uscc=uscc,
                                        department=r["department"], reviewed_by=r["reviewed_by"],
                                        outcome=ReviewOutcome(r["outcome"]), reasons=r["reasons"],
                                        grades=tuple(r["grades"]), reviewed_at=r["reviewed_at"])
                                 for r in row.get("reviews") or ()))


class DiscrepancyReviews:
    def __init__(self, gateway: Neo4jGateway, scheme_owner: SchemeOwner, regrade: Regrade) -> None:
        self.gateway, self.scheme_owner, self.regrade = gateway, scheme_owner, regrade

    async def standing(self) -> list[ReviewFlag]:
        """Flags still standing — open, or reviewed while the grades are those reviewed — newest first."""
        return [ReviewFlag.of(row) for row in await store.open_flags(self.gateway)]

    async def review(self, key: str, outcome: ReviewOutcome, reasons: str, viewer: Viewer) -> Review:
        row = await store.flag(self.gateway, key)
        if row is None:
            raise NotFound(f"no review flag {key!r}")
        flag = ReviewFlag.of(row)
        owners = {scheme: self.scheme_owner(scheme) for scheme in flag.schemes}
        mine = [scheme for scheme, owner in owners.items() if _acts_for(viewer, owner)]
        if not mine:  # seed 001 §二.(四).2 通报相关部门: the departments whose grades differ review them
            raise NotTheOwner(f"review flag {key} is reviewed by the owners of its schemes "
                              f"({', '.join(f'{s}: {_who(o)}' for s, o in owners.items())}); your token speaks for "
                              f"{'department ' + viewer.department if viewer.department else 'no department'}")
        if not reasons.strip():
            raise BadInput("a review must give its reasons (seed 001 §二.(四).2 说明理由)")
        if flag.status is FlagStatus.CLEARED:
            raise Conflict(f"review flag {key} is cleared: the two grades no longer differ by two rungs")
        department = viewer.department or PLATFORM
        review = Review(f"review-{uuid.uuid4().hex[:12]}", key, flag.subject_uscc, department, viewer.label,
                        outcome, reasons.strip(), flag.grades, clock.now())
        await store.record_review(self.gateway, key, {
            "id": review.id, "flag_key": key, "department": department, "reviewed_by": review.reviewed_by,
            "outcome": outcome.value, "reasons": review.reasons, "grades": list(review.grades),
            "schemes": mine, "reviewed_at": review.reviewed_at})
        if outcome is ReviewOutcome.REGRADED:
            await self.regrade([flag.subject_uscc], mine)
        return review


def _acts_for(viewer: Viewer, owner: str) -> bool:
    return viewer.role is Role.ADMIN if owner == PLATFORM else acts_for(viewer, owner)


def _who(owner: str) -> str:
    return "the credit office (admin)" if owner == PLATFORM else f"department {owner}"
