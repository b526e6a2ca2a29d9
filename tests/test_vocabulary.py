"""Issue 15 §5: the typed vocabularies keep their meaning and their strings.

One enum names the three disclosure tiers and orders them by what they reveal (not alphabetically, as
their text would); the exchange's scope, direction and item type are StrEnums whose values are the very
strings the wire protocol (docs/exchange-protocol.md) and the store carry; typed rows read what the store
kept. No database: these are the values themselves.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import orjson
import pytest

from hub.disclosure import Disclosure, Tier
from hub.exchange.batch import Batch, Checkpoint
from hub.exchange.signing import BatchRefused
from hub.exchange.vocabulary import Direction, ItemType, Scope
from hub.rights.objections import CorrectedField, Objection, ObjectionStatus, Outcome, TargetKind
from hub.supervision.stored import Draw, DrawStatus

ORDER = (Disclosure.PUBLIC, Disclosure.AUTHORIZED, Disclosure.INTERNAL)


def test_one_enum_orders_the_tiers_by_what_they_reveal() -> None:
    assert Tier is Disclosure
    assert [d.rank for d in ORDER] == [0, 1, 2]
    for seer in ORDER:
        for seen in ORDER:
            assert seer.covers(seen) is (ORDER.index(seer) >= ORDER.index(seen)), (seer, seen)
    assert max(ORDER, key=lambda d: d.rank) is Disclosure.INTERNAL


def test_the_exchange_words_are_the_protocols_strings() -> None:
    assert [s.value for s in Scope] == ["UP", "DOWN"]
    assert {d.value for d in Direction} == {"PULL_UP", "PULL_DOWN", "PUSH", "RECEIVED", "ACKED", "PUSH_REFUSED"}
    assert [t.value for t in ItemType] == ["RECORD", "EVALUATION", "WARNING", "REPORTING"]
    assert Direction.PULL_UP.scope is Scope.UP and Direction.PULL_DOWN.scope is Scope.DOWN
    assert Checkpoint("henan-jiaxian", Direction.PULL_UP, "12").key == "henan-jiaxian:PULL_UP"
    assert json.dumps({"scope": Scope.DOWN}) == '{"scope": "DOWN"}'


def test_a_batch_encodes_its_scope_as_the_plain_string_and_decodes_it_as_the_enum() -> None:
    batch = Batch(id="b-1", sender="henan-jiaxian", sender_level="county", recipient="henan-pingdingshan",
                  scope=Scope.UP, after="0", cursor="3", has_more=False,
                  issued_at=datetime(2026, 11, 23, 2, 0, tzinfo=UTC), items=[{"type": "RECORD", "id": "r-1"}])
    wire = orjson.loads(batch.encode())
    assert wire["scope"] == "UP" and type(wire["scope"]) is str
    assert wire["items"] == [{"type": "RECORD", "id": "r-1"}]
    assert Batch.decode(batch.encode()) == batch
    assert Batch.decode(batch.encode()).scope is Scope.UP
    with pytest.raises(BatchRefused, match="scope must be UP or DOWN, not 'SIDEWAYS'"):
        Batch.decode(orjson.dumps({**wire, "scope": "SIDEWAYS"}))


def test_typed_rows_read_what_the_store_kept() -> None:
    filed = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    objection = Objection.of({
        "id": "objection-1", "target_id": "r-1", "target_kind": "RECORD", "subject_uscc": "91410425MA00000001",
        "department": "410425-SCJG", "reason": "记录有误", "filed_by": "platform:郏县平台", "filed_at": filed,
        "received_on": date(2026, 11, 2), "due_on": date(2026, 11, 11), "status": "UPHELD", "outcome": "CORRECTED",
        "correction": json.dumps({"title": {"before": "旧", "after": "新"}, "amount_wan_yuan": {"before": 3.0,
                                                                                              "after": None}})})
    assert objection.target_kind is TargetKind.RECORD and objection.status is ObjectionStatus.UPHELD
    assert objection.outcome is Outcome.CORRECTED and objection.due_on_provisional is False
    assert objection.corrected_fields == (CorrectedField("title", "旧", "新"),
                                          CorrectedField("amount_wan_yuan", "3.0", None))
    draw = Draw.of({"id": "draw-1", "plan_id": "plan-1", "department": "410425-SCJG", "scheme": "henan-market-risk",
                    "status": "DRAWN", "ratios": '{"A": "1"}', "seed_commitment": "ab", "committed_at": filed,
                    "seed_sealed": "never served", "result_text": "targets…"})
    assert draw.status is DrawStatus.DRAWN and draw.attempt is None and draw.statements == ()
    assert not hasattr(draw, "seed_sealed")
    assert draw.published_result is None  # published once every target was inspected (or superseded)
