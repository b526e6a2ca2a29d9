"""Objections that correct, and what waits for each department's decision — over GraphQL, on the real graph.

Seed 002 §三.(五).1: where an item is wrong ("确属错误"), the department sets the data right ("及时补充完善数据")
and the subject is graded again ("重新作出评价和分类") — an upheld objection may correct a record, not only
withdraw it. Objections and repair applications are decided by the department they are routed to
(seed 000 §四.(二)/(三)); each department lists its own pending ones, and no other department's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_evaluation, add_record, add_subject, bearer, department, gql, remove_subjects, uscc

REGION = "410324"  # 栾川县: subjects and departments of this module only (no other module writes there)
MARKET, HOUSING = f"{REGION}-SCJG", f"{REGION}-ZJ"
CORRECTED, WITHDRAWN, REFUSALS, LISTED, EVALUATED = (uscc(2200 + n, region=REGION) for n in range(5))

FILE = "mutation($t: ID!, $r: String!) { fileObjection(targetId: $t, reason: $r) { id status department } }"
RESOLVE = """mutation($i: ID!, $u: Boolean!, $r: String!, $c: RecordCorrection) {
  resolveObjection(id: $i, upheld: $u, reasons: $r, correction: $c) {
    status outcome correction { field before after } } }"""
PENDING = """{ pendingDecisions { department objections { id targetId status } repairApplications { id recordId } } }"""
APPLY = 'mutation($r: ID!) { applyForCreditRepair(recordId: $r, statement: "已整改") { id status } }'
RECORDS = '{ subject(uscc: "%s") { records { id title severity status } evaluations { scheme score current } } }'


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> None:
    await remove_subjects(hub, [CORRECTED, WITHDRAWN, REFUSALS, LISTED, EVALUATED])
    today = clock.today()
    for code in (CORRECTED, WITHDRAWN, REFUSALS, LISTED):
        await add_subject(hub, code)
        await add_record(hub, code, f"{code}-p", kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC",
                         severity="SERIOUS", decided_on=today - timedelta(days=30), title="未按规定公示年报",
                         publicity_ends_on=today + timedelta(days=1000), department=MARKET)
    # LISTED: one more for each department, and an old one past its publicity minimum (repairable)
    await add_record(hub, LISTED, f"{LISTED}-housing", kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC",
                     severity="GENERAL", decided_on=today - timedelta(days=30), department=HOUSING)
    old = today - timedelta(days=400)
    for name, owner in (("old-market", MARKET), ("old-housing", HOUSING)):
        await add_record(hub, LISTED, f"{LISTED}-{name}", kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC",
                         severity="GENERAL", decided_on=old, publicity_ends_on=old + timedelta(days=1095),
                         department=owner)
    await add_subject(hub, EVALUATED)
    await add_evaluation(hub, EVALUATED, f"{EVALUATED}-public", scheme="henan-public-credit", grade="中",
                         disclosure="PUBLIC", score=60.0)
    await hub.regrade([CORRECTED, WITHDRAWN, REFUSALS, LISTED])


async def file(client: httpx.AsyncClient, settings: Settings, target: str) -> str:
    platform = bearer(settings, "platform", "汝州市公共信用信息平台")
    body = await gql(client, FILE, platform, t=target, r="处罚等级认定有误")
    assert body["data"]["fileObjection"]["status"] == "PENDING", body
    return str(body["data"]["fileObjection"]["id"])


def public_score(body: dict[str, Any]) -> float:
    return next(e["score"] for e in body["data"]["subject"]["evaluations"]
                if e["current"] and e["scheme"] == "henan-public-credit")


async def test_an_upheld_objection_corrects_the_record_and_the_subject_is_regraded(
        client: httpx.AsyncClient, settings: Settings) -> None:
    before = await gql(client, RECORDS % CORRECTED)
    objection = await file(client, settings, f"{CORRECTED}-p")
    decided = await gql(client, RESOLVE, department(settings, MARKET), i=objection, u=True,
                        r="经核实属一般违法行为，处罚等级登记有误",
                        c={"severity": "GENERAL", "title": "未按规定公示年度报告"})
    result = decided["data"]["resolveObjection"]
    assert (result["status"], result["outcome"]) == ("UPHELD", "CORRECTED")
    assert sorted(result["correction"], key=lambda c: c["field"]) == [
        {"field": "severity", "before": "SERIOUS", "after": "GENERAL"},
        {"field": "title", "before": "未按规定公示年报", "after": "未按规定公示年度报告"}]
    after = await gql(client, RECORDS % CORRECTED)
    [record] = after["data"]["subject"]["records"]
    assert record == {"id": f"{CORRECTED}-p", "title": "未按规定公示年度报告", "severity": "GENERAL",
                      "status": "ACTIVE"}  # kept and still counted, as corrected — not withdrawn
    assert public_score(after) > public_score(before)  # a general penalty deducts less than a serious one


async def test_an_upheld_objection_without_a_correction_withdraws_the_record(
        client: httpx.AsyncClient, settings: Settings) -> None:
    objection = await file(client, settings, f"{WITHDRAWN}-p")
    decided = await gql(client, RESOLVE, department(settings, MARKET), i=objection, u=True, r="非本主体行为")
    result = decided["data"]["resolveObjection"]
    assert (result["status"], result["outcome"], result["correction"]) == ("UPHELD", "WITHDRAWN", None)
    agency = await gql(client, RECORDS % WITHDRAWN, department(settings, MARKET))
    assert [r["status"] for r in agency["data"]["subject"]["records"]] == ["WITHDRAWN"]


@pytest.mark.parametrize(("upheld", "target", "correction", "message"), [
    (False, "p", {"severity": "GENERAL"}, "a rejected objection changes nothing"),
    (True, "p", {}, "a correction must set at least one of title"),
    (True, "p", {"title": "   "}, "correction.title is empty"),
    (True, "p", {"decidedOn": "2999-01-01"}, "correction.decided_on 2999-01-01 is after today"),
    (True, "p", {"amountWanYuan": -1.0}, "correction.amount_wan_yuan -1.0 must be 0 or more"),
    (True, "p", {"content": "x" * 20_001}, "correction.content is 20001 characters; at most 20000"),
])
async def test_a_correction_that_cannot_apply_is_refused_by_name_and_the_objection_stays_pending(
        client: httpx.AsyncClient, settings: Settings, upheld: bool, target: str, correction: dict[str, Any],
        message: str) -> None:
    objection = await file(client, settings, f"{REFUSALS}-{target}")
    refused = await gql(client, RESOLVE, department(settings, MARKET), i=objection, u=upheld, r="复核", c=correction)
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and message in error["message"], error
    pending = await gql(client, PENDING, department(settings, MARKET))
    assert objection in {o["id"] for o in pending["data"]["pendingDecisions"]["objections"]}
    rejected = await gql(client, RESOLVE, department(settings, MARKET), i=objection, u=False, r="维持原记录")
    assert rejected["data"]["resolveObjection"]["outcome"] is None  # so the next case can file again


async def test_an_evaluation_is_re_made_not_corrected_by_hand(client: httpx.AsyncClient, settings: Settings) -> None:
    objection = await file(client, settings, f"{EVALUATED}-public")
    office = bearer(settings, "admin", "汝州市信用办")  # the platform's scheme: the credit office decides
    refused = await gql(client, RESOLVE, office, i=objection, u=True, r="重新评价", c={"title": "x"})
    assert "is an evaluation: upheld, it is re-made by its scheme" in refused["errors"][0]["message"]
    upheld = await gql(client, RESOLVE, office, i=objection, u=True, r="重新评价")
    assert upheld["data"]["resolveObjection"]["outcome"] == "REGRADED"


async def test_each_department_lists_its_own_pending_objections_and_repair_applications(
        client: httpx.AsyncClient, settings: Settings) -> None:
    platform = bearer(settings, "platform", "汝州市公共信用信息平台")
    mine = await file(client, settings, f"{LISTED}-p")
    theirs = await file(client, settings, f"{LISTED}-housing")
    repair_mine = (await gql(client, APPLY, platform, r=f"{LISTED}-old-market"))["data"]["applyForCreditRepair"]
    repair_theirs = (await gql(client, APPLY, platform, r=f"{LISTED}-old-housing"))["data"]["applyForCreditRepair"]

    market = (await gql(client, PENDING, department(settings, MARKET)))["data"]["pendingDecisions"]
    assert market["department"] == MARKET
    assert {o["id"] for o in market["objections"]} == {mine}  # REFUSALS' were rejected; WITHDRAWN's decided
    assert [r["id"] for r in market["repairApplications"]] == [repair_mine["id"]]
    housing = (await gql(client, PENDING, department(settings, HOUSING)))["data"]["pendingDecisions"]
    assert ({o["id"] for o in housing["objections"]}, [r["id"] for r in housing["repairApplications"]]) == (
        {theirs}, [repair_theirs["id"]])

    await gql(client, RESOLVE, department(settings, MARKET), i=mine, u=False, r="维持")
    await gql(client, 'mutation($i: ID!) { decideCreditRepair(id: $i, approve: true, reason: "符合") { status } }',
              department(settings, MARKET), i=repair_mine["id"])
    decided = (await gql(client, PENDING, department(settings, MARKET)))["data"]["pendingDecisions"]
    assert (decided["objections"], decided["repairApplications"]) == ([], [])  # decided ones leave the list

    for viewer, code in (({}, "FORBIDDEN"), (bearer(settings, "bank", "汝州农商银行"), "FORBIDDEN"),
                         (bearer(settings, "agency", "汝州市某局"), "FORBIDDEN")):  # the last names no department
        body = await gql(client, PENDING, viewer)
        assert body["data"]["pendingDecisions"] is None and body["errors"][0]["extensions"]["code"] == code
