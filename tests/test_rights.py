"""Subjects' rights on the real graph: objections upheld, rejected, overdue; credit repair; the outbox."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import (
    SCJG,
    ZJ,
    add_evaluation,
    add_record,
    add_subject,
    bearer,
    department,
    gql,
    remove_subjects,
    uscc,
)

REGION = "410484"
UPHELD, REJECTED, REPAIRED, TOO_SOON = (uscc(1100 + n, region=REGION) for n in range(4))
PLATFORM_ITEM, EVALUATED = uscc(1110, region=REGION), uscc(1111, region=REGION)


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> None:
    await remove_subjects(hub, [UPHELD, REJECTED, REPAIRED, TOO_SOON, PLATFORM_ITEM, EVALUATED])
    today = clock.today()
    # A serious-dishonesty listing forces 差 (seed 000 §二.(三)); an objection will contest it.
    await add_subject(hub, UPHELD)
    await add_record(hub, UPHELD, f"{UPHELD}-listed", kind="SERIOUS_DISHONESTY_LIST", disclosure="PUBLIC",
                     decided_on=today - timedelta(days=20), publicity_ends_on=today + timedelta(days=700),
                     department=SCJG)
    for code in (REJECTED, REPAIRED, TOO_SOON):
        await add_subject(hub, code)
        for n in range(3):  # three serious penalties: enough to pull the public grade down
            decided = today - timedelta(days=400 if code == REPAIRED else 30)
            await add_record(hub, code, f"{code}-p{n}", kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC",
                             severity="SERIOUS", decided_on=decided, publicity_ends_on=decided + timedelta(days=1000),
                             department=SCJG)
    await hub.evaluate(["henan-public-credit"], REGION)
    await add_subject(hub, PLATFORM_ITEM)  # a record without an issuing department: the platform's own
    await add_record(hub, PLATFORM_ITEM, f"{PLATFORM_ITEM}-c", kind="COMPLAINT", disclosure="INTERNAL")
    await add_subject(hub, EVALUATED)
    await add_evaluation(hub, EVALUATED, f"{EVALUATED}-food", scheme="jiaxian-food-industry", grade="C",
                         disclosure="AUTHORIZED", score=60.0)
    await add_evaluation(hub, EVALUATED, f"{EVALUATED}-public", scheme="henan-public-credit", grade="中",
                         disclosure="PUBLIC", score=60.0)


FILE = "mutation($t: ID!, $r: String!) { fileObjection(targetId: $t, reason: $r) { id dueOn status department } }"

RESOLVE = ("mutation($i: ID!, $u: Boolean!, $r: String!) { "
           "resolveObjection(id: $i, upheld: $u, reasons: $r) { status } }")
PROFILE = ('{ subject(uscc: "%s") { records { id underObjection } '
           'evaluations { scheme grade current explanation { recordIds } } } }')


def current_public(body: dict[str, Any]) -> dict[str, Any]:
    evaluations = body["data"]["subject"]["evaluations"]
    return next(e for e in evaluations if e["current"] and e["scheme"] == "henan-public-credit")


MEASURES = '{ subject(uscc: "%s") { measures { scheme grade name } } }'


async def test_an_upheld_objection_changes_the_grade_and_the_measures(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    platform, agency = bearer(settings, "platform", "郏县公共信用信息平台"), department(settings, SCJG)
    before = await gql(client, PROFILE % UPHELD)
    assert current_public(before)["grade"] == "差"
    measures_before = (await gql(client, MEASURES % UPHELD, agency))["data"]["subject"]["measures"]
    assert {m["grade"] for m in measures_before if m["scheme"] == "henan-public-credit"} == {"差"}
    filed = (await gql(client, FILE, platform, t=f"{UPHELD}-listed", r="列入严重失信名单的主体登记错误，非本企业"))[
        "data"]["fileObjection"]
    assert (filed["status"], filed["department"]) == ("PENDING", SCJG)  # routed to the penalty's issuer
    assert date.fromisoformat(filed["dueOn"]) == hub.calendar.add_working_days(clock.today(), 7)

    during = await gql(client, PROFILE % UPHELD)  # PUBLIC sees it is contested
    assert {r["id"]: r["underObjection"] for r in during["data"]["subject"]["records"]}[f"{UPHELD}-listed"] is True

    await gql(client, RESOLVE, agency, i=filed["id"], u=True, r="经核查，名单主体登记错误，予以撤回")
    after = await gql(client, PROFILE % UPHELD)
    assert f"{UPHELD}-listed" not in {r["id"] for r in after["data"]["subject"]["records"]}
    cited = {rid for c in current_public(after)["explanation"] for rid in c["recordIds"]}
    assert f"{UPHELD}-listed" not in cited
    new_grade = current_public(after)["grade"]
    assert new_grade != "差"
    measures_after = (await gql(client, MEASURES % UPHELD, agency))["data"]["subject"]["measures"]
    assert {m["grade"] for m in measures_after if m["scheme"] == "henan-public-credit"} == {new_grade}


async def test_a_rejected_objection_changes_nothing(client: httpx.AsyncClient, settings: Settings) -> None:
    platform, agency = bearer(settings, "platform", "郏县公共信用信息平台"), department(settings, SCJG)
    before = current_public(await gql(client, PROFILE % REJECTED))
    filed = (await gql(client, FILE, platform, t=f"{REJECTED}-p0", r="认为处罚过重"))["data"]["fileObjection"]
    resolved = await gql(client, RESOLVE, agency, i=filed["id"], u=False, r="处罚事实清楚，依据充分")
    assert resolved["data"]["resolveObjection"]["status"] == "REJECTED"
    after = await gql(client, PROFILE % REJECTED)
    assert current_public(after) == before
    assert {r["id"]: r["underObjection"] for r in after["data"]["subject"]["records"]}[f"{REJECTED}-p0"] is False


async def test_overdue_objections_are_listed_for_internal_viewers(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    filed = (await gql(client, FILE, bearer(settings, "admin", "郏县信用办"), t=f"{REJECTED}-p1",
                       r="记录重复"))["data"]["fileObjection"]
    await hub.gateway.run("MATCH (o:Objection {id: $id}) SET o.due_on = $past",
                          {"id": filed["id"], "past": clock.today() - timedelta(days=1)}, write=True)
    overdue = await gql(client, "{ overdueObjections { id dueOn } }", bearer(settings, "agency", "县住建局"))
    assert filed["id"] in {o["id"] for o in overdue["data"]["overdueObjections"]}
    refused = await gql(client, "{ overdueObjections { id } }")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_repaired_penalty_leaves_public_views_and_is_queued_upwards(
        client: httpx.AsyncClient, settings: Settings) -> None:
    platform, agency = bearer(settings, "platform", "郏县公共信用信息平台"), department(settings, SCJG)
    apply = 'mutation($r: ID!) { applyForCreditRepair(recordId: $r, statement: "已整改并缴清罚款") { id status } }'
    applied = (await gql(client, apply, platform, r=f"{REPAIRED}-p0"))["data"]["applyForCreditRepair"]
    decided = await gql(client, """mutation($i: ID!) { decideCreditRepair(id: $i, approve: true, reason: "符合修复条件")
        { status } }""", agency, i=applied["id"])
    assert decided["data"]["decideCreditRepair"]["status"] == "APPROVED"

    after = await gql(client, PROFILE % REPAIRED)
    assert f"{REPAIRED}-p0" not in {r["id"] for r in after["data"]["subject"]["records"]}
    assert f"{REPAIRED}-p0" not in {rid for c in current_public(after)["explanation"] for rid in c["recordIds"]}
    internal = await gql(client, PROFILE % REPAIRED, agency)
    assert f"{REPAIRED}-p0" in {r["id"] for r in internal["data"]["subject"]["records"]}

    outbox = await gql(client, "{ outbox { kind recordId payload } }", agency)
    entry = next(e for e in outbox["data"]["outbox"] if e["recordId"] == f"{REPAIRED}-p0")
    assert entry["kind"] == "RECORD_REPAIRED" and json.loads(entry["payload"])["status"] == "REPAIRED"


async def test_repair_before_the_minimum_publicity_period_is_refused(client: httpx.AsyncClient,
                                                                      settings: Settings) -> None:
    apply = """mutation($r: ID!) { applyForCreditRepair(recordId: $r, statement: "已整改") { id } }"""
    body = await gql(client, apply, bearer(settings, "platform", "郏县公共信用信息平台"), r=f"{TOO_SOON}-p0")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "cannot be repaired now" in error["message"]


async def test_repair_never_asks_for_a_fee(client: httpx.AsyncClient, settings: Settings) -> None:
    body = await gql(client, '{ __type(name: "CreditRepairApplication") { fields { name } } }',
                     bearer(settings, "admin", "郏县信用办"))
    names = {f["name"].lower() for f in body["data"]["__type"]["fields"]}
    assert names and not {n for n in names if "fee" in n or "charge" in n or "payment" in n}


async def test_an_objection_to_the_platforms_own_item_is_decided_by_the_credit_office(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    """A record with no issuing department is the platform's: the 信用办 decides (seed 000 §四.(二))."""
    filed = (await gql(client, FILE, bearer(settings, "platform", "郏县公共信用信息平台"), t=f"{PLATFORM_ITEM}-c",
                       r="投诉主体有误"))["data"]["fileObjection"]
    assert filed["department"] == "platform"
    refused = await gql(client, RESOLVE, department(settings, SCJG), i=filed["id"], u=True, r="撤回")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "only the credit office (admin)" in refused["errors"][0]["message"]
    decided = await gql(client, RESOLVE, bearer(settings, "admin", "郏县信用办"), i=filed["id"], u=False, r="属实")
    assert decided["data"]["resolveObjection"]["status"] == "REJECTED"


