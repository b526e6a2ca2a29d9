"""One current evaluation per subject and scheme, decided by who may issue it — at every level.

Seed 000 §二.(一): the public credit evaluation (henan-public-credit) "由省发展改革委依托省公共信用信息平台…
作出". A county or city hub that computes it has made its own estimate: it is kept, in the computing
platform's name, and never stands over the province's as CURRENT — neither where it was computed nor
where it travels. The province's own evaluation takes the pointer whatever the dates; among equals the
newest wins; and one batch carrying two evaluations of one subject and scheme leaves one CURRENT.

Three hubs — county (henan-jiaxian), city (henan-pingdingshan), province (henan-province) — share the
suite's database, each with its own subjects; their peers are played by the test with Ed25519 keys and
platform tokens, through the GraphQL exchange mutation (pushChanges).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.app import create_app
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.server import Neo4jCredentials
from hub.exchange.batch import Batch
from hub.exchange.signing import generate_key_text, private_key_from_text, public_key_text, sign
from hub.exchange.vocabulary import Scope
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import AUDIT_KEY, DATA_KEY, JWT_SECRET, add_subject, bearer, gql, uscc

COUNTY, CITY, PROVINCE = "henan-jiaxian", "henan-pingdingshan", "henan-province"
LEVEL = {COUNTY: "county", CITY: "city", PROVINCE: "province"}
REGION = {COUNTY: "410425", CITY: "410400", PROVINCE: "410000"}
PARENT = {COUNTY: CITY, CITY: PROVINCE}
CHILD = {CITY: COUNTY, PROVINCE: CITY}
KEYS = {platform: generate_key_text() for platform in LEVEL}
RUN = uuid.uuid4().hex[:8]
SCHEME = "henan-public-credit"
PROVINCE_NAME = "河南省发展改革委（省公共信用信息平台）"  # the scheme's evaluator (presets/henan-public-credit.yaml)

EVALUATIONS = """query($u: String!) { subject(uscc: $u) { evaluations {
  id scheme grade current computedBy issuedInNameOf authoritative } } }"""
PUSH = """mutation($b: String!) { pushChanges(batch: $b) { applied unchanged deadLetters { itemId reason } } }"""


@dataclass
class Platform:
    id: str
    settings: Settings
    hub: CreditHub
    http: httpx.AsyncClient

    @property
    def level(self) -> str:
        return LEVEL[self.id]


def _public(platform: str) -> str:
    return public_key_text(private_key_from_text(KEYS[platform]))


def _peers(platform: str) -> str:
    entries = [(PARENT.get(platform), "parent"), (CHILD.get(platform), "child")]
    return "peers:\n" + "".join(f"""  - id: {peer}
    relation: {relation}
    url: http://127.0.0.1:1
    public_key: {_public(peer)}
""" for peer, relation in entries if peer)


@pytest.fixture(scope="module", params=[COUNTY, CITY, PROVINCE])
async def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                   neo4j_credentials: Neo4jCredentials, hub: CreditHub) -> AsyncIterator[Platform]:
    """A hub at one level on the suite's database (``hub`` has wiped and migrated it)."""
    platform_id: str = request.param
    folder = tmp_path_factory.mktemp(f"issuer-{LEVEL[platform_id]}")
    (folder / "peers.yaml").write_text(_peers(platform_id))
    settings = Settings(**{  # type: ignore[arg-type]
        "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY, "HUB_AUDIT_KEY": AUDIT_KEY,
        "HUB_STATE_DIR": str(folder), "NEO4J_URI": neo4j_credentials.uri, "NEO4J_USER": neo4j_credentials.user,
        "NEO4J_PASSWORD": neo4j_credentials.password, "HUB_PLATFORM_ID": platform_id,
        "HUB_LEVEL": LEVEL[platform_id], "HUB_REGION": REGION[platform_id],
        "HUB_PEERS_FILE": str(folder / "peers.yaml"), "HUB_SIGNING_KEY": KEYS[platform_id]})
    gateway = Neo4jGateway(str(settings.neo4j_uri), settings.neo4j_user, settings.neo4j_password_text)
    service = CreditHub(settings, gateway)
    transport = httpx.ASGITransport(app=create_app(settings, service))
    async with httpx.AsyncClient(transport=transport, base_url="http://issuer.test") as http:
        yield Platform(platform_id, settings, service, http)
    await service.close()


