"""Three real hubs on loopback — 郏县 (county 410425) → 平顶山 (city 410400) → 河南 (province 410000) —
each a `hub serve` process on its own Neo4j, synced by real `hub sync run` processes over HTTP.

Records go up, the province's public evaluations come down, a repaired record's status follows, and
a sync killed mid-batch (twice) and restarted leaves exactly the source's items at the destination.
The city's own Neo4j killed mid-round: `hub sync run` exits 1 naming it within the bound, and
`hub sync serve` pauses with one log line and resumes by itself, one line, once it is back.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.platform.job import DEFAULT_DB_TIMEOUT_S
from hub import clock
from hub.auth import issue_token
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.server import LocalNeo4j
from hub.disclosure import Role
from hub.personal_data import PersonalDataVault
from hub.settings import Settings
from tests.builders import TREE_PREFIX, resident_id, uscc
from tests.loopback import PlatformTree, henan_tree
from tests.test_shuanggongshi import LATE, ON_TIME, PENALTY_HEADERS, RECEIVED, penalty, write

COUNTY, CITY, PROVINCE = "henan-jiaxian", "henan-pingdingshan", "henan-province"

ITEMS = """
CALL () { MATCH (n:Record) RETURN n UNION ALL MATCH (n:Evaluation) RETURN n }
WITH n WHERE $origin IS NULL OR n.origin_platform = $origin OR (n.origin_platform IS NULL AND $local)
RETURN n.id AS id, n.version AS version
"""


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformTree]:
    platforms = henan_tree(tmp_path_factory.mktemp("tree"), prefix=TREE_PREFIX)
    try:
        platforms.start_databases()
        platforms.configure()
        platforms.launch_hubs()
        asyncio.run(platforms.wait_ready())
        yield platforms
    finally:
        platforms.stop()


@pytest.fixture
async def gateways(tree: PlatformTree) -> AsyncIterator[dict[str, Neo4jGateway]]:
    await tree.wipe()
    opened = {platform_id: tree[platform_id].gateway() for platform_id in (COUNTY, CITY, PROVINCE)}
    yield opened
    for gateway in opened.values():
        await gateway.close()


async def items(gateway: Neo4jGateway, origin: str | None = None, *, local: bool = False) -> dict[str, int]:
    """id → version of the records and evaluations held, by origin platform."""
    rows = await gateway.run(ITEMS, {"origin": origin, "local": local})
    found = {row["id"]: row["version"] for row in rows}
    assert len(found) == len(rows), "an item is held twice"
    return found


def sync(tree: PlatformTree, platform_id: str, *args: str) -> str:
    result = tree.cli(platform_id, "sync", "run", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def load_demo(tree: PlatformTree, platform_id: str, subjects: int) -> None:
    result = tree.cli(platform_id, "demo", "load", "--subjects", str(subjects), "--seed", "5")
    assert result.returncode == 0, result.stderr


async def test_a_sync_killed_mid_batch_resumes_without_loss_or_duplication(
        tree: PlatformTree, gateways: dict[str, Neo4jGateway]) -> None:
    load_demo(tree, COUNTY, 1500)
    source = await items(gateways[COUNTY])
    assert len(source) > 10_000

    async def cursor() -> int:
        rows = await gateways[CITY].run("MATCH (c:SyncCursor {key: $k}) RETURN toInteger(c.cursor) AS c",
                                        {"k": f"{COUNTY}:PULL_UP"})
        return int(rows[0]["c"]) if rows else 0

    kills, rng = [], random.Random(6)
    for _ in range(2):
        process = tree.spawn(CITY, "sync", "run", "--peer", COUNTY, HUB_SYNC_PAGE_SIZE="200")
        start, deadline = await cursor(), time.monotonic() + 120
        while await cursor() == start and process.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)  # polling another process's database: no event to wait on
        await asyncio.sleep(rng.uniform(0.0, 0.3))  # somewhere inside a later batch
        assert process.poll() is None, "the sync finished before it could be killed; load more items"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        kills.append(await cursor())
    assert 0 < kills[0] < kills[1]  # killed after some progress, then again after more

    summary = sync(tree, CITY, "--peer", COUNTY)
    assert f"{COUNTY} PULL_UP" in summary and "FAILED" not in summary

    received = await items(gateways[CITY], COUNTY)
    assert received == source  # every item, at its version: none lost, none doubled
    state = (await gateways[CITY].run("MATCH (c:SyncCursor {key: $k}) RETURN c.applied AS applied, "
                                      "c.unchanged AS unchanged", {"k": f"{COUNTY}:PULL_UP"}))[0]
    warned = (await gateways[CITY].run("MATCH (w:Warning {origin_platform: $c}) RETURN count(w) AS n",
                                       {"c": COUNTY}))[0]["n"]  # the county's warnings travel the same feed
    assert (state["applied"], state["unchanged"]) == (len(source) + warned, 0)  # each applied exactly once


async def gql(url: str, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def add_old_penalty(gateway: Neo4jGateway) -> str:
    """A department's general penalty decided 400 days ago: past its minimum publicity, so repairable."""
    code = (await gateway.run("MATCH (s:Subject) WHERE s.uscc STARTS WITH '91410425' "  # a 郏县 enterprise
                              "RETURN s.uscc AS uscc ORDER BY s.uscc LIMIT 1"))[0]["uscc"]
    decided = clock.today() - timedelta(days=400)
    await ingest.upsert_records(gateway, [{
        "id": "tree-old-penalty", "subject_uscc": code, "kind": "ADMINISTRATIVE_PENALTY", "title": "未按规定公示年报",
        "decided_on": decided, "issuing_department": "410425-SCJG", "source_platform": COUNTY,
        "disclosure": "PUBLIC", "status": "ACTIVE", "severity": "GENERAL",
        "publicity_ends_on": decided + timedelta(days=1095),
        "document_number": "郏市监罚〔2025〕1号", "content": None, "amount_wan_yuan": 0.5, "kept": None}])
    return "tree-old-penalty"


