"""The audit log: non-public reads and writes are chained; `hub audit verify` finds tampering."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

from hub import clock
from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import DATA_KEY, JWT_SECRET, add_record, add_subject, bearer, resident_id, uscc

SUBJECT = uscc(400)


@pytest.fixture(autouse=True)
async def fresh_chain(hub: CreditHub) -> None:
    await hub.gateway.run("MATCH (n) WHERE n:AuditEntry OR n:AuditHead DETACH DELETE n", write=True)
    await add_subject(hub, SUBJECT, person_id=resident_id(400))


async def entries(hub: CreditHub) -> list[dict[str, object]]:
    rows = await hub.gateway.run("MATCH (a:AuditEntry) RETURN a { .* } AS a ORDER BY a.seq")
    return [row["a"] for row in rows]


def verify_command(credentials: Neo4jCredentials) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
           "NEO4J_PASSWORD": credentials.password, "HUB_JWT_SECRET": JWT_SECRET,
           "HUB_DATA_KEY": DATA_KEY}
    hub_command = os.path.join(os.path.dirname(sys.executable), "hub")
    return subprocess.run([hub_command, "audit", "verify"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


async def test_authorized_reads_and_writes_are_audited_with_their_consent(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    admin, bank = bearer(settings, "admin", "郏县信用办"), bearer(settings, "bank", "审计银行")
    expires = (clock.now() + timedelta(days=5)).isoformat()
    granted = await client.post("/graphql", headers=admin, json={"query": f"""mutation {{
        grantConsent(uscc: "{SUBJECT}", grantee: "审计银行", purpose: "信易贷",
                     expiresAt: "{expires}") {{ id }} }}"""})
    consent_id = granted.json()["data"]["grantConsent"]["id"]
    await client.post("/graphql", headers=bank, json={
        "query": f'{{ subject(uscc: "{SUBJECT}") {{ legalRepresentative {{ name }} }} }}'})
    await client.post("/graphql", json={"query": f'{{ subject(uscc: "{SUBJECT}") {{ name }} }}'})

    logged = await entries(hub)
    assert [(e["action"], e["actor"]) for e in logged] == [
        ("write", "admin:郏县信用办"), ("read", "bank:审计银行")]
    read = logged[1]
    assert (read["subject_uscc"], read["tier"], read["consent_id"]) == (SUBJECT, "AUTHORIZED", consent_id)
    assert (await hub.verify_audit()).ok


async def test_refusals_are_audited(client: httpx.AsyncClient, settings: Settings,
                                    hub: CreditHub) -> None:
    await client.post("/graphql", headers=bearer(settings, "bank", "无授权银行"), json={
        "query": f'{{ subject(uscc: "{SUBJECT}") {{ riskClassification {{ grade }} }} }}'})
    [denied] = await entries(hub)
    assert denied["action"] == "denied" and "riskClassification" in str(denied["detail"])


async def test_verify_command_catches_an_edited_entry(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub,
        neo4j_credentials: Neo4jCredentials) -> None:
    agency = bearer(settings, "agency", "县市场监管局")
    for _ in range(3):
        await client.post("/graphql", headers=agency, json={
            "query": f'{{ subject(uscc: "{SUBJECT}") {{ legalRepresentative {{ idNumber }} }} }}'})
    intact = verify_command(neo4j_credentials)
    assert intact.returncode == 0, intact.stderr
    assert "intact: 3 entries" in intact.stdout

    await hub.gateway.run("MATCH (a:AuditEntry {seq: 2}) SET a.actor = 'agency:somebody-else'",
                          write=True)
    broken = verify_command(neo4j_credentials)
    assert broken.returncode == 1
    assert "BROKEN at entry 2" in broken.stdout and "altered" in broken.stdout


async def test_verify_catches_removed_entries(client: httpx.AsyncClient, settings: Settings,
                                              hub: CreditHub) -> None:
    agency = bearer(settings, "agency", "县市场监管局")
    for _ in range(4):
        await client.post("/graphql", headers=agency, json={
            "query": f'{{ subject(uscc: "{SUBJECT}") {{ legalRepresentative {{ idNumber }} }} }}'})
    await hub.gateway.run("MATCH (a:AuditEntry {seq: 2}) DELETE a", write=True)
    report = await hub.verify_audit()
    assert not report.ok and report.broken_at == 2 and "missing" in report.problem

    await hub.gateway.run("MATCH (a:AuditEntry) WHERE a.seq >= 2 DELETE a", write=True)
    truncated = await hub.verify_audit()
    assert not truncated.ok and "removed from the end" in truncated.problem


async def test_concurrent_requests_share_append_transactions_and_the_chain_stays_whole(
        hub: CreditHub) -> None:
    from hub.audit import AuditEvent
    from hub.audit_writer import AuditWriter

    def event(n: int) -> AuditEvent:
        return AuditEvent(action="read", actor=f"bank:群组{n % 3}", role="bank", subject_uscc=SUBJECT,
                          tier="AUTHORIZED", detail=f"request {n}")

    # Two writers on one database stand for two hub processes: each chains after the head it
    # wrote last, finds the other moved it, and takes the locked path.
    other = AuditWriter(hub.gateway, hub.audit_writer.chainer)
    before = hub.audit_writer.batches
    await asyncio.gather(*(
        (hub.audit_writer if n % 2 else other).append([event(n), event(n + 1000)]) for n in range(60)))
    logged = await entries(hub)
    assert len(logged) == 120 and [e["seq"] for e in logged] == list(range(1, 121))
    # a request's entries are contiguous: written in one batch, in its order
    by_request = {str(e["detail"]): int(str(e["seq"])) for e in logged}
    assert all(by_request[f"request {n + 1000}"] == by_request[f"request {n}"] + 1 for n in range(60))
    assert hub.audit_writer.batches - before < 30  # 30 requests of this process, fewer transactions
    assert (await hub.verify_audit()).ok


async def test_an_anonymous_request_appends_one_entry_however_many_subjects_it_names(
        client: httpx.AsyncClient, hub: CreditHub) -> None:
    codes = [uscc(400 + n) for n in range(1, 6)]
    for code in codes:
        await add_subject(hub, code)
    refused = "legalRepresentative { name } riskClassification { grade }"
    aliases = " ".join(f'n{n}: subject(uscc: "{code}") {{ {refused} }}' for n, code in enumerate(codes))
    body = (await client.post("/graphql", json={"query": f"{{ {aliases} }}"})).json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"} and len(body["errors"]) == 10
    await hub.audit_writer.drain()  # an anonymous refusal is queued, not waited for
    [denied] = await entries(hub)
    assert (denied["action"], denied["actor"], denied.get("subject_uscc")) == ("denied", "public", None)
    assert "Subject.legalRepresentative" in str(denied["detail"]) and "Subject.riskClassification" in str(
        denied["detail"])
    assert all(code in str(denied["detail"]) for code in codes)
    assert (await hub.verify_audit()).ok


async def test_an_internal_list_read_names_the_subjects_it_served(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    other = uscc(410)
    await add_subject(hub, other)
    for code in (SUBJECT, other):
        await add_record(hub, code, f"audit-list-{code}", kind="ADMINISTRATIVE_PENALTY", disclosure="PUBLIC")
        filed = await client.post("/graphql", headers=bearer(settings, "platform", "郏县平台"), json={"query": """
            mutation($t: ID!) { fileObjection(targetId: $t, reason: "记录有误") { id } }""",
            "variables": {"t": f"audit-list-{code}"}})
        assert "errors" not in filed.json(), filed.text
    listed = await client.post("/graphql", headers=bearer(settings, "agency", "县市场监管局"),
                               json={"query": "{ objections { id subjectUscc } }"})
    served = {o["subjectUscc"] for o in listed.json()["data"]["objections"]}
    assert {SUBJECT, other} <= served
    [read] = [e for e in await entries(hub) if "Query.objections served" in str(e.get("detail"))]
    assert (read["action"], read["tier"]) == ("read", "INTERNAL")
    assert str(read["detail"]).endswith(", ".join(sorted(served)))
