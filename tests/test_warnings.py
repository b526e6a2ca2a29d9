"""信用预警 on the real graph, through HTTP: each rule fires on its event and not on its near-misses.

The engine runs in the background as it does in `hub serve` (hub.warnings.service.running): the tests
write the way the write paths do — ingest rows (imports, the demo loader), GraphQL mutations, re-grading
— and read what it raised through the `warnings` query. Boundaries are the rules' own (the presets in
hub/warnings/presets/, cited there): fresh within 30 days, 10 万元, two rungs, 3 penalties from 2
departments in 12 months, more than 5 subjects, 5 penalties or 50 万元, 7 working days, 100 %.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from hub import clock
from hub.clock import CHINA
from hub.db import feed, warning_facts
from hub.exchange.vocabulary import Scope
from hub.reporting import Counts
from hub.rights.publicity import add_months
from hub.service import CreditHub
from hub.settings import Settings
from hub.warnings.engine import WarningEngine
from hub.warnings.rules import RuleBook
from tests.builders import (
    add_departments,
    add_evaluation,
    add_records,
    add_subjects,
    bearer,
    clear_warnings,
    gql,
    record_row,
    remove_subjects,
    resident_id,
    set_representative,
    uscc,
)

REGION = "410481"  # 舞钢市: this module's subjects only (no other module writes there)
SCJG, ZJ, SW = f"{REGION}-SCJG", f"{REGION}-ZJ", f"{REGION}-SW"
CODES = [uscc(5000 + n, region=REGION) for n in range(80)]
C = iter(CODES)

# subject events
SERIOUS, FINE_10, FINE_JUST_UNDER, REPAIRED, STALE, DAY_30 = (next(C) for _ in range(6))
LISTED, EXECUTEE, ABNORMAL_WITHDRAWN, ABNORMAL = (next(C) for _ in range(4))
BROKEN, KEPT, UNKNOWN_KEPT = (next(C) for _ in range(3))
FELL_3, FELL_1, FELL_2, REGRADED = (next(C) for _ in range(4))
ACROSS, ONE_DEPARTMENT, WINDOW_EDGE, OUTSIDE_WINDOW = (next(C) for _ in range(4))
# graph signals
SIBLING, LISTED_SIBLING, FORMER_LISTED, FORMER_SIBLING, LONG_AGO_LISTED, LONG_AGO_SIBLING = (next(C) for _ in range(6))
MANY = [next(C) for _ in range(6)]  # one person, six subjects, one graded 差
FIVE = [next(C) for _ in range(5)]  # one person, five subjects, one graded 差: not more than five
CLUSTER = [next(C) for _ in range(3)]  # five penalties among them
SMALL_CLUSTER = [next(C) for _ in range(2)]  # four penalties
COSTLY_CLUSTER = [next(C) for _ in range(2)]  # two fines, 50 万元 together
OBJECTED_LATE, OBJECTED_TODAY, REPAIR_LATE, REPAIR_FRESH = (next(C) for _ in range(4))
START: dict[str, int] = {}  # the feed position the module's engine started from

QUERY = """query($rule: String, $department: String, $region: String, $status: WarningStatus, $subject: String,
               $first: Int!, $after: String) {
  warnings(rule: $rule, department: $department, region: $region, status: $status, subject: $subject,
           first: $first, after: $after) {
    edges { cursor node { id rule level family status subjectUscc department region facts summary evidence
                          originPlatform originLevel version cursor } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def settled(hub: CreditHub, timeout_s: float = 90.0) -> None:
    """Until the background engine has evaluated everything written so far (another task's progress:
    nothing to wait on but the database)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = await warning_facts.poll(hub.gateway, clock.now())
        if not state.pending and not state.markers and state.head == state.cursor:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the warning engine did not catch up within {timeout_s:.0f} s: {state}")


async def warnings_of(client: httpx.AsyncClient, settings: Settings, **filters: Any) -> list[dict[str, Any]]:
    body = await gql(client, QUERY, bearer(settings, "admin", "郏县信用办"), first=100, **filters)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["warnings"]["edges"]]


async def rule_subjects(client: httpx.AsyncClient, settings: Settings, rule: str) -> dict[str, dict[str, Any]]:
    found = await warnings_of(client, settings, rule=rule, region=REGION)
    by_subject = {w["subjectUscc"]: w for w in found}
    assert len(by_subject) == len(found), f"{rule}: two warnings about one subject: {found}"
    return by_subject


def person(n: int) -> str:
    return resident_id(n, region=REGION)


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub, china_clock: str) -> AsyncIterator[None]:
    """Every case of the module, written at once while the engine runs; then settled. At both of
    china_clock's instants (15:59 and 16:01 UTC, the clock stopped): every boundary here is a date."""
    await remove_subjects(hub, CODES)
    await clear_warnings(hub)
    async with hub.warnings.running():
        START["feed"] = await hub.warnings.engine.skip_history()
        await write_world(hub)
        await settled(hub)
        yield
    await clear_warnings(hub)


async def write_world(hub: CreditHub) -> None:
    today = clock.today()
    await add_departments(hub, [SCJG, ZJ, SW])
    await add_subjects(hub, CODES)
    penalty = "ADMINISTRATIVE_PENALTY"
    rows = [
        # serious-penalty: SERIOUS, or a fine of 10 万元 or more; active; decided within 30 days
        record_row(SERIOUS, "w-serious", kind=penalty, decided_on=today - timedelta(days=3), department=SCJG,
                   severity="SERIOUS", amount=5.0),
        record_row(FINE_10, "w-fine-10", kind=penalty, decided_on=today, department=ZJ, severity="GENERAL",
                   amount=10.0),
        record_row(FINE_JUST_UNDER, "w-fine-9.99", kind=penalty, decided_on=today, department=ZJ,
                   severity="GENERAL", amount=9.99),
        record_row(REPAIRED, "w-repaired", kind=penalty, decided_on=today, department=SCJG, severity="SERIOUS",
                   status="REPAIRED"),
        record_row(STALE, "w-31-days", kind=penalty, decided_on=today - timedelta(days=31), department=SCJG,
                   severity="SERIOUS"),
        record_row(DAY_30, "w-30-days", kind=penalty, decided_on=today - timedelta(days=30), department=SCJG,
                   severity="SERIOUS"),
        # list entries; the courts' 失信被执行人 has no department: it goes to the subject's regulator
        record_row(LISTED, "w-listed", kind="SERIOUS_DISHONESTY_LIST", decided_on=today, department=SCJG),
        record_row(EXECUTEE, "w-licence", kind="ADMINISTRATIVE_LICENSE", decided_on=today - timedelta(days=400),
                   department=SW),
        record_row(EXECUTEE, "w-executee", kind="DISHONEST_EXECUTEE", decided_on=today - timedelta(days=1)),
        record_row(ABNORMAL_WITHDRAWN, "w-abnormal-withdrawn", kind="ABNORMAL_OPERATION", decided_on=today,
                   department=SCJG, status="WITHDRAWN"),
        record_row(ABNORMAL, "w-abnormal", kind="ABNORMAL_OPERATION", decided_on=today, department=SCJG),
        # commitments: broken only when it says so
        record_row(BROKEN, "w-broken", kind="COMMITMENT", decided_on=today, department=SW, kept=False),
        record_row(KEPT, "w-kept", kind="COMMITMENT", decided_on=today, department=SW, kept=True),
        record_row(UNKNOWN_KEPT, "w-kept-unknown", kind="COMMITMENT", decided_on=today, department=SW),
        # three penalties from two departments in 12 months; the window's first day counts, the day before not
        record_row(ACROSS, "w-across-1", kind=penalty, decided_on=add_months(today, -12), department=SCJG,
                   severity="GENERAL", amount=0.5),
        record_row(ACROSS, "w-across-2", kind=penalty, decided_on=today - timedelta(days=100), department=ZJ,
                   severity="GENERAL", amount=0.5),
        record_row(ACROSS, "w-across-3", kind=penalty, decided_on=today, department=SCJG, severity="GENERAL",
                   amount=0.5),
        *(record_row(ONE_DEPARTMENT, f"w-one-{n}", kind=penalty, decided_on=today - timedelta(days=n * 10),
                     department=SCJG, severity="GENERAL", amount=0.5) for n in range(3)),
        record_row(OUTSIDE_WINDOW, "w-outside-1", kind=penalty, decided_on=add_months(today, -12) - timedelta(days=1),
                   department=SCJG, severity="GENERAL", amount=0.5),
        record_row(OUTSIDE_WINDOW, "w-outside-2", kind=penalty, decided_on=today - timedelta(days=100), department=ZJ,
                   severity="GENERAL", amount=0.5),
        record_row(OUTSIDE_WINDOW, "w-outside-3", kind=penalty, decided_on=today, department=SCJG,
                   severity="GENERAL", amount=0.5),
    ]
    await add_records(hub, rows)
    # grade falls on the common ladder (henan-public-credit: 优 1, 良 2, 中 3, 差 5)
    for code, first, second in ((FELL_3, "良", "差"), (FELL_1, "良", "中"), (FELL_2, "优", "中")):
        await add_evaluation(hub, code, f"w-{code}-before", scheme="henan-public-credit", grade=first,
                             disclosure="PUBLIC")
        await add_evaluation(hub, code, f"w-{code}-after", scheme="henan-public-credit", grade=second,
                             disclosure="PUBLIC")
    await write_graph(hub, today)


async def write_graph(hub: CreditHub, today: date) -> None:
    """Legal representatives shared between subjects; list entries and penalties around them."""
    await set_representative(hub, SIBLING, person(1), "王一")
    await set_representative(hub, LISTED_SIBLING, person(1), "王一")
    # FORMER_LISTED was represented by 王二 until exactly 12 months ago (the window's first day: followed);
    # LONG_AGO_LISTED by 王三 until the day before (not followed).
    await set_representative(hub, FORMER_LISTED, person(2), "王二")
    await set_representative(hub, FORMER_SIBLING, person(2), "王二")
    await set_representative(hub, FORMER_LISTED, person(20), "赵二")
    await set_representative(hub, LONG_AGO_LISTED, person(3), "王三")
    await set_representative(hub, LONG_AGO_SIBLING, person(3), "王三")
    await set_representative(hub, LONG_AGO_LISTED, person(30), "赵三")
    for code, until in ((FORMER_LISTED, add_months(today, -12)), (LONG_AGO_LISTED,
                                                                  add_months(today, -12) - timedelta(days=1))):
        await hub.gateway.run("MATCH (:Subject {uscc: $code})-[f:FORMER_LEGAL_REPRESENTATIVE]->() SET f.until = $until",
                              {"code": code, "until": until}, write=True)
    await add_records(hub, [
        record_row(LISTED_SIBLING, "w-sibling-listed", kind="SERIOUS_DISHONESTY_LIST", decided_on=today,
                   department=SCJG),
        record_row(FORMER_LISTED, "w-former-executee", kind="DISHONEST_EXECUTEE", decided_on=today),
        record_row(LONG_AGO_LISTED, "w-long-ago-listed", kind="SERIOUS_DISHONESTY_LIST", decided_on=today,
                   department=SCJG)])
    for code in MANY:
        await set_representative(hub, code, person(4), "王四")
    for code in FIVE:
        await set_representative(hub, code, person(5), "王五")
    await add_evaluation(hub, MANY[0], "w-many-poor", scheme="henan-public-credit", grade="差", disclosure="PUBLIC")
    await add_evaluation(hub, FIVE[0], "w-five-poor", scheme="henan-public-credit", grade="差", disclosure="PUBLIC")
    for group, n in ((CLUSTER, 6), (SMALL_CLUSTER, 7), (COSTLY_CLUSTER, 8)):
        for code in group:
            await set_representative(hub, code, person(n), f"王{n}")
    penalty = "ADMINISTRATIVE_PENALTY"
    await add_records(hub, [
        *(record_row(CLUSTER[i % 3], f"w-cluster-{i}", kind=penalty, decided_on=today - timedelta(days=i * 20),
                     department=SW, severity="MINOR", amount=0.1) for i in range(5)),
        *(record_row(SMALL_CLUSTER[i % 2], f"w-small-{i}", kind=penalty, decided_on=today - timedelta(days=i * 20),
                     department=SW, severity="MINOR", amount=0.1) for i in range(4)),
        record_row(COSTLY_CLUSTER[0], "w-costly-0", kind=penalty, decided_on=today - timedelta(days=200),
                   department=SW, severity="GENERAL", amount=30.0),
        record_row(COSTLY_CLUSTER[1], "w-costly-1", kind=penalty, decided_on=today, department=SW,
                   severity="GENERAL", amount=20.0)])


# --- subject events -------------------------------------------------------------------------------

async def test_a_serious_penalty_by_severity_or_by_a_fine_of_10_wan_yuan(
        client: httpx.AsyncClient, settings: Settings) -> None:
    found = await rule_subjects(client, settings, "serious-penalty")
    assert set(found) & {SERIOUS, FINE_10, DAY_30} == {SERIOUS, FINE_10, DAY_30}
    assert not set(found) & {FINE_JUST_UNDER, REPAIRED, STALE}  # 9.99 万元, repaired, decided 31 days ago
    assert found[SERIOUS]["department"] == SCJG and found[FINE_10]["department"] == ZJ  # the issuers act
    assert found[SERIOUS]["facts"] == ["w-serious"] and found[SERIOUS]["level"] == "HIGH"
    assert "fine 10 万元 ≥ 10 万元" in found[FINE_10]["summary"]
    assert (found[SERIOUS]["originPlatform"], found[SERIOUS]["family"]) == (CreditHubPlatform.ID, "SUBJECT")


class CreditHubPlatform:
    ID = "henan-jiaxian"  # the test settings' HUB_PLATFORM_ID (the default)


async def test_entries_onto_the_lists(client: httpx.AsyncClient, settings: Settings) -> None:
    assert set(await rule_subjects(client, settings, "serious-dishonesty-list")) >= {LISTED}
    executee = await rule_subjects(client, settings, "dishonest-executee")
    assert executee[EXECUTEE]["department"] == SW  # the courts' entry goes to the subject's regulator
    abnormal = await rule_subjects(client, settings, "abnormal-operation")
    assert ABNORMAL in abnormal and ABNORMAL_WITHDRAWN not in abnormal
    assert abnormal[ABNORMAL]["level"] == "MEDIUM"


async def test_a_broken_commitment_and_not_a_kept_or_unknown_one(client: httpx.AsyncClient,
                                                                 settings: Settings) -> None:
    found = await rule_subjects(client, settings, "broken-commitment")
    assert BROKEN in found and not {KEPT, UNKNOWN_KEPT} & set(found)


async def test_a_grade_falling_two_rungs_or_more_and_not_one(client: httpx.AsyncClient, settings: Settings) -> None:
    found = await rule_subjects(client, settings, "grade-fall")
    assert {FELL_3, FELL_2} <= set(found) and FELL_1 not in found  # 良→差 3 rungs, 优→中 2, 良→中 1
    evidence = json.loads(found[FELL_2]["evidence"])
    assert evidence["evaluation"]["rungs"] == [1, 3] and found[FELL_2]["facts"] == [f"w-{FELL_2}-after"]


async def test_re_grading_is_a_write_path_too(client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    """A listing brings a subject graded 优 to 差 at its re-grading (seed 000 §二.(三)): both warned."""
    await add_evaluation(hub, REGRADED, "w-regraded-before", scheme="henan-public-credit", grade="优",
                         disclosure="PUBLIC")
    await add_records(hub, [record_row(REGRADED, "w-regraded-listed", kind="SERIOUS_DISHONESTY_LIST",
                                       decided_on=clock.today(), department=SCJG)])
    await hub.regrade([REGRADED])
    await settled(hub)
    assert REGRADED in await rule_subjects(client, settings, "serious-dishonesty-list")
    fall = (await rule_subjects(client, settings, "grade-fall"))[REGRADED]
    assert json.loads(fall["evidence"])["evaluation"]["rungs"] == [1, 5]


async def test_three_penalties_from_two_departments_within_twelve_months(
        client: httpx.AsyncClient, settings: Settings) -> None:
    found = await rule_subjects(client, settings, "penalties-across-departments")
    assert ACROSS in found  # its first penalty is on the window's first day
    assert not {ONE_DEPARTMENT, OUTSIDE_WINDOW} & set(found)  # one department; a penalty one day too old
    assert sorted(found[ACROSS]["facts"]) == ["w-across-1", "w-across-2", "w-across-3"]


# --- graph signals --------------------------------------------------------------------------------

async def test_a_subject_whose_representative_heads_a_listed_subject(
        client: httpx.AsyncClient, settings: Settings) -> None:
    found = await rule_subjects(client, settings, "representative-of-listed-subject")
    assert SIBLING in found and FORMER_SIBLING in found  # current; former until the window's first day
    assert LONG_AGO_SIBLING not in found  # former until the day before: not followed
    assert not {LISTED_SIBLING, FORMER_LISTED, LONG_AGO_LISTED} & set(found)  # the listed ones themselves
    evidence = json.loads(found[SIBLING]["evidence"])
    assert [step.get("subject", {}).get("uscc") for step in evidence["path"]] == [SIBLING, LISTED_SIBLING]
    assert evidence["persons"] == [{"name": "王一", "id_masked": person(1)[:6] + "********" + person(1)[-4:]}]
    former = json.loads(found[FORMER_SIBLING]["evidence"])["path"][1]
    assert former["relation"] == "FORMER_LEGAL_REPRESENTATIVE"
    assert former["until"] == add_months(clock.today(), -12).isoformat()


async def test_a_person_heading_more_than_five_subjects_some_graded_cha(
        client: httpx.AsyncClient, settings: Settings) -> None:
    found = await warnings_of(client, settings, rule="representative-of-poor-subjects", region=REGION)
    assert [w["subjectUscc"] for w in found] == [MANY[0]]  # six subjects; five are not "more than five"
    evidence = json.loads(found[0]["evidence"])
    assert evidence["represents"] == 6 and evidence["poor"] == [MANY[0]]
    assert found[0]["facts"] == ["w-many-poor"] and found[0]["family"] == "GRAPH"


async def test_a_cluster_sharing_a_representative_whose_penalties_add_up(
        client: httpx.AsyncClient, settings: Settings) -> None:
    found = await warnings_of(client, settings, rule="representative-cluster-penalties", region=REGION)
    clusters = {w["subjectUscc"]: w for w in found}
    assert set(clusters) & set(CLUSTER) and set(clusters) & set(COSTLY_CLUSTER)  # 5 penalties; 50 万元
    assert not set(clusters) & set(SMALL_CLUSTER)  # 4 penalties, 0.4 万元
    assert len(found) == 2
    costly = next(w for w in found if w["subjectUscc"] in COSTLY_CLUSTER)
    assert json.loads(costly["evidence"])["amount_wan_yuan"] == 50.0


async def test_an_open_aggregate_warning_is_not_raised_again_by_the_next_penalty(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    await add_records(hub, [record_row(CLUSTER[0], "w-cluster-more", kind="ADMINISTRATIVE_PENALTY",
                                       decided_on=clock.today(), department=SW, severity="MINOR", amount=0.1)])
    await settled(hub)
    found = await warnings_of(client, settings, rule="representative-cluster-penalties", region=REGION)
    assert len(found) == 2  # the cluster's warning is still open: one per person while open


# --- lifecycle, routing, paging -----------------------------------------------------------------------

DECIDE = """mutation($id: ID!, $text: String!) {
  a: acknowledgeWarning(id: $id) { status acknowledgedBy version }
  h: handleWarning(id: $id, measure: $text) { status measure handledBy version }
}"""


async def test_the_routed_department_acknowledges_and_handles_and_no_one_else(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    warning = (await rule_subjects(client, settings, "serious-penalty"))[SERIOUS]
    other = bearer(settings, "agency", "县住建局", department=ZJ)
    refused = await gql(client, "mutation($id: ID!) { acknowledgeWarning(id: $id) { status } }", other,
                        id=warning["id"])
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert f"belongs to department {SCJG}" in refused["errors"][0]["message"]
    admin = await gql(client, "mutation($id: ID!) { acknowledgeWarning(id: $id) { status } }",
                      bearer(settings, "admin", "郏县信用办"), id=warning["id"])
    assert admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # routed to a department: its decision
    public = await gql(client, "mutation($id: ID!) { acknowledgeWarning(id: $id) { status } }", id=warning["id"])
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    owner = bearer(settings, "agency", "县市场监管局", department=SCJG)
    early = await gql(client, 'mutation($id: ID!) { handleWarning(id: $id, measure: "x") { status } }', owner,
                      id=warning["id"])
    assert early["errors"][0]["extensions"]["code"] == "CONFLICT"  # acknowledge first
    done = await gql(client, DECIDE, owner, id=warning["id"], text="已约谈法定代表人，列为重点监管对象")
    assert "errors" not in done, done
    assert done["data"]["a"] == {"status": "ACKNOWLEDGED", "acknowledgedBy": "agency:县市场监管局", "version": 2}
    assert done["data"]["h"]["status"] == "HANDLED" and done["data"]["h"]["version"] == 3
    again = await gql(client, 'mutation($id: ID!) { dismissWarning(id: $id, reason: "误报") { status } }', owner,
                      id=warning["id"])
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    audited = await hub.gateway.run("MATCH (a:AuditEntry) WHERE a.detail CONTAINS $id RETURN a.detail AS detail",
                                    {"id": warning["id"]})
    assert {row["detail"].split()[0] for row in audited} >= {"acknowledgeWarning", "handleWarning"}


async def test_dismissing_needs_a_reason(client: httpx.AsyncClient, settings: Settings) -> None:
    warning = (await rule_subjects(client, settings, "broken-commitment"))[BROKEN]
    owner = bearer(settings, "agency", "县税务局", department=SW)
    await gql(client, "mutation($id: ID!) { acknowledgeWarning(id: $id) { status } }", owner, id=warning["id"])
    blank = await gql(client, 'mutation($id: ID!) { dismissWarning(id: $id, reason: "  ") { status } }', owner,
                      id=warning["id"])
    assert blank["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    dismissed = await gql(client, 'mutation($id: ID!) { dismissWarning(id: $id, reason: "承诺已补正履行") '
                          "{ status dismissReason } }", owner, id=warning["id"])
    assert dismissed["data"]["dismissWarning"] == {"status": "DISMISSED", "dismissReason": "承诺已补正履行"}


async def test_filters_and_relay_paging(client: httpx.AsyncClient, settings: Settings) -> None:
    everything = await warnings_of(client, settings, region=REGION)
    assert {w["region"] for w in everything} == {REGION}
    assert {w["department"] for w in await warnings_of(client, settings, department=ZJ)} == {ZJ}
    assert all(w["status"] == "OPEN" for w in await warnings_of(client, settings, status="OPEN", region=REGION))
    assert [w["subjectUscc"] for w in await warnings_of(client, settings, subject=ABNORMAL)] == [ABNORMAL]
    admin = bearer(settings, "admin", "郏县信用办")
    seen: list[str] = []
    after = None
    while True:
        body = await gql(client, QUERY, admin, first=4, after=after, region=REGION)
        page = body["data"]["warnings"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [w["id"] for w in everything]  # newest first, no gap, no repeat
    bad = await gql(client, QUERY, admin, first=4, after="bm90LWEtY3Vyc29y")
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_public_and_banks_see_no_warnings(client: httpx.AsyncClient, settings: Settings) -> None:
    for headers in ({}, bearer(settings, "bank", "某银行")):
        body = await gql(client, "query($first: Int!) { warnings(first: $first) { edges { node { id } } } }",
                         headers, first=5)
        assert body["data"] is None or body["data"]["warnings"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # the filters' types are hidden from them too: a query naming one is refused as naming an unknown type
        hidden = await client.post("/graphql", json={"query": QUERY, "variables": {"first": 5}}, headers=headers)
        assert hidden.status_code == 400 and "Unknown type 'WarningStatus'" in hidden.text


async def test_a_replayed_window_raises_nothing_twice(client: httpx.AsyncClient, settings: Settings,
                                                      hub: CreditHub) -> None:
    """The engine forgets how far it got (as after a crash before its commit) and evaluates every window
    again: every warning is already held, so none is raised twice and none changes."""
    before = {w["id"]: w["version"] for w in await warnings_of(client, settings, region=REGION)}
    head = await warning_facts.feed_head(hub.gateway)
    await hub.gateway.run("MATCH (s:WarningState {name: 'engine'}) SET s.cursor = $start", {"start": START["feed"]},
                          write=True)
    await settled(hub)
    after = {w["id"]: w["version"] for w in await warnings_of(client, settings, region=REGION)}
    assert after == before and head > START["feed"]


# --- relatedParties ---------------------------------------------------------------------------

RELATED = """query($uscc: String!, $depth: Int!) { relatedParties(uscc: $uscc, depth: $depth) {
  uscc depth truncated path { fromUscc personName current until } currentGrades { scheme grade rung }
  listEntries { id kind status } } }"""


async def test_related_parties_are_the_evidence_behind_graph_warnings(client: httpx.AsyncClient,
                                                                      settings: Settings) -> None:
    agency = bearer(settings, "agency", "县市场监管局", department=SCJG)
    body = await gql(client, RELATED, agency, uscc=SIBLING, depth=1)
    [party] = body["data"]["relatedParties"]
    assert party["uscc"] == LISTED_SIBLING and party["depth"] == 1 and not party["truncated"]
    assert party["path"] == [{"fromUscc": SIBLING, "personName": "王一", "current": True, "until": None}]
    assert [e["id"] for e in party["listEntries"]] == ["w-sibling-listed"]
    former = (await gql(client, RELATED, agency, uscc=FORMER_SIBLING, depth=1))["data"]["relatedParties"]
    assert [(p["uscc"], p["path"][0]["current"]) for p in former] == [(FORMER_LISTED, False)]
    many = (await gql(client, RELATED, agency, uscc=MANY[1], depth=1))["data"]["relatedParties"]
    assert {p["uscc"] for p in many} == set(MANY) - {MANY[1]}
    assert [g for p in many for g in p["currentGrades"]] == [{"scheme": "henan-public-credit", "grade": "差",
                                                              "rung": 5}]
    for headers in ({}, bearer(settings, "bank", "某银行")):
        refused = await gql(client, RELATED, headers, uscc=SIBLING, depth=1)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    deep = await gql(client, RELATED, agency, uscc=SIBLING, depth=4)
    assert deep["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_department_reporting_late_and_not_one_reporting_on_time(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    late, punctual = f"{REGION}-LATE", f"{REGION}-ONTIME"
    await add_departments(hub, [late, punctual])
    await hub.record_reporting(f"w-import-{clock.now().timestamp()}", kind="ADMINISTRATIVE_PENALTY",
                               source_platform="test", received_on=clock.today(), per_department={
                                   late: Counts("迟报局", 4, 4, 3, 1), punctual: Counts("准时局", 4, 4, 4, 0)})
    hub.warnings.nudge()  # a write in this process (the CLI's import is another process: it polls tallies)
    deadline = time.monotonic() + 30
    found: list[dict[str, Any]] = []
    while not found and time.monotonic() < deadline:
        found = await warnings_of(client, settings, rule="reporting-timeliness", department=late)
        await asyncio.sleep(0.1)
    assert len(found) == 1 and "及时率 75.0%" in found[0]["summary"] and found[0]["family"] == "SUPERVISION"
    assert await warnings_of(client, settings, rule="reporting-timeliness", department=punctual) == []

    # About a department, not a subject, it travels up the feed all the same (its page once failed whole:
    # sorting the subjects a page names met None)
    exchange = hub.exchange.platform
    while (await feed.sequence(hub.gateway, exchange.id, exchange.level)).count >= feed.SEQUENCE_CHUNK:
        pass  # numbered when a page is asked for (hub.db.feed.sequence), as the exchange does
    [row] = await hub.gateway.run("MATCH (w:Warning {id: $id}) RETURN w.seq AS seq", {"id": found[0]["id"]})
    page = await hub.exchange.page_for("henan-pingdingshan", Scope.UP, str(row["seq"] - 1), 1)
    segment = page.signed.split(".")[1]
    [item] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))["items"]
    assert (item["type"], item["id"], item["subject_uscc"], item["department"]) == (
        "WARNING", found[0]["id"], None, late)
    assert page.subjects == ()


# --- decisions past their due date: a wake-up at the earliest due date, not a nightly scan ---------

FILE = "mutation($t: ID!) { fileObjection(targetId: $t, reason: \"处罚对象有误\") { id dueOn department } }"
APPLY = "mutation($r: ID!) { applyForCreditRepair(recordId: $r, statement: \"已整改并履行\") { id } }"


async def test_an_objection_is_overdue_the_day_after_its_due_date(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    today = clock.today()
    await add_records(hub, [record_row(code, f"w-contested-{code}", kind="ADMINISTRATIVE_LICENSE",
                                       decided_on=today - timedelta(days=60), department=ZJ)
                            for code in (OBJECTED_LATE, OBJECTED_TODAY)])
    await settled(hub)  # numbered on the feed: issued through this hub
    platform = bearer(settings, "platform", "郏县公共信用信息平台")
    filed = {code: (await gql(client, FILE, platform, t=f"w-contested-{code}"))["data"]["fileObjection"]
             for code in (OBJECTED_LATE, OBJECTED_TODAY)}
    assert filed[OBJECTED_LATE]["department"] == ZJ and filed[OBJECTED_LATE]["dueOn"] > today.isoformat()
    # Time passes: one was due yesterday, the other is due today (not yet overdue).
    for code, due in ((OBJECTED_LATE, today - timedelta(days=1)), (OBJECTED_TODAY, today)):
        await hub.gateway.run("MATCH (o:Objection {id: $id}) SET o.due_on = $due",
                              {"id": filed[code]["id"], "due": due}, write=True)

    # An engine of its own (the background one re-reads due dates every 30 s): its wake-up is the China
    # midnight after the earliest due date still ahead — today's.
    engine = WarningEngine(hub.gateway, RuleBook(), hub.schemes, hub.calendar, platform_id=settings.platform_id,
                           level=settings.level, refresh_s=10**7)
    await engine.cycle()
    found = await rule_subjects(client, settings, "objection-overdue")
    assert OBJECTED_LATE in found and OBJECTED_TODAY not in found
    assert found[OBJECTED_LATE]["department"] == ZJ and found[OBJECTED_LATE]["facts"] == [filed[OBJECTED_LATE]["id"]]
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=CHINA)
    assert engine.next_wake_up == midnight
    with time_machine.travel(midnight + timedelta(seconds=1), tick=False):
        await engine.cycle()
    assert OBJECTED_TODAY in await rule_subjects(client, settings, "objection-overdue")


async def test_a_repair_application_undecided_after_seven_working_days(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    decided = clock.today() - timedelta(days=400)  # past the minimum publicity: repairable
    await add_records(hub, [record_row(code, f"w-repairable-{code}", kind="ADMINISTRATIVE_PENALTY", decided_on=decided,
                                       department=SW, severity="GENERAL", amount=0.5, publicity_days=1000)
                            for code in (REPAIR_LATE, REPAIR_FRESH)])
    await settled(hub)
    platform = bearer(settings, "platform", "郏县公共信用信息平台")
    answers = {code: await gql(client, APPLY, platform, r=f"w-repairable-{code}")
               for code in (REPAIR_LATE, REPAIR_FRESH)}
    assert all("errors" not in answer for answer in answers.values()), answers
    applied = {code: answer["data"]["applyForCreditRepair"]["id"] for code, answer in answers.items()}
    await hub.gateway.run("MATCH (a:RepairApplication {id: $id}) SET a.filed_at = $at",
                          {"id": applied[REPAIR_LATE], "at": clock.now() - timedelta(days=20)}, write=True)
    hub.warnings.nudge()
    deadline = time.monotonic() + 30
    found: dict[str, dict[str, Any]] = {}
    while REPAIR_LATE not in found and time.monotonic() < deadline:
        found = await rule_subjects(client, settings, "repair-overdue")
        await asyncio.sleep(0.1)
    assert REPAIR_LATE in found and REPAIR_FRESH not in found
    assert found[REPAIR_LATE]["department"] == SW  # the department that decides the repair


async def test_a_stranger_decides_no_warning(client: httpx.AsyncClient, settings: Settings) -> None:
    """Every warning mutation against a foreign department's token, the credit office, a bank and the public
    (tests/test_write_authority.py counts the mutations this test sends): refused, nothing changed."""
    [warning] = [w for w in await warnings_of(client, settings, region=REGION, status="OPEN")
                 if w["department"] == SCJG][:1]
    strangers = {"another department": bearer(settings, "agency", "县住建局", department=ZJ),
                 "the credit office": bearer(settings, "admin", "郏县信用办"),
                 "a bank": bearer(settings, "bank", "预警测试银行"), "the public": {}}
    for query in ('mutation($id: ID!) { acknowledgeWarning(id: $id) { status } }',
                  'mutation($id: ID!) { handleWarning(id: $id, measure: "约谈") { status } }',
                  'mutation($id: ID!) { dismissWarning(id: $id, reason: "误报") { status } }'):
        for who, headers in strangers.items():
            body = await gql(client, query, headers, id=warning["id"])
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (who, query, body)
            assert not any((body.get("data") or {}).values()), (who, body)
    [after] = [w for w in await warnings_of(client, settings, region=REGION) if w["id"] == warning["id"]]
    assert (after["status"], after["version"]) == ("OPEN", warning["version"])