async def current_public_evaluation(gateway: Neo4jGateway, record_id: str) -> dict[str, Any]:
    rows = await gateway.run("MATCH (:Record {id: $id})-[:ABOUT]->(s:Subject)-[:CURRENT]->"
                             "(e:Evaluation {scheme: 'henan-public-credit'}) RETURN e.id AS id, e.evaluated_at AS at",
                             {"id": record_id})
    assert len(rows) == 1
    return rows[0]


async def repair(tree: PlatformTree, record_id: str) -> None:
    """信用修复 at the county, over its GraphQL API: applied for on the subject's behalf, approved."""
    county = tree[COUNTY]
    applicant = county.token("platform", "郏县公共信用信息平台")
    officer = county.token("agency", "郏县市场监管局", department="410425-SCJG")  # the penalty's issuer decides
    applied = await gql(county.url, 'mutation($r: ID!) { applyForCreditRepair(recordId: $r, statement: "已整改") '
                        "{ id } }", applicant, r=record_id)
    assert not applied.get("errors"), applied
    decided = await gql(county.url, 'mutation($i: ID!) { decideCreditRepair(id: $i, approve: true, reason: "符合条件")'
                        " { status } }", officer, i=applied["data"]["applyForCreditRepair"]["id"])
    assert decided["data"]["decideCreditRepair"]["status"] == "APPROVED", decided


