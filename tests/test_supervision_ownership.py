"""Least privilege in 双随机: a department's plans, inspector pool, draws and results are its own.

Every supervision mutation is tried with a foreign department's token (and with every other token
that is not the owner's) through HTTP; each must be refused with FORBIDDEN and change nothing.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_evaluation, add_subject, bearer, gql, uscc

REGION = "410921"
OWNER = "410921-SCJG"  # 市场监管局
FOREIGN = "410921-ZJJ"  # 住建局
GRADES = {"A": 6, "B": 5, "C": 4, "D": 5}
SUBJECTS = {uscc(3000 + n, region=REGION): grade
            for n, grade in enumerate(g for g, count in GRADES.items() for _ in range(count))}
CONFLICTED = next(code for code, grade in SUBJECTS.items() if grade == "D")

POOL = "mutation($d: String!, $i: [InspectorInput!]!) { setInspectors(department: $d, inspectors: $i) }"
PLAN = "mutation($plan: InspectionPlanInput!) { createInspectionPlan(plan: $plan) { id department period } }"
COMMIT = "mutation($p: ID!, $r: String) { commitDraw(planId: $p, redrawReason: $r) { id status attempt } }"
FREEZE = "mutation($d: ID!) { freezeDraw(id: $d) { id status } }"
REVEAL = "mutation($d: ID!) { revealDraw(id: $d) { id status } }"
RESULT = ('mutation($d: ID!, $u: String!) { recordInspectionResult(drawId: $d, uscc: $u, result: "合格") '
          '{ uscc result } }')
DRAW = "query($p: ID) { draws(planId: $p) { id status attempt results { uscc } } }"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> None:
    for n, (code, grade) in enumerate(SUBJECTS.items()):
        await add_subject(hub, code)
        await add_evaluation(hub, code, f"{code}-own-{n}", scheme="henan-market-risk", grade=grade,
                             disclosure="INTERNAL", score={"A": 100, "B": 300, "C": 600, "D": 800}[grade])


def owner(settings: Settings) -> dict[str, str]:
    return bearer(settings, "agency", "郏县市场监管局", department=OWNER)


def strangers(settings: Settings) -> dict[str, dict[str, str]]:
    """Everyone who is not the owning department: the acceptance case first."""
    return {
        "foreign department (住建局)": bearer(settings, "agency", "郏县住建局", department=FOREIGN),
        "agency without a department": bearer(settings, "agency", "郏县某局"),
        "credit office (admin)": bearer(settings, "admin", "郏县信用办"),
        "admin claiming the department": bearer(settings, "admin", "郏县信用办", department="410921-XYB"),
        "platform": bearer(settings, "platform", "平顶山市平台"),
        "bank": bearer(settings, "bank", "测试银行甲"),
        "public": {},
    }


async def refused_to_all_but_the_owner(client: httpx.AsyncClient, settings: Settings, query: str,
                                       **variables: Any) -> None:
    for who, headers in strangers(settings).items():
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        body = response.json()
        assert body.get("data") is None or not any((body.get("data") or {}).values()), (who, body)
        codes = {error["extensions"]["code"] for error in body["errors"]}
        if codes == {"GRAPHQL_VALIDATION_FAILED"}:
            # A role that may never call the mutation does not see its input types either
            # (schema/visibility.py): a variable of such a type is an unknown type to it.
            assert response.status_code == 400 and not who.startswith("foreign"), (who, body)
            assert all(e["message"].startswith("Unknown type '") for e in body["errors"]), (who, body)
            continue
        assert response.status_code == 200 and codes == {"FORBIDDEN"}, (who, body["errors"])
        if who.startswith("foreign"):  # the owner is named, and the caller's department
            assert f"belongs to department {OWNER}" in body["errors"][0]["message"], body
            assert FOREIGN in body["errors"][0]["message"]


def _inspectors(conflicts: list[str]) -> list[dict[str, Any]]:
    return [{"id": f"insp-{n}", "name": f"执法人员{n}", "conflicts": conflicts if n < 2 else []} for n in range(5)]


async def test_every_supervision_mutation_refuses_anyone_but_the_owning_department(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    mine = owner(settings)
    await refused_to_all_but_the_owner(client, settings, POOL, d=OWNER, i=_inspectors([CONFLICTED]))
    assert await hub.inspections.inspectors(OWNER) == []
    assert (await gql(client, POOL, mine, d=OWNER, i=_inspectors([CONFLICTED])))["data"]["setInspectors"] == 5

    plan_input = {"department": OWNER, "name": "2026年第四季度双随机抽查", "scheme": "henan-market-risk",
                  "region": REGION, "period": "2026-Q4"}
    await refused_to_all_but_the_owner(client, settings, PLAN, plan=plan_input)
    plan = (await gql(client, PLAN, mine, plan=plan_input))["data"]["createInspectionPlan"]
    assert plan["department"] == OWNER and plan["period"] == "2026-Q4"

    await refused_to_all_but_the_owner(client, settings, COMMIT, p=plan["id"], r=None)
    assert (await gql(client, DRAW, p=plan["id"]))["data"]["draws"] == []
    committed = (await gql(client, COMMIT, mine, p=plan["id"], r=None))["data"]["commitDraw"]

    await refused_to_all_but_the_owner(client, settings, FREEZE, d=committed["id"])
    assert (await gql(client, DRAW, p=plan["id"]))["data"]["draws"][0]["status"] == "COMMITTED"
    assert (await gql(client, FREEZE, mine, d=committed["id"]))["data"]["freezeDraw"]["status"] == "FROZEN"

    await refused_to_all_but_the_owner(client, settings, REVEAL, d=committed["id"])
    assert (await gql(client, DRAW, p=plan["id"]))["data"]["draws"][0]["status"] == "FROZEN"
    assert (await gql(client, REVEAL, mine, d=committed["id"]))["data"]["revealDraw"]["status"] == "DRAWN"

    assignments = await gql(client, "query($p: ID) { draws(planId: $p) { assignments { uscc } } }", mine,
                            p=plan["id"])
    target = assignments["data"]["draws"][0]["assignments"][0]["uscc"]
    await refused_to_all_but_the_owner(client, settings, RESULT, d=committed["id"], u=target)
    assert (await gql(client, DRAW, p=plan["id"]))["data"]["draws"][0]["results"] == []
    recorded = await gql(client, RESULT, mine, d=committed["id"], u=target)
    assert recorded["data"]["recordInspectionResult"] == {"uscc": target, "result": "合格"}

    await refused_to_all_but_the_owner(client, settings, COMMIT, p=plan["id"], r="另一部门想重抽")
    draws = (await gql(client, DRAW, p=plan["id"]))["data"]["draws"]
    assert [(d["status"], d["attempt"]) for d in draws] == [("DRAWN", 1)]
    assert (await hub.inspections.verify(committed["id"])).ok


async def test_a_plan_is_made_for_the_callers_own_department(client: httpx.AsyncClient, settings: Settings) -> None:
    foreign = bearer(settings, "agency", "郏县住建局", department=FOREIGN)
    # Naming no department makes the plan the caller's own; naming another's is refused (above).
    plan = await gql(client, PLAN, foreign, plan={"name": "住建领域抽查", "scheme": "henan-market-risk",
                                                  "region": REGION, "period": "2026-11"})
    assert plan["data"]["createInspectionPlan"]["department"] == FOREIGN
    nobody = await gql(client, PLAN, bearer(settings, "agency", "郏县某局"), plan={
        "name": "x", "scheme": "henan-market-risk", "region": REGION, "period": "2026-10"})
    assert nobody["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "no department" in nobody["errors"][0]["message"]


async def test_an_inspector_id_reused_by_another_department_is_another_inspector(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    other_code = next(code for code, grade in SUBJECTS.items() if grade == "A")
    before = await hub.inspections.inspectors(OWNER)
    assert [i.conflicts for i in before[:2]] == [(CONFLICTED,), (CONFLICTED,)]

    foreign = bearer(settings, "agency", "郏县住建局", department=FOREIGN)
    reused = [{"id": "insp-0", "name": "住建执法人员", "conflicts": [other_code]},
              {"id": "insp-1", "name": "住建执法人员乙", "conflicts": []}]
    assert (await gql(client, POOL, foreign, d=FOREIGN, i=reused))["data"]["setInspectors"] == 2

    assert await hub.inspections.inspectors(OWNER) == before  # roster and 回避 lists untouched
    theirs = await hub.inspections.inspectors(FOREIGN)
    assert [(i.id, i.name, i.conflicts) for i in theirs] == [
        ("insp-0", "住建执法人员", (other_code,)), ("insp-1", "住建执法人员乙", ())]

    # Replacing one's own pool drops the inspectors left out, and only one's own.
    assert (await gql(client, POOL, foreign, d=FOREIGN, i=reused[:1]))["data"]["setInspectors"] == 1
    assert [i.id for i in await hub.inspections.inspectors(FOREIGN)] == ["insp-0"]
    assert await hub.inspections.inspectors(OWNER) == before


async def test_a_bad_pool_is_refused_whole(client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    before = await hub.inspections.inspectors(OWNER)
    twice = [{"id": "insp-9", "name": "甲", "conflicts": []}, {"id": "insp-9", "name": "乙", "conflicts": []}]
    body = await gql(client, POOL, owner(settings), d=OWNER, i=twice)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "insp-9" in body["errors"][0]["message"]
    bad_code = [{"id": "insp-9", "name": "甲", "conflicts": ["not-a-code"]}]
    body = await gql(client, POOL, owner(settings), d=OWNER, i=bad_code)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await hub.inspections.inspectors(OWNER) == before
