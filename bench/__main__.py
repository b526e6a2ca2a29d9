"""`make bench`: the hub's figures, each beside the raw Neo4j figure it is bounded by.

Runs against its own local Neo4j instance ("bench"), loads the demo data set, starts the hub as a
real HTTP server on loopback, and prints a table. The sync section (bench/sync.py) starts two more
hubs, a county and its city, each on its own instance; so does the warnings ingest section
(bench/warnings.py). HUB_BENCH_INSTANCE names the instance (default "bench"; one per person on a
shared machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
from neo4j import AsyncGraphDatabase

from connectors.platform.loopback import free_port, wait_ready
from hub import clock, demo
from hub.auth import issue_token
from hub.db import consents, ingest
from hub.db import evaluations as evaluations_store
from hub.db.gateway import Neo4jGateway
from hub.db.server import LocalNeo4j, Neo4jCredentials
from hub.db.subjects import _BY_CODES, ALL_PARTS, _parameters
from hub.disclosure import ConsentScope, Role
from hub.models import Consent
from hub.service import CreditHub
from hub.settings import Settings

INSTANCE = os.environ.get("HUB_BENCH_INSTANCE", "bench")  # its own Neo4j instance (a shared machine: one each)
BANK = "基准测试银行"
LOOKUP = """query($uscc: String!) { subject(uscc: $uscc) {
  uscc name kind region status
  evaluations { scheme grade score disclosure evaluatedAt }
  records { id kind decidedAt disclosure }
  legalRepresentative { name idMasked }
} }"""


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(label: str, samples: list[float]) -> str:
    p50, p99 = percentile(samples, 0.50) * 1000, percentile(samples, 0.99) * 1000
    return f"  {label:<38} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   mean {statistics.mean(samples) * 1000:7.2f} ms"


async def timed(action: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    for _ in range(min(50, runs)):  # warm caches, JIT, connection pools
        await action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - start)
    return samples


def start_hub(credentials: Neo4jCredentials, env_secrets: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **env_secrets, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
           "NEO4J_PASSWORD": credentials.password, "HUB_PORT": str(port), "HUB_LOG_LEVEL": "WARNING"}
    hub_command = str(Path(sys.executable).with_name("hub"))
    return subprocess.Popen([hub_command, "serve"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


async def lookup_section(settings: Settings, credentials: Neo4jCredentials, hub: CreditHub,
                         runs: int) -> None:
    codes = [row["s"] for row in await hub.gateway.run(
        "MATCH (s:Subject)<-[:ABOUT]-(:Record) WITH s, count(*) AS n ORDER BY n DESC, s.uscc "
        "LIMIT 1 RETURN s.uscc AS s")]
    code = codes[0]
    now = clock.now()
    await consents.create_consent(hub.gateway, Consent(
        id=f"bench-{code}-{uuid.uuid4().hex[:8]}", subject_uscc=code, grantee=BANK, purpose="benchmark", granted_at=now,
        expires_at=now + timedelta(days=30), scopes=frozenset(ConsentScope)))

    driver = AsyncGraphDatabase.driver(credentials.uri, auth=(credentials.user, credentials.password))
    parameters = {"usccs": [code], **_parameters(ALL_PARTS, BANK)}

    async def raw() -> None:
        async with driver.session(database=settings.neo4j_database) as session:
            result = await session.run(_BY_CODES, parameters)
            await result.data()

    raw_samples = await timed(raw, runs)
    await driver.close()

    port = free_port()
    secrets = {"HUB_JWT_SECRET": settings.jwt_key, "HUB_DATA_KEY": settings.personal_data_key}
    server = start_hub(credentials, secrets, port)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, 60, server.poll)
        bank = issue_token(settings.jwt_key, settings.jwt_issuer, role=Role.BANK, org=BANK, ttl_s=3600)
        async with httpx.AsyncClient(base_url=base) as client:
            body = {"query": LOOKUP, "variables": {"uscc": code}}

            async def public() -> None:
                response = await client.post("/graphql", json=body)
                codes = {e["extensions"]["code"] for e in response.json().get("errors", [])}
                assert response.status_code == 200 and codes <= {"FORBIDDEN"}, response.text

            async def authorized() -> None:
                response = await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {bank}"})
                assert response.json()["data"]["subject"]["legalRepresentative"], response.text

            public_samples = await timed(public, runs)
            bank_samples = await timed(authorized, runs)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    records = len((await hub.profiles([code], ALL_PARTS, _bank_viewer()))[code].records)
    print(f"\n## Subject lookup ({records} records, {runs} sequential requests each, loopback HTTP)")
    print(line("raw Cypher through the driver", raw_samples))
    print(line("hub GraphQL, PUBLIC", public_samples))
    print(line("hub GraphQL, bank with consent (+audit)", bank_samples))
    raw_p50 = percentile(raw_samples, 0.5)
    print(f"  ratio hub/raw (p50): PUBLIC {percentile(public_samples, .5) / raw_p50:.1f}x, "
          f"bank {percentile(bank_samples, .5) / raw_p50:.1f}x")


async def evaluation_section(hub: CreditHub, batch_size: int) -> None:
    """Engine: facts read, models, classification, history and flags written. Raw: the same number
    of result rows created by one UNWIND per batch, nothing read, nothing computed (the limit)."""
    summary = await hub.evaluate(batch_size=batch_size)
    # The same rows the engine wrote (its explanations included), written again with nothing else.
    rows = [{**row["e"], "id": "raw-" + row["e"]["id"], "valid_until": row["e"]["valid_until"].iso_format()}
            for row in await hub.gateway.query(
                "MATCH (e:Evaluation {run_id: $run}) RETURN e { .id, .subject_uscc, .scheme, .score, .grade, "
                ".level, .disclosure, .valid_until, .evaluator, .explanation, .run_id } AS e",
                {"run": summary.run_id})]
    now = clock.now()
    chunk = max(1, summary.evaluations * batch_size // max(summary.subjects, 1))
    started = time.perf_counter()
    for start in range(0, len(rows), chunk):
        await evaluations_store.raw_write(hub.gateway, rows[start:start + chunk], now)
    raw_seconds = time.perf_counter() - started
    await hub.gateway.autocommit(
        "MATCH (e:BenchEvaluation) CALL (e) { DETACH DELETE e } IN TRANSACTIONS OF 10000 ROWS")
    engine_rows = summary.evaluations / summary.seconds
    raw_rows = len(rows) / raw_seconds
    print(f"\n## Batch evaluation ({summary.subjects:,} subjects, {summary.evaluations:,} evaluations, "
          f"batches of {batch_size})")
    print(f"  engine (read facts, score, classify, write with history and flags)   "
          f"{summary.rate:9,.0f} subjects/s   {engine_rows:9,.0f} evaluations/s   ({summary.seconds:.1f} s)")
    print(f"  raw Neo4j write of the same {len(rows):,} result rows                  "
          f"{'':9}             {raw_rows:9,.0f} rows/s          ({raw_seconds:.1f} s)")
    print(f"  engine / raw write rate: {engine_rows / raw_rows:.2f}")


def draw_section(subjects: int = 1_000_000, inspectors: int = 200) -> None:
    """The double-random draw over a province-sized population (pure: inputs already frozen)."""
    import random
    from decimal import Decimal

    from hub.supervision.draw import DrawInputs, Inspector, Ratio, draw, population_digest

    rng = random.Random(7)
    grades = rng.choices("ABCD", weights=(40, 35, 17, 8), k=subjects)
    population = tuple((f"9141{n:014d}", grade) for n, grade in enumerate(grades))
    pool = tuple(Inspector(f"insp-{n:03d}", f"执法人员{n}", frozenset(code for code, _ in rng.sample(population, 3)))
                 for n in range(inspectors))
    started = time.perf_counter()
    inputs = DrawInputs(plan_id="bench", department="410000-SCJG", scheme="henan-market-risk",
                        ratios=tuple(Ratio(g, Decimal(p)) for g, p in zip("ABCD", (1, 3, 10, 20), strict=True)),
                        population=population, inspectors=pool)
    digest = population_digest(population)
    frozen = time.perf_counter()
    result = draw(inputs, b"\x07" * 32)
    drawn = time.perf_counter()
    print(f"\n## Double-random draw ({subjects:,} subjects, 4 strata, {inspectors} inspectors, 2 per target)")
    print(f"  freeze (validate inputs, population digest {digest[:12]}…)   {frozen - started:6.2f} s")
    print(f"  draw (targets per stratum, inspectors assigned)           {drawn - frozen:6.2f} s   "
          f"→ {len(result.targets):,} targets: " + ", ".join(f"{s.grade} {s.drawn:,}/{s.population:,}"
                                                          for s in result.strata))


def _bank_viewer():  # type: ignore[no-untyped-def]
    from hub.disclosure import Viewer

    return Viewer(Role.BANK, BANK)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--only", choices=["lookup", "evaluation", "draw", "sync", "warnings"], default=None)
    parser.add_argument("--sync-records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--warning-writes", type=int, default=200, help="writes timed to the subscriber")
    parser.add_argument("--warning-records", type=int, default=20_000, help="records imported, rules off and on")
    args = parser.parse_args()
    if args.only == "sync":  # its own two instances; no need for the lookup data set
        from bench.sync import sync_section

        print(f"# Credit Hub benchmark — {clock.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
        await sync_section(args.sync_records)
        return

    # A province holds millions of records: the bench instance gets a page cache that fits its
    # data (the hub's default of 256 MB is for a county's demo). Changes apply at the next start.
    settings = Settings(HUB_NEO4J_PAGECACHE=os.environ.get("HUB_NEO4J_PAGECACHE", "2g"),  # type: ignore[call-arg]
                        HUB_NEO4J_HEAP=os.environ.get("HUB_NEO4J_HEAP", "1g"))
    server = LocalNeo4j(settings, INSTANCE)
    credentials, _ = server.start(echo=lambda line: print(line, file=sys.stderr))
    gateway = Neo4jGateway(credentials.uri, credentials.user, credentials.password)
    hub = CreditHub(settings, gateway)
    try:
        await hub.migrate()
        if await hub.count_subjects() != args.subjects:
            print(f"loading {args.subjects} demo subjects…", file=sys.stderr)
            await ingest.wipe(gateway)
            await hub.migrate()
            data = demo.generate(seed=7, subjects=args.subjects, as_of=hub.today(), vault=hub.vault)
            await demo.load(gateway, data)
        print(f"# Credit Hub benchmark — {clock.now():%Y-%m-%d %H:%M} UTC, "
              f"{os.cpu_count()} cores, Neo4j {settings.neo4j_version}, {args.subjects} subjects")
        if args.only in (None, "lookup"):
            await lookup_section(settings, credentials, hub, args.runs)
        if args.only in (None, "evaluation"):
            await evaluation_section(hub, args.batch_size)
        if args.only in (None, "draw"):
            draw_section()
        if args.only in (None, "warnings"):
            from bench.warnings import graph_section, latency_section

            await graph_section(hub, credentials, settings, min(args.runs, 300))
            await latency_section(hub, credentials, settings, args.warning_writes)
    finally:
        await hub.close()
    if args.only == "warnings":
        from bench.warnings import ingest_section

        await ingest_section(INSTANCE, args.warning_records)
    if args.only is None:
        from bench.sync import sync_section

        await sync_section(args.sync_records)
        from bench.warnings import ingest_section

        await ingest_section(INSTANCE, args.warning_records)


if __name__ == "__main__":
    asyncio.run(main())
