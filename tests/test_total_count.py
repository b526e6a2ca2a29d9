"""`totalCount` on connections: every page together, only what the viewer may see, counted when selected."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub import clock
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_subjects, bearer, gql, remove_subjects, uscc

REGION = "410527"  # 内黄县: this module's own subjects and warnings
CODES = [uscc(7100 + n, region=REGION) for n in range(5)]
SUBJECTS = """query($search: String, $first: Int, $after: String) {
  subjects(search: $search, first: $first, after: $after) {
    totalCount edges { cursor node { uscc } } pageInfo { hasNextPage endCursor }
  }
}"""
WARNINGS = """query($region: String, $status: WarningStatus, $first: Int!) {
  warnings(region: $region, status: $status, first: $first) { totalCount nodes { id } }
}"""


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> AsyncIterator[None]:
    await remove_subjects(hub, CODES)
    await add_subjects(hub, CODES)
    now = clock.now()
    await hub.gateway.run(
        """
        UNWIND range(0, 5) AS i
        CREATE (:Warning {id: 'tc-warning-' + i, rule: 'test-rule', title: '测试预警', level: 'LOW',
                          status: CASE WHEN i < 5 THEN 'OPEN' ELSE 'HANDLED' END, anchor: 'a' + i,
                          summary: '', facts: [], evidence: '{}', raised_at: $now, number: 900000000 + i,
                          region: $region, disclosure: 'INTERNAL'})
        """, {"now": now, "region": REGION}, write=True)
    yield None
    await hub.gateway.run("MATCH (w:Warning) WHERE w.id STARTS WITH 'tc-warning-' DETACH DELETE w", write=True)
    await remove_subjects(hub, CODES)


async def test_subjects_count_every_page_not_this_one(client: httpx.AsyncClient) -> None:
    first = (await gql(client, SUBJECTS, search="91" + REGION, first=2))["data"]["subjects"]
    assert first["totalCount"] == 5 and len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]
    rest = (await gql(client, SUBJECTS, search="91" + REGION, first=10,
                      after=first["pageInfo"]["endCursor"]))["data"]["subjects"]
    assert rest["totalCount"] == 5 and len(rest["edges"]) == 3  # the count does not depend on the cursor
    assert (await gql(client, SUBJECTS, search=CODES[0]))["data"]["subjects"]["totalCount"] == 1
    assert (await gql(client, SUBJECTS, search="91" + REGION + "Zz"))["data"]["subjects"]["totalCount"] == 0


async def test_subjects_are_public_so_every_tier_counts_the_same(client: httpx.AsyncClient,
                                                                settings: Settings) -> None:
    counts = set()
    for headers in ({}, bearer(settings, "bank", "计数银行"), bearer(settings, "admin", "内黄县信用办")):
        page = (await gql(client, SUBJECTS, headers, search="91" + REGION, first=1))["data"]["subjects"]
        counts.add((page["totalCount"], len(page["edges"])))
    assert counts == {(5, 1)}


async def test_warnings_count_follows_the_filter(client: httpx.AsyncClient, settings: Settings) -> None:
    admin = bearer(settings, "admin", "内黄县信用办")
    page = (await gql(client, WARNINGS, admin, region=REGION, first=2))["data"]["warnings"]
    assert page["totalCount"] == 6 and len(page["nodes"]) == 2
    handled = (await gql(client, WARNINGS, admin, region=REGION, status="HANDLED", first=20))["data"]["warnings"]
    assert handled["totalCount"] == 1 and [n["id"] for n in handled["nodes"]] == ["tc-warning-5"]


@pytest.mark.parametrize("role", ["public", "bank"])
async def test_no_warning_count_outside_government(client: httpx.AsyncClient, settings: Settings,
                                                   role: str) -> None:
    """A count is an output like any other: a viewer refused the warnings gets no number of them either."""
    headers = {} if role == "public" else bearer(settings, role, "计数银行")
    response = await client.post("/graphql", json={"query": WARNINGS, "variables": {"region": REGION, "first": 2}},
                                 headers=headers)
    answer = response.json()  # PUBLIC: the field is not in its schema (400); a bank: null with FORBIDDEN
    assert answer.get("data") in (None, {"warnings": None})
    assert {e["extensions"]["code"] for e in answer["errors"]} <= {"FORBIDDEN", "GRAPHQL_VALIDATION_FAILED"}
