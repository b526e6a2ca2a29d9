"""/metrics: what an operator watches, served to HUB_METRICS_ALLOW only (issue 13 §4)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub import clock
from hub.app import create_app
from hub.db import feed
from hub.exchange.batch import Checkpoint
from hub.exchange.vocabulary import Direction
from hub.service import CreditHub
from hub.settings import Settings, SettingsError, load_settings
from tests.builders import add_subject, bearer, register_bank, resident_id, uscc

REGION = "410927"  # 台前县: this module's subjects only
SUBJECT = uscc(9100, region=REGION)
PEER = "metrics-test-peer"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> None:
    await add_subject(hub, SUBJECT, person_id=resident_id(9100))
    await register_bank(hub, "指标银行")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return samples(response.text)


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_operations_errors_and_statements_are_counted(client: httpx.AsyncClient, settings: Settings) -> None:
    before = await scrape(client)
    lookup = f'{{ subject(uscc: "{SUBJECT}") {{ name }} }}'
    for query in (lookup, f'query Named {{ me: subject(uscc: "{SUBJECT}") {{ name }} }}',
                  f'{{ ...Q }} fragment Q on Query {{ subject(uscc: "{SUBJECT}") {{ name }} }}'):
        [answer] = (await client.post("/graphql", json={"query": query})).json()["data"].values()
        assert answer["name"]
    await client.post("/graphql", json={"query": f'{{ a: subject(uscc: "{SUBJECT}") {{ name }} b: subjects(first: 1) '
                                                 '{ nodes { uscc } } }'})
    await client.post("/graphql", json={"query": '{ subject(uscc: "not-a-code") { name } }'})  # BAD_USER_INPUT, 200
    await client.post("/graphql", json={"query": "{ subject("})  # a syntax error
    await client.post("/graphql", headers={"Authorization": "Bearer forged"}, json={"query": lookup})
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # aliases, operation names and fragments do not name the operation: the schema's root field does
    assert grew("hub_graphql_operation_seconds_count", operation="query subject") == 4
    assert grew("hub_graphql_operation_seconds_count", operation="query (several)") == 1
    operations = {dict(labels)["operation"] for name, labels in after if name == "hub_graphql_operation_seconds_count"}
    assert not operations & {"query Named", "query me", "query a", "query b"}
    assert grew("hub_graphql_errors_total", code="BAD_USER_INPUT") == 1
    assert grew("hub_graphql_errors_total", code="GRAPHQL_PARSE_FAILED") == 1
    assert grew("hub_graphql_errors_total", code="UNAUTHENTICATED") == 1
    # every lookup above is one read statement; nothing anonymous was written
    assert grew("hub_graphql_request_statements_sum", role="public", mode="write") == 0
    assert grew("hub_neo4j_statements_total", mode="read") >= 5
    assert value(after, "hub_neo4j_statement_seconds_total", mode="read") > 0
    assert value(after, "process_resident_memory_bytes") > 0


async def test_the_audit_batches_and_a_bank_lookup_are_seen(client: httpx.AsyncClient, settings: Settings) -> None:
    admin, bank = bearer(settings, "admin", "台前县信用办"), bearer(settings, "bank", "指标银行")
    expires = (clock.now() + timedelta(days=5)).isoformat()
    await client.post("/graphql", headers=admin, json={"query": f"""mutation {{
        grantConsent(uscc: "{SUBJECT}", grantee: "指标银行", purpose: "信易贷", expiresAt: "{expires}") {{ id }} }}"""})
    before = await scrape(client)
    answer = await client.post("/graphql", headers=bank, json={
        "query": f'{{ subject(uscc: "{SUBJECT}") {{ legalRepresentative {{ name }} }} }}'})
    assert answer.json()["data"]["subject"]["legalRepresentative"] is not None
    after = await scrape(client)
    assert value(after, "hub_audit_batches_total") - value(before, "hub_audit_batches_total") == 1
    assert value(after, "hub_audit_entries_committed_total") - value(before, "hub_audit_entries_committed_total") == 1
    assert value(after, "hub_audit_batch_seconds_total") > value(before, "hub_audit_batch_seconds_total")
    assert (value(after, "hub_graphql_request_statements_sum", role="bank", mode="write")
            - value(before, "hub_graphql_request_statements_sum", role="bank", mode="write")) == 1


async def test_sync_lag_and_dead_letters_per_peer(client: httpx.AsyncClient, hub: CreditHub) -> None:
    await feed.save_checkpoint(hub.gateway, Checkpoint(PEER, Direction.PULL_UP, "42"), dead=0)
    pulled = Checkpoint(PEER, Direction.PULL_UP, "42")
    await feed.add_dead_letters(hub.gateway, [feed.dead_letter(pulled, "batch-1", f"item-{n}", "refused", None)
                                              for n in range(3)])
    try:
        found = await scrape(client)
        assert value(found, "hub_sync_dead_letters", peer=PEER) == 3
        assert 0 <= value(found, "hub_sync_seconds_since_last_round", peer=PEER, direction="PULL_UP") < 60
    finally:
        await hub.gateway.run("MATCH (n) WHERE (n:SyncCursor OR n:DeadLetter) AND n.peer = $peer DETACH DELETE n",
                              {"peer": PEER}, write=True)


async def test_metrics_are_for_the_allowed_addresses_only(settings: Settings, hub: CreditHub) -> None:
    elsewhere = httpx.ASGITransport(app=create_app(settings, hub), client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=elsewhere, base_url="http://hub.test") as outsider:
        refused = await outsider.get("/metrics")
        assert refused.status_code == 403 and "HUB_METRICS_ALLOW" in refused.text
        assert "hub_graphql" not in refused.text
    allowed = settings.model_copy(update={"metrics_allow": "203.0.113.0/24"})
    inside = httpx.ASGITransport(app=create_app(allowed, hub), client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=inside, base_url="http://hub.test") as operator:
        assert (await operator.get("/metrics")).status_code == 200


def test_a_bad_network_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_METRICS_ALLOW", "127.0.0.1,ten")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert [line for line in refused.value.problems if "METRICS" in line] == [
        "HUB_METRICS_ALLOW: not an address or network: 'ten' (e.g. 10.0.0.0/8,127.0.0.1)"]


async def test_the_grafana_dashboard_reads_only_what_the_hub_exports(client: httpx.AsyncClient) -> None:
    """docs/grafana-dashboard.json cannot rot: every metric its panels query is one /metrics serves."""
    dashboard = json.loads((Path(__file__).parents[1] / "docs" / "grafana-dashboard.json").read_text())
    wanted = {name for panel in dashboard["panels"] for target in panel["targets"]
              for name in re.findall(r"\b((?:hub|process)_[a-z0-9_]+)\{", target["expr"])}
    response = await client.get("/metrics")
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    served = {family.name + suffix for family in text_string_to_metric_families(response.text)
              for suffix in suffixes.get(family.type, ("",))}  # families declared, with samples or not yet
    assert len(wanted) >= 15 and wanted <= served, sorted(wanted - served)
