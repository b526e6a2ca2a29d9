"""Sync throughput: a county's records pulled by its city over HTTP, beside a raw ingest of the same rows.

Two hubs on loopback, each on its own Neo4j (``bench-county``, ``bench-city``; see
tests/loopback.py). The county holds ``records`` records about ``records / 10``
subjects. Measured in the same run, on the city's database:

- **raw ingest**: the same records written straight into Neo4j — one ``UNWIND … MERGE`` per 1,000
  rows, no validation, no versions, no feed: the ceiling for moving these rows into this database;
- **sync**: the city's sync job pulling the county's upward feed over HTTP — the county sequences and
  signs each page, the city verifies it, validates every item, applies it with the version rule and
  checkpoints the cursor in the same transaction.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from connectors.platform import PeerClient, RetryPolicy, SyncJob
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.demo import organization_code, social_credit_code
from hub.service import CreditHub
from hub.settings import Settings
from tests.loopback import Platform, PlatformTree

COUNTY, CITY = "henan-jiaxian", "henan-pingdingshan"
SYNC_BOUND = 0.5  # issue 14: sync ≥ 0.5 of raw ingest

_RAW = """
UNWIND $rows AS row
MERGE (s:Subject {uscc: row.subject_uscc}) ON CREATE SET s.name = row.subject_name
MERGE (r:Record {id: row.id})
SET r += row.props
MERGE (r)-[:ABOUT]->(s)
"""


def _rows(records: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    subjects = [{"uscc": social_credit_code("91", "410425", organization_code(f"MA{n:06d}")),
                 "name": f"基准同步主体{n}有限公司", "kind": "ENTERPRISE",
                 "region": "410425", "industry": "食品生产", "status": "存续", "registered_on": date(2016, 5, 1),
                 "person": None} for n in range(max(1, records // 10))]
    start = date(2025, 1, 2)
    rows = [{"id": f"bench-sync-{n:07d}", "subject_uscc": subjects[n % len(subjects)]["uscc"],
             "subject_name": subjects[n % len(subjects)]["name"], "kind": "ADMINISTRATIVE_PENALTY",
             "title": "未按规定公示年度报告", "decided_on": start + timedelta(days=n % 600),
             "issuing_department": "410425-SCJG", "source_platform": COUNTY, "disclosure": "PUBLIC",
             "status": "ACTIVE", "severity": "GENERAL", "publicity_ends_on": start + timedelta(days=n % 600 + 1095),
             "document_number": f"郏市监罚〔2025〕{n}号", "content": "责令改正，罚款人民币五千元",
             "amount_wan_yuan": 0.5, "kept": None} for n in range(records)]
    return subjects, rows


async def sync_section(records: int = 100_000, page_size: int = 1000) -> None:
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-sync-"))
    tree = PlatformTree(folder, [
        Platform(COUNTY, "county", "410425", CITY, "bench-county", folder / "county"),
        Platform(CITY, "city", "410400", None, "bench-city", folder / "city"),
    ], heap="1g", pagecache="1g")
    tree.start_databases()
    tree.configure()
    tree.launch_hubs()
    try:
        await tree.wait_ready()
        await tree.wipe()
        subjects, rows = _rows(records)
        county_db, city_db = tree[COUNTY].gateway(), tree[CITY].gateway()
        try:
            await ingest.upsert_subjects(county_db, subjects)
            await ingest.upsert_records(county_db, [{k: v for k, v in r.items() if k != "subject_name"} for r in rows])

            raw_s = await _raw_ingest(city_db, rows, page_size)
            await tree.wipe([CITY])
            sync_s, summary = await _sync(tree, page_size)
            held = (await city_db.run("MATCH (r:Record) WHERE r.origin_platform = $c RETURN count(r) AS n",
                                      {"c": COUNTY}))[0]["n"]
        finally:
            await county_db.close()
            await city_db.close()
        sync_rate, raw_rate = records / sync_s, records / raw_s
        print(f"\n## Sync county → city over HTTP ({records:,} records, {len(subjects):,} subjects, "
              f"pages of {page_size:,})")
        print(f"  raw ingest of the same rows into the city's Neo4j    {raw_s:7.1f} s   {raw_rate:9,.0f} records/s")
        print(f"  sync (sequence, sign, HTTP, verify, validate, apply) {sync_s:7.1f} s   {sync_rate:9,.0f} records/s"
              f"   → {sync_rate / raw_rate:.2f} of raw   (bound ≥ {SYNC_BOUND})")
        print(f"  city holds {held:,} of the county's records; {summary}")
    finally:
        tree.stop()


async def _raw_ingest(gateway: Neo4jGateway, rows: list[dict[str, Any]], page_size: int) -> float:
    pages = [[{"id": r["id"], "subject_uscc": r["subject_uscc"], "subject_name": r["subject_name"],
               "props": {k: v for k, v in r.items() if k not in ("subject_uscc", "subject_name")}}
              for r in rows[start:start + page_size]] for start in range(0, len(rows), page_size)]
    started = time.perf_counter()
    for page in pages:
        await gateway.run(_RAW, {"rows": page}, write=True)
    return time.perf_counter() - started


async def _sync(tree: PlatformTree, page_size: int) -> tuple[float, str]:
    city = tree[CITY]
    env = {k: v for k, v in city.env().items() if k.startswith(("HUB_", "NEO4J_"))}
    settings = Settings(**env)  # type: ignore[arg-type]
    assert city.credentials is not None
    hub = CreditHub(settings, Neo4jGateway(city.credentials.uri, city.credentials.user, city.credentials.password))
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=10.0)) as http:
            clients = {p.id: PeerClient(p, http, RetryPolicy()) for p in hub.exchange.peers.by_id.values()}
            started = time.perf_counter()
            summary = await SyncJob(hub.exchange, clients, page_size=page_size).run_once(COUNTY)
            elapsed = time.perf_counter() - started
    finally:
        await hub.close()
    if not summary.ok:
        raise RuntimeError(summary.describe())
    return elapsed, summary.describe()
