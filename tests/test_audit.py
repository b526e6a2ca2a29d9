"""The audit log: non-public reads and writes are chained; `hub audit verify` finds tampering."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
from dataclasses import asdict
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from hub import clock
from hub.audit import GENESIS, AuditEvent, entry_hash
from hub.db.gateway import counting
from hub.db.server import Neo4jCredentials
from hub.keyring import key_id
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import (
    AUDIT_KEY,
    JWT_SECRET,
    add_record,
    add_subject,
    bearer,
    cli_env,
    hub_command,
    read_deny_list_now,
    register_bank,
    resident_id,
    uscc,
)

SUBJECT = uscc(400)


@pytest.fixture(autouse=True)
async def fresh_chain(hub: CreditHub) -> None:
    await hub.gateway.run("MATCH (n) WHERE n:AuditEntry OR n:AuditHead DETACH DELETE n", write=True)
    await add_subject(hub, SUBJECT, person_id=resident_id(400))
    await register_bank(hub, "审计银行")


async def entries(hub: CreditHub) -> list[dict[str, object]]:
    rows = await hub.gateway.run("MATCH (a:AuditEntry) RETURN a { .* } AS a ORDER BY a.seq")
    return [row["a"] for row in rows]


def verify_command(credentials: Neo4jCredentials, **env: str) -> subprocess.CompletedProcess[str]:
    return hub_command("audit", "verify", env=cli_env(credentials, **env))


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
    assert (await hub.audit_log.verify()).ok


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
    report = await hub.audit_log.verify()
    assert not report.ok and report.broken_at == 2 and "missing" in report.problem

    await hub.gateway.run("MATCH (a:AuditEntry) WHERE a.seq >= 2 DELETE a", write=True)
    truncated = await hub.audit_log.verify()
    assert not truncated.ok and "removed from the end" in truncated.problem


# --- the audit key: its own ring, a key id on every entry -----------------------------------------------

NEW_AUDIT_KEY = "rotated-audit-key-" + "r" * 40


async def read_as(client: httpx.AsyncClient, settings: Settings, times: int) -> None:
    agency = bearer(settings, "agency", "县市场监管局")
    for _ in range(times):
        await client.post("/graphql", headers=agency, json={
            "query": f'{{ subject(uscc: "{SUBJECT}") {{ legalRepresentative {{ idNumber }} }} }}'})


async def test_every_entry_names_its_key_and_old_entries_verify_after_a_rotation(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub,
        neo4j_credentials: Neo4jCredentials) -> None:
    await read_as(client, settings, 2)
    old_kid = hub.audit_log.key_id
    assert old_kid == key_id("audit", AUDIT_KEY)
    assert {e["key_id"] for e in await entries(hub)} == {old_kid}

    rotated = {"HUB_AUDIT_KEY": NEW_AUDIT_KEY, "HUB_AUDIT_PREVIOUS_KEYS": AUDIT_KEY}
    after = CreditHub(settings.model_copy(update={"audit_key": SecretStr(NEW_AUDIT_KEY),
                                                      "audit_previous_keys": SecretStr(AUDIT_KEY)}),
                      hub.gateway)
    await after.audit([AuditEvent(action="write", actor="test", role="admin", subject_uscc=None, detail="after")])
    logged = await entries(hub)
    assert [e["key_id"] for e in logged] == [old_kid, old_kid, key_id("audit", NEW_AUDIT_KEY)]
    assert (await after.audit_log.verify()).ok
    intact = verify_command(neo4j_credentials, **rotated)
    assert intact.returncode == 0 and "intact: 3 entries" in intact.stdout, intact.stdout + intact.stderr

    forgotten = verify_command(neo4j_credentials, HUB_AUDIT_KEY=NEW_AUDIT_KEY)  # the old key dropped
    assert forgotten.returncode == 1
    assert f"BROKEN at entry 1: it was made with audit key {old_kid}, which this hub does not hold" in forgotten.stdout


async def test_the_audit_key_is_not_the_token_key(client: httpx.AsyncClient, settings: Settings,
                                                  hub: CreditHub, neo4j_credentials: Neo4jCredentials) -> None:
    """Rotating the token secret (even dropping the old one) leaves the audit chain verifiable."""
    await read_as(client, settings, 2)
    other_token_key = verify_command(neo4j_credentials, HUB_JWT_SECRET="another-token-secret-" + "t" * 40)
    assert other_token_key.returncode == 0 and "intact: 2 entries" in other_token_key.stdout
    assert hub.audit_log.key_id != key_id("audit", JWT_SECRET)


async def test_entries_from_before_key_ids_verify_with_the_token_secret_they_were_keyed_with(
        hub: CreditHub, neo4j_credentials: Neo4jCredentials) -> None:
    """The chain before this change: HMAC keyed with SHA-256("audit|" + token secret), no key id."""
    legacy_key = hashlib.sha256(("audit|" + JWT_SECRET).encode()).digest()
    event = AuditEvent(action="write", actor="admin:old", role="admin", subject_uscc=None, detail="old",
                       at="2026-01-05T09:00:00+08:00")
    digest = entry_hash(legacy_key, 1, GENESIS, event)
    await hub.gateway.run("CREATE (a:AuditEntry) SET a = $row MERGE (h:AuditHead {name: 'main'}) "
                          "SET h.seq = 1, h.hash = $hash",
                          {"row": {"seq": 1, "prev_hash": GENESIS, "hash": digest, **{
                              k: v for k, v in asdict(event).items() if v is not None}}, "hash": digest}, write=True)
    await hub.audit([AuditEvent(action="write", actor="test", role="admin", subject_uscc=None, detail="new")])
    assert (await hub.audit_log.verify()).ok
    report = verify_command(neo4j_credentials)
    assert report.returncode == 0 and "intact: 2 entries" in report.stdout
    await hub.gateway.run("MATCH (a:AuditEntry {seq: 1}) SET a.detail = 'rewritten'", write=True)
    assert "BROKEN at entry 1" in verify_command(neo4j_credentials).stdout


async def test_concurrent_requests_share_append_transactions_and_the_chain_stays_whole(
        hub: CreditHub) -> None:
    from hub.audit import AuditEvent
    from hub.audit_log import AuditLog

    def event(n: int) -> AuditEvent:
        return AuditEvent(action="read", actor=f"bank:群组{n % 3}", role="bank", subject_uscc=SUBJECT,
                          tier="AUTHORIZED", detail=f"request {n}")

    # Two writers on one database stand for two hub processes: each chains after the head it
    # wrote last, finds the other moved it, and takes the locked path.
    other = AuditLog(hub.gateway, hub.audit_log.keys)
    before = hub.audit_log.batches
    await asyncio.gather(*(
        (hub.audit_log if n % 2 else other).append([event(n), event(n + 1000)]) for n in range(60)))
    logged = await entries(hub)
    assert len(logged) == 120 and [e["seq"] for e in logged] == list(range(1, 121))
    # a request's entries are contiguous: written in one batch, in its order
    by_request = {str(e["detail"]): int(str(e["seq"])) for e in logged}
    assert all(by_request[f"request {n + 1000}"] == by_request[f"request {n}"] + 1 for n in range(60))
    assert hub.audit_log.batches - before < 30  # 30 requests of this process, fewer transactions
    assert (await hub.audit_log.verify()).ok


async def test_refusals_nobody_waits_for_gather_into_one_transaction(hub: CreditHub) -> None:
    from hub.audit_log import AuditLog

    def refusal(n: int) -> AuditEvent:
        return AuditEvent(action="denied", actor="public", role="public", subject_uscc=None, tier="PUBLIC",
                          detail=f"Subject.legalRepresentative on 1 subjects: refusal {n}")

    log = AuditLog(hub.gateway, hub.audit_log.keys, gather_s=60)
    for n in range(10):  # ten anonymous requests, each submitting while the earlier ones' wait goes on
        await log.submit([refusal(n)])
        await asyncio.sleep(0.01)
    assert log.batches == 0 and not await entries(hub)  # nobody waits: nothing written yet
    read = AuditEvent(action="read", actor="bank:审计银行", role="bank", subject_uscc=SUBJECT, tier="AUTHORIZED")
    await log.append([read])  # a batch someone waits for takes the gathered refusals along
    assert log.batches == 1
    details = [str(e["detail"]) for e in await entries(hub)]
    assert sorted(details) == sorted(["", *(refusal(n).detail for n in range(10))])  # the read's detail is ""
    await log.submit([refusal(10)])
    await log.drain()  # at shutdown, what is gathering is written at once
    assert log.batches == 2 and len(await entries(hub)) == 12
    assert (await hub.audit_log.verify()).ok


async def test_a_batch_waits_a_moment_for_requests_still_executing_and_a_lone_request_for_nothing(
        hub: CreditHub) -> None:
    from hub.audit_log import AuditLog

    def read(n: int) -> AuditEvent:
        return AuditEvent(action="read", actor="bank:审计银行", role="bank", subject_uscc=SUBJECT,
                          tier="AUTHORIZED", detail=f"request {n}")

    async def request(log: AuditLog, n: int, executing: asyncio.Event) -> None:
        with log.expecting():  # as hub.web runs a bank's query: its entries follow when it is done
            await executing.wait()
        await log.append([read(n)])

    log = AuditLog(hub.gateway, hub.audit_log.keys, commit_delay_s=60)
    await log.append([read(0)])  # no request executing: written at once, whatever the delay
    assert log.batches == 1

    # a request appends while a sibling still executes: its batch waits for the sibling's entries
    sibling_done = asyncio.Event()
    sibling = asyncio.create_task(request(log, 2, sibling_done))
    first = asyncio.create_task(log.append([read(1)]))
    await asyncio.sleep(0.05)
    assert not first.done() and log.batches == 1  # waiting for the sibling, nothing written yet
    sibling_done.set()
    await asyncio.gather(first, sibling)
    assert log.batches == 2 and log.entries == 3  # both requests' entries in one transaction

    # the wait is bounded: a sibling still executing after the delay does not hold the batch
    quick = AuditLog(hub.gateway, hub.audit_log.keys, commit_delay_s=0.01)
    slow_done = asyncio.Event()
    slow = asyncio.create_task(request(quick, 4, slow_done))
    await quick.append([read(3)])  # returns while the sibling still executes
    assert not slow.done() and quick.batches == 1
    slow_done.set()
    await slow
    assert quick.batches == 2
    details = [str(e["detail"]) for e in await entries(hub)]
    assert details == [f"request {n}" for n in range(5)]
    assert (await hub.audit_log.verify()).ok


async def test_an_anonymous_request_appends_one_entry_however_many_subjects_it_names(
        client: httpx.AsyncClient, hub: CreditHub) -> None:
    codes = [uscc(400 + n) for n in range(1, 6)]
    for code in codes:
        await add_subject(hub, code)
    refused = "legalRepresentative { name } riskClassification { grade }"
    aliases = " ".join(f'n{n}: subject(uscc: "{code}") {{ {refused} }}' for n, code in enumerate(codes))
    body = (await client.post("/graphql", json={"query": f"{{ {aliases} }}"})).json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"} and len(body["errors"]) == 10
    await hub.audit_log.drain()  # an anonymous refusal is queued, not waited for
    [denied] = await entries(hub)
    assert (denied["action"], denied["actor"], denied.get("subject_uscc")) == ("denied", "public", None)
    assert "Subject.legalRepresentative" in str(denied["detail"]) and "Subject.riskClassification" in str(
        denied["detail"])
    assert all(code in str(denied["detail"]) for code in codes)
    assert (await hub.audit_log.verify()).ok


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


async def test_a_mutation_wakes_the_warning_engine_and_a_read_does_not(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub, monkeypatch: pytest.MonkeyPatch) -> None:
    # its warnings now, not at the engine's next poll (hub/app.py: decided before the request lets go of its
    # context, whose list of writes goes with it)
    nudged: list[bool] = []
    monkeypatch.setattr(hub.warnings, "nudge", lambda: nudged.append(True))
    admin = bearer(settings, "admin", "郏县信用办")
    expires = (clock.now() + timedelta(days=5)).isoformat()
    await client.post("/graphql", headers=admin, json={"query": f'{{ subject(uscc: "{SUBJECT}") {{ name }} }}'})
    assert nudged == []
    granted = await client.post("/graphql", headers=admin, json={"query": f"""mutation {{
        grantConsent(uscc: "{SUBJECT}", grantee: "审计银行", purpose: "信易贷", expiresAt: "{expires}") {{ id }} }}"""})
    assert granted.json()["data"]["grantConsent"]["id"]
    assert nudged == [True]


async def test_a_bank_lookup_is_one_read_and_one_audit_write(client: httpx.AsyncClient, settings: Settings,
                                                             hub: CreditHub) -> None:
    """Issue 15 §6: the statements a request sends, counted at the gateway (hub.db.gateway.counting) —
    the consent is read in the lookup's own statement and the entry goes out with the audit's batch.
    A PUBLIC lookup sends one read and writes nothing."""
    admin, bank = bearer(settings, "admin", "郏县信用办"), bearer(settings, "bank", "审计银行")
    expires = (clock.now() + timedelta(days=5)).isoformat()
    await client.post("/graphql", headers=admin, json={"query": f"""mutation {{
        grantConsent(uscc: "{SUBJECT}", grantee: "审计银行", purpose: "信易贷", expiresAt: "{expires}") {{ id }} }}"""})
    lookup = {"query": f'{{ subject(uscc: "{SUBJECT}") {{ name legalRepresentative {{ name }} records {{ id }} }} }}'}
    public = {"query": f'{{ subject(uscc: "{SUBJECT}") {{ name records {{ id }} }} }}'}
    await client.post("/graphql", headers=bank, json=lookup)  # warm
    await read_deny_list_now(hub)

    with counting() as banked:
        answer = await client.post("/graphql", headers=bank, json=lookup)
    with counting() as anonymous:
        seen = await client.post("/graphql", json=public)

    assert answer.json()["data"]["subject"]["legalRepresentative"] is not None  # the consent let it through
    assert seen.json()["data"]["subject"]["name"]
    assert (banked.reads, banked.writes) == (1, 1)
    assert (anonymous.reads, anonymous.writes) == (1, 0)
    assert [e["action"] for e in await entries(hub)][-1] == "read"
