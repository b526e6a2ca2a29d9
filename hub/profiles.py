"""What one request asks of a subject's profile, and a page of profiles.

A profile is read in one round trip (hub.db.subjects); :class:`ProfileShape` says which parts to load
and, of records and evaluations, which stored properties — the GraphQL face derives it from the
selection, the service and the CLI name parts directly. Domain vocabulary, so schema/ imports it from
here, not from the Neo4j layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.models import SubjectProfile


class ProfilePart(StrEnum):
    """The parts of a profile a request may ask for; each is one subquery, skipped when unasked."""

    RECORDS = "records"
    EVALUATIONS = "evaluations"  # the whole history
    CURRENT_EVALUATIONS = "current_evaluations"  # only each scheme's CURRENT one (cheap; enough for most views)
    LEGAL_REPRESENTATIVE = "legal_representative"


ALL_PARTS = frozenset(ProfilePart)

# An evaluation's currency (Evaluation.is_current) reads these stored properties; a selection that
# decides by currency loads them.
CURRENCY = frozenset({"evaluated_at", "valid_until", "superseded_at"})
UNDER_OBJECTION = "under_objection"  # not a property: whether a pending objection contests the item


@dataclass(frozen=True)
class ProfileShape:
    """What to load of each subject: the parts, and of records and evaluations the properties (None:
    all of them). The GraphQL face derives it from the selection, so the Cypher ships only what the
    query asked for — an evaluation's explanation, say, only when ``explanation`` is selected."""

    parts: frozenset[ProfilePart]
    record_properties: frozenset[str] | None = None
    evaluation_properties: frozenset[str] | None = None

    @classmethod
    def of(cls, shape: ProfileShape | frozenset[ProfilePart]) -> ProfileShape:
        """A shape as is; parts alone load every property of the parts they name."""
        if isinstance(shape, ProfileShape):
            return shape
        return cls(frozenset(shape)) if shape else NOTHING

    def __or__(self, other: ProfileShape) -> ProfileShape:
        return ProfileShape(self.parts | other.parts,
                            _union(self.record_properties, other.record_properties),
                            _union(self.evaluation_properties, other.evaluation_properties))


NOTHING = ProfileShape(frozenset(), frozenset(), frozenset())  # the subject and its consents only


def _union(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    return None if a is None or b is None else a | b


Shape = ProfileShape | frozenset[ProfilePart]


@dataclass(frozen=True)
class SubjectPage:
    profiles: tuple[SubjectProfile, ...]
    has_next: bool