_serial = iter(range(10_000))


async def new_subject(platform: Platform) -> str:
    """A subject of its own (平顶山 新华区 410402: no county industry scheme covers it)."""
    code = uscc(880_000 + 100 * list(LEVEL).index(platform.id) + next(_serial), region="410402")
    await add_subject(platform.hub, code)
    return code


def evaluation(code: str, name: str, *, origin: str, days_ago: float, grade: str = "良") -> dict[str, Any]:
    """A henan-public-credit evaluation made at ``origin``, as the exchange carries it."""
    at = clock.now() - timedelta(days=days_ago)
    return {"type": "EVALUATION", "id": f"iss-{RUN}-{name}", "version": 1, "origin_platform": origin,
            "origin_level": LEVEL[origin], "issuer": PROVINCE_NAME, "subject_uscc": code,
            "scheme": SCHEME, "score": 80.0, "grade": grade, "disclosure": "PUBLIC",
            "evaluated_at": at.isoformat(), "valid_until": (clock.date_of(at) + timedelta(days=365)).isoformat(),
            # a lower platform that still names the province: the receiver judges by origin, not by name
            "evaluator": PROVINCE_NAME}


async def push(platform: Platform, items: list[dict[str, Any]], *, scope: str) -> dict[str, Any]:
    """A batch from our parent (DOWN) or our child (UP), signed by it, through GraphQL."""
    sender = PARENT[platform.id] if scope == "DOWN" else CHILD[platform.id]
    batch = Batch(id=f"b-{uuid.uuid4().hex}", sender=sender, sender_level=LEVEL[sender], recipient=platform.id,
                  scope=Scope(scope), after="0", cursor=str(len(items)), has_more=False, issued_at=clock.now(),
                  items=items)
    signed = sign(batch.encode(), private_key_from_text(KEYS[sender]), sender)
    body = await gql(platform.http, PUSH, bearer(platform.settings, "platform", sender), b=signed)
    receipt = body["data"]["pushChanges"]
    assert receipt["deadLetters"] == [], receipt
    return dict(receipt)


async def receive_from_province(platform: Platform, items: list[dict[str, Any]]) -> None:
    """Province-made evaluations reach this platform: from above, or made here at the province."""
    if platform.id == PROVINCE:  # the province's own: as its own write, sequenced here
        await ingest.upsert_evaluations(platform.hub.gateway, [{
            "id": item["id"], "subject_uscc": item["subject_uscc"], "scheme": SCHEME, "score": item["score"],
            "grade": item["grade"], "level": None, "disclosure": "PUBLIC",
            "evaluated_at": datetime.fromisoformat(item["evaluated_at"]),
            "valid_until": clock.today() + timedelta(days=365), "evaluator": PROVINCE_NAME,
            "origin_platform": PROVINCE, "origin_level": "province"} for item in items])
    else:
        await push(platform, items, scope="DOWN")


async def shown(platform: Platform, code: str) -> dict[str, dict[str, Any]]:
    """The subject's henan-public-credit evaluations as an agency sees them, by id."""
    body = await gql(platform.http, EVALUATIONS, bearer(platform.settings, "agency", "平顶山市发展改革委"), u=code)
    return {e["id"]: e for e in body["data"]["subject"]["evaluations"] if e["scheme"] == SCHEME}


async def pointed(gateway: Neo4jGateway, code: str) -> list[str]:
    rows = await gateway.run("MATCH (:Subject {uscc: $u})-[:CURRENT]->(e:Evaluation {scheme: $s}) RETURN e.id AS id",
                             {"u": code, "s": SCHEME})
    return [row["id"] for row in rows]


async def test_a_local_result_stands_in_its_computers_name_and_only_the_province_issues(platform: Platform) -> None:
    code = await new_subject(platform)
    await platform.hub.regrade([code])
    [mine] = (await shown(platform, code)).values()
    assert mine["computedBy"] == platform.id and mine["current"]  # nothing else is current: it stands
    if platform.id == PROVINCE:  # seed 000 §二.(一): the province issues it, in the evaluator's name
        assert (mine["issuedInNameOf"], mine["authoritative"]) == (PROVINCE_NAME, True)
    else:  # a county or city computation is its own, never "河南省发展改革委"
        assert (mine["issuedInNameOf"], mine["authoritative"]) == (platform.id, False)
    stored = await platform.hub.gateway.run(
        "MATCH (e:Evaluation {id: $id}) RETURN e.evaluator AS evaluator", {"id": mine["id"]})
    assert (stored[0]["evaluator"] == PROVINCE_NAME) == (platform.id == PROVINCE)