async def test_records_go_up_public_evaluations_come_down_and_repairs_follow(
        tree: PlatformTree, gateways: dict[str, Neo4jGateway]) -> None:
    load_demo(tree, COUNTY, 120)
    penalty = await add_old_penalty(gateways[COUNTY])
    county_items = await items(gateways[COUNTY])

    sync(tree, CITY)  # pulls the county's feed
    sync(tree, PROVINCE)  # pulls the city's: the county's items relayed
    assert await items(gateways[CITY], COUNTY) == county_items
    assert await items(gateways[PROVINCE], COUNTY) == county_items

    graded = tree.cli(PROVINCE, "evaluate", "--scheme", "henan-public-credit")
    assert graded.returncode == 0, graded.stderr
    public = {row["id"]: row["grade"] for row in await gateways[PROVINCE].run(
        "MATCH (e:Evaluation {scheme: 'henan-public-credit', disclosure: 'PUBLIC'}) WHERE e.origin_platform IS NULL "
        "OR e.origin_platform = $p RETURN e.id AS id, e.grade AS grade", {"p": PROVINCE})}
    assert public

    sync(tree, CITY)  # pulls the province's downward feed
    summary = sync(tree, COUNTY)  # pushes up (nothing new) and pulls the city's downward feed
    assert f"{CITY} PUSH" in summary and f"{CITY} PULL_DOWN" in summary
    came_down = await gateways[COUNTY].run(
        "MATCH (e:Evaluation {origin_platform: $p})-[:OF]->(s:Subject) RETURN e.id AS id, e.grade AS grade, "
        "e.disclosure AS disclosure, s.uscc AS uscc", {"p": PROVINCE})
    assert {row["id"]: row["grade"] for row in came_down} == public
    assert {row["disclosure"] for row in came_down} == {"PUBLIC"}

    shown = await gql(tree[COUNTY].url, "query($c: String!) { subject(uscc: $c) { evaluations { scheme grade "
                      "current } } }", c=came_down[0]["uscc"])  # PUBLIC, no token
    current = [e for e in shown["data"]["subject"]["evaluations"]
               if e["scheme"] == "henan-public-credit" and e["current"]]
    assert [e["grade"] for e in current] == [came_down[0]["grade"]]

    await repair(tree, penalty)
    sync(tree, CITY)
    before = await current_public_evaluation(gateways[PROVINCE], penalty)
    regraded = sync(tree, PROVINCE, "--regrade", "henan-public-credit")  # grade what arrived, at once
    assert "re-graded 1 subjects whose records arrived, under henan-public-credit: 1 evaluations" in regraded
    after = await current_public_evaluation(gateways[PROVINCE], penalty)
    assert after["id"] != before["id"] and after["at"] > before["at"]
    at_province = (await gateways[PROVINCE].run("MATCH (r:Record {id: $id}) RETURN r.status AS status, "
                                                "r.version AS version, r.repaired_on AS on", {"id": penalty}))[0]
    assert (at_province["status"], at_province["version"]) == ("REPAIRED", 2) and at_province["on"] is not None
    delivered = await gateways[COUNTY].run("MATCH (o:OutboxEntry {record_id: $id}) RETURN o.delivered_to AS to",
                                           {"id": penalty})
    assert delivered == [{"to": CITY}]  # the city acknowledged the repair by asking past it


def test_a_refused_token_fails_the_link_with_a_reason(tree: PlatformTree) -> None:
    county = tree[COUNTY]
    token_file = Path(county.folder / f"token-from-{CITY}")
    good = token_file.read_text()
    token_file.write_text(good[:-4] + "AAAA")
    try:
        result = tree.cli(COUNTY, "sync", "run")
    finally:
        token_file.write_text(good)
    assert result.returncode == 1
    assert f"{CITY} PUSH" in result.stdout and "FAILED" in result.stdout
    assert "refused our token" in result.stdout and "forged or tampered" in result.stdout
    # the round's verdict, in Chinese, before each link's figures: the links the forged token failed, by name
    # (the pull-down always meets it; the push too when earlier tests left something to send)
    verdict = next(line for line in result.stdout.splitlines() if line.startswith("本轮同步"))
    assert re.fullmatch(r"本轮同步未全部成功：[12] 条链路失败（.+），"
                        r"共 \d+ 项（写入 \d+，未变 \d+，转入死信 \d+）", verdict)
    assert f"{CITY} 从上级平台接收公开评价" in verdict


async def test_sync_serve_keeps_the_city_current_until_stopped(
        tree: PlatformTree, gateways: dict[str, Neo4jGateway]) -> None:
    load_demo(tree, COUNTY, 20)
    process = tree.spawn(CITY, "sync", "serve", "--interval", "0.5", "--peer", COUNTY)
    try:
        source = await items(gateways[COUNTY])
        deadline = time.monotonic() + 60
        while await items(gateways[CITY], COUNTY) != source and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)  # another process's rounds: nothing to wait on but its database
        assert await items(gateways[CITY], COUNTY) == source
        penalty = await add_old_penalty(gateways[COUNTY])  # a new record, picked up by a later round
        while penalty not in await items(gateways[CITY], COUNTY) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        assert penalty in await items(gateways[CITY], COUNTY)
        assert process.poll() is None  # still serving
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0  # SIGTERM stops it cleanly between (or inside) rounds


