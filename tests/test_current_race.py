"""Writers that move one subject's CURRENT pointer at the same time still leave exactly one per scheme.

Ingest batches, platform sync and the grading engine each read a subject's current evaluation and then
replace it (hub.db.current). Under read-committed isolation a pointer another transaction moved between
that read and the replacement used to survive beside the new one — two CURRENT of one scheme. Here two
writers run concurrently over the same subjects in many small, interleaved batches, and afterwards every
subject must have the one current evaluation the rule chooses, the others superseded.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from neo4j.exceptions import ClientError, TransientError

from hub import clock
from hub.db import evaluations, ingest
from hub.db.current import LOCK
from hub.service import CreditHub
from tests.builders import add_subjects, remove_subjects, uscc

REGION = "410328"  # 洛宁县: no other module's subjects
SCHEME = "henan-public-credit"
SUBJECTS = 120
ROUNDS = 3
BATCH = 6  # small batches, shuffled: the two writers' transactions interleave throughout


def _codes(round_: int) -> list[str]:
    return [uscc(977_000 + round_ * 1000 + n, REGION) for n in range(SUBJECTS)]


def _ingested(code: str, tag: str, at: datetime) -> dict[str, Any]:
    return {"id": f"race-{tag}-{code}", "subject_uscc": code, "scheme": SCHEME, "score": 80.0, "grade": "良",
            "level": None, "disclosure": "PUBLIC", "evaluated_at": at,
            "valid_until": clock.date_of(at) + timedelta(days=365), "evaluator": "test"}


def _graded(code: str, tag: str, now: datetime) -> dict[str, Any]:
    """An evaluation as the engine writes it (hub.grading.engine.evaluation_row, less the explanation)."""
    return {"id": f"race-{tag}-{code}", "subject_uscc": code, "scheme": SCHEME, "score": 90.0, "grade": "优",
            "level": "A", "disclosure": "PUBLIC", "valid_until": (clock.date_of(now) + timedelta(days=365)).isoformat(),
            "evaluator": "test", "run_id": tag, "authoritative": True}


def _batches(rows: Sequence[dict[str, Any]], seed: int) -> list[list[dict[str, Any]]]:
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    return [shuffled[start:start + BATCH] for start in range(0, len(shuffled), BATCH)]


async def _ingest(hub: CreditHub, rows: Sequence[dict[str, Any]], seed: int) -> None:
    for batch in _batches(rows, seed):
        await ingest.upsert_evaluations(hub.gateway, batch)


async def _regrade(hub: CreditHub, rows: Sequence[dict[str, Any]], seed: int, now: datetime) -> None:
    for batch in _batches(rows, seed):
        await evaluations.write_results(hub.gateway, batch, [], [row["subject_uscc"] for row in batch], now)


async def _start(hub: CreditHub, codes: list[str], at: datetime) -> None:
    """Fresh subjects, each with a current evaluation from ``at``."""
    await remove_subjects(hub, codes)
    await add_subjects(hub, codes)
    await ingest.upsert_evaluations(hub.gateway, [_ingested(code, "start", at) for code in codes])


async def _state(hub: CreditHub, codes: list[str]) -> dict[str, dict[str, Any]]:
    """Per subject: the ids its CURRENT pointers of SCHEME lead to, and each evaluation's superseded_by
    (with whether superseded_at is set)."""
    rows = await hub.gateway.run(
        "UNWIND $codes AS code MATCH (s:Subject {uscc: code}) "
        "CALL (s) { OPTIONAL MATCH (s)-[:CURRENT]->(c:Evaluation {scheme: $scheme}) RETURN collect(c.id) AS current } "
        "CALL (s) { MATCH (s)<-[:OF]-(e:Evaluation {scheme: $scheme}) "
        "  RETURN collect([e.id, e.superseded_by, e.superseded_at IS NOT NULL]) AS history } "
        "RETURN code, current, history", {"codes": codes, "scheme": SCHEME})
    return {row["code"]: {"current": sorted(row["current"]),
                          "by": {eid: (by, marked) for eid, by, marked in row["history"]}} for row in rows}


def _two_current(state: dict[str, dict[str, Any]]) -> list[str]:
    return sorted(code for code, found in state.items() if len(found["current"]) != 1)


async def _settled(hub: CreditHub, codes: list[str], *, won: str, lost: str) -> int:
    """How many of ``codes`` were left without exactly one CURRENT; when none, that each holds ``won``'s
    evaluation as current, ``lost``'s superseded by it (lost to it, or replaced by it), and the starting one
    superseded by one of the two."""
    state = await _state(hub, codes)
    broken = len(_two_current(state))
    if broken:
        return broken
    for code in codes:
        found = state[code]
        newest, other, start = (f"race-{tag}-{code}" for tag in (won, lost, "start"))
        assert found["current"] == [newest]
        assert found["by"][newest] == (None, False)
        assert found["by"][other] == (newest, True)
        assert found["by"][start][0] in (newest, other) and found["by"][start][1]
    return 0


async def test_two_ingest_batches_at_once_leave_the_newest_current_and_the_rest_superseded(hub: CreditHub) -> None:
    now = clock.now()
    broken: list[int] = []  # per round, how many subjects were left without exactly one CURRENT
    for round_ in range(ROUNDS):
        codes = _codes(round_)
        await _start(hub, codes, now - timedelta(days=10))
        older = [_ingested(code, "older", now - timedelta(days=2)) for code in codes]
        newer = [_ingested(code, "newer", now - timedelta(days=1)) for code in codes]
        await asyncio.gather(_ingest(hub, older, round_), _ingest(hub, newer, round_ + 100))
        broken.append(await _settled(hub, codes, won="newer", lost="older"))
    assert broken == [0] * ROUNDS, f"subjects of {SUBJECTS} per round not left with one CURRENT: {broken}"
    await remove_subjects(hub, [code for round_ in range(ROUNDS) for code in _codes(round_)])


async def test_an_ingest_and_a_regrade_at_once_leave_the_regrade_current_and_the_rest_superseded(
        hub: CreditHub) -> None:
    now = clock.now()
    broken: list[int] = []  # per round, how many subjects were left without exactly one CURRENT
    for round_ in range(ROUNDS):
        codes = _codes(10 + round_)
        await _start(hub, codes, now - timedelta(days=10))
        arriving = [_ingested(code, "arriving", now - timedelta(days=1)) for code in codes]
        graded = [_graded(code, f"graded{round_}", now) for code in codes]
        await asyncio.gather(_ingest(hub, arriving, round_), _regrade(hub, graded, round_ + 100, now))
        broken.append(await _settled(hub, codes, won=f"graded{round_}", lost="arriving"))
    assert broken == [0] * ROUNDS, f"subjects of {SUBJECTS} per round not left with one CURRENT: {broken}"
    await remove_subjects(hub, [code for round_ in range(ROUNDS) for code in _codes(10 + round_)])


async def test_a_writer_holds_its_subjects_until_it_commits_and_leaves_no_mark(hub: CreditHub) -> None:
    """The lock idiom itself: a transaction that has taken a subject's lock (hub.db.current.LOCK) makes a
    second one wait for it — here, time out — and once it commits the subject carries no trace of it."""
    [code] = _codes(20)[:1]
    await remove_subjects(hub, [code])
    await add_subjects(hub, [code])
    driver = hub.gateway._driver  # an explicit transaction, held open across another's attempt

    async with driver.session(database=hub.gateway.database) as holder, \
            driver.session(database=hub.gateway.database) as waiter:
        held = await holder.begin_transaction()
        await (await held.run(LOCK, subjects=[code])).consume()
        waiting = await waiter.begin_transaction(timeout=1.0)
        try:
            try:
                await (await waiting.run(LOCK, subjects=[code])).consume()
                blocked = False
            except (ClientError, TransientError):  # the transaction timed out waiting for the lock
                blocked = True
        finally:
            await waiting.close()
        await held.commit()
    assert blocked
    left = await hub.gateway.run("MATCH (s:Subject {uscc: $code}) RETURN keys(s) AS keys", {"code": code})
    assert "_lock" not in left[0]["keys"]
    await remove_subjects(hub, [code])


async def test_a_deadlock_between_two_writers_is_retried_and_both_batches_commit_whole(hub: CreditHub) -> None:
    """Two writers that take two subjects' locks in opposite orders (as a sync's records may, before its
    evaluations): Neo4j detects the deadlock and fails one; the gateway's managed transaction runs that one
    again from the start, and both batches end written whole — the failed attempt left nothing."""
    first, second = _codes(21)[:2]
    await remove_subjects(hub, [first, second])
    await add_subjects(hub, [first, second])
    both_hold_one = asyncio.Barrier(2)
    attempts = {"a": 0, "b": 0}

    def writer(name: str, one: str, other: str) -> Any:
        async def work(tx: Any) -> None:
            attempts[name] += 1
            await (await tx.run(LOCK + "SET s.race_writes = coalesce(s.race_writes, []) + $name",
                                subjects=[one], name=name)).consume()
            if attempts[name] == 1:
                await asyncio.wait_for(both_hold_one.wait(), timeout=10)
            await (await tx.run(LOCK + "SET s.race_writes = coalesce(s.race_writes, []) + $name",
                                subjects=[other], name=name)).consume()
        return work

    await asyncio.gather(hub.gateway.write(writer("a", first, second)), hub.gateway.write(writer("b", second, first)))
    assert sorted(attempts.values()) == [1, 2]  # one was chosen as the deadlock's victim and ran again
    written = await hub.gateway.run("UNWIND $codes AS code MATCH (s:Subject {uscc: code}) "
                                    "RETURN code, s.race_writes AS writes", {"codes": [first, second]})
    assert {row["code"]: sorted(row["writes"]) for row in written} == {first: ["a", "b"], second: ["a", "b"]}
    await remove_subjects(hub, [first, second])
