"""Every kind of credit information has a way in: ``submitCreditInformation`` through HTTP GraphQL against
the real Neo4j (issue 11 §1; seed 004 第七条, §一.(一); seeds 000, 001, 002).

A department submits items of any kind in a batch for itself; each bad item comes back with its number
and the field at fault while the rest is stored; an item is keyed by the source's own id; the tier and
the publicity window come by rule; a list entry and its removal set and clear the grading flags.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.credit_info import limits
from hub.credit_info.kinds import RULES
from hub.credit_info.submission import MAX_ITEMS
from hub.exchange.items import check as check_exchange_item
from hub.grading.scoring import CATALOGUE_DIR
from hub.models import RecordKind, Severity
from hub.rights.publicity import default_policy
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import add_departments, bearer, department, gql, remove_subjects, uscc

REGION = "410928"  # 濮阳县: a Henan county no other test module uses
DEPT, OTHER_DEPT = f"{REGION}-SCJG", f"{REGION}-SW"
MIXED, REPEATED, LISTED, PENALIZED, NEW = (uscc(7100 + n, region=REGION) for n in range(5))
SUBMIT = """mutation($items: [CreditInformationInput!]!) { submitCreditInformation(items: $items) {
  received regraded
  stored { item sourceId id kind subjectUscc disclosure disclosureRule publicityEndsOn removedOn outcome }
  errors { item sourceId field message messageZh } } }"""
RECORDS = 'query($u: String!) { subject(uscc: $u) { name records { id kind disclosure publicityEndsOn } } }'
CATALOGUES = CATALOGUE_DIR


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> None:
    codes = [MIXED, REPEATED, LISTED, PENALIZED, NEW]
    await remove_subjects(hub, codes)
    await hub.gateway.run("MATCH (r:Record) WHERE r.issuing_department IN $d DETACH DELETE r",
                          {"d": [DEPT, OTHER_DEPT]}, write=True)
    await add_departments(hub, [DEPT, OTHER_DEPT])


def item(source_id: str, code: str, kind: str = "HONOR", **extra: Any) -> dict[str, Any]:
    return {"sourceId": source_id, "kind": kind, "uscc": code, "title": "测试信息",
            "decidedOn": (clock.today() - timedelta(days=10)).isoformat(), **extra}


async def submit(client: httpx.AsyncClient, settings: Settings, items: list[dict[str, Any]],
                 dept: str = DEPT) -> dict[str, Any]:
    body = await gql(client, SUBMIT, department(settings, dept), items=items)
    assert "errors" not in body, body
    return dict(body["data"]["submitCreditInformation"])


async def grade_of(hub: CreditHub, code: str, scheme: str = "henan-market-risk") -> str:
    rows = await hub.gateway.run("MATCH (:Subject {uscc: $u})-[:CURRENT]->(e:Evaluation {scheme: $s}) "
                                 "RETURN e.grade AS grade", {"u": code, "s": scheme})
    return str(rows[0]["grade"])


async def test_the_valid_items_are_stored_and_each_bad_one_named_by_number(
        client: httpx.AsyncClient, settings: Settings) -> None:
    today = clock.today()
    items = [
        item("lic-1", MIXED, "ADMINISTRATIVE_LICENSE", documentNumber="郏市监许〔2026〕1号"),
        item("blank", " ", "HONOR", title="   ", sourceId="  ", decidedOn=None),
        item("late-received", MIXED, receivedOn=(today + timedelta(days=1)).isoformat()),
        item("after-received", MIXED, decidedOn=(today - timedelta(days=2)).isoformat(),
             receivedOn=(today - timedelta(days=3)).isoformat()),
        item("future", MIXED, decidedOn=(today + timedelta(days=1)).isoformat()),
        item("long", MIXED, "ADMINISTRATIVE_PENALTY", documentNumber="郏市监罚〔2026〕9号",
             content="处" * 32_000),
        item("web", MIXED, "INTERNET_INFORMATION", content="网络舆情：产品质量投诉集中"),
        item("market", MIXED, "MARKET_EVALUATION", grade="AA"),
        item("promise", MIXED, "COMMITMENT"),
        item("removed-honor", MIXED, removedOn=today.isoformat()),
    ]
    items[1]["decidedOn"] = None
    items[1].pop("decidedOn")
    body = await gql(client, SUBMIT, department(settings, DEPT), items=items)
    # a missing decidedOn is GraphQL's to refuse for the whole request: it is a required argument
    assert body["data"] is None and "decidedOn" in body["errors"][0]["message"]
    items[1]["decidedOn"] = today.isoformat()
    receipt = await submit(client, settings, items)
    assert receipt["received"] == 10
    assert [(s["item"], s["sourceId"], s["kind"], s["disclosure"], s["outcome"]) for s in receipt["stored"]] == [
        (1, "lic-1", "ADMINISTRATIVE_LICENSE", "PUBLIC", "CREATED"),
        (7, "web", "INTERNET_INFORMATION", "INTERNAL", "CREATED")]
    errors = {(e["item"], e["field"]): e["message"] for e in receipt["errors"]}
    assert "item 2 is blank" not in str(errors)  # a date was given, so it is not blank: its fields are named
    assert {k for k in errors if k[0] == 2} == {(2, "sourceId"), (2, "uscc"), (2, "title")}
    assert "received date" not in errors[(3, "receivedOn")] and "in the future" in errors[(3, "receivedOn")]
    assert errors[(4, "decidedOn")].startswith(f"decidedOn {today - timedelta(days=2)} is after its received date")
    assert "in the future" in errors[(5, "decidedOn")]
    assert "32,000 characters; at most 20,000" in errors[(6, "content")]
    assert "evaluator is empty" in errors[(8, "evaluator")]
    assert "recordCommitment" in errors[(9, "kind")]
    assert "not a list entry" in errors[(10, "removedOn")]
    assert {e["sourceId"] for e in receipt["errors"] if e["item"] == 6} == {"long"}
    # the same refusals in Chinese, for the clerk (issue 13 §4), naming the field by its Chinese and GraphQL names
    said = {(e["item"], e["field"]): e["messageZh"] for e in receipt["errors"]}
    assert said[(3, "receivedOn")] == (f"「接收日期（receivedOn）」{today + timedelta(days=1)} 晚于今天（{today}）："
                                       "请填写实际收到的日期")
    assert said[(4, "decidedOn")] == (f"「决定日期（decidedOn）」{today - timedelta(days=2)} 晚于收到日期 "
                                      f"{today - timedelta(days=3)}：请填写实际作出决定的日期")
    assert said[(6, "content")].startswith("「信息内容（content）」有 32,000 个字符，最多接受 20,000 个")
    assert said[(9, "kind")] == "「信用承诺及履约」须通过 recordCommitment 记录（它保存履约情况），不在此报送"
    # PUBLIC sees the licence, not the internet information (INTERNAL by seed 004 第六条)
    public = await gql(client, RECORDS, u=MIXED)
    assert [r["kind"] for r in public["data"]["subject"]["records"]] == ["ADMINISTRATIVE_LICENSE"]
    internal = await gql(client, RECORDS, bearer(settings, "agency", "某局"), u=MIXED)
    assert sorted(r["kind"] for r in internal["data"]["subject"]["records"]) == [
        "ADMINISTRATIVE_LICENSE", "INTERNET_INFORMATION"]


async def test_an_item_of_whitespace_only_is_refused_as_blank(client: httpx.AsyncClient, settings: Settings) -> None:
    receipt = await submit(client, settings, [item(" ", " ", title=" \t ", decidedOn=clock.today().isoformat())])
    # every text is whitespace; the decision date is a typed argument, so the item is not blank as a whole
    assert {e["field"] for e in receipt["errors"]} == {"sourceId", "uscc", "title"}
    assert receipt["stored"] == []


async def test_sending_an_item_again_is_idempotent_and_a_change_is_its_next_version(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    first = await submit(client, settings, [item("h-1", REPEATED, subjectName="重复提交测试有限公司")])
    again = await submit(client, settings, [item("h-1", REPEATED)])
    changed = await submit(client, settings, [item("h-1", REPEATED, title="省级表彰")])
    assert [r["stored"][0]["outcome"] for r in (first, again, changed)] == ["CREATED", "UNCHANGED", "UPDATED"]
    assert first["stored"][0]["id"] == again["stored"][0]["id"] == changed["stored"][0]["id"]
    assert first["regraded"] == 1 and again["regraded"] == 0  # an unchanged item grades nothing
    rows = await hub.gateway.run(
        "MATCH (r:Record)-[:ABOUT]->(s:Subject {uscc: $u}) RETURN r.version AS version, r.title AS title, "
        "r.source_id AS source, r.issuing_department AS dept, r.source_platform AS platform, "
        "r.received_on AS received, s.name AS name", {"u": REPEATED})
    [row] = rows
    assert (row["version"], row["title"], row["source"], row["dept"]) == (2, "省级表彰", "h-1", DEPT)
    assert row["platform"] == settings.platform_id and row["received"].iso_format() == clock.today().isoformat()
    assert row["name"] == "重复提交测试有限公司"  # an unknown subject is created with the name given
    # the same source id from another department is another department's item
    other = await submit(client, settings, [item("h-1", REPEATED)], dept=OTHER_DEPT)
    assert other["stored"][0]["id"] != first["stored"][0]["id"]


async def test_a_batch_repeating_a_source_id_stores_it_once(client: httpx.AsyncClient, settings: Settings) -> None:
    receipt = await submit(client, settings, [item("dup", NEW), item("dup", NEW, title="另一条")])
    assert [s["item"] for s in receipt["stored"]] == [1]
    [error] = receipt["errors"]
    assert (error["item"], error["field"]) == (2, "sourceId") and "item 1 has the same sourceId" in error["message"]
    assert error["messageZh"] == "第 1 项的信息编号（sourceId）同为「dup」：同一条信息每批只报送一次"


async def test_a_bad_code_argument_says_its_rule_in_chinese(client: httpx.AsyncClient) -> None:
    wrong = NEW[:17] + ("A" if NEW[17] != "A" else "B")
    body = await gql(client, RECORDS, u=wrong)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "GB 32100 mod-31" in error["message"]
    assert error["extensions"]["messageZh"] == (f"统一社会信用代码「{wrong}」无效：第 18 位校验码为「{wrong[17]}」，"
                                                f"按 GB 32100 模 31 校验应为「{NEW[17]}」")


async def test_a_penalty_is_public_for_the_policys_window(client: httpx.AsyncClient, settings: Settings) -> None:
    decided = clock.today() - timedelta(days=20)
    receipt = await submit(client, settings, [
        item("p-serious", PENALIZED, "ADMINISTRATIVE_PENALTY", documentNumber="罚〔2026〕1号", content="罚款五万元",
             severity="SERIOUS", decidedOn=decided.isoformat(), amountWanYuan=5),
        item("p-own-end", PENALIZED, "ADMINISTRATIVE_PENALTY", documentNumber="罚〔2026〕2号", content="警告",
             decidedOn=decided.isoformat(), publicityEndsOn=(decided + timedelta(days=100)).isoformat())])
    ends = {s["sourceId"]: s["publicityEndsOn"] for s in receipt["stored"]}
    assert ends["p-serious"] == default_policy().publicity_ends_on(decided, Severity.SERIOUS).isoformat()
    assert ends["p-own-end"] == (decided + timedelta(days=100)).isoformat()  # the deciding department's end wins
    assert {s["disclosure"] for s in receipt["stored"]} == {"PUBLIC"} and receipt["regraded"] == 1


async def test_a_list_entry_sets_the_flag_and_its_removal_clears_it_keeping_the_dates(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    await submit(client, settings, [item("clean", LISTED)])
    before = await grade_of(hub, LISTED)
    listed_on = clock.today() - timedelta(days=40)
    entry = item("list-1", LISTED, "SERIOUS_DISHONESTY_LIST", documentNumber="认定〔2026〕3号",
                 title="列入严重失信主体名单", decidedOn=listed_on.isoformat())
    receipt = await submit(client, settings, [entry])
    assert receipt["regraded"] == 1 and receipt["stored"][0]["publicityEndsOn"] is None
    assert await grade_of(hub, LISTED) == "D"  # seed 004 第十条(一): 当前被列入严重失信主体名单 → D
    removed_on = clock.today()
    receipt = await submit(client, settings, [{**entry, "removedOn": removed_on.isoformat()}])
    [stored] = receipt["stored"]
    assert (stored["outcome"], stored["removedOn"]) == ("UPDATED", removed_on.isoformat())
    assert stored["publicityEndsOn"] == (removed_on - timedelta(days=1)).isoformat()  # listed through the day before
    assert receipt["regraded"] == 1
    assert await grade_of(hub, LISTED) == before != "D"
    rows = await hub.gateway.run("MATCH (r:Record {id: $id}) RETURN r.decided_on AS on, r.removed_on AS off, "
                                 "r.status AS status", {"id": stored["id"]})
    assert (rows[0]["on"].iso_format(), rows[0]["off"].iso_format(), rows[0]["status"]) == (
        listed_on.isoformat(), removed_on.isoformat(), "ACTIVE")  # the date range is kept; history stays


async def test_only_a_department_submits_and_only_for_itself(client: httpx.AsyncClient, settings: Settings,
                                                             hub: CreditHub) -> None:
    # an audience that can never call it is not shown it (docs/tiers.md "What each caller is shown of the schema")
    for headers in ({}, bearer(settings, "bank", "某银行"), bearer(settings, "admin", "郏县信用办"),
                    bearer(settings, "platform", "某平台")):
        response = await client.post("/graphql", json={"query": SUBMIT, "variables": {"items": [item("x", NEW)]}},
                                     headers=headers)
        assert "Unknown type 'CreditInformationInput'" in response.text, response.text
    body = await gql(client, SUBMIT, bearer(settings, "agency", "无部门的局"), items=[item("x", NEW)])
    assert body["data"]["submitCreditInformation"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and "--department" in body["errors"][0]["message"]
    rows = await hub.gateway.run("MATCH (:Subject {uscc: $u})<-[:ABOUT]-(r:Record) RETURN count(r) AS n", {"u": NEW})
    assert rows[0]["n"] == 1  # only the one its department sent (test_a_batch_repeating_a_source_id_stores_it_once)


async def test_a_batch_above_the_limit_is_refused_whole(client: httpx.AsyncClient, settings: Settings,
                                                        hub: CreditHub) -> None:
    items = [item(f"n-{n}", NEW) for n in range(MAX_ITEMS + 1)]
    body = await gql(client, SUBMIT, department(settings, DEPT), items=items)
    assert body["data"]["submitCreditInformation"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "at most 500" in body["errors"][0]["message"]
    rows = await hub.gateway.run("MATCH (r:Record) WHERE r.source_id STARTS WITH 'n-' AND r.issuing_department = $d "
                                 "RETURN count(r) AS n", {"d": DEPT})
    assert rows[0]["n"] == 0


def test_every_kind_has_a_rule_and_counted_says_what_the_catalogues_count() -> None:
    assert set(RULES) == set(RecordKind)
    selected = set()
    for path in CATALOGUES.glob("*.yaml"):
        for found in re.findall(r"kinds: \[([^]]*)\]", path.read_text()):
            selected |= {name.strip() for name in found.split(",")}
    assert {kind.value for kind, rule in RULES.items() if rule.counted} == selected


def test_the_exchange_refuses_exactly_what_the_ways_in_refuse() -> None:
    def record(content: str) -> dict[str, Any]:
        return {"type": "RECORD", "id": "r", "version": 1, "origin_platform": "p", "origin_level": "county",
                "issuer": DEPT, "subject_uscc": NEW, "disclosure": "PUBLIC", "kind": "ADMINISTRATIVE_PENALTY",
                "title": "t", "status": "ACTIVE", "content": content}

    assert not isinstance(check_exchange_item(record("处" * limits.MAX_TEXT)), str)
    assert "content" in str(check_exchange_item(record("处" * (limits.MAX_TEXT + 1))))
