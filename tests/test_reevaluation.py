"""The evaluation engine on the real graph: runs, history, repair re-grades, discrepancy flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub import clock
from hub.db.server import Neo4jCredentials
from hub.models import RecordStatus
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import (
    AUDIT_KEY,
    CREDIT_OFFICE,
    DATA_KEY,
    JWT_SECRET,
    add_evaluation,
    add_record,
    add_subject,
    add_subjects,
    bearer,
    remove_subjects,
    uscc,
)

REGION = "410482"  # a Henan county used by no other test module
CLEAN, PENALIZED, LISTED, SPLIT, CLOSE = (uscc(900 + n, region=REGION) for n in range(5))


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> None:
    await remove_subjects(hub, [CLEAN, PENALIZED, LISTED, SPLIT, CLOSE])
    recent = clock.today() - timedelta(days=200)
    for code in (CLEAN, PENALIZED, LISTED, SPLIT, CLOSE):
        await add_subject(hub, code)
    await add_record(hub, CLEAN, f"{CLEAN}-honour", kind="HONOR", disclosure="PUBLIC", decided_on=recent)
    for n in range(3):
        await add_record(hub, PENALIZED, f"{PENALIZED}-penalty-{n}", kind="ADMINISTRATIVE_PENALTY",
                         disclosure="PUBLIC", decided_on=recent, severity="SERIOUS")
    await add_record(hub, LISTED, f"{LISTED}-list", kind="SERIOUS_DISHONESTY_LIST", disclosure="PUBLIC",
                     decided_on=recent, publicity_ends_on=clock.today() + timedelta(days=700))
    # Evaluations made elsewhere: quanzhou-industry does not cover this region, so they stand.
    await add_evaluation(hub, SPLIT, f"{SPLIT}-qz", scheme="quanzhou-industry", grade="E",
                         disclosure="AUTHORIZED", score=300)
    await add_evaluation(hub, CLOSE, f"{CLOSE}-qz", scheme="quanzhou-industry", grade="B",
                         disclosure="AUTHORIZED", score=850)


async def current(hub: CreditHub, code: str, scheme: str) -> dict[str, Any]:
    rows = await hub.gateway.run(
        "MATCH (:Subject {uscc: $code})<-[:OF]-(e:Evaluation {scheme: $scheme}) "
        "WHERE e.superseded_at IS NULL RETURN e { .* } AS e", {"code": code, "scheme": scheme})
    assert len(rows) == 1, rows
    return rows[0]["e"]


async def test_a_run_grades_every_covered_subject_with_its_explanation(hub: CreditHub) -> None:
    summary = await hub.evaluate(region=REGION)
    assert summary.subjects == 5
    assert summary.evaluations == 10  # public credit + market risk for each enterprise
    # where the run's time went, per phase (a run reads ahead while it grades and writes: they overlap)
    assert summary.reading > 0 and summary.grading > 0 and summary.writing > 0
    assert summary.grading < summary.seconds and summary.writing < summary.seconds
    clean = await current(hub, CLEAN, "henan-public-credit")
    listed = await current(hub, LISTED, "henan-public-credit")
    assert clean["grade"] in {"优", "良"}
    assert listed["grade"] == "差"
    explanation = json.loads(listed["explanation"])
    assert any("joint-punishment" in reason or "失信" in reason for reason in explanation["reasons"])
    assert (await current(hub, LISTED, "henan-market-risk"))["grade"] == "D"
    contributions = explanation["contributions"]
    assert round(sum(c["points"] for c in contributions), 6) == round(listed["score"], 6)


async def test_history_is_kept_and_the_new_evaluation_knows_the_old_grade(hub: CreditHub) -> None:
    first = await current(hub, PENALIZED, "henan-public-credit")
    await hub.evaluate(["henan-public-credit"], REGION)
    second = await current(hub, PENALIZED, "henan-public-credit")
    assert second["id"] != first["id"]
    assert second["previous_grade"] == first["grade"]
    old = await hub.gateway.run("MATCH (e:Evaluation {id: $id}) RETURN e.superseded_at IS NOT NULL AS done",
                                {"id": first["id"]})
    assert old[0]["done"]


async def test_a_repaired_penalty_regrades_and_leaves_the_explanation(hub: CreditHub) -> None:
    before = await current(hub, PENALIZED, "henan-public-credit")
    cited_before = {rid for c in json.loads(before["explanation"])["contributions"] for rid in c["record_ids"]}
    assert f"{PENALIZED}-penalty-0" in cited_before

    await hub.set_record_status(f"{PENALIZED}-penalty-0", RecordStatus.REPAIRED, CREDIT_OFFICE)  # no department
    after = await current(hub, PENALIZED, "henan-public-credit")
    cited_after = {rid for c in json.loads(after["explanation"])["contributions"] for rid in c["record_ids"]}
    assert f"{PENALIZED}-penalty-0" not in cited_after
    assert after["score"] > before["score"]
    assert after["id"] != before["id"]


async def test_two_grades_apart_raise_one_flag_one_apart_none(
        hub: CreditHub, client: httpx.AsyncClient, settings: Settings) -> None:
    await hub.evaluate(["henan-public-credit"], REGION)
    split_public = (await current(hub, SPLIT, "henan-public-credit"))["grade"]
    close_public = (await current(hub, CLOSE, "henan-public-credit"))["grade"]
    assert split_public == close_public == "优"  # rung 1; quanzhou E is rung 5, B is rung 2

    body = (await client.post("/graphql", headers=bearer(settings, "agency", "县市场监管局"), json={
        "query": "{ reviewFlags { subjectUscc schemes grades gap departments status } }"})).json()
    ours = [f for f in body["data"]["reviewFlags"] if f["subjectUscc"] in (SPLIT, CLOSE)]
    assert len(ours) == 1
    [flag] = ours
    assert flag["subjectUscc"] == SPLIT and flag["gap"] == 4 and flag["status"] == "OPEN"
    assert set(flag["schemes"]) == {"henan-public-credit", "quanzhou-industry"}
    assert len(flag["departments"]) == 2

    await hub.evaluate(["henan-public-credit"], REGION)  # raising it again changes nothing
    again = await hub.gateway.run("MATCH (f:ReviewFlag)-[:CONCERNS]->(:Subject {uscc: $c}) RETURN count(f) AS n",
                                  {"c": SPLIT})
    assert again[0]["n"] == 1


async def test_review_flags_are_internal_only(client: httpx.AsyncClient, settings: Settings) -> None:
    for headers in ({}, bearer(settings, "bank", "测试银行甲")):
        body = (await client.post("/graphql", headers=headers, json={"query": "{ reviewFlags { key } }"})).json()
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_explanations_are_readable_by_whoever_reads_the_evaluation(client: httpx.AsyncClient) -> None:
    query = f"""{{ subject(uscc: "{LISTED}") {{ evaluations {{
        scheme grade current reasons explanation {{ indicator label points recordIds }} }} }} }}"""
    body = (await client.post("/graphql", json={"query": query})).json()
    evaluations = [e for e in body["data"]["subject"]["evaluations"] if e["current"]]
    assert {e["scheme"] for e in evaluations} == {"henan-public-credit"}  # market risk is INTERNAL
    [public] = evaluations
    assert public["grade"] == "差" and public["reasons"]
    assert any(f"{LISTED}-list" in c["recordIds"] for c in public["explanation"])


def _cli(credentials: Neo4jCredentials, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
           "NEO4J_PASSWORD": credentials.password, "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY,
           "HUB_AUDIT_KEY": AUDIT_KEY}
    return subprocess.run([str(Path(sys.executable).with_name("hub")), *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


async def test_a_regions_subjects_are_counted_as_its_run_reads_them(hub: CreditHub) -> None:
    # the progress bar of `hub evaluate --region` is as long as the run: the county, its city, its province
    neighbour, afar = uscc(950, region="410403"), uscc(951, region="350503")  # same city; another province
    regions = (None, REGION, "410400", "410000", "350000")  # everyone, the county, its city, province; Fujian
    before = [await hub.count_subjects(region) for region in regions]
    await add_subjects(hub, [neighbour, afar])
    try:
        after = [await hub.count_subjects(region) for region in regions]
        assert [a - b for a, b in zip(after, before, strict=True)] == [2, 0, 1, 1, 1]
        assert after[1] == 5 and (await hub.evaluate(region=REGION)).subjects == 5  # the county's, as counted
        with pytest.raises(ValueError, match="6 digits"):
            await hub.count_subjects("41048")
    finally:
        await remove_subjects(hub, [neighbour, afar])


def test_hub_evaluate_prints_a_summary(neo4j_credentials: Neo4jCredentials) -> None:
    result = _cli(neo4j_credentials, "evaluate", "--region", REGION, "--scheme", "henan-public-credit")
    assert result.returncode == 0, result.stderr
    assert "5 个主体" in result.stdout and "henan-public-credit：" in result.stdout  # for the clerk, in Chinese
    assert "读取事实" in result.stdout and "5 subjects" not in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--region", "41048"), "must be exactly 6 digits"),
    (("--scheme", "no-such-scheme"), "unknown grading scheme"),
])
def test_hub_evaluate_refuses_bad_input_clearly(neo4j_credentials: Neo4jCredentials,
                                                args: tuple[str, ...], message: str) -> None:
    result = _cli(neo4j_credentials, "evaluate", *args)
    assert result.returncode == 2 and message in result.stderr
