"""The exchange protocol at one hub, over HTTP, on the real graph: pushed batches (idempotent, newest
version from the issuer wins, bad items dead-lettered, tampered batches refused whole), the signed
change feed (ordered, cursor-paged, resumable; upward and downward scopes) and who may use them.

The hub here is a city platform (henan-pingdingshan); its child (henan-jiaxian) and parent
(henan-province) are played by the test with their own Ed25519 keys and platform tokens.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from hub import clock
from hub.app import create_app
from hub.credit_info import limits
from hub.db.gateway import Neo4jGateway
from hub.db.server import Neo4jCredentials
from hub.exchange.batch import Batch
from hub.exchange.signing import generate_key_text, open_signed, private_key_from_text, public_key_from_text, sign
from hub.exchange.vocabulary import Scope
from hub.messages_zh import MESSAGE_ZH
from hub.models import RecordStatus
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import (
    AUDIT_KEY,
    CREDIT_OFFICE,
    DATA_KEY,
    JWT_SECRET,
    add_evaluation,
    add_record,
    add_subject,
    bearer,
    gql,
    register_bank,
    uscc,
)

CITY, COUNTY, PROVINCE = "henan-pingdingshan", "henan-jiaxian", "henan-province"
KEYS = {COUNTY: generate_key_text(), PROVINCE: generate_key_text(), CITY: generate_key_text()}
RUN = uuid.uuid4().hex[:8]  # ids unique to this run: the test database is shared with other modules


@pytest.fixture(scope="module")
def city_settings(tmp_path_factory: pytest.TempPathFactory, neo4j_credentials: Neo4jCredentials) -> Settings:
    folder = tmp_path_factory.mktemp("exchange")
    peers = folder / "peers.yaml"
    peers.write_text(f"""peers:
  - id: {COUNTY}
    relation: child
    url: http://127.0.0.1:1
    public_key: {_public(COUNTY)}
  - id: {PROVINCE}
    relation: parent
    url: http://127.0.0.1:2
    public_key: {_public(PROVINCE)}
""")
    return Settings(**{  # type: ignore[arg-type]
        "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY, "HUB_AUDIT_KEY": AUDIT_KEY,
        "HUB_STATE_DIR": str(folder),
        "NEO4J_URI": neo4j_credentials.uri, "NEO4J_USER": neo4j_credentials.user,
        "NEO4J_PASSWORD": neo4j_credentials.password, "HUB_PLATFORM_ID": CITY, "HUB_LEVEL": "city",
        "HUB_REGION": "410400", "HUB_PEERS_FILE": str(peers), "HUB_SIGNING_KEY": KEYS[CITY],
        "HUB_MAX_CONCURRENT_BATCHES": "1"})


@pytest.fixture(scope="module")
async def city(city_settings: Settings, hub: CreditHub) -> AsyncIterator[CreditHub]:
    """A city hub on the suite's database (``hub`` has wiped and migrated it)."""
    credentials = city_settings
    gateway = Neo4jGateway(str(credentials.neo4j_uri), credentials.neo4j_user, credentials.neo4j_password_text)
    service = CreditHub(city_settings, gateway)
    yield service
    await service.close()


@pytest.fixture(scope="module")
async def http(city_settings: Settings, city: CreditHub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(city_settings, city))
    async with httpx.AsyncClient(transport=transport, base_url="http://city.test") as client:
        yield client


def _public(platform: str) -> str:
    from hub.exchange.signing import public_key_text

    return public_key_text(private_key_from_text(KEYS[platform]))


def record(n: int, *, version: int = 1, status: str = "ACTIVE", issuer: str = "410425-SCJG",
           code: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "RECORD", "id": f"x-{RUN}-r{n}", "version": version, "origin_platform": COUNTY,
            "origin_level": "county", "issuer": issuer, "subject_uscc": code or uscc(700_000 + n),
            "subject_name": f"同步测试{n}有限公司", "disclosure": "PUBLIC", "kind": "ADMINISTRATIVE_PENALTY",
            "title": "未按规定公示", "decided_on": "2026-03-02", "issuing_department": issuer,
            "issuing_department_name": "郏县市场监督管理局", "source_platform": COUNTY, "status": status,
            "severity": "GENERAL", "document_number": f"郏市监罚〔2026〕{n}号", **extra}