async def test_what_the_parent_refuses_from_a_push_is_kept_at_the_source(
        tree: PlatformTree, gateways: dict[str, Neo4jGateway]) -> None:
    bad_code = "91410425MA40000001"  # a legacy row whose check character is wrong (GB 32100 gives A)
    await ingest.ensure_subjects(gateways[COUNTY], [{"uscc": bad_code, "name": "旧系统迁移主体", "kind": "ENTERPRISE",
                                                     "region": "410425"}])
    await ingest.upsert_records(gateways[COUNTY], [{
        "id": "legacy-1", "subject_uscc": bad_code, "kind": "ADMINISTRATIVE_LICENSE", "title": "食品经营许可",
        "decided_on": date(2025, 3, 3), "issuing_department": None, "source_platform": COUNTY, "disclosure": "PUBLIC",
        "status": "ACTIVE", "severity": None, "publicity_ends_on": None, "document_number": "JY14104250001",
        "content": None, "amount_wan_yuan": None, "kept": None}])
    summary = tree.cli(COUNTY, "sync", "run").stdout
    assert f"{CITY} PUSH: 1 batches, 1 items (0 applied, 0 unchanged, 1 dead-lettered)" in summary
    assert "条链路全部成功" in summary and "转入死信 1）" in summary
    [letter] = await gateways[COUNTY].run("MATCH (d:DeadLetter) RETURN d.direction AS direction, d.item_id AS item, "
                                          "d.peer AS peer, d.reason AS reason")
    assert (letter["direction"], letter["item"], letter["peer"]) == ("PUSH_REFUSED", "legacy-1", CITY)
    assert "subject_uscc: invalid unified social credit code" in letter["reason"]
    assert await items(gateways[CITY]) == {}


# ---- the sync job survives its own database ---------------------------------------------------------

# From the kill to the end of the round: a step on the dead database fails at once (connection
# refused) or after the driver's retry window; HUB_SYNC_TIMEOUT (60 s) bounds one that hangs. The
# margin is for a loaded 2-core machine.
ROUND_ENDS_WITHIN_S = DEFAULT_DB_TIMEOUT_S + 30


def city_database(tree: PlatformTree) -> LocalNeo4j:
    settings = Settings(HUB_NEO4J_HEAP=tree.heap, HUB_NEO4J_PAGECACHE=tree.pagecache)
    return LocalNeo4j(settings, tree[CITY].instance)


async def kill(server: LocalNeo4j) -> None:
    """SIGKILL the Neo4j server, as a crash or the OOM killer would, and wait until it is gone."""
    pid = server.status().pid
    assert pid is not None, "the city's Neo4j is not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while server.status().running and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)  # another process: nothing to wait on but its pid
    assert not server.status().running


async def city_cursor(gateway: Neo4jGateway) -> int:
    rows = await gateway.run("MATCH (c:SyncCursor {key: $k}) RETURN toInteger(c.cursor) AS c",
                             {"k": f"{COUNTY}:PULL_UP"})
    return int(rows[0]["c"]) if rows else 0


async def until_progress(gateway: Neo4jGateway, process: Any) -> None:
    """Until the round has applied a batch or two, so that the kill lands mid-round."""
    deadline = time.monotonic() + 120
    while await city_cursor(gateway) == 0 and process.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    assert process.poll() is None, "the round finished before the kill; load more items"


def log_since(path: Path, offset: int) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[offset:]


async def test_a_sync_run_whose_database_dies_exits_1_naming_it_within_the_bound(
        tree: PlatformTree, gateways: dict[str, Neo4jGateway]) -> None:
    load_demo(tree, COUNTY, 1500)
    source = await items(gateways[COUNTY])
    server, output = city_database(tree), tree[CITY].folder / "cli.log"
    offset = len(output.read_text(encoding="utf-8", errors="replace")) if output.exists() else 0
    process = tree.spawn(CITY, "sync", "run", HUB_SYNC_PAGE_SIZE="200")
    try:
        await until_progress(gateways[CITY], process)
        await kill(server)
        killed = time.monotonic()
        while process.poll() is None and time.monotonic() - killed < ROUND_ENDS_WITHIN_S:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        ended_after = time.monotonic() - killed
        assert process.poll() == 1, f"still running {ended_after:.0f} s after its database died"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        server.start(wait_s=600, echo=lambda _: None)
    said = log_since(output, offset)
    uri = tree[CITY].credentials.uri  # type: ignore[union-attr]
    assert f"{COUNTY} PULL_UP" in said and f"FAILED: the credit database (Neo4j at {uri})" in said, said
    assert f"{PROVINCE} PULL_DOWN" in said and "not attempted: the credit database" in said, said
    assert "Traceback" not in said

    summary = sync(tree, CITY, "--peer", COUNTY)  # the database back: the next round goes on
    assert "FAILED" not in summary
    assert await items(gateways[CITY], COUNTY) == source  # nothing lost, nothing doubled
    state = (await gateways[CITY].run("MATCH (c:SyncCursor {key: $k}) RETURN c.applied AS applied",
                                      {"k": f"{COUNTY}:PULL_UP"}))[0]
    # the county's warning engine puts its warnings on the same feed (信用预警, docs/warnings.md)
    warned = (await gateways[CITY].run("MATCH (w:Warning {origin_platform: $o}) RETURN count(w) AS n",
                                       {"o": COUNTY}))[0]["n"]
    assert state["applied"] == len(source) + warned


