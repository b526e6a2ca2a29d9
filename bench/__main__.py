"""`make bench`: the hub's figures, each beside the raw Neo4j figure it is bounded by.

Runs against its own local Neo4j instance ("bench"), loads the demo data set, starts the hub as a
real HTTP server on loopback, and prints a table. The write path's sections run on instances of their
own: incremental ingest and ``hub load`` (bench/ingest.py), a province's 双公示 file (bench/imports.py),
and sync (bench/sync.py: two more hubs, a county and its city); the abuse section (bench/abuse.py) a
hub on a county's data ("bench-abuse") that a crowd of expensive queries keeps busy. The warnings section
(bench/warnings.py) times the rules on the bench data and ingest with the rules off and on. ``--only``
picks one section.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hub import clock, demo
from hub.db import evaluations as evaluations_store
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.server import LocalNeo4j, Neo4jCredentials
from hub.grading.reevaluation import RunSummary
from hub.personal_data import PersonalDataVault
from hub.service import CreditHub
from hub.settings import Settings

# Another checkout, or an instance holding the same data set (e.g. "bench-load", which `--only load`
# fills), may stand in.
INSTANCE = os.environ.get("HUB_BENCH_INSTANCE", "bench")
EVALUATION_BOUND = 0.5  # issue 14: batch evaluation ≥ 0.5 of the raw write rate


def start_hub(credentials: Neo4jCredentials, env_secrets: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **env_secrets, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
           "NEO4J_PASSWORD": credentials.password, "HUB_PORT": str(port), "HUB_LOG_LEVEL": "WARNING",
           # the bench measures serving, not admission: one loopback address sends every request, which the
           # per-address limit (300 a minute) would refuse within a second (bench/abuse.py times the limiter)
           "HUB_RATE_LIMIT_PUBLIC": "0", "HUB_RATE_LIMIT_BANK": "0"}
    hub_command = str(Path(sys.executable).with_name("hub"))
    return subprocess.Popen([hub_command, "serve"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


async def evaluation_section(hub: CreditHub, batch_size: int) -> None:
    """Engine: facts read, models, classification, history and flags written. Raw: the same number
    of result rows created by one UNWIND per batch, nothing read, nothing computed (the limit)."""
    # Both paths warm, untimed, before either is timed: a Neo4j just started runs its first thousands of
    # statements several times slower, and the engine, timed first, paid for that alone (0.17 on a fresh
    # instance, 0.20 on the same one warm, 30 November).
    warm = await hub.regrade([row["uscc"] for row in await hub.gateway.query(
        "MATCH (s:Subject) RETURN s.uscc AS uscc ORDER BY s.uscc LIMIT $n", {"n": 2 * batch_size})])
    await _raw_write(hub, await _rows_of(hub, warm.run_id), batch_size, warm)
    summary = await hub.evaluate(batch_size=batch_size)
    # The same rows the engine wrote (its explanations included), written again with nothing else.
    rows = await _rows_of(hub, summary.run_id)
    raw_seconds = await _raw_write(hub, rows, batch_size, summary)
    engine_rows = summary.evaluations / summary.seconds
    raw_rows = len(rows) / raw_seconds
    print(f"\n## Batch evaluation ({summary.subjects:,} subjects, {summary.evaluations:,} evaluations, "
          f"batches of {batch_size})")
    print(f"  engine (read facts, score, classify, write with history and flags)   "
          f"{summary.rate:9,.0f} subjects/s   {engine_rows:9,.0f} evaluations/s   ({summary.seconds:.1f} s)")
    print(f"    its phases, summed over batches (the reader runs ahead of two workers: they overlap): reading "
          f"facts {summary.reading:.1f} s, grading {summary.grading:.1f} s, writing {summary.writing:.1f} s")
    print(f"  raw Neo4j write of the same {len(rows):,} result rows                  "
          f"{'':9}             {raw_rows:9,.0f} rows/s          ({raw_seconds:.1f} s)")
    print(f"  engine / raw write rate: {engine_rows / raw_rows:.2f}   (bound ≥ {EVALUATION_BOUND})")


async def _rows_of(hub: CreditHub, run_id: str) -> list[dict[str, Any]]:
    return [{**row["e"], "id": "raw-" + row["e"]["id"], "valid_until": row["e"]["valid_until"].iso_format()}
            for row in await hub.gateway.query(
                "MATCH (e:Evaluation {run_id: $run}) RETURN e { .id, .subject_uscc, .scheme, .score, .grade, "
                ".level, .disclosure, .valid_until, .evaluator, .explanation, .run_id } AS e", {"run": run_id})]


async def _raw_write(hub: CreditHub, rows: list[dict[str, Any]], batch_size: int, summary: RunSummary) -> float:
    """Seconds to write ``rows`` in the engine's transaction sizes (then removed)."""
    now = clock.now()
    chunk = max(1, summary.evaluations * batch_size // max(summary.subjects, 1))
    started = time.perf_counter()
    for start in range(0, len(rows), chunk):
        await evaluations_store.raw_write(hub.gateway, rows[start:start + chunk], now)
    seconds = time.perf_counter() - started
    await hub.gateway.autocommit(
        "MATCH (e:BenchEvaluation) CALL (e) { DETACH DELETE e } IN TRANSACTIONS OF 10000 ROWS")
    return seconds


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
                        population=population, inspectors=pool, population_salt=b"\x05" * 32)
    digest = population_digest(population, inputs.population_salt)
    frozen = time.perf_counter()
    result = draw(inputs, b"\x07" * 32)
    drawn = time.perf_counter()
    print(f"\n## Double-random draw ({subjects:,} subjects, 4 strata, {inspectors} inspectors, 2 per target)")
    print(f"  freeze (validate inputs, population digest {digest[:12]}…)   {frozen - started:6.2f} s")
    print(f"  draw (targets per stratum, inspectors assigned)           {drawn - frozen:6.2f} s   "
          f"→ {len(result.targets):,} targets: " + ", ".join(f"{s.grade} {s.drawn:,}/{s.population:,}"
                                                          for s in result.strata))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--only", choices=["lookup", "evaluation", "draw", "sync", "revocation", "abuse",
                                           "ingest", "load", "import", "warnings", "console"], default=None)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--sync-records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20, help="per server and variant at 16 clients")
    parser.add_argument("--warning-writes", type=int, default=200, help="writes timed to the subscriber")
    parser.add_argument("--warning-records", type=int, default=20_000, help="records imported, rules off and on")
    args = parser.parse_args()
    if args.only in ("sync", "import", "ingest", "load"):  # their own instances; not the lookup data set
        print(f"# Credit Hub benchmark — {clock.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        await write_path_sections(args, only=args.only)
        return
    if args.only == "abuse":  # its own instance and a county's data
        from bench.abuse import abuse_section

        print(f"# Credit Hub benchmark — {clock.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
        await abuse_section()
        return

    # A province holds millions of records: the bench instance gets a page cache that fits its
    # data (the hub's default of 256 MB is for a county's demo). Changes apply at the next start.
    settings = Settings(HUB_NEO4J_PAGECACHE=os.environ.get("HUB_NEO4J_PAGECACHE", "2g"),
                        HUB_NEO4J_HEAP=os.environ.get("HUB_NEO4J_HEAP", "1g"))
    server = LocalNeo4j(settings, INSTANCE)
    credentials, started = server.start(echo=lambda line: print(line, file=sys.stderr))
    gateway = Neo4jGateway(credentials.uri, credentials.user, credentials.password)
    hub = CreditHub(settings, gateway)
    try:
        await hub.migrate()
        if args.only == "revocation":  # needs no data set
            from bench.revocation import revocation_section

            print(f"# Credit Hub benchmark — {clock.now():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
            await revocation_section(settings, credentials, hub, args.runs)
            return
        if await hub.count_subjects() != args.subjects:
            print(f"loading {args.subjects} demo subjects…", file=sys.stderr)
            await ingest.wipe(gateway)
            await hub.migrate()
            data = demo.generate(seed=7, subjects=args.subjects, as_of=hub.today(), vault=hub.vault)
            await demo.load(gateway, data)
        print(f"# Credit Hub benchmark — {clock.now():%Y-%m-%d %H:%M} UTC, "
              f"{os.cpu_count()} cores, Neo4j {settings.neo4j_version}, {args.subjects} subjects")
        if args.only in (None, "lookup"):
            from bench.lookup import lookup_section

            await lookup_section(settings, credentials, hub, args.runs, args.seconds, start_hub)
        if args.only in (None, "evaluation"):
            await evaluation_section(hub, args.batch_size)
        if args.only in (None, "draw"):
            draw_section()
        if args.only is None:
            from bench.revocation import revocation_section

            await revocation_section(settings, credentials, hub, args.runs)
        if args.only in (None, "console"):
            from bench.console import console_section

            await console_section(settings, hub, min(args.runs, 30))
        if args.only in (None, "warnings"):
            from bench.warnings import graph_section, latency_section

            await graph_section(hub, credentials, settings, min(args.runs, 300))
            await latency_section(hub, credentials, settings, args.warning_writes)
    finally:
        await hub.close()
        if started:  # an instance this run started is stopped again (one already running is left running)
            server.stop()
    if args.only == "warnings":
        from bench.warnings import ingest_section

        await ingest_section(INSTANCE, args.warning_records)
    if args.only is None:
        await write_path_sections(args, only=None)


async def write_path_sections(args: argparse.Namespace, only: str | None) -> None:
    """The write path's figures, each section on instances of its own: incremental ingest and bulk
    load (the demo data set), a province's file import, sync."""
    if only in (None, "ingest", "load"):
        from bench.ingest import ingest_section, load_section

        data = demo.generate(seed=7, subjects=args.subjects, as_of=clock.today(),
                             vault=PersonalDataVault(Settings().personal_data_key))
        if only in (None, "ingest"):
            await ingest_section(data)
        if only in (None, "load"):
            await load_section(data)
    if only in (None, "import"):
        from bench.imports import import_section

        await import_section(args.import_rows)
    if only in (None, "sync"):
        from bench.sync import sync_section

        await sync_section(args.sync_records)
    if only is None:
        from bench.abuse import abuse_section

        await abuse_section()


if __name__ == "__main__":
    asyncio.run(main())