async def test_an_objection_to_an_evaluation_goes_to_the_schemes_owner(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    """seed 000 §四.(二): the department re-makes its industry evaluation; the platform its public one."""
    platform = bearer(settings, "platform", "郏县公共信用信息平台")
    food = (await gql(client, FILE, platform, t=f"{EVALUATED}-food", r="指标计算有误"))["data"]["fileObjection"]
    public = (await gql(client, FILE, platform, t=f"{EVALUATED}-public", r="数据未更新"))["data"]["fileObjection"]
    assert (food["department"], public["department"]) == (SCJG, "platform")
    housing = await gql(client, RESOLVE, department(settings, ZJ), i=food["id"], u=True, r="重新评价")
    assert f"belongs to department {SCJG}" in housing["errors"][0]["message"]
    office = await gql(client, RESOLVE, bearer(settings, "admin", "郏县信用办"), i=food["id"], u=True, r="重新评价")
    assert f"belongs to department {SCJG}" in office["errors"][0]["message"]  # not the 信用办's evaluation
    upheld = await gql(client, RESOLVE, department(settings, SCJG), i=food["id"], u=True, r="重新评价")
    assert upheld["data"]["resolveObjection"]["status"] == "UPHELD"
    current = await hub.gateway.run("MATCH (:Subject {uscc: $u})-[:CURRENT]->(e:Evaluation {scheme: "
                                    "'henan-public-credit'}) RETURN e.id AS id", {"u": EVALUATED})
    assert [row["id"] for row in current] == [f"{EVALUATED}-public"]  # the platform's evaluation is not re-made


@pytest.mark.parametrize(("who", "target"), [("department", f"{REJECTED}-p2"), ("admin", f"{PLATFORM_ITEM}-c")])
async def test_nobody_files_what_they_would_decide(client: httpx.AsyncClient, settings: Settings,
                                                   who: str, target: str) -> None:
    """Nobody decides what they filed: the decider cannot file on the subject's behalf (the subject files
    through the platform), so no objection is left that nobody may decide."""
    token = department(settings, SCJG) if who == "department" else bearer(settings, "admin", "郏县信用办")
    body = await gql(client, FILE, token, t=target, r="自查发现有误")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "nobody decides what they filed" in error["message"]
