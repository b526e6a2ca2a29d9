"""抽查频次 through the API: a plan carries each class's frequency per subject per year, and reports
per class how many times each subject has been drawn this year against it (INTERNAL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.db.gateway import counting
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import (
    add_evaluation,
    add_subject,
    bearer,
    gql,
    read_deny_list_now,
    remove_subjects,
    remove_supervision,
    uscc,
)

REGION = "411121"  # 舞阳县: this module's subjects only
DEPARTMENT = "411121-SCJG"
GRADES = {"A": 3, "B": 3, "C": 2, "D": 2}
SUBJECTS = {uscc(5100 + n, region=REGION): grade
            for n, grade in enumerate(g for g, count in GRADES.items() for _ in range(count))}
ALL = [{"grade": g, "minimumPercent": "100"} for g in GRADES]  # every subject drawn in every draw

POOL = "mutation($d: String!, $i: [InspectorInput!]!) { setInspectors(department: $d, inspectors: $i) }"
FREQUENCY = "frequency { grade atLeast atMost subjects timesDrawn { times subjects } below above met }"
PLAN = "mutation($plan: InspectionPlanInput!) { createInspectionPlan(plan: $plan) { id " + FREQUENCY + " } }"
COMMIT = "mutation($p: ID!, $r: String) { commitDraw(planId: $p, redrawReason: $r) { id } }"
FREEZE = "mutation($d: ID!) { freezeDraw(id: $d) { id status } }"
REVEAL = "mutation($d: ID!) { revealDraw(id: $d) { id status } }"
PLANS = "{ inspectionPlans { id " + FREQUENCY + " } }"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> AsyncIterator[None]:
    for n, (code, grade) in enumerate(SUBJECTS.items()):
        await add_subject(hub, code)
        await add_evaluation(hub, code, f"{code}-freq-{n}", scheme="henan-market-risk", grade=grade,
                             disclosure="INTERNAL", score={"A": 100, "B": 300, "C": 600, "D": 800}[grade])
    yield
    await remove_supervision(hub, DEPARTMENT)
    await remove_subjects(hub, list(SUBJECTS))


def by_grade(frequency: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["grade"]: row for row in frequency}


async def draw_plan(client: httpx.AsyncClient, agency: dict[str, str], period: str) -> str:
    plan = (await gql(client, PLAN, agency, plan={
        "name": f"{period}双随机抽查", "scheme": "henan-market-risk", "region": REGION, "period": period,
        "ratios": ALL}))["data"]["createInspectionPlan"]
    await draw(client, agency, plan["id"])
    return str(plan["id"])


async def draw(client: httpx.AsyncClient, agency: dict[str, str], plan_id: str, reason: str | None = None) -> None:
    draw_id = (await gql(client, COMMIT, agency, p=plan_id, r=reason))["data"]["commitDraw"]["id"]
    assert (await gql(client, FREEZE, agency, d=draw_id))["data"]["freezeDraw"]["status"] == "FROZEN"
    assert (await gql(client, REVEAL, agency, d=draw_id))["data"]["revealDraw"]["status"] == "DRAWN"


async def plan_frequency(client: httpx.AsyncClient, agency: dict[str, str], plan_id: str) -> dict[str, Any]:
    plans = (await gql(client, PLANS, agency))["data"]["inspectionPlans"]
    return by_grade(next(p for p in plans if p["id"] == plan_id)["frequency"])


async def test_a_plan_reports_per_class_whether_its_frequency_is_met(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    agency = bearer(settings, "agency", "舞阳县市场监管局", department=DEPARTMENT)
    inspectors = [{"id": f"f-{n}", "name": f"执法人员{n}"} for n in range(3)]
    assert (await gql(client, POOL, agency, d=DEPARTMENT, i=inspectors))["data"]["setInspectors"] == 3

    # The plan carries the measures' frequency per class (henan-samr-risk defaults) before any draw.
    created = (await gql(client, PLAN, agency, plan={
        "name": "2026年第一季度双随机抽查", "scheme": "henan-market-risk", "region": REGION, "period": "2026-Q1",
        "ratios": ALL}))["data"]["createInspectionPlan"]
    fresh = by_grade(created["frequency"])
    assert {g: (r["atLeast"], r["atMost"]) for g, r in fresh.items()} == {
        "A": (None, 1), "B": (None, 2), "C": (1, None), "D": (2, None)}
    assert {g: r["subjects"] for g, r in fresh.items()} == GRADES
    assert fresh["A"]["met"] is True and fresh["A"]["timesDrawn"] == [{"times": 0, "subjects": 3}]
    assert fresh["C"]["below"] == 2 and fresh["C"]["met"] is False

    # One draw of every subject: A (at most 1) and C (at least 1) are met, D (at least 2) is not yet.
    await draw(client, agency, created["id"])
    once = await plan_frequency(client, agency, created["id"])
    assert once["A"]["timesDrawn"] == [{"times": 1, "subjects": 3}] and once["A"]["met"] is True
    assert once["C"]["met"] is True and once["C"]["below"] == 0
    assert once["D"]["below"] == 2 and once["D"]["met"] is False

    # A second plan of the same year: every subject drawn twice. The first plan's report counts the year.
    second = await draw_plan(client, agency, "2026-Q2")
    twice = await plan_frequency(client, agency, created["id"])
    assert twice == await plan_frequency(client, agency, second)
    assert twice["A"]["above"] == 3 and twice["A"]["met"] is False  # at most once a year: exceeded
    assert twice["B"]["met"] is True and twice["B"]["timesDrawn"] == [{"times": 2, "subjects": 3}]
    assert twice["D"]["met"] is True and twice["D"]["below"] == 0

    # A re-draw supersedes the earlier draw: its targets no longer count.
    await draw(client, agency, second, reason="抽查人员回避名单有误，重新抽取")
    assert await plan_frequency(client, agency, second) == twice

    # Another year's plan counts only its own year.
    other_year = await draw_plan(client, agency, "2027-Q1")
    next_year = await plan_frequency(client, agency, other_year)
    assert {g: r["timesDrawn"] for g, r in next_year.items()} == {
        g: [{"times": 1, "subjects": n}] for g, n in GRADES.items()}

    # Every plan's figures in one answer cost the same round trips as one plan's: the list, then the
    # populations of all plans and the times drawn of all plans (not two statements per plan).
    await gql(client, PLANS, agency)  # warm
    await read_deny_list_now(hub)
    with counting() as sent:
        plans = (await gql(client, PLANS, agency))["data"]["inspectionPlans"]
    assert len([p for p in plans if p["id"] in (created["id"], second, other_year)]) == 3
    assert sent.reads == 3, f"{sent.reads} reads for {len(plans)} plans"


async def test_per_class_figures_are_internal(client: httpx.AsyncClient, settings: Settings) -> None:
    for headers in ({}, bearer(settings, "bank", "测试银行甲")):
        body = await gql(client, PLANS, headers)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert not (body.get("data") or {}).get("inspectionPlans")
    public = await gql(client, "{ draws { id populationSize targetsTotal ratios { grade } } }")
    assert "errors" not in public  # a draw's public fields stand; none of them is per class