async def test_an_estimate_made_here_never_replaces_the_provinces_current(platform: Platform) -> None:
    code = await new_subject(platform)
    issued = evaluation(code, f"{platform.id}-p1", origin=PROVINCE, days_ago=30)
    await receive_from_province(platform, [issued])
    await platform.hub.regrade([code])  # a new, later computation here
    evaluations = await shown(platform, code)
    [local] = [e for e in evaluations.values() if e["id"] != issued["id"]]
    current = await pointed(platform.hub.gateway, code)
    if platform.id == PROVINCE:  # the province re-evaluates: its newer result replaces its older one
        assert current == [local["id"]] and not evaluations[issued["id"]]["current"]
    else:
        assert current == [issued["id"]] and evaluations[issued["id"]]["current"]
        assert not local["current"] and local["authoritative"] is False
        marked = await platform.hub.gateway.run(  # so the warnings engine sees no grade change in it
            "MATCH (e:Evaluation {id: $id}) RETURN e.outranked AS outranked, e.superseded_by AS by",
            {"id": local["id"]})
        assert marked == [{"outranked": True, "by": issued["id"]}]
        assert [e["id"] for e in evaluations.values() if e["current"]] == [issued["id"]]


async def test_the_provinces_evaluation_takes_over_from_an_older_or_newer_estimate(platform: Platform) -> None:
    code = await new_subject(platform)
    if platform.id == PROVINCE:  # an estimate from below arrives first, then the province grades
        estimate = evaluation(code, f"{platform.id}-c1", origin=COUNTY, days_ago=1)
        await push(platform, [estimate], scope="UP")
        assert await pointed(platform.hub.gateway, code) == [estimate["id"]]  # nothing better is held yet
        await platform.hub.regrade([code])
        [issued_id] = [i for i in (await shown(platform, code)) if i != estimate["id"]]
    else:  # this platform's own estimate first, then the province's evaluation, dated EARLIER, comes down
        await platform.hub.regrade([code])
        [estimate_id] = list(await shown(platform, code))
        issued = evaluation(code, f"{platform.id}-p2", origin=PROVINCE, days_ago=20)
        await push(platform, [issued], scope="DOWN")
        estimate, issued_id = {"id": estimate_id}, issued["id"]
    evaluations = await shown(platform, code)
    assert await pointed(platform.hub.gateway, code) == [issued_id]
    assert [e["id"] for e in evaluations.values() if e["current"]] == [issued_id]
    assert evaluations[issued_id]["authoritative"] is True
    assert evaluations[estimate["id"]]["authoritative"] is False


# Where an estimate arrives from: a city's comes down to a county; a county's goes up to city and province.
ESTIMATE_FROM = {COUNTY: (CITY, "DOWN"), CITY: (COUNTY, "UP"), PROVINCE: (COUNTY, "UP")}


async def test_an_estimate_arriving_from_another_level_never_replaces_the_provinces_current(
        platform: Platform) -> None:
    code = await new_subject(platform)
    issued = evaluation(code, f"{platform.id}-p3", origin=PROVINCE, days_ago=30)
    await receive_from_province(platform, [issued])
    origin, scope = ESTIMATE_FROM[platform.id]
    estimate = evaluation(code, f"{platform.id}-e3", origin=origin, days_ago=1, grade="差")  # newer
    assert (await push(platform, [estimate], scope=scope))["applied"] == 1
    evaluations = await shown(platform, code)
    assert await pointed(platform.hub.gateway, code) == [issued["id"]]
    assert [e["id"] for e in evaluations.values() if e["current"]] == [issued["id"]]
    arrived = evaluations[estimate["id"]]
    # who computed it and in whose name it stands are judged here, whatever name the sender put on it
    assert (arrived["computedBy"], arrived["issuedInNameOf"], arrived["authoritative"]) == (origin, origin, False)