def evaluation(n: int, *, disclosure: str = "PUBLIC", origin: str = COUNTY, level: str = "county") -> dict[str, Any]:
    return {"type": "EVALUATION", "id": f"x-{RUN}-e{n}", "version": 1, "origin_platform": origin,
            "origin_level": level, "issuer": "410425-SCJG", "subject_uscc": uscc(700_000 + n),
            "scheme": "henan-public-credit", "score": 88.5, "grade": "良", "disclosure": disclosure,
            "evaluated_at": "2026-03-05T10:00:00+08:00", "valid_until": "2027-03-05", "evaluator": "410425-SCJG"}


def signed_batch(items: list[dict[str, Any]], *, sender: str = COUNTY, recipient: str = CITY, scope: str = "UP",
                 key: str | None = None) -> str:
    batch = Batch(id=f"b-{uuid.uuid4().hex}", sender=sender, sender_level="county", recipient=recipient,
                  scope=Scope(scope), after="0", cursor=str(len(items)), has_more=False, issued_at=clock.now(),
                  items=items)
    return sign(batch.encode(), private_key_from_text(key or KEYS[sender]), sender)


PUSH = """mutation($b: String!) { pushChanges(batch: $b) {
  batchId applied unchanged deadLetters { itemId reason } } }"""
CHANGES = """query($s: ChangeScope!, $a: String, $f: Int!) { changes(scope: $s, after: $a, first: $f) {
  signed count cursor hasMore } }"""


async def push(http: httpx.AsyncClient, settings: Settings, batch: str, org: str = COUNTY) -> dict[str, Any]:
    return await gql(http, PUSH, bearer(settings, "platform", org), b=batch)


