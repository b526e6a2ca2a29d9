"""`evaluations(current: true)`: only what is in force, loaded through the CURRENT pointers alone."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from hub import clock
from hub.db import ingest
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_evaluation, add_subject, bearer, gql, remove_subjects, uscc

pytestmark = pytest.mark.usefixtures("china_clock")  # dates from hub.clock, at 15:59 and 16:01 UTC


CODE = uscc(930_001)


async def test_current_evaluations_leave_out_history_and_expired_ones(
        client: httpx.AsyncClient, hub: CreditHub, settings: Settings) -> None:
    await remove_subjects(hub, [CODE])
    await add_subject(hub, CODE)
    await add_evaluation(hub, CODE, "cur-old", scheme="henan-public-credit", grade="中", disclosure="PUBLIC")
    await add_evaluation(hub, CODE, "cur-new", scheme="henan-public-credit", grade="良", disclosure="PUBLIC")
    await add_evaluation(hub, CODE, "cur-expired", scheme="henan-market-risk", grade="B", disclosure="INTERNAL",
                         valid_days=-1)
    agency = bearer(settings, "agency", "郏县市场监管局")
    query = "query($u: String!, $c: Boolean!) { subject(uscc: $u) { evaluations(current: $c) { scheme grade } } }"
    history = (await gql(client, query, agency, u=CODE, c=False))["data"]["subject"]["evaluations"]
    assert sorted(e["grade"] for e in history) == ["B", "中", "良"]
    current = (await gql(client, query, agency, u=CODE, c=True))["data"]["subject"]["evaluations"]
    assert current == [{"scheme": "henan-public-credit", "grade": "良"}]
    both = await gql(client, "query($u: String!) { subject(uscc: $u) { now: evaluations(current: true) { grade } "
                     "all: evaluations { grade } } }", agency, u=CODE)  # history loaded once, both answered
    assert [e["grade"] for e in both["data"]["subject"]["now"]] == ["良"]
    assert len(both["data"]["subject"]["all"]) == 3
    public = (await gql(client, query, u=CODE, c=True))["data"]["subject"]["evaluations"]
    assert public == [{"scheme": "henan-public-credit", "grade": "良"}]  # tiers apply as to every list


async def test_two_evaluations_of_one_scheme_in_one_batch_leave_one_current_and_the_older_superseded(
        hub: CreditHub) -> None:
    code = uscc(930_002)
    await remove_subjects(hub, [code])
    await add_subject(hub, code)
    now = clock.now()
    rows = [{"id": f"batch-{n}", "subject_uscc": code, "scheme": "henan-public-credit", "score": 80.0 + n,
             "grade": "良", "level": None, "disclosure": "PUBLIC", "evaluated_at": now - timedelta(days=400 - n),
             "valid_until": clock.today(), "evaluator": "test"} for n in (1, 2)]
    await ingest.upsert_evaluations(hub.gateway, list(reversed(rows)))  # one batch, newest first
    found = await hub.gateway.run(
        "MATCH (s:Subject {uscc: $code})<-[:OF]-(e:Evaluation) OPTIONAL MATCH (s)-[c:CURRENT]->(e) "
        "RETURN e.id AS id, c IS NOT NULL AS current, e.superseded_by AS by ORDER BY id", {"code": code})
    assert found == [{"id": "batch-1", "current": False, "by": "batch-2"},
                     {"id": "batch-2", "current": True, "by": None}]