async def test_sync_serve_pauses_while_its_database_is_away_and_resumes_by_itself(
        tree: PlatformTree, gateways: dict[str, Neo4jGateway]) -> None:
    load_demo(tree, COUNTY, 1500)
    source = await items(gateways[COUNTY])
    server, output = city_database(tree), tree[CITY].folder / "cli.log"
    offset = len(output.read_text(encoding="utf-8", errors="replace")) if output.exists() else 0
    # The interval is the default 300 s: the round after the outage must not wait for it.
    process = tree.spawn(CITY, "sync", "serve", "--peer", COUNTY, HUB_SYNC_PAGE_SIZE="200")
    try:
        await until_progress(gateways[CITY], process)
        await kill(server)
        killed = time.monotonic()
        while "sync paused" not in log_since(output, offset) and time.monotonic() - killed < ROUND_ENDS_WITHIN_S:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        assert "sync paused" in log_since(output, offset)
        await asyncio.sleep(5)  # away a while: serve asks again and again, and says nothing more
        assert process.poll() is None
        server.start(wait_s=600, echo=lambda _: None)
        back = time.monotonic()
        while await items(gateways[CITY], COUNTY) != source and time.monotonic() - back < 300:  # noqa: ASYNC110
            await asyncio.sleep(1)  # another process's rounds: nothing to wait on but its database
        caught_up_after = time.monotonic() - back
        assert await items(gateways[CITY], COUNTY) == source, (
            f"serve did not resume: {caught_up_after:.0f} s after the database came back")
        assert process.poll() is None
    finally:
        if not server.status().running:
            server.start(wait_s=600, echo=lambda _: None)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 0
    lines = log_since(output, offset).splitlines()
    paused = [line for line in lines if "sync paused" in line]
    resumed = [line for line in lines if "answers again" in line]
    assert len(paused) == 1 and "the credit database (Neo4j at" in paused[0], lines
    assert len(resumed) == 1 and "sync resumes" in resumed[0], lines
    assert [line for line in lines if line != "sync stopped"] == paused + resumed, lines  # nothing else


