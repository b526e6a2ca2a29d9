"""通用+专业 through the API (seed 004 第十六条): for a food business the general risk class and the
food-domain class are combined, and the combined class is what its measures and a draw's strata use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_evaluation, add_subject, bearer, gql, remove_subjects, remove_supervision, uscc

REGION = "411122"  # 临颍县: this module's subjects only
DEPARTMENT = "411122-SCJG"
GENERAL, FOOD = "henan-market-risk", "jiaxian-food-industry"
SCORE = {"A": 100, "B": 300, "C": 600, "D": 800}
# code → (general class, food-domain class); None: no evaluation under that scheme
CASES = {
    uscc(5200, region=REGION): ("B", "D"),  # the brief's case: B and a domain D → D
    uscc(5201, region=REGION): ("B", None),  # not in a domain: its general class stands
    uscc(5202, region=REGION): ("A", "B"),  # the higher-risk wins → B
    uscc(5203, region=REGION): ("D", "A"),  # a general D is not hidden by a good domain class → D
    uscc(5204, region=REGION): (None, "D"),  # ungraded in general (placed B) and domain D → D
}
FOOD_B_D, PLAIN_B, FOOD_A_B, FOOD_D_A, FOOD_ONLY_D = CASES
MEASURES = """query($u: String!) { subject(uscc: $u) { measures {
  scheme grade evaluatedGrade combination measureId samplingMinimumPercent } } }"""
ALL = [{"grade": g, "minimumPercent": "100"} for g in "ABCD"]


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> AsyncIterator[None]:
    for code, (general, food) in CASES.items():
        await add_subject(hub, code)
        if general is not None:
            await add_evaluation(hub, code, f"{code}-general", scheme=GENERAL, grade=general,
                                 disclosure="INTERNAL", score=SCORE[general])
        if food is not None:
            await add_evaluation(hub, code, f"{code}-food", scheme=FOOD, grade=food, disclosure="AUTHORIZED",
                                 score={"A": 90, "B": 80, "C": 60, "D": 40}[food])
    yield
    await remove_supervision(hub, DEPARTMENT)
    await remove_subjects(hub, list(CASES))


def agency(settings: Settings) -> dict[str, str]:
    return bearer(settings, "agency", "临颍县市场监管局", department=DEPARTMENT)


async def measures(client: httpx.AsyncClient, settings: Settings, code: str) -> list[dict[str, Any]]:
    body = await gql(client, MEASURES, agency(settings), u=code)
    return list(body["data"]["subject"]["measures"])


async def test_measures_follow_the_combined_class(client: httpx.AsyncClient, settings: Settings) -> None:
    found = await measures(client, settings, FOOD_B_D)
    general = [m for m in found if m["scheme"] == GENERAL]
    assert {m["grade"] for m in general} == {"D"} and {m["evaluatedGrade"] for m in general} == {"B"}
    assert {m["measureId"] for m in general} >= {"d-sampling", "d-key-supervision"}
    assert "b-sampling" not in {m["measureId"] for m in general}
    assert any("第十六条" in line for line in general[0]["combination"])
    food = [m for m in found if m["scheme"] == FOOD]
    assert {m["grade"] for m in food} == {"D"} and {m["evaluatedGrade"] for m in food} == {"D"}
    assert max(int(m["samplingMinimumPercent"]) for m in found if m["samplingMinimumPercent"]) == 20

    plain = await measures(client, settings, PLAIN_B)
    assert {(m["grade"], m["evaluatedGrade"]) for m in plain} == {("B", None)}
    assert all(m["combination"] == [] for m in plain)

    assert {(m["scheme"], m["grade"]) for m in await measures(client, settings, FOOD_A_B)} == {
        (GENERAL, "B"), (FOOD, "B")}
    assert {(m["scheme"], m["grade"]) for m in await measures(client, settings, FOOD_D_A)} == {
        (GENERAL, "D"), (FOOD, "D")}


async def test_credit_check_names_the_combined_measures(client: httpx.AsyncClient, settings: Settings) -> None:
    query = "query($u: String!) { creditCheck(uscc: $u, matter: \"食品经营许可\") { measures { scheme grade } } }"
    body = await gql(client, query, agency(settings), u=FOOD_B_D)
    assert {m["grade"] for m in body["data"]["creditCheck"]["measures"] if m["scheme"] == GENERAL} == {"D"}


async def test_a_draw_stratifies_by_the_combined_class(client: httpx.AsyncClient, settings: Settings) -> None:
    headers = agency(settings)
    pool = "mutation($d: String!, $i: [InspectorInput!]!) { setInspectors(department: $d, inspectors: $i) }"
    inspectors = [{"id": f"c-{n}", "name": f"执法人员{n}"} for n in range(2)]
    assert (await gql(client, pool, headers, d=DEPARTMENT, i=inspectors))["data"]["setInspectors"] == 2
    strata = {}
    for scheme, period in ((GENERAL, "2026-Q1"), (FOOD, "2026-Q2")):
        plan = (await gql(client, "mutation($plan: InspectionPlanInput!) { createInspectionPlan(plan: $plan) "
                          "{ id } }", headers, plan={"name": f"{scheme}抽查", "scheme": scheme, "region": REGION,
                                                      "period": period, "ratios": ALL, "ungradedAs": "B"}))
        plan_id = plan["data"]["createInspectionPlan"]["id"]
        draw_id = (await gql(client, "mutation($p: ID!) { commitDraw(planId: $p) { id } }", headers,
                             p=plan_id))["data"]["commitDraw"]["id"]
        await gql(client, "mutation($d: ID!) { freezeDraw(id: $d) { id } }", headers, d=draw_id)
        revealed = await gql(client, "mutation($d: ID!) { revealDraw(id: $d) { strata { grade population } } }",
                             headers, d=draw_id)
        strata[scheme] = {s["grade"]: s["population"] for s in revealed["data"]["revealDraw"]["strata"]}
        draws = (await gql(client, "query($p: ID) { draws(planId: $p) { assignments { uscc grade } } }",
                           headers, p=plan_id))["data"]["draws"]
        assigned = {a["uscc"]: a["grade"] for a in draws[0]["assignments"]}
        assert assigned[FOOD_B_D] == "D" and assigned[FOOD_D_A] == "D" and assigned[FOOD_ONLY_D] == "D"
        assert assigned[FOOD_A_B] == "B"
    # under the general scheme the plain subject keeps its own B; under the food scheme it is ungraded (B)
    assert {k: v for k, v in strata[GENERAL].items() if v} == {"B": 2, "D": 3}
    assert {k: v for k, v in strata[FOOD].items() if v} == {"B": 2, "D": 3}
