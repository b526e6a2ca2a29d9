"""差异化监管 on the real graph: measures follow grades; a draw from plan to verified results."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import AUDIT_KEY, DATA_KEY, JWT_SECRET, add_evaluation, add_subject, bearer, gql, uscc

REGION = "410483"
DEPARTMENT = "410483-SCJG"
GRADES = {"A": 12, "B": 9, "C": 6, "D": 3}
SUBJECTS = {uscc(1000 + i, region=REGION): grade
            for grade, count in GRADES.items() for i in range(count * 10, count * 10 + count)}
WATCHED = next(code for code, grade in SUBJECTS.items() if grade == "A")
CONFLICTED = next(code for code, grade in SUBJECTS.items() if grade == "D")


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> None:
    for n, (code, grade) in enumerate(SUBJECTS.items()):
        await add_subject(hub, code)
        await add_evaluation(hub, code, f"{code}-risk-{n}", scheme="henan-market-risk", grade=grade,
                             disclosure="INTERNAL", score={"A": 100, "B": 300, "C": 600, "D": 800}[grade])


MEASURES = '{ subject(uscc: "%s") { measures { scheme grade name kind basis samplingMinimumPercent } } }'


async def test_measures_follow_the_grade(client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    agency = bearer(settings, "agency", "县市场监管局")
    before = (await gql(client, MEASURES % WATCHED, agency))["data"]["subject"]["measures"]
    assert {m["grade"] for m in before} == {"A"}
    assert {m["samplingMinimumPercent"] for m in before} >= {"1"}

    await add_evaluation(hub, WATCHED, f"{WATCHED}-risk-later", scheme="henan-market-risk", grade="D",
                         disclosure="INTERNAL", score=900)
    after = (await gql(client, MEASURES % WATCHED, agency))["data"]["subject"]["measures"]
    assert {m["grade"] for m in after} == {"D"}
    floor = [m for m in after if m["samplingMinimumPercent"] == "20"]
    assert floor and "第十五条" in floor[0]["basis"]
    SUBJECTS[WATCHED] = "D"  # its stratum in the next draw


async def test_measures_are_internal_only(client: httpx.AsyncClient, settings: Settings) -> None:
    for headers in ({}, bearer(settings, "bank", "测试银行甲")):
        body = await gql(client, MEASURES % WATCHED, headers)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


RESULT = 'mutation($d: ID!, $u: String!) { recordInspectionResult(drawId: $d, uscc: $u, result: "合格") { result } }'
PLAN = """mutation($plan: InspectionPlanInput!) { createInspectionPlan(plan: $plan) {
  id scheme ratios { grade minimumPercent } } }"""
DRAW_FIELDS = ("id status seedCommitment populationDigest populationSize seed resultDigest "
               "strata { grade population minimumPercent drawn }")


async def run_draw(client: httpx.AsyncClient, agency: dict[str, str]) -> dict[str, Any]:
    plan = (await gql(client, PLAN, agency, plan={
        "department": DEPARTMENT, "name": "2026年第四季度双随机抽查", "scheme": "henan-market-risk",
        "region": REGION, "period": "2026-Q4"}))["data"]["createInspectionPlan"]
    assert {r["grade"]: r["minimumPercent"] for r in plan["ratios"]} == {"A": "1", "B": "3", "C": "10", "D": "20"}
    committed = (await gql(client, f"mutation($p: ID!) {{ commitDraw(planId: $p) {{ {DRAW_FIELDS} }} }}",
                           agency, p=plan["id"]))["data"]["commitDraw"]
    assert committed["status"] == "COMMITTED" and committed["seed"] is None and len(committed["seedCommitment"]) == 64
    frozen = (await gql(client, f"mutation($d: ID!) {{ freezeDraw(id: $d) {{ {DRAW_FIELDS} }} }}",
                        agency, d=committed["id"]))["data"]["freezeDraw"]
    assert frozen["populationSize"] == len(SUBJECTS)
    drawn = (await gql(client, f"mutation($d: ID!) {{ revealDraw(id: $d) {{ {DRAW_FIELDS} }} }}",
                       agency, d=committed["id"]))["data"]["revealDraw"]
    return drawn


async def test_a_draw_meets_every_ratio_and_is_verifiable(
        client: httpx.AsyncClient, settings: Settings, neo4j_credentials: Neo4jCredentials, hub: CreditHub,
        tmp_path: Path) -> None:
    agency = bearer(settings, "agency", "县市场监管局", department=DEPARTMENT)
    inspectors = [{"id": f"insp-{n}", "name": f"执法人员{n}", "conflicts": [CONFLICTED] if n < 2 else []}
                  for n in range(5)]
    pool = "mutation($d: String!, $i: [InspectorInput!]!) { setInspectors(department: $d, inspectors: $i) }"
    assert (await gql(client, pool, agency, d=DEPARTMENT, i=inspectors))["data"]["setInspectors"] == 5
    drawn = await run_draw(client, agency)
    assert drawn["status"] == "DRAWN" and len(drawn["seed"]) == 64
    counts = {grade: sum(1 for g in SUBJECTS.values() if g == grade) for grade in GRADES}
    for stratum in drawn["strata"]:
        need = math.ceil(counts[stratum["grade"]] * int(stratum["minimumPercent"]) / 100)
        assert stratum["population"] == counts[stratum["grade"]] and stratum["drawn"] >= need

    assignments = (await gql(client, '{ draws { id assignments { uscc grade inspectors } } }', agency))
    [ours] = [d for d in assignments["data"]["draws"] if d["id"] == drawn["id"]]
    for target in ours["assignments"]:
        assert len(set(target["inspectors"])) == 2
        if target["uscc"] == CONFLICTED:
            assert not {"insp-0", "insp-1"} & set(target["inspectors"])
    assert any(t["uscc"] == WATCHED and t["grade"] == "D" for t in ours["assignments"]) or all(
        t["uscc"] != WATCHED for t in ours["assignments"])

    public = await gql(client, "{ draws { id seedCommitment resultDigest assignments { uscc } } }")
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert all(d["assignments"] is None for d in public["data"]["draws"])  # the rest of the draw stands
    verified = _cli(neo4j_credentials, "draw", "verify", drawn["id"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    key = (await gql(client, "{ platform { publicKey } }"))["data"]["platform"]["publicKey"]
    check_exported_file(neo4j_credentials, drawn["id"], tmp_path, key)

    for target in ours["assignments"]:
        await gql(client, RESULT, agency, d=drawn["id"], u=target["uscc"])
    published = await gql(client, "{ draws { id status results { uscc result } resultDocument } }")
    [mine] = [d for d in published["data"]["draws"] if d["id"] == drawn["id"]]
    assert mine["status"] == "PUBLISHED" and len(mine["results"]) == len(ours["assignments"])
    assert mine["resultDocument"] and drawn["resultDigest"]

    # A later change to the department's roster does not touch a draw already made…
    await gql(client, pool, agency, d=DEPARTMENT, i=inspectors[:3])
    assert _cli(neo4j_credentials, "draw", "verify", drawn["id"]).returncode == 0
    # …but altering any frozen input does: the pool as frozen, or the population (exit 1, named).
    await hub.gateway.run("MATCH (d:Draw {id: $d}) SET d.inspectors = replace(d.inspectors, 'insp-4', 'insp-9')",
                          {"d": drawn["id"]}, write=True)
    swapped = _cli(neo4j_credentials, "draw", "verify", drawn["id"])
    assert swapped.returncode == 1 and "inspector pool:" in swapped.stdout, swapped.stdout + swapped.stderr
    await hub.gateway.run("MATCH (d:Draw {id: $d}) SET d.inspectors = replace(d.inspectors, 'insp-9', 'insp-4')",
                          {"d": drawn["id"]}, write=True)
    await hub.gateway.run("MATCH (c:DrawPopulation {draw_id: $d}) SET c.entries = [c.entries[0]] + c.entries[2..]",
                          {"d": drawn["id"]}, write=True)
    tampered = _cli(neo4j_credentials, "draw", "verify", drawn["id"])
    assert tampered.returncode == 1 and "population:" in tampered.stdout, tampered.stdout + tampered.stderr


async def test_the_grade_decides_the_stratum_in_the_next_draw(hub: CreditHub) -> None:
    rows = await hub.gateway.run(
        "MATCH (c:DrawPopulation) UNWIND c.entries AS e WITH c, e WHERE e STARTS WITH $code "
        "MATCH (d:Draw {id: c.draw_id}) RETURN e ORDER BY d.committed_at DESC LIMIT 1", {"code": WATCHED})
    assert rows and rows[0]["e"].endswith("\tD")


@pytest.mark.parametrize(("ratios", "message"), [
    ([{"grade": "A", "minimumPercent": "1"}], "missing B, C, D"),
    ([{"grade": g, "minimumPercent": "101" if g == "D" else "5"} for g in "ABCD"], "must be in (0, 100]"),
])
async def test_bad_plans_are_refused_clearly(client: httpx.AsyncClient, settings: Settings,
                                             ratios: list[dict[str, str]], message: str) -> None:
    body = await gql(client, PLAN, bearer(settings, "agency", "县市场监管局", department=DEPARTMENT), plan={
        "department": DEPARTMENT, "name": "x", "scheme": "henan-market-risk", "ratios": ratios})
    assert message in body["errors"][0]["message"]


def _cli(credentials: Neo4jCredentials, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
           "NEO4J_PASSWORD": credentials.password, "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY,
           "HUB_AUDIT_KEY": AUDIT_KEY}
    return subprocess.run([str(Path(sys.executable).with_name("hub")), *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def check_exported_file(credentials: Neo4jCredentials, draw_id: str, folder: Path, public_key: str) -> None:
    """`hub draw export` then `hub draw verify --file --public-key`: no database needed, and each alteration named."""
    exported = folder / "draw.json"
    assert _cli(credentials, "draw", "export", draw_id, "--out", str(exported)).returncode == 0
    document = json.loads(exported.read_text(encoding="utf-8"))
    offline_env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    offline = subprocess.run([str(Path(sys.executable).with_name("hub")), "draw", "verify", "--file", str(exported),
                              "--public-key", public_key], env=offline_env, capture_output=True, text=True,
                             timeout=60, check=False)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert f"draw {draw_id} (DRAWN) verified" in offline.stdout

    code, grade = document["population"][0]
    regraded = {**document, "population": [[code, "A" if grade != "A" else "B"], *document["population"][1:]]}
    other_seed = {**document, "seed": "00" * 32}
    for altered, expected in ((regraded, "population: the stored population"), (other_seed, "seed: ")):
        exported.write_text(json.dumps(altered, ensure_ascii=False), encoding="utf-8")
        failed = _cli(credentials, "draw", "verify", "--file", str(exported), "--public-key", public_key)
        assert failed.returncode == 1 and expected in failed.stdout, failed.stdout + failed.stderr