async def test_a_warning_raised_at_the_county_reaches_the_province_with_its_provenance(
        tree: PlatformTree, gateways: dict[str, Neo4jGateway]) -> None:
    """信用预警 (seed 001 §二.(四).1: 监管预警结果 pushed to the city platform): the county's engine raises it
    where the record entered; the city and the province hold it, deduplicated by its id (rule, subject,
    facts), without the legal representatives it names; its decision stays the county's and follows."""
    county, today = gateways[COUNTY], clock.today()
    vault = PersonalDataVault(tree[COUNTY].data_key)
    sealed = vault.seal(resident_id(7, region="410425"))
    person = {"fingerprint": sealed.fingerprint, "name": "王某", "id_masked": sealed.masked, "id_sealed": sealed.sealed}
    fined, listed, sibling = (uscc(9100 + n) for n in range(3))
    await ingest.upsert_subjects(county, [
        {"uscc": code, "name": f"郏县预警示例{n}有限公司", "kind": "ENTERPRISE", "region": "410425",
         "industry": "食品生产", "status": "存续", "registered_on": date(2018, 5, 1),
         "person": person if code != fined else None} for n, code in enumerate((fined, listed, sibling))])
    penalty = "ADMINISTRATIVE_PENALTY"
    await ingest.upsert_records(county, [{
        "id": record_id, "subject_uscc": code, "kind": kind, "title": "预警示例",
        "decided_on": today - timedelta(days=2), "issuing_department": "410425-SCJG", "source_platform": COUNTY,
        "disclosure": "PUBLIC", "status": "ACTIVE", "severity": "SERIOUS" if kind == penalty else None,
        "publicity_ends_on": today + timedelta(days=900), "document_number": None, "content": None,
        "amount_wan_yuan": 20.0 if kind == penalty else None, "kept": None}
        for record_id, code, kind in (("tree-fined", fined, penalty),
                                      ("tree-listed", listed, "SERIOUS_DISHONESTY_LIST"))])
    deadline = time.monotonic() + 120
    raised: list[dict[str, Any]] = []
    while len(raised) < 3 and time.monotonic() < deadline:  # the county hub's own engine, in its own process
        raised = await county.run("MATCH (w:Warning) RETURN w.id AS id, w.rule AS rule, w.subject_uscc AS subject")
        await asyncio.sleep(0.2)
    by_rule = {row["rule"]: row for row in raised}
    assert set(by_rule) == {"serious-penalty", "serious-dishonesty-list", "representative-of-listed-subject"}
    assert by_rule["representative-of-listed-subject"]["subject"] == sibling

    sync(tree, CITY)
    sync(tree, PROVINCE)
    admin = tree[PROVINCE].token("admin", "河南省信用办")
    query = ("{ warnings(first: 10) { nodes { id rule status version originPlatform originLevel department "
             "subjectUscc evidence } } }")
    held: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 60
    while len(held) < len(raised) and time.monotonic() < deadline:  # the province's engine numbers what it received
        held = {w["id"]: w for w in (await gql(tree[PROVINCE].url, query, admin))["data"]["warnings"]["nodes"]}
        await asyncio.sleep(0.2)
    refused = await gateways[CITY].run("MATCH (d:DeadLetter) RETURN d.reason AS reason")
    assert set(held) == {row["id"] for row in raised}, refused  # the same ids: deduplicated wherever it travels
    graph = held[by_rule["representative-of-listed-subject"]["id"]]
    assert (graph["originPlatform"], graph["originLevel"], graph["status"]) == (COUNTY, "county", "OPEN")
    evidence = json.loads(graph["evidence"])
    assert [step.get("subject", {}).get("uscc") for step in evidence["path"]] == [sibling, listed]
    assert "persons" not in evidence and "王某" not in graph["evidence"]  # personal data stays at the county
    local = await gql(tree[COUNTY].url, query, tree[COUNTY].token("admin", "郏县信用办"))
    assert any("王某" in w["evidence"] for w in local["data"]["warnings"]["nodes"])

    fine = by_rule["serious-penalty"]["id"]
    officer = issue_token(tree[COUNTY].jwt_secret, "credit-hub", role=Role.AGENCY, org="郏县市场监管局",
                          department="410425-SCJG")
    taken = await gql(tree[COUNTY].url, 'mutation($id: ID!) { acknowledgeWarning(id: $id) { status } }', officer,
                      id=fine)
    assert taken["data"]["acknowledgeWarning"]["status"] == "ACKNOWLEDGED", taken
    sync(tree, CITY)
    sync(tree, PROVINCE)
    sync(tree, CITY)  # again: nothing new, nothing doubled
    after = {w["id"]: w for w in (await gql(tree[PROVINCE].url, query, admin))["data"]["warnings"]["nodes"]}
    assert set(after) == set(held) and (after[fine]["status"], after[fine]["version"]) == ("ACKNOWLEDGED", 2)
    copy_officer = issue_token(tree[PROVINCE].jwt_secret, "credit-hub", role=Role.AGENCY, org="省市场监管局",
                               department="410425-SCJG")
    refusal = await gql(tree[PROVINCE].url, 'mutation($id: ID!) { handleWarning(id: $id, measure: "x") { status } }',
                        copy_officer, id=fine)
    assert refusal["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert f"issued through the {COUNTY} platform" in refusal["errors"][0]["message"]


# ---- what a county reports is true one level up (issue 11 §1) -------------------------------------

REPORTING_DEPARTMENT = uscc(71, prefix="11")  # a 机关 code no other test of the tree uses
REPORTING = """query($d: String) { departmentReporting(department: $d) {
  department name rows valid onTime late complianceRate timelinessRate imports timelinessProvisional } }"""


def reported_penalty(n: int, decided_on: date, **changes: Any) -> dict[str, Any]:
    """A 郏县 penalty by the reporting department, about a subject of its own."""
    name = "郏县住房和城乡建设局"
    return penalty(n, **{"行政相对人代码_1": uscc(7100 + n), "行政相对人名称": f"郏县上报示例第{n}有限公司",
                         "行政相对人类别": "法人及非法人组织", "行政处罚决定书文号": f"郏建罚〔2026〕{n}号",
                         "处罚决定日期": decided_on, "处罚机关": name, "处罚机关统一社会信用代码": REPORTING_DEPARTMENT,
                         "数据来源单位": name, "数据来源单位统一社会信用代码": REPORTING_DEPARTMENT, **changes})


OBJECTED = """query($c: String!) { subject(uscc: $c) { records { id underObjection } } }"""


async def under_objection(tree: PlatformTree, platform: str, code: str) -> list[bool]:
    found = await gql(tree[platform].url, OBJECTED, tree[platform].token("admin", "信用办"), c=code)
    return [record["underObjection"] for record in found["data"]["subject"]["records"]]


async def test_what_a_county_reports_is_true_at_the_city_and_the_province(
        tree: PlatformTree, gateways: dict[str, Neo4jGateway], tmp_path: Path) -> None:
    """Seed 004 §一.(二) (合规率, 及时率) asked of a county department at the city and the province: the
    tallies the county counted travel up the feed and are summed there, not counted again. A pending
    objection at the county (seed 000 §四.(二)) shows on the copies above, and goes when it is decided."""
    rows = [reported_penalty(1, ON_TIME), reported_penalty(2, ON_TIME), reported_penalty(3, LATE),
            reported_penalty(4, ON_TIME, 处罚类别="责令改正")]  # not a kind of 行政处罚法 第九条: refused
    path = write(tmp_path / "county.utf8.csv", PENALTY_HEADERS, rows)
    imported = tree.cli(COUNTY, "import", "shuanggongshi", str(path), "--received-on", RECEIVED.isoformat())
    assert imported.returncode == 0, imported.stderr

    sync(tree, CITY)
    sync(tree, PROVINCE)
    found = {platform: (await gql(tree[platform].url, REPORTING, tree[platform].token("admin", "信用办"),
                                  d=REPORTING_DEPARTMENT))["data"]["departmentReporting"]
             for platform in (COUNTY, CITY, PROVINCE)}
    assert found[COUNTY] == [{
        "department": REPORTING_DEPARTMENT, "name": "郏县住房和城乡建设局", "rows": 4, "valid": 3, "onTime": 2,
        "late": 1, "complianceRate": 0.75, "timelinessRate": 2 / 3, "imports": 1, "timelinessProvisional": False}]
    assert found[CITY] == found[COUNTY] and found[PROVINCE] == found[COUNTY]

    again = sync(tree, CITY)  # nothing changed at the county: nothing new goes up, nothing is counted twice
    assert "0 applied" in again or "0 items" in again, again
    assert (await gql(tree[CITY].url, REPORTING, tree[CITY].token("admin", "信用办"),
                      d=REPORTING_DEPARTMENT))["data"]["departmentReporting"] == found[COUNTY]

    contested = uscc(7101)  # the first row's subject: one record, objected to at the county
    county = tree[COUNTY]
    [record] = (await gql(county.url, OBJECTED, county.token("admin", "郏县信用办"), c=contested))["data"]["subject"][
        "records"]
    filed = await gql(county.url, "mutation($t: ID!) { fileObjection(targetId: $t, reason: \"处罚对象有误\") { id } }",
                      county.token("platform", "郏县公共信用信息平台"), t=record["id"])
    assert not filed.get("errors"), filed
    sync(tree, CITY)
    sync(tree, PROVINCE)
    assert [await under_objection(tree, p, contested) for p in (COUNTY, CITY, PROVINCE)] == [[True]] * 3

    decided = await gql(county.url, "mutation($i: ID!) { resolveObjection(id: $i, upheld: false, "
                        "reasons: \"处罚对象无误\") { status } }",
                        county.token("agency", "郏县住房和城乡建设局", department=REPORTING_DEPARTMENT),
                        i=filed["data"]["fileObjection"]["id"])
    assert not decided.get("errors"), decided
    sync(tree, CITY)
    sync(tree, PROVINCE)
    assert [await under_objection(tree, p, contested) for p in (COUNTY, CITY, PROVINCE)] == [[False]] * 3
