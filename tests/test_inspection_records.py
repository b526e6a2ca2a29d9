"""双随机 results become 抽查检查结果 records of the inspected subjects (seed 004 第七条) and count in grading.

Two subjects of 宜阳县 (410327, this module's own), graded by the engine, are both drawn (every ratio 100 %);
one is found 不合格, the other 合格. The failed one's record is on its public profile, and its
henan-market-risk score rises by the catalogue's 60 points for 抽查检查不合格 (supervision.inspection_failed),
the line citing the record; the passed one's record is there too and its score does not move.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub import clock
from hub.service import CreditHub
from hub.settings import Settings
from hub.supervision.result_record import result_record_id
from tests.builders import add_subject, bearer, gql, remove_subjects, uscc

REGION = "410327"
DEPARTMENT = "410327-SCJG"
FAILED, PASSED = uscc(1, region=REGION), uscc(2, region=REGION)
SCHEME = "henan-market-risk"

PLAN = """mutation($plan: InspectionPlanInput!) { createInspectionPlan(plan: $plan) { id } }"""
RESULT = """mutation($d: ID!, $u: String!, $r: String!) {
  recordInspectionResult(drawId: $d, uscc: $u, result: $r, notes: "未发现不合格产品") { result } }"""
PROFILE = """query($c: String!) { subject(uscc: $c) {
  records { id kind title content issuingDepartment decidedOn disclosure }
  evaluations(current: true) { scheme score grade explanation { indicator points recordIds } } } }"""


async def _forget(hub: CreditHub) -> None:
    await remove_subjects(hub, [FAILED, PASSED])
    await hub.gateway.run("MATCH (n) WHERE (n:InspectionPlan OR n:Draw) AND n.department = $d DETACH DELETE n",
                          {"d": DEPARTMENT}, write=True)
    await hub.gateway.run("MATCH (n) WHERE (n:InspectionTarget OR n:DrawPopulation) AND NOT EXISTS { "
                          "MATCH (d:Draw {id: n.draw_id}) } DETACH DELETE n", write=True)


@pytest.fixture(scope="module")
async def world(hub: CreditHub, china_clock: str) -> Any:
    await _forget(hub)
    for code in (FAILED, PASSED):
        await add_subject(hub, code, name=f"宜阳抽查测试{code[-4:]}有限公司")
    await hub.regrade([FAILED, PASSED])
    yield
    await _forget(hub)


def _agency(settings: Settings) -> dict[str, str]:
    return bearer(settings, "agency", "宜阳县市场监督管理局", department=DEPARTMENT)


async def _profile(client: httpx.AsyncClient, code: str, headers: dict[str, str]) -> dict[str, Any]:
    body = await gql(client, PROFILE, headers, c=code)
    assert "errors" not in body, body
    return body["data"]["subject"]


def _score(profile: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    [evaluation] = [e for e in profile["evaluations"] if e["scheme"] == SCHEME]
    return evaluation["score"], evaluation["explanation"]


async def _draw(client: httpx.AsyncClient, agency: dict[str, str]) -> str:
    pool = "mutation($d: String!, $i: [InspectorInput!]!) { setInspectors(department: $d, inspectors: $i) }"
    inspectors = [{"id": f"yy-{n}", "name": f"宜阳执法人员{n}", "conflicts": []} for n in range(3)]
    assert (await gql(client, pool, agency, d=DEPARTMENT, i=inspectors))["data"]["setInspectors"] == 3
    plan = await gql(client, PLAN, agency, plan={
        "department": DEPARTMENT, "name": "宜阳县双随机抽查（测试）", "scheme": SCHEME, "region": REGION,
        "ratios": [{"grade": g, "minimumPercent": "100"} for g in "ABCD"]})
    assert "errors" not in plan, plan
    plan_id = plan["data"]["createInspectionPlan"]["id"]
    committed = await gql(client, "mutation($p: ID!) { commitDraw(planId: $p) { id } }", agency, p=plan_id)
    draw_id: str = committed["data"]["commitDraw"]["id"]
    for step in ("freezeDraw", "revealDraw"):
        body = await gql(client, f"mutation($d: ID!) {{ {step}(id: $d) {{ status }} }}", agency, d=draw_id)
        assert "errors" not in body, body
    return draw_id


async def test_a_failed_result_is_a_record_of_its_subject_and_counts(
        world: Any, client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    agency = _agency(settings)
    before = {code: _score(await _profile(client, code, agency))[0] for code in (FAILED, PASSED)}
    draw_id = await _draw(client, agency)
    for code, result in ((FAILED, "不合格"), (PASSED, "合格")):
        body = await gql(client, RESULT, agency, d=draw_id, u=code, r=result)
        assert body["data"]["recordInspectionResult"] == {"result": result}, body

    # on the public profile: a PUBLIC record, issued by the plan's department, dated the day of inspection
    for code, result in ((FAILED, "不合格"), (PASSED, "合格")):
        public = await _profile(client, code, {})
        [record] = [r for r in public["records"] if r["kind"] == "INSPECTION_RESULT"]
        assert record == {
            "id": result_record_id(draw_id, code), "kind": "INSPECTION_RESULT",
            "title": f"“双随机、一公开”抽查检查结果：{result}", "content": record["content"],
            "issuingDepartment": DEPARTMENT, "decidedOn": clock.today().isoformat(), "disclosure": "PUBLIC"}
        assert record["content"].startswith(f"检查结果：{result}\n") and draw_id in record["content"]
        assert "未发现不合格产品" not in record["content"]  # notes stay on the draw: no false 不合格 match

    # the failed one is re-graded: the catalogue's 60 points, the line citing the record
    score, explanation = _score(await _profile(client, FAILED, agency))
    assert score == before[FAILED] + 60
    [line] = [c for c in explanation if c["indicator"] == "supervision.inspection_failed"]
    assert line["points"] == 60 and line["recordIds"] == [result_record_id(draw_id, FAILED)]
    score, explanation = _score(await _profile(client, PASSED, agency))
    assert score == before[PASSED]
    assert not [c for c in explanation if c["indicator"].startswith("supervision.inspection")]


async def test_a_result_makes_its_record_once(
        world: Any, client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    agency = _agency(settings)
    [draw] = await hub.gateway.run("MATCH (d:Draw {department: $d}) RETURN d.id AS id", {"d": DEPARTMENT})
    again = await gql(client, RESULT, agency, d=draw["id"], u=FAILED, r="合格")
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"  # results are final
    rows = await hub.gateway.run("MATCH (r:Record {kind: 'INSPECTION_RESULT'})-[:ABOUT]->(s:Subject) "
                                 "WHERE s.uscc IN $c RETURN s.uscc AS uscc, r.title AS title",
                                 {"c": [FAILED, PASSED]})
    assert sorted((r["uscc"], r["title"][-3:]) for r in rows) == [(FAILED, "不合格"), (PASSED, "：合格")]
