"""hub.rows.from_row: a stored row as a frozen dataclass, each field by its declared type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from hub.rights.objections import Objection, ObjectionStatus, Outcome, TargetKind
from hub.rows import from_row
from hub.supervision.stored import Draw, DrawStatus

FILED = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def test_enums_tuples_optionals_and_defaults_come_from_the_declared_types() -> None:
    draw = from_row(Draw, {"id": "d1", "plan_id": "p1", "department": "410425-SCJG", "scheme": "henan-market-risk",
                           "status": "DRAWN", "ratios": "{}", "seed_commitment": "c", "committed_at": FILED,
                           "statements": ["s1", "s2"], "targets_total": 3, "unknown": "ignored"})
    assert draw.status is DrawStatus.DRAWN and draw.statements == ("s1", "s2") and draw.targets_total == 3
    assert draw.attempt is None and draw.replaces is None  # optional, not stored
    bare = from_row(Draw, {"id": "d2", "plan_id": "p1", "department": "d", "scheme": "s", "status": "COMMITTED",
                           "ratios": "{}", "seed_commitment": "c", "committed_at": FILED, "statements": None})
    assert bare.statements == ()


def test_an_optional_enum_stays_none_and_a_given_value_wins() -> None:
    row = {"id": "o1", "target_id": "r1", "target_kind": "RECORD", "subject_uscc": "91410425MA0000000X",
           "scheme": None, "reason": "理由", "filed_by": "platform:x", "filed_at": FILED,
           "received_on": FILED.date(), "due_on": FILED.date(), "status": "UPHELD", "outcome": "WITHDRAWN"}
    objection = Objection.of(row)
    assert (objection.target_kind, objection.status, objection.outcome) == (
        TargetKind.RECORD, ObjectionStatus.UPHELD, Outcome.WITHDRAWN)
    assert objection.department == "unassigned"  # older objections were not routed (given by Objection.of)
    assert Objection.of({**row, "outcome": None, "department": "410425-SCJG"}).outcome is None
    assert Objection.of({**row, "department": "410425-SCJG"}).department == "410425-SCJG"


def test_a_required_field_the_row_lacks_is_named() -> None:
    @dataclass(frozen=True)
    class Needs:
        name: str
        note: str | None

    assert from_row(Needs, {"name": "n"}) == Needs("n", None)
    with pytest.raises(KeyError, match=r"Needs\.name"):
        from_row(Needs, {"note": "x"})
