"""Several hub processes on one Neo4j: two replicas — one of them `hub serve --workers 2` — take
concurrent audited reads (a bank with consent), writes (consents granted), change-feed pages (the
sequencer numbering records added meanwhile) and anonymous refusals. Afterwards `hub audit verify`
passes with exactly one entry per audited request, and the feed, read from the start, holds every
record once, with no number given twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from hub import clock
from hub.db.server import Neo4jCredentials
from hub.exchange import levels
from hub.exchange.signing import generate_key_text, private_key_from_text, public_key_text
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import DATA_KEY, JWT_SECRET, add_record, add_subject, bearer, register_bank, uscc
from tests.loopback import free_port, wait_ready

CITY, PROVINCE = "henan-pingdingshan", "henan-province"
CITY_KEY, PROVINCE_KEY = generate_key_text(), generate_key_text()
BANK = "复本测试银行"
CODES = [uscc(960_000 + n, region="410400") for n in range(8)]
CHANGES = "query($a: String) { changes(scope: UP, after: $a, first: 50) { signed cursor count hasMore } }"


def _environment(credentials: Neo4jCredentials, folder: Path, port: int) -> dict[str, str]:
    peers = folder / "peers.yaml"
    peers.write_text(f"peers:\n  - id: {PROVINCE}\n    relation: parent\n    url: http://127.0.0.1:1\n"
                     f"    public_key: {public_key_text(private_key_from_text(PROVINCE_KEY))}\n")
    return {**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
            "NEO4J_PASSWORD": credentials.password, "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY,
            # a crowd from one client on a busy machine: no rate limit, and requests wait their turn
            "HUB_RATE_LIMIT_PUBLIC": "0", "HUB_RATE_LIMIT_BANK": "0", "HUB_QUEUE_TIMEOUT": "60",
            "HUB_MAX_QUEUED_REQUESTS": "1000",
            # the feed is read from its start: in the full suite it holds every module's writes
            "HUB_REQUEST_TIMEOUT": "300",
            # the feed is counted item by item: no warning engine adding WARNING items to it meanwhile
            "HUB_WARNINGS": "false",
            "HUB_PORT": str(port), "HUB_STATE_DIR": str(folder), "HUB_PLATFORM_ID": CITY, "HUB_LEVEL": "city",
            "HUB_REGION": "410400", "HUB_PEERS_FILE": str(peers), "HUB_SIGNING_KEY": CITY_KEY,
            "HUB_LOG_LEVEL": "WARNING"}


@pytest.fixture
async def replicas(neo4j_credentials: Neo4jCredentials, hub: CreditHub,
                   tmp_path: Path) -> AsyncIterator[list[str]]:
    await hub.gateway.run("MATCH (n) WHERE n:AuditEntry OR n:AuditHead DETACH DELETE n", write=True)
    for code in CODES:
        await add_subject(hub, code)
    await register_bank(hub, BANK)
    command = str(Path(sys.executable).with_name("hub"))
    processes: list[asyncio.subprocess.Process] = []
    bases = []
    for workers in ("2", "1"):
        port = free_port()
        processes.append(await asyncio.create_subprocess_exec(
            command, "serve", "--workers", workers, env=_environment(neo4j_credentials, tmp_path, port),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            start_new_session=True))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base, process in zip(bases, processes, strict=True):
            await wait_ready(base, 90, lambda process=process: process.returncode)  # type: ignore[misc]
        yield bases
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
            assert process.returncode in (0, -signal.SIGTERM), stderr.decode()[-2000:]


async def _post(client: httpx.AsyncClient, base: str, query: str, headers: dict[str, str],
                **variables: Any) -> dict[str, Any]:
    response = await client.post(f"{base}/graphql", json={"query": query, "variables": variables},
                                 headers=headers, timeout=600)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_two_hub_processes_keep_one_audit_chain_and_one_feed(
        replicas: list[str], settings: Settings, hub: CreditHub, neo4j_credentials: Neo4jCredentials,
        tmp_path: Path) -> None:
    admin, bank = bearer(settings, "admin", "郏县信用办"), bearer(settings, "bank", BANK)
    platform = bearer(settings, "platform", PROVINCE)
    expires = (clock.now() + timedelta(days=5)).isoformat()
    audited = 0
    async with httpx.AsyncClient() as client:
        async def grant(n: int) -> None:
            body = await _post(client, replicas[n % 2], """mutation($u: String!, $e: DateTime!) {
                grantConsent(uscc: $u, grantee: "复本测试银行", purpose: "信易贷", expiresAt: $e) { id } }""",
                               admin, u=CODES[n % len(CODES)], e=expires)
            assert "errors" not in body, body

        await asyncio.gather(*(grant(n) for n in range(len(CODES))))
        audited += len(CODES)

        async def bank_read(n: int) -> None:
            body = await _post(client, replicas[n % 2], "query($u: String!) { subject(uscc: $u) { "
                               "legalRepresentative { name } records { id } } }", bank, u=CODES[n % len(CODES)])
            assert "errors" not in body, body

        async def anonymous_refusal(n: int) -> None:
            body = await _post(client, replicas[n % 2], "query($u: String!) { subject(uscc: $u) { "
                               "riskClassification { grade } } }", {}, u=CODES[n % len(CODES)])
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

        record_ids: list[str] = []

        async def writer() -> None:
            for n in range(40):
                record_id = f"replica-{tmp_path.name}-{n}"
                await add_record(hub, CODES[n % len(CODES)], record_id, kind="ADMINISTRATIVE_LICENSE",
                                 disclosure="PUBLIC")
                record_ids.append(record_id)
                await asyncio.sleep(0.02)

        feed_pages = 0

        async def feed_reader(which: int) -> None:
            nonlocal feed_pages
            after = None
            for _ in range(12):
                body = await _post(client, replicas[which], CHANGES, platform, a=after)
                assert "errors" not in body, body
                after = body["data"]["changes"]["cursor"]
                feed_pages += 1
                await asyncio.sleep(0.05)

        await asyncio.gather(writer(), feed_reader(0), feed_reader(1),
                             *(bank_read(n) for n in range(60)), *(anonymous_refusal(n) for n in range(20)))
        audited += 60 + 20 + feed_pages  # a read each; a refusal each (anonymous: one per request); a page each

        # the feed from the start, through both replicas in turn: every record once, no number twice
        seen: set[str] = set()
        after, turn = None, 0
        while True:
            body = await _post(client, replicas[turn % 2], CHANGES, platform, a=after)
            page = (body.get("data") or {}).get("changes")
            assert page is not None, body.get("errors")
            items = orjson.loads(_payload(page["signed"]))["items"]
            for item in items:
                assert item["id"] not in seen, f"{item['id']} served twice"
                seen.add(item["id"])
            after, turn = page["cursor"], turn + 1
            audited += 1
            if not items:
                break
    assert set(record_ids) <= seen
    numbered = await hub.gateway.run(
        "MATCH (n) WHERE (n:Record OR n:Evaluation OR n:Warning OR n:ReportingTally) AND n.seq IS NOT NULL "
            "RETURN n.id AS id, "
        "n.seq AS seq, "
        "n.origin_level AS level")
    upward = {row["id"] for row in numbered if row["level"] in levels.up_to("city")}
    assert upward == seen  # no item skipped by the pages
    assert len({row["seq"] for row in numbered}) == len(numbered)  # no number given to two items

    for _ in range(100):  # refusals are queued by the hub that took them: let them land
        rows = await hub.gateway.run("MATCH (h:AuditHead {name: 'main'}) RETURN h.seq AS seq")
        if rows and rows[0]["seq"] >= audited:
            break
        await asyncio.sleep(0.2)
    verify = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("hub")), "audit", "verify", env=_environment(neo4j_credentials, tmp_path, 1),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(verify.communicate(), timeout=120)
    assert verify.returncode == 0, (out + err).decode()
    assert f"intact: {audited} entries" in out.decode()


def _payload(signed: str) -> bytes:
    import base64

    segment = signed.split(".")[1]
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
