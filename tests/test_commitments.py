"""信用承诺 and 事前信用核查 through the API, against the real Neo4j (issue 11 §2).

Seed 002 §三.(二).2: commitments and their fulfilment go into the subject's credit file and count in
grading; seed 004 (三): signed 信用承诺书 are published, and departments check credit records before
deciding; seed 002 §三.(三).2: 严重失信类 subjects are refused 告知承诺等便利措施.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import SCJG, ZJ, add_record, add_subject, bearer, department, gql, remove_subjects, uscc

REGION = "410926"  # 范县: a Henan county no other test module grades
KEEPER, BREAKER, LISTED, CLEAN = (uscc(6100 + n, region=REGION) for n in range(4))
NORTH = uscc(6110, region="230421")  # 萝北县, 黑龙江: seed 002's province
NORTH_DEPT = "230421-SCJG"

RECORD = """mutation($i: CommitmentInput!) { recordCommitment(input: $i) {
  id kind matter text department disclosure disclosureRule fulfilment signedOn } }"""
DECIDE = """mutation($id: ID!, $f: Boolean!, $r: String!) { decideCommitmentFulfilment(id: $id, fulfilled: $f,
  reasons: $r) { id fulfilment fulfilmentReasons } }"""
COMMITMENTS = 'query($u: String!) { subject(uscc: $u) { commitments { id kind fulfilment disclosure text } } }'
CHECK = """query($u: String!, $m: String!) { creditCheck(uscc: $u, matter: $m) {
  uscc matter seriouslyDishonest commitmentsBroken
  conveniences { convenience mayGrant rule reasons }
  lists { listKind name recordId rule seriouslyDishonest }
  grades { scheme grade rule } measures { measureId name kind rule } } }"""


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> None:
    await remove_subjects(hub, [KEEPER, BREAKER, LISTED, CLEAN, NORTH])
    for code in (KEEPER, BREAKER, LISTED, CLEAN, NORTH):
        await add_subject(hub, code)
    today = clock.today()
    await add_record(hub, LISTED, f"{LISTED}-list", kind="SERIOUS_DISHONESTY_LIST", disclosure="PUBLIC",
                     decided_on=today - timedelta(days=30), publicity_ends_on=today + timedelta(days=1000),
                     department=SCJG, title="列入严重失信主体名单")
    await hub.evaluate(["henan-public-credit"], REGION)


def commitment(code: str, **extra: Any) -> dict[str, Any]:
    return {"uscc": code, "kind": "NOTIFICATION", "matter": "食品经营许可",
            "text": "本单位承诺所提交材料真实有效，如有不实，愿承担相应法律责任。", **extra}


async def record(client: httpx.AsyncClient, settings: Settings, code: str, dept: str = SCJG,
                 **extra: Any) -> dict[str, Any]:
    body = await gql(client, RECORD, department(settings, dept), i=commitment(code, **extra))
    assert "errors" not in body, body
    return dict(body["data"]["recordCommitment"])


async def current(hub: CreditHub, code: str) -> dict[str, Any]:
    rows = await hub.gateway.run(
        "MATCH (:Subject {uscc: $u})-[:CURRENT]->(e:Evaluation {scheme: 'henan-public-credit'}) "
        "RETURN e.score AS score, e.grade AS grade, e.explanation AS explanation", {"u": code})
    return rows[0]


def error_of(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert body["data"] is None or body["data"][field] is None, body
    [error] = body["errors"]
    return dict(error)


async def test_a_henan_commitment_is_published_with_its_text(client: httpx.AsyncClient, settings: Settings) -> None:
    made = await record(client, settings, KEEPER, kind="MISSING_DOCUMENTS")
    assert (made["department"], made["disclosure"], made["fulfilment"]) == (SCJG, "PUBLIC", "PENDING")
    assert "seed 004 (三)" in made["disclosureRule"] and made["signedOn"] == clock.today().isoformat()
    public = await gql(client, COMMITMENTS, u=KEEPER)
    assert [c["id"] for c in public["data"]["subject"]["commitments"]] == [made["id"]]
    assert "承诺所提交材料真实有效" in public["data"]["subject"]["commitments"][0]["text"]


async def test_a_heilongjiang_commitment_is_archived_for_government_only(client: httpx.AsyncClient,
                                                                         settings: Settings) -> None:
    made = await record(client, settings, NORTH, dept=NORTH_DEPT, kind="CREDIT_REPAIR")
    assert made["disclosure"] == "INTERNAL" and "seed 002 §三.(二).2" in made["disclosureRule"]
    for outsider in ({}, bearer(settings, "bank", "承诺测试银行")):
        seen = await gql(client, COMMITMENTS, outsider, u=NORTH)
        assert seen["data"]["subject"]["commitments"] == []
    inside = await gql(client, COMMITMENTS, department(settings, ZJ), u=NORTH)
    assert [c["id"] for c in inside["data"]["subject"]["commitments"]] == [made["id"]]


async def test_a_broken_commitment_becomes_a_record_that_counts_and_regrades(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    before = await current(hub, BREAKER)
    made = await record(client, settings, BREAKER, kind="START_ON_COMMITMENT", matter="建设工程施工许可")
    assert (await current(hub, BREAKER))["score"] == before["score"]  # pending: nothing counts yet
    body = await gql(client, DECIDE, department(settings, SCJG), id=made["id"], f=False, r="开工后未按承诺补齐材料")
    assert body["data"]["decideCommitmentFulfilment"]["fulfilment"] == "BROKEN", body
    after = await current(hub, BREAKER)
    # public-credit.yaml: deduct.commitment_broken -5, and bonus.clean_record (+4) is lost "unless" it
    assert after["score"] == before["score"] - 5 - 4
    assert "deduct.commitment_broken" in after["explanation"] and made["id"] in after["explanation"]
    assert "bonus.clean_record" in before["explanation"] and "bonus.clean_record" not in after["explanation"]
    records = await gql(client, 'query($u: String!) { subject(uscc: $u) { records(kind: "COMMITMENT") '
                        '{ id kept title decidedOn } } }', department(settings, ZJ), u=BREAKER)
    [broken] = records["data"]["subject"]["records"]
    assert (broken["id"], broken["kept"], broken["decidedOn"]) == (made["id"], False, clock.today().isoformat())
    again = await gql(client, DECIDE, department(settings, SCJG), id=made["id"], f=True, r="改判")
    assert error_of(again, "decideCommitmentFulfilment")["extensions"]["code"] == "CONFLICT"
    check = await gql(client, CHECK, department(settings, ZJ), u=BREAKER, m="食品经营许可")
    assert check["data"]["creditCheck"]["commitmentsBroken"] == 1


async def test_a_kept_commitment_is_fulfilled(client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    made = await record(client, settings, KEEPER)
    body = await gql(client, DECIDE, department(settings, SCJG), id=made["id"], f=True, r="按期补齐全部材料")
    decided = body["data"]["decideCommitmentFulfilment"]
    assert (decided["fulfilment"], decided["fulfilmentReasons"]) == ("FULFILLED", "按期补齐全部材料")
    rows = await hub.gateway.run("MATCH (r:Record {id: $i}) RETURN r.kept AS kept", {"i": made["id"]})
    assert rows[0]["kept"] is True


async def test_only_the_holding_department_decides_fulfilment(client: httpx.AsyncClient, settings: Settings,
                                                              hub: CreditHub) -> None:
    made = await record(client, settings, CLEAN)
    for stranger, says in ((department(settings, ZJ), f"belongs to department {SCJG}"),
                           (bearer(settings, "admin", "郏县信用办"), "restricted to the roles agency")):
        body = await gql(client, DECIDE, stranger, id=made["id"], f=False, r="未履约")
        error = error_of(body, "decideCommitmentFulfilment")
        assert error["extensions"]["code"] == "FORBIDDEN" and says in error["message"], error
    rows = await hub.gateway.run("MATCH (r:Record {id: $i}) RETURN r.fulfilment AS f, r.kept AS kept",
                                 {"i": made["id"]})
    assert (rows[0]["f"], rows[0]["kept"]) == ("PENDING", None)


async def test_a_commitment_is_recorded_for_the_callers_own_department_only(client: httpx.AsyncClient,
                                                                             settings: Settings) -> None:
    body = await gql(client, RECORD, department(settings, ZJ), i=commitment(CLEAN, department=SCJG))
    assert "belongs to department 410425-SCJG" in error_of(body, "recordCommitment")["message"]
    for outsider in ({}, bearer(settings, "bank", "承诺测试银行"), bearer(settings, "admin", "郏县信用办")):
        body = await gql(client, 'mutation { recordCommitment(input: {uscc: "x", kind: VOLUNTARY, matter: "m", '
                         'text: "t"}) { id } }', outsider)
        assert error_of(body, "recordCommitment")["extensions"]["code"] in {"FORBIDDEN", "GRAPHQL_VALIDATION_FAILED"}


@pytest.mark.parametrize(("extra", "says"), [
    ({"text": "  "}, "input.text is empty"),
    ({"matter": ""}, "input.matter is empty"),
    ({"dueOn": "2020-01-01"}, "input.dueOn 2020-01-01 is before input.signedOn"),
    ({"signedOn": "2999-01-01"}, "input.signedOn 2999-01-01 is after today"),
])
async def test_bad_input_names_the_field(client: httpx.AsyncClient, settings: Settings, extra: dict[str, str],
                                         says: str) -> None:
    body = await gql(client, RECORD, department(settings, SCJG), i=commitment(CLEAN, **extra))
    error = error_of(body, "recordCommitment")
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and says in error["message"], error


async def test_an_unknown_subject_is_not_found(client: httpx.AsyncClient, settings: Settings) -> None:
    body = await gql(client, RECORD, department(settings, SCJG), i=commitment(uscc(6199, region=REGION)))
    assert error_of(body, "recordCommitment")["extensions"]["code"] == "NOT_FOUND"


async def test_credit_check_refuses_conveniences_to_a_subject_on_the_serious_dishonesty_list(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    body = await gql(client, CHECK, department(settings, ZJ), u=LISTED, m="建筑业企业资质")
    result = body["data"]["creditCheck"]
    assert result["seriouslyDishonest"] is True and result["matter"] == "建筑业企业资质"
    assert {c["convenience"] for c in result["conveniences"]} == {
        "NOTIFICATION_COMMITMENT", "MISSING_DOCUMENTS", "START_ON_COMMITMENT", "GREEN_CHANNEL",
        "SIMPLIFIED_PROCEDURE"}
    for answer in result["conveniences"]:
        assert answer["mayGrant"] is False
        assert answer["rule"].startswith("seed 002 §三.(三).2") and "限制适用告知承诺等便利措施" in answer["rule"]
        assert any(f"{LISTED}-list" in reason for reason in answer["reasons"])
    [standing] = result["lists"]
    assert (standing["listKind"], standing["name"], standing["seriouslyDishonest"]) == (
        "SERIOUS_DISHONESTY_LIST", "严重失信主体名单", True)
    assert "seed 004 第十条(一)" in standing["rule"]
    [grade] = result["grades"]
    assert grade["scheme"] == "henan-public-credit" and grade["grade"] == "差" and grade["rule"]
    assert result["measures"] and all(m["rule"] for m in result["measures"])
    assert "poor-no-commitment" in {m["measureId"] for m in result["measures"]}
    audited = await hub.gateway.run(
        "MATCH (a:AuditEntry) WHERE a.detail CONTAINS $what RETURN a.actor AS actor, a.tier AS tier",
        {"what": f"Query.creditCheck for '建筑业企业资质' served 1 subjects: {LISTED}"})
    assert audited and audited[0]["tier"] == "INTERNAL"


async def test_credit_check_grants_conveniences_to_a_subject_without_restrictions(
        client: httpx.AsyncClient, settings: Settings) -> None:
    body = await gql(client, CHECK, bearer(settings, "admin", "郏县信用办"), u=CLEAN, m="食品经营许可")
    result = body["data"]["creditCheck"]
    assert result["seriouslyDishonest"] is False and result["lists"] == []
    assert all(answer["mayGrant"] for answer in result["conveniences"])
    assert all(answer["rule"].startswith("seed 002 §三.(三)") for answer in result["conveniences"])


async def test_credit_check_is_refused_outside_government_departments(client: httpx.AsyncClient,
                                                                      settings: Settings) -> None:
    for outsider in ({}, bearer(settings, "bank", "承诺测试银行"), bearer(settings, "platform", "某平台")):
        body = await gql(client, CHECK, outsider, u=LISTED, m="食品经营许可")
        error = error_of(body, "creditCheck")
        assert error["extensions"]["code"] == "FORBIDDEN" and "creditCheck" in error["message"]
        assert "严重失信" not in str(body)