# One page carrying two evaluations of one subject and scheme: which one the rule keeps, by level.
ONE_PAGE = {
    COUNTY: ("DOWN", [(PROVINCE, 5), (CITY, 1)], 0),  # the province's, though the city's estimate is newer
    CITY: ("DOWN", [(PROVINCE, 5), (PROVINCE, 2)], 1),  # the province's newer one
    PROVINCE: ("UP", [(CITY, 2), (COUNTY, 5)], 0),  # two estimates: the newer
}


async def test_one_page_with_two_evaluations_of_a_subject_leaves_one_current(platform: Platform) -> None:
    codes = [await new_subject(platform) for _ in range(3)]
    scope, made, kept = ONE_PAGE[platform.id]
    page = [evaluation(code, f"{platform.id}-{code}-{n}", origin=origin, days_ago=days)
            for code in codes for n, (origin, days) in enumerate(made)]
    assert (await push(platform, page, scope=scope))["applied"] == 2 * len(codes)
    for code in codes:
        expected = f"iss-{RUN}-{platform.id}-{code}-{kept}"
        other = f"iss-{RUN}-{platform.id}-{code}-{1 - kept}"
        assert await pointed(platform.hub.gateway, code) == [expected]
        evaluations = await shown(platform, code)
        assert [e["id"] for e in evaluations.values() if e["current"]] == [expected]
        superseded_by = await platform.hub.gateway.run(
            "MATCH (e:Evaluation {id: $id}) RETURN e.superseded_by AS by", {"id": other})
        assert superseded_by == [{"by": expected}]


async def test_an_expired_evaluation_of_the_province_gives_way_to_an_estimate(platform: Platform) -> None:
    """Only an evaluation in force stands over an estimate: one whose validity has run out (made 400 days ago,
    valid for 365) is superseded by the estimate computed here, as by any newer evaluation."""
    code = await new_subject(platform)
    issued = evaluation(code, f"{platform.id}-x1", origin=PROVINCE, days_ago=400)
    if platform.id == PROVINCE:  # the province's own old one: superseded by its new evaluation all the same
        await receive_from_province(platform, [issued])
    else:
        await push(platform, [issued], scope="DOWN")
    await platform.hub.regrade([code])
    [local] = [e for e in (await shown(platform, code)).values() if e["id"] != issued["id"]]
    assert await pointed(platform.hub.gateway, code) == [local["id"]]
    assert local["authoritative"] is (platform.id == PROVINCE)
    marked = await platform.hub.gateway.run(
        "MATCH (e:Evaluation {id: $id}) RETURN e.superseded_by AS by, e.outranked AS outranked, "
        "e.previous_grade AS previous", {"id": local["id"]})
    assert marked == [{"by": None, "outranked": None, "previous": issued["grade"]}]
    superseded = await platform.hub.gateway.run(
        "MATCH (e:Evaluation {id: $id}) RETURN e.superseded_by AS by", {"id": issued["id"]})
    assert superseded == [{"by": local["id"]}]


async def test_an_estimate_arriving_after_the_provinces_evaluation_expired_takes_its_place(
        platform: Platform) -> None:
    """The same rule for what a sync brings (hub.db.current decides for every writer): an estimate from
    another level does not replace the province's evaluation in force (above), but does once it expired."""
    code = await new_subject(platform)
    issued = evaluation(code, f"{platform.id}-x2", origin=PROVINCE, days_ago=400)
    made = datetime.fromisoformat(issued["evaluated_at"])
    await ingest.upsert_evaluations(platform.hub.gateway, [{
        "id": issued["id"], "subject_uscc": code, "scheme": SCHEME, "score": 80.0, "grade": issued["grade"],
        "level": None, "disclosure": "PUBLIC", "evaluated_at": made,
        "valid_until": clock.date_of(made) + timedelta(days=365), "evaluator": PROVINCE_NAME,
        "origin_platform": PROVINCE, "origin_level": "province"}])
    origin, scope = ESTIMATE_FROM[platform.id]
    estimate = evaluation(code, f"{platform.id}-e4", origin=origin, days_ago=1, grade="差")
    assert (await push(platform, [estimate], scope=scope))["applied"] == 1
    assert await pointed(platform.hub.gateway, code) == [estimate["id"]]
    superseded = await platform.hub.gateway.run(
        "MATCH (e:Evaluation {id: $id}) RETURN e.superseded_by AS by", {"id": issued["id"]})
    assert superseded == [{"by": estimate["id"]}]
