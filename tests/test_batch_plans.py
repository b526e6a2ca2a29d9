"""The engine's per-batch statements start from the batch's subjects, whatever the planner's statistics say.

A statement given 2,000 subject codes must read what concerns those subjects: started from an index on
another label (the review flags' status, say), it reads everything under that index once per code — a
cost that grows with the province, not with the batch. The test database is nearly empty, which is just
when the planner likes such an index best; open flags are added first, as the suite's earlier tests leave
some (with a few of them the planner joined the status index to the subjects even under an index hint).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub import clock
from hub.db import evaluations
from hub.service import CreditHub
from tests.builders import add_subject, add_subjects, remove_subjects, uscc

CODES = [uscc(950_001), uscc(950_002)]
FLAGS = {"plan-open": (0, "OPEN"), "plan-reviewed": (0, "REVIEWED"), "plan-kept": (0, "OPEN"),
         "plan-cleared": (0, "CLEARED"), "plan-other": (1, "OPEN")}


@pytest.fixture
async def flags(hub: CreditHub) -> AsyncIterator[None]:
    await remove_subjects(hub, CODES)
    for code in CODES:
        await add_subject(hub, code)
    await hub.gateway.run("UNWIND $flags AS flag MATCH (s:Subject {uscc: flag.code}) "
                          "CREATE (:ReviewFlag {key: flag.key, status: flag.status})-[:CONCERNS]->(s)",
                          {"flags": [{"key": key, "code": CODES[n], "status": status}
                                     for key, (n, status) in FLAGS.items()]}, write=True)
    yield
    await hub.gateway.run("MATCH (f:ReviewFlag) WHERE f.key STARTS WITH 'plan-' DETACH DELETE f", write=True)
    await remove_subjects(hub, CODES)


def _operators(plan: Any) -> list[tuple[str, str]]:
    found = [(plan["operatorType"].split("@")[0], str(plan.get("args", {}).get("Details", "")))]
    for child in plan.get("children", ()):
        found += _operators(child)
    return found


async def _plan(hub: CreditHub, statement: str, **parameters: Any) -> list[tuple[str, str]]:
    async def explain(tx: Any) -> Any:
        result = await tx.run("EXPLAIN " + statement, parameters)
        return (await result.consume()).plan

    return _operators(await hub.gateway.read(explain))


async def test_clearing_settled_flags_starts_from_the_subjects(hub: CreditHub, flags: None) -> None:
    operators = await _plan(hub, evaluations._CLEAR, subjects=CODES, keep=[], now=None)
    seeks = [details for operator, details in operators if "Seek" in operator or "Scan" in operator]
    assert seeks and all("Subject(uscc)" in details for details in seeks), operators
    assert not [o for o in operators if "Into" in o[0]], operators  # no join of flags found elsewhere


async def test_clearing_settled_flags_clears_the_batchs_own_and_keeps_the_rest(hub: CreditHub, flags: None) -> None:
    async def clear(tx: Any) -> None:
        await (await tx.run(evaluations._CLEAR, subjects=CODES[:1], keep=["plan-kept"], now=clock.now())).consume()

    await hub.gateway.write(clear)
    rows = await hub.gateway.run("MATCH (f:ReviewFlag) WHERE f.key STARTS WITH 'plan-' "
                                 "RETURN f.key AS key, f.status AS status, f.cleared_at IS NOT NULL AS stamped")
    assert {row["key"]: (row["status"], row["stamped"]) for row in rows} == {
        "plan-open": ("CLEARED", True), "plan-reviewed": ("CLEARED", True), "plan-kept": ("OPEN", False),
        "plan-cleared": ("CLEARED", False), "plan-other": ("OPEN", False)}


# A region run's subjects: three counties under one city's prefix, and neighbours on either side of it.
COUNTIES = ("659901", "659902", "659903")
IN_CITY = [uscc(951_000 + n, region=county) for county in COUNTIES for n in range(3)]
OUTSIDE = [uscc(951_100, region="659899"), uscc(951_101, region="660001")]


@pytest.fixture
async def city(hub: CreditHub) -> AsyncIterator[None]:
    await remove_subjects(hub, IN_CITY + OUTSIDE)
    await add_subjects(hub, IN_CITY + OUTSIDE)
    yield
    await remove_subjects(hub, IN_CITY + OUTSIDE)


async def test_a_regions_pages_seek_the_county_after_the_last_code(hub: CreditHub) -> None:
    """A page of a region run reads its own subjects from the (region, uscc) index, not every subject of
    the prefix again: one seek, no sort — with a sort, each page reads the whole county (a province's run
    grows with the square of its subjects)."""
    await hub.gateway.run("CALL db.awaitIndexes(60)")
    operators = await _plan(hub, evaluations._PAGE_OF_REGION, region=COUNTIES[0], after="", limit=2,
                            since=clock.today(), today=clock.today())
    seeks = [details for operator, details in operators if "Seek" in operator or "Scan" in operator]
    assert any("Subject(region, uscc)" in details for details in seeks), operators
    assert not [o for o in operators if o[0] in ("Sort", "Top", "PartialSort", "PartialTop")], operators
    operators = await _plan(hub, evaluations._NEXT_REGION, last=COUNTIES[0], upto="6600")
    assert [o[0] for o in operators if "Seek" in o[0] or "Scan" in o[0]] == ["NodeIndexSeekByRange"], operators
    assert not [o for o in operators if o[0] in ("Sort", "Top", "Filter")], operators


async def test_a_region_is_walked_county_by_county_in_code_order(hub: CreditHub, city: None) -> None:
    pages = [[row.subject.uscc for row in page.rows] async for page in evaluations.facts_pages(
        hub.gateway, region="6599", limit=2, since=clock.today(), today=clock.today())]
    assert [code for page in pages for code in page] == sorted(IN_CITY, key=lambda code: (code[2:8], code))
    assert all(len({code[2:8] for code in page}) == 1 for page in pages)  # a page holds one county
    assert [len(page) for page in pages] == [2, 1] * len(COUNTIES)
    county = [[row.subject.uscc for row in page.rows] async for page in evaluations.facts_pages(
        hub.gateway, region=COUNTIES[1], limit=10, since=clock.today(), today=clock.today())]
    assert county == [sorted(IN_CITY[3:6])]
