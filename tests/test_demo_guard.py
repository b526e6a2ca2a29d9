"""Nothing destroys the record silently: `hub demo load --reset` asks (or needs --yes), and demo data goes
only into a hub that holds nothing else — not one with imported, synced or API-written data.

Real `hub` processes on a Neo4j of their own (the spare "outage" instance: this module wipes it), and
the other commands that replace something (`hub draw export --out`, `hub import --report`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from hub.app import create_app
from hub.db import ingest, provenance
from hub.db.gateway import Neo4jGateway
from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import DATA_KEY, JWT_SECRET, bearer, gql
from tests.test_shuanggongshi import PENALTY_HEADERS, penalty, write

HUB = str(Path(sys.executable).with_name("hub"))


def hub_cli(spare: Neo4jCredentials, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEO4J_URI": spare.uri, "NEO4J_USER": spare.user, "NEO4J_PASSWORD": spare.password,
           "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY, "HUB_STATE_DIR": str(state)}
    return subprocess.run([HUB, *args], env=env, capture_output=True, text=True, timeout=600, check=False,
                          stdin=subprocess.DEVNULL)  # no terminal: nobody to ask


async def counts(spare_gateway: Neo4jGateway) -> dict[str, int]:
    return await provenance.holdings(spare_gateway)


def demo_load(spare: Neo4jCredentials, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return hub_cli(spare, state, "demo", "load", "--subjects", "30", *args)


async def test_what_demo_load_writes_is_marked_as_demo_data(
        spare: Neo4jCredentials, spare_gateway: Neo4jGateway, tmp_path: Path) -> None:
    loaded = demo_load(spare, tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert (await counts(spare_gateway))["Subject"] == 30
    assert await provenance.non_demo_data(spare_gateway, Settings().platform_id) == {}
    unmarked = await spare_gateway.run("MATCH (n:Record) WHERE NOT n:Demo RETURN count(n) AS n")
    assert unmarked[0]["n"] == 0


async def test_reset_without_yes_and_without_a_terminal_deletes_nothing(
        spare: Neo4jCredentials, spare_gateway: Neo4jGateway, tmp_path: Path) -> None:
    assert demo_load(spare, tmp_path).returncode == 0
    before = await counts(spare_gateway)
    refused = demo_load(spare, tmp_path, "--reset", "--seed", "9")
    assert refused.returncode == 2
    assert "--reset deletes everything in Neo4j at" in refused.stderr and "audit chain" in refused.stderr
    assert "run it again with --yes" in refused.stderr
    assert await counts(spare_gateway) == before


async def test_reset_with_yes_on_demo_data_and_its_evaluations_starts_again(
        spare: Neo4jCredentials, spare_gateway: Neo4jGateway, tmp_path: Path) -> None:
    assert demo_load(spare, tmp_path).returncode == 0
    graded = hub_cli(spare, tmp_path, "evaluate")  # evaluations made here from demo records: still demo
    assert graded.returncode == 0, graded.stderr
    reset = demo_load(spare, tmp_path, "--reset", "--yes", "--seed", "9")
    assert reset.returncode == 0, reset.stderr
    after = await counts(spare_gateway)
    assert after["Subject"] == 30 and after["AuditEntry"] == 1  # the chain starts again with the load


async def refused_everywhere(spare: Neo4jCredentials, spare_gateway: Neo4jGateway, state: Path, kind: str) -> None:
    """Reset and load both refuse, naming ``kind``; nothing changes; --if-empty just skips."""
    before = await counts(spare_gateway)
    for args in (("--reset", "--yes"), ()):
        refused = demo_load(spare, state, *args)
        assert refused.returncode == 1, refused.stderr
        assert "refusing to" in refused.stderr and "did not write" in refused.stderr, refused.stderr
        assert kind in refused.stderr and "nothing was changed" in refused.stderr
        assert await counts(spare_gateway) == before
    skipped = demo_load(spare, state, "--if-empty")
    assert skipped.returncode == 0 and "not loaded" in skipped.stdout
    assert await counts(spare_gateway) == before


async def test_a_hub_with_api_written_data_is_not_reset(
        spare: Neo4jCredentials, spare_gateway: Neo4jGateway, tmp_path: Path) -> None:
    assert demo_load(spare, tmp_path).returncode == 0
    environment: dict[str, Any] = {
        "NEO4J_URI": spare.uri, "NEO4J_USER": spare.user, "NEO4J_PASSWORD": spare.password,
        "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY, "HUB_STATE_DIR": str(tmp_path)}
    settings = Settings(**environment)
    hub = CreditHub(settings, spare_gateway)
    [record] = await spare_gateway.run("MATCH (r:Record) RETURN r.id AS id ORDER BY r.id LIMIT 1")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings, hub)),
                                 base_url="http://hub.test") as client:
        filed = await gql(client, 'mutation($t: ID!) { fileObjection(targetId: $t, reason: "非本企业") { id } }',
                          bearer(settings, "platform", "郏县公共信用信息平台"), t=record["id"])
    assert filed["data"]["fileObjection"]["id"]  # an objection about a demo record is not demo data
    await refused_everywhere(spare, spare_gateway, tmp_path, "1 Objection")


async def test_a_hub_with_imported_data_is_not_reset(
        spare: Neo4jCredentials, spare_gateway: Neo4jGateway, tmp_path: Path) -> None:
    assert demo_load(spare, tmp_path).returncode == 0
    source = write(tmp_path / "one.utf8.csv", PENALTY_HEADERS, [penalty(1)])
    imported = hub_cli(spare, tmp_path, "import", "shuanggongshi", str(source))
    assert imported.returncode == 0, imported.stderr
    await refused_everywhere(spare, spare_gateway, tmp_path, "Record")


async def test_a_hub_with_synced_data_is_not_reset(
        spare: Neo4jCredentials, spare_gateway: Neo4jGateway, tmp_path: Path) -> None:
    assert demo_load(spare, tmp_path).returncode == 0
    [subject] = await spare_gateway.run("MATCH (s:Subject) RETURN s.uscc AS uscc ORDER BY s.uscc LIMIT 1")
    await ingest.upsert_records(spare_gateway, [{  # as the exchange applies a received record
        "id": "from-the-county-1", "subject_uscc": subject["uscc"], "kind": "ADMINISTRATIVE_LICENSE",
        "title": "食品经营许可", "decided_on": date(2026, 3, 3), "issuing_department": None,
        "source_platform": "henan-jiaxian", "origin_platform": "henan-jiaxian", "disclosure": "PUBLIC",
        "status": "ACTIVE", "severity": None, "publicity_ends_on": None, "document_number": "JY1", "content": None,
        "amount_wan_yuan": None, "kept": None}])
    await refused_everywhere(spare, spare_gateway, tmp_path, "1 Record")


# ---- the other commands that replace something ---------------------------------------------------

def test_draw_export_does_not_replace_a_file_without_yes(spare: Neo4jCredentials, tmp_path: Path) -> None:
    out = tmp_path / "draw.json"
    out.write_text("keep me", encoding="utf-8")
    refused = hub_cli(spare, tmp_path, "draw", "export", "draw-x", "--out", str(out))
    assert refused.returncode == 2 and f"{out} exists and would be replaced" in refused.stderr
    missing = hub_cli(spare, tmp_path, "draw", "export", "no-such-draw", "--out", str(out), "--yes")
    assert missing.returncode != 0 and "no draw 'no-such-draw'" in missing.stderr  # no such draw: still not touched
    assert out.read_text(encoding="utf-8") == "keep me"


def test_import_does_not_replace_a_named_report_without_yes(spare: Neo4jCredentials, tmp_path: Path) -> None:
    report = tmp_path / "mine.csv"
    report.write_text("keep me", encoding="utf-8")
    source = write(tmp_path / "one.utf8.csv", PENALTY_HEADERS, [penalty(2)])
    refused = hub_cli(spare, tmp_path, "import", "shuanggongshi", str(source), "--report", str(report))
    assert refused.returncode == 2 and "exists and would be replaced" in refused.stderr
    assert report.read_text(encoding="utf-8") == "keep me"