async def held(city: CreditHub, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = await city.gateway.run(
        "UNWIND $ids AS id CALL (id) { MATCH (n:Record {id: id}) RETURN n UNION MATCH (n:Evaluation {id: id}) "
        "RETURN n } RETURN n.id AS id, n.version AS version, n.status AS status, n.origin_platform AS origin, "
        "count { (n)-->(:Subject) } AS subjects", {"ids": ids})
    return {row["id"]: row for row in rows}


# --- pushed batches -------------------------------------------------------------------------------

async def test_a_pushed_batch_applies_once_and_again_changes_nothing(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    items = [record(1), record(2), record(3), evaluation(1)]
    first = (await push(http, city_settings, signed_batch(items)))["data"]["pushChanges"]
    assert (first["applied"], first["unchanged"], first["deadLetters"]) == (4, 0, [])
    again = (await push(http, city_settings, signed_batch(items)))["data"]["pushChanges"]
    assert (again["applied"], again["unchanged"]) == (0, 4)
    stored = await held(city, [i["id"] for i in items])
    assert len(stored) == 4
    assert all(row["version"] == 1 and row["origin"] == COUNTY and row["subjects"] == 1 for row in stored.values())
    subject = await city.gateway.run("MATCH (s:Subject {uscc: $c}) RETURN s.name AS name", {"c": uscc(700_001)})
    assert subject == [{"name": "同步测试1有限公司"}]  # an unknown subject is created from the item


async def test_the_newest_version_from_the_issuer_wins(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    await push(http, city_settings, signed_batch([record(10)]))
    repaired = (await push(http, city_settings, signed_batch([record(10, version=2, status="REPAIRED",
                                                                      repaired_on="2026-06-01")])))
    assert repaired["data"]["pushChanges"]["applied"] == 1
    stale = (await push(http, city_settings, signed_batch([record(10, version=1)])))["data"]["pushChanges"]
    assert (stale["applied"], stale["unchanged"]) == (0, 1)
    assert (await held(city, [f"x-{RUN}-r10"]))[f"x-{RUN}-r10"]["status"] == "REPAIRED"

    usurper = (await push(http, city_settings, signed_batch([record(10, version=9, status="ACTIVE",
                                                                     issuer="410425-OTHER")])))
    result = usurper["data"]["pushChanges"]
    assert result["applied"] == 0
    assert result["deadLetters"] == [{"itemId": f"x-{RUN}-r10", "reason": f"x-{RUN}-r10 is held here as issued by "
                                      "410425-SCJG; only its issuing authority changes it"}]
    row = (await held(city, [f"x-{RUN}-r10"]))[f"x-{RUN}-r10"]
    assert (row["version"], row["status"]) == (2, "REPAIRED")


async def test_one_bad_item_is_dead_lettered_and_the_rest_applied(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    good = [record(20), record(21), record(23), record(24)]
    bad = record(22, code=uscc(700_022)[:-1] + ("0" if uscc(700_022)[-1] != "0" else "1"))
    result = (await push(http, city_settings, signed_batch([*good[:2], bad, *good[2:]])))["data"]["pushChanges"]
    assert (result["applied"], result["unchanged"]) == (4, 0)
    [letter] = result["deadLetters"]
    assert letter["itemId"] == f"x-{RUN}-r22"
    assert letter["reason"].startswith("item 2: subject_uscc: invalid unified social credit code")
    assert "check character (position 18)" in letter["reason"]
    assert set(await held(city, [i["id"] for i in [*good, bad]])) == {i["id"] for i in good}

    listed = await gql(http, "query($p: String) { deadLetters(peer: $p) { itemId reason direction item } }",
                       bearer(city_settings, "agency", "平顶山市发展改革委"), p=COUNTY)
    mine = [d for d in listed["data"]["deadLetters"] if d["itemId"] == f"x-{RUN}-r22"]
    assert len(mine) == 1 and mine[0]["direction"] == "RECEIVED" and mine[0]["reason"] == letter["reason"]
    assert orjson.loads(mine[0]["item"])["subject_uscc"] == bad["subject_uscc"]


async def test_a_list_removal_arrives_with_its_date_range_and_over_long_content_is_refused_as_at_entry(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    # issue 11 §1: submitted credit information travels with its provenance and a list entry's dates, and the
    # exchange's field limits are the ones every way in applies (hub.credit_info.limits)
    removal = record(30, kind="SERIOUS_DISHONESTY_LIST", decided_on="2026-01-05", removed_on="2026-06-30",
                     publicity_ends_on="2026-06-29", source_id="SCJG-2026-0042", received_on="2026-01-06")
    long = record(31, content="罚" * (limits.MAX_TEXT + 1))
    receipt = (await push(http, city_settings, signed_batch([removal, long])))["data"]["pushChanges"]
    assert receipt["applied"] == 1 and [d["itemId"] for d in receipt["deadLetters"]] == [long["id"]]
    rows = await city.gateway.run("MATCH (r:Record {id: $i}) RETURN r.decided_on AS on, r.removed_on AS off, "
                                  "r.source_id AS source, r.received_on AS received", {"i": removal["id"]})
    assert [(str(r["on"]), str(r["off"]), r["source"], str(r["received"])) for r in rows] == [
        ("2026-01-05", "2026-06-30", "SCJG-2026-0042", "2026-01-06")]


async def test_items_missing_fields_or_with_unknown_values_are_dead_lettered_by_name(
        http: httpx.AsyncClient, city_settings: Settings) -> None:
    no_version = {k: v for k, v in record(30).items() if k != "version"}
    odd_kind = record(31, kind="GOSSIP")
    naive_time = {**evaluation(32), "evaluated_at": "2026-03-05T10:00:00"}
    result = (await push(http, city_settings, signed_batch([no_version, odd_kind, naive_time, record(33)])))
    receipt = result["data"]["pushChanges"]
    assert receipt["applied"] == 1
    reasons = {d["itemId"]: d["reason"] for d in receipt["deadLetters"]}
    assert reasons[f"x-{RUN}-r30"] == "item 0: version: Field required"
    assert reasons[f"x-{RUN}-r31"].startswith("item 1: kind: Input should be 'ADMINISTRATIVE_LICENSE'")
    assert reasons[f"x-{RUN}-e32"] == "item 2: evaluated_at: Input should have timezone info"


async def test_a_tampered_batch_is_refused_whole(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    items = [record(40), record(41, severity="SERIOUS")]
    header, payload, signature = signed_batch(items).split(".")
    altered = _b64(_unb64(payload).replace(b'"SERIOUS"', b'"MINOR"'))  # a relay softens a penalty
    body = await push(http, city_settings, f"{header}.{altered}.{signature}")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BATCH_REFUSED"
    assert "does not verify with henan-jiaxian's key" in error["message"]
    assert body["data"] == {"pushChanges": None}
    assert await held(city, [i["id"] for i in items]) == {}


async def test_batches_for_another_hub_or_under_another_signature_are_refused(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    elsewhere = await push(http, city_settings, signed_batch([record(50)], recipient="henan-luoyang"))
    assert elsewhere["errors"][0]["extensions"]["code"] == "BATCH_REFUSED"
    assert "addressed to 'henan-luoyang'" in elsewhere["errors"][0]["message"]
    forged = await push(http, city_settings, signed_batch([record(51)], key=generate_key_text()))
    assert forged["errors"][0]["extensions"]["code"] == "BATCH_REFUSED"
    as_parent = await push(http, city_settings, signed_batch([record(52)], sender=PROVINCE), org=COUNTY)
    assert "signed by 'henan-province', which is not a registered peer" in as_parent["errors"][0]["message"]
    garbage = await push(http, city_settings, "not-a-jws")
    assert "not a compact JWS" in garbage["errors"][0]["message"]
    assert await held(city, [f"x-{RUN}-r{n}" for n in (50, 51, 52)]) == {}


async def test_a_parent_may_push_only_public_evaluations_down(
        http: httpx.AsyncClient, city_settings: Settings) -> None:
    down = [evaluation(60, origin=PROVINCE, level="province"),
            evaluation(61, origin=PROVINCE, level="province", disclosure="INTERNAL"), record(62)]
    receipt = (await push(http, city_settings, signed_batch(down, sender=PROVINCE, scope="DOWN"),
                          org=PROVINCE))["data"]["pushChanges"]
    assert receipt["applied"] == 1
    reasons = {d["itemId"]: d["reason"] for d in receipt["deadLetters"]}
    assert set(reasons) == {f"x-{RUN}-e61", f"x-{RUN}-r62"}
    assert "only PUBLIC evaluations" in reasons[f"x-{RUN}-e61"]
    assert "origin_level county is not above this city platform" in reasons[f"x-{RUN}-r62"]
    upward = await push(http, city_settings, signed_batch([record(63)], sender=PROVINCE, scope="UP"), org=PROVINCE)
    assert "may push DOWN batches, not UP" in upward["errors"][0]["message"]


async def test_a_busy_hub_asks_the_sender_to_come_back(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    async with city.exchange._slots:  # the one batch slot is taken (HUB_MAX_CONCURRENT_BATCHES=1)
        body = await push(http, city_settings, signed_batch([record(70)]))
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BUSY", "messageZh": MESSAGE_ZH["BUSY"], "retryAfter": 1.0}
    assert (await push(http, city_settings, signed_batch([record(70)])))["data"]["pushChanges"]["applied"] == 1


# --- who may exchange -----------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "org"), [("public", None), ("bank", "中原银行"), ("agency", "平顶山市市场监管局"),
                                           ("admin", "平顶山市信用办")])
async def test_only_platform_tokens_reach_the_exchange(
        http: httpx.AsyncClient, city_settings: Settings, role: str, org: str | None) -> None:
    headers = bearer(city_settings, role, org) if role != "public" else {}
    feed = await gql(http, "{ changes(scope: UP, first: 10) { count } }", headers)
    pushed = await gql(http, PUSH, headers, b=signed_batch([record(80)]))
    for body in (feed, pushed):
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # ChangeScope serves only the feed: to everyone else it is no type at all (schema.visibility)
    named = await http.post("/graphql", headers=headers, json={"query": CHANGES, "variables": {"s": "UP", "f": 10}})
    assert named.status_code == 400 and named.json()["errors"][0]["message"].startswith("Unknown type 'ChangeScope'.")


async def test_a_platform_that_is_not_a_peer_or_asks_the_wrong_feed_is_forbidden(
        http: httpx.AsyncClient, city_settings: Settings) -> None:
    stranger = await gql(http, CHANGES, bearer(city_settings, "platform", "henan-luoyang"), s="UP", a=None, f=10)
    assert stranger["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "'henan-luoyang' is not a peer of this hub" in stranger["errors"][0]["message"]
    child_up = await gql(http, CHANGES, bearer(city_settings, "platform", COUNTY), s="UP", a=None, f=10)
    assert "the upward feed is for our parent only" in child_up["errors"][0]["message"]
    parent_down = await gql(http, CHANGES, bearer(city_settings, "platform", PROVINCE), s="DOWN", a=None, f=10)
    assert "the downward feed is for our child only" in parent_down["errors"][0]["message"]


# --- the change feed ------------------------------------------------------------------------------

async def read_feed(http: httpx.AsyncClient, settings: Settings, scope: str, after: str | None, first: int,
                    org: str) -> tuple[list[dict[str, Any]], str]:
    """Every page from ``after`` until an empty one; each verified with the hub's published key."""
    me = await gql(http, "{ platform { id level region publicKey } }", {})
    key = public_key_from_text(me["data"]["platform"]["publicKey"])
    items: list[dict[str, Any]] = []
    while True:
        page = (await gql(http, CHANGES, bearer(settings, "platform", org), s=scope, a=after, f=first))["data"]
        opened = orjson.loads(open_signed(page["changes"]["signed"], {CITY: key}).payload)
        assert opened["recipient"] == org and opened["after"] == (after or "0") and opened["scope"] == scope
        assert len(opened["items"]) <= first
        items += opened["items"]
        after = opened["cursor"]
        if not opened["items"]:
            return items, after


async def test_the_upward_feed_pages_in_order_and_resumes_from_its_cursor(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    codes = [uscc(710_000 + n, region="410400") for n in range(6)]
    for code in codes:
        await add_subject(city, code)
    ids = [f"f-{RUN}-{n}" for n in range(30)]
    for n, record_id in enumerate(ids):
        await add_record(city, codes[n % 6], record_id, kind="ADMINISTRATIVE_LICENSE", disclosure="PUBLIC")
    items, cursor = await read_feed(http, city_settings, "UP", None, 7, PROVINCE)
    mine = [i for i in items if i["id"] in ids]
    assert sorted(i["id"] for i in mine) == sorted(ids)  # each exactly once
    assert all(i["origin_platform"] == CITY and i["origin_level"] == "city" and i["version"] == 1 for i in mine)

    more = [f"f-{RUN}-{n}" for n in range(30, 35)]
    for record_id in more:
        await add_record(city, codes[0], record_id, kind="ADMINISTRATIVE_LICENSE", disclosure="PUBLIC")
    await city.set_record_status(ids[3], RecordStatus.WITHDRAWN, CREDIT_OFFICE)  # the platform's own record
    await add_record(city, codes[4], ids[4], kind="ADMINISTRATIVE_LICENSE", disclosure="PUBLIC")  # unchanged row
    resumed, _ = await read_feed(http, city_settings, "UP", cursor, 4, PROVINCE)
    got = {i["id"]: i for i in resumed if i["id"].startswith(f"f-{RUN}-")}
    assert set(got) == {*more, ids[3]}
    assert (got[ids[3]]["status"], got[ids[3]]["version"]) == ("WITHDRAWN", 2)


async def test_the_feeds_respect_their_scope(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    code = uscc(720_000, region="410400")
    await add_subject(city, code)
    await add_evaluation(city, code, f"d-{RUN}-public", scheme="henan-public-credit", grade="良", disclosure="PUBLIC")
    await add_evaluation(city, code, f"d-{RUN}-internal", scheme="henan-market-risk", grade="B", disclosure="INTERNAL")
    await push(http, city_settings, signed_batch([evaluation(90)]))  # a county's public evaluation
    await push(http, city_settings, signed_batch([evaluation(91, origin=PROVINCE, level="province")],
                                                 sender=PROVINCE, scope="DOWN"), org=PROVINCE)

    down, _ = await read_feed(http, city_settings, "DOWN", None, 50, COUNTY)
    down_ids = {i["id"] for i in down}
    assert {f"d-{RUN}-public", f"x-{RUN}-e91"} <= down_ids  # made here or above
    assert not {f"d-{RUN}-internal", f"x-{RUN}-e90"} & down_ids  # internal, or from below
    assert all(i["type"] == "EVALUATION" and i["disclosure"] == "PUBLIC" for i in down)

    up, _ = await read_feed(http, city_settings, "UP", None, 500, PROVINCE)
    up_ids = {i["id"] for i in up}
    assert {f"d-{RUN}-public", f"d-{RUN}-internal", f"x-{RUN}-e90"} <= up_ids  # every tier goes up
    assert f"x-{RUN}-e91" not in up_ids  # what came down is not sent back up


async def test_a_cursor_the_hub_did_not_give_out_is_bad_input(
        http: httpx.AsyncClient, city_settings: Settings) -> None:
    body = await gql(http, CHANGES, bearer(city_settings, "platform", PROVINCE), s="UP", a="abc", f=10)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    too_many = await gql(http, CHANGES, bearer(city_settings, "platform", PROVINCE), s="UP", a=None, f=50_000)
    assert "first must be between 1 and 5000" in too_many["errors"][0]["message"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_peers_files_name_their_mistakes_by_line(tmp_path: Path) -> None:
    from hub.exchange.peers import PeersFileError, load_peers

    bad = tmp_path / "peers.yaml"
    bad.write_text(f"peers:\n  - id: a\n    relation: sibling\n    url: http://x\n    public_key: {_public(CITY)}\n")
    with pytest.raises(PeersFileError, match=r"peers\.yaml line 3: peer a: relation must be child or parent"):
        load_peers(bad)
    bad.write_text("peers:\n  - id: a\n    relation: child\n    url: http://x\n    public_key: c2hvcnQ\n")
    with pytest.raises(PeersFileError, match="line 5: peer a: public_key must be 32 bytes"):
        load_peers(bad)


async def test_a_child_cannot_pass_an_item_off_as_the_provinces(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    forged = evaluation(100, origin=PROVINCE, level="province")  # it would then flow down to other counties
    receipt = (await push(http, city_settings, signed_batch([forged, record(101)])))["data"]["pushChanges"]
    assert receipt["applied"] == 1
    [letter] = receipt["deadLetters"]
    assert letter["itemId"] == f"x-{RUN}-e100"
    assert "origin_level province is not below this city platform" in letter["reason"]


def test_a_pulled_page_must_be_the_one_asked_for(city: CreditHub) -> None:
    from hub.exchange.signing import BatchRefused

    province = city.exchange.peers.by_id[PROVINCE]
    down = signed_batch([evaluation(110, origin=PROVINCE, level="province")], sender=PROVINCE, scope="DOWN")
    with pytest.raises(BatchRefused, match="asked for the UP feed but the signed batch is DOWN"):
        city.exchange.open(province, down, after="0", scope=Scope.UP)
    with pytest.raises(BatchRefused, match="a replayed or substituted page"):
        city.exchange.open(province, down, after="42", scope=Scope.DOWN)
    assert city.exchange.open(province, down, after=None, scope=Scope.DOWN).items[0]["id"] == f"x-{RUN}-e110"


async def test_only_the_parent_acknowledges_our_feed(http: httpx.AsyncClient, city_settings: Settings) -> None:
    ack = 'mutation($u: String!) { acknowledgeChanges(upTo: $u) }'
    child = await gql(http, ack, bearer(city_settings, "platform", COUNTY), u="5")
    assert "only our parent acknowledges our feed" in child["errors"][0]["message"]
    parent = await gql(http, ack, bearer(city_settings, "platform", PROVINCE), u="5")
    assert parent["data"]["acknowledgeChanges"] == 0  # no repair is waiting for delivery
    bank = await gql(http, ack, bearer(city_settings, "bank", "中原银行"), u="5")
    assert bank["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_objections_and_repairs_go_to_the_platform_an_item_was_issued_through(
        http: httpx.AsyncClient, city_settings: Settings) -> None:
    """seed 000 §四.(二)(三): the issuing unit decides; a copy here would fork the item's versions."""
    old = record(120, decided_on="2024-06-03", publicity_ends_on="2027-06-03")
    await push(http, city_settings, signed_batch([old]))
    agency = bearer(city_settings, "agency", "平顶山市市场监管局")
    repair = await gql(http, 'mutation($r: ID!) { applyForCreditRepair(recordId: $r, statement: "已整改") { id } }',
                       agency, r=old["id"])
    objection = await gql(http, 'mutation($t: ID!) { fileObjection(targetId: $t, reason: "处罚对象有误") { id } }',
                          agency, t=old["id"])
    for body, action in ((repair, "apply for its repair"), (objection, "file the objection")):
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"] == (f"{old['id']} was issued through the {COUNTY} platform, which decides on it; "
                                    f"{action} there — its decision reaches this hub ({CITY}) by sync")


async def test_a_peer_platform_does_not_record_or_withdraw_consents_here(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    """A peer's platform token is for the exchange: a subject's 授权书 is kept (and recorded) by its own
    platform or the credit office (SPEC §4; hub.authority), so a peer's grant or revocation is refused."""
    code = uscc(700_500)
    await add_subject(city, code)
    await register_bank(city, "同步测试银行")
    grant = """mutation($u: String!, $e: DateTime!) { grantConsent(uscc: $u, grantee: "同步测试银行",
                 purpose: "信易贷", expiresAt: $e) { id } }"""
    expires = (clock.now() + timedelta(days=30)).isoformat()
    for peer in (COUNTY, PROVINCE):
        body = await gql(http, grant, bearer(city_settings, "platform", peer), u=code, e=expires)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert f"platform {peer} is a peer platform" in body["errors"][0]["message"]
    own = await gql(http, grant, bearer(city_settings, "platform", "平顶山市公共信用信息平台"), u=code, e=expires)
    consent_id = own["data"]["grantConsent"]["id"]
    revoke = "mutation($i: ID!) { revokeConsent(id: $i) { active } }"
    refused = await gql(http, revoke, bearer(city_settings, "platform", COUNTY), i=consent_id)
    assert "is a peer platform" in refused["errors"][0]["message"]
    assert (await gql(http, revoke, bearer(city_settings, "admin", "平顶山市信用办"), i=consent_id))["data"][
        "revokeConsent"]["active"] is False


def test_a_malformed_setting_is_named_without_a_traceback() -> None:
    import os
    import subprocess
    import sys

    hub = str(Path(sys.executable).with_name("hub"))
    result = subprocess.run([hub, "sync", "run"], env={**os.environ, "HUB_SYNC_PAGE_SIZE": "9000"},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: HUB_SYNC_PAGE_SIZE: must be "
                                     "1..5000 (a peer serves at most 5000), got 9000")


async def test_a_platform_reading_the_feed_is_audited_with_the_subjects_it_served(
        http: httpx.AsyncClient, city_settings: Settings, city: CreditHub) -> None:
    code = uscc(712_000, region="410400")
    await add_subject(city, code)
    await add_record(city, code, f"aud-{RUN}", kind="ADMINISTRATIVE_PENALTY", disclosure="INTERNAL")
    before = await city.gateway.run("MATCH (a:AuditHead) RETURN a.seq AS seq")
    after_seq = before[0]["seq"] if before else 0
    items, _ = await read_feed(http, city_settings, "UP", None, 1000, PROVINCE)
    served = sorted({i["subject_uscc"] for i in items if i["subject_uscc"]})  # a reporting tally names none
    assert code in served
    rows = await city.gateway.run(
        "MATCH (a:AuditEntry) WHERE a.seq > $after AND a.actor = $actor RETURN a { .* } AS a ORDER BY a.seq",
        {"after": after_seq, "actor": f"platform:{PROVINCE}"})
    reads = [r["a"] for r in rows if r["a"]["action"] == "read" and "Query.changes(UP)" in r["a"]["detail"]]
    assert reads and all(r["tier"] == "INTERNAL" for r in reads)
    named = {c for r in reads for c in r["detail"].split(": ", 1)[1].split(", ") if c}
    assert named == set(served)  # every subject whose items left, and no other
