"""A hub under abuse: ``/healthz`` and cheap queries while 200 expensive queries keep arriving.

``python -m bench --only abuse`` starts its own local Neo4j (``bench-abuse``, a county's 1,000 demo
subjects), a real ``hub serve`` on loopback with its default limits, and for each kind of flood,
for a bounded time:

- a **flood** process keeps 200 expensive requests in flight, each from its own address (uvicorn
  takes ``X-Forwarded-For`` from loopback, so each looks like another client to the per-address rate
  limit — the harder case of a crowd, not one greedy client);
- in this process, a **probe** asks ``/healthz`` every 20 ms, and 20 citizens each look up a
  subject, one request after another (a cheap query, two per second each — within the PUBLIC rate);

then prints ``/healthz`` p50/p99/max, the share of cheap queries answered (200 with data) and what
the flood got back. Two floods: the issue's attack (an 8 KB query repeating ``evaluations { grade }``
398 times, varied per request so no cache helps), refused before validation; and a heavy but
admissible query (a page of 100 subjects with their records, cost ≈ 5,300 of 10,000), which runs —
there the concurrency cap and its queue decide.

``python -m bench.abuse flood URL --seconds S [--concurrency N] [--kind attack|heavy]`` runs a flood
alone and prints its outcome as JSON (tests/test_abuse.py uses it against a test hub).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from hub import demo
from hub.db.gateway import Neo4jGateway
from hub.db.server import LocalNeo4j
from hub.service import CreditHub
from hub.settings import Settings
from tests.loopback import free_port, wait_ready

INSTANCE = "bench-abuse"
SUBJECTS = 1000
FLOOD_CONCURRENCY = 200
SECONDS = 15.0
CITIZENS = 20
HEALTH_EVERY_S = 0.02
CITIZEN_PAUSE_S = 0.5
HEAVY = "{ subjects(first: 100) { nodes { uscc name records { id kind title disclosure } } } }"
LOOKUP = "query($u: String!) { subject(uscc: $u) { uscc name evaluations { scheme grade } } }"


def attack_query(variant: int) -> str:
    """The issue's query: 8 KB, one field repeated 398 times; the comment defeats the parser and
    validation caches (each variant is a new document to them)."""
    fields = " ".join(["evaluations { grade }"] * 398)
    return f"# {variant}\n{{ subjects(first: 100) {{ nodes {{ {fields} }} }} }}"


def outcome(response: httpx.Response) -> str:
    """'200' for an answer without errors, else the status and the first error's code:
    '400 QUERY_TOO_COSTLY', '503 BUSY', '429 TOO_MANY_REQUESTS' …"""
    try:
        errors = response.json().get("errors")
        code = errors[0]["extensions"]["code"] if errors else None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        code = "?"
    return str(response.status_code) if code is None else f"{response.status_code} {code}"


async def flood(url: str, seconds: float, concurrency: int, kind: str) -> dict[str, Any]:
    """Keep ``concurrency`` expensive requests in flight for ``seconds``; count what came back."""
    outcomes: Counter[str] = Counter()
    stop = time.monotonic() + seconds
    # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) would close them under a request.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=httpx.Timeout(60.0)) as client:

        async def attacker(number: int) -> None:
            headers = {"X-Forwarded-For": f"10.66.{number // 250}.{number % 250 + 1}"}
            sent = 0
            while sent == 0 or time.monotonic() < stop:  # each sends one at least, however late it starts
                query = attack_query(number * 100_000 + sent) if kind == "attack" else HEAVY
                sent += 1
                try:
                    response = await client.post("/graphql", json={"query": query}, headers=headers)
                    outcomes[outcome(response)] += 1
                except httpx.HTTPError as exc:
                    outcomes[type(exc).__name__] += 1

        started = time.monotonic()
        await asyncio.gather(*(attacker(n) for n in range(concurrency)))
    return {"kind": kind, "seconds": round(time.monotonic() - started, 2), "outcomes": dict(outcomes)}


async def probe(url: str, seconds: float, codes: list[str]) -> dict[str, Any]:
    """/healthz latencies and the citizens' cheap lookups while a flood runs."""
    health: list[float] = []
    cheap: Counter[str] = Counter()
    cheap_latency: list[float] = []
    stop = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(30.0)) as client:

        async def healthz() -> None:
            while time.monotonic() < stop:
                started = time.perf_counter()
                response = await client.get("/healthz")
                health.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                await asyncio.sleep(HEALTH_EVERY_S)

        async def citizen(number: int) -> None:
            headers = {"X-Forwarded-For": f"10.77.0.{number + 1}"}
            asked = 0
            while time.monotonic() < stop:
                code = codes[(number * 31 + asked) % len(codes)]
                asked += 1
                started = time.perf_counter()
                try:
                    response = await client.post("/graphql", headers=headers, json={
                        "query": LOOKUP, "variables": {"u": code}})
                    cheap[outcome(response)] += 1
                    if response.status_code == 200:
                        cheap_latency.append(time.perf_counter() - started)
                except httpx.HTTPError as exc:
                    cheap[type(exc).__name__] += 1
                await asyncio.sleep(CITIZEN_PAUSE_S)

        await asyncio.gather(healthz(), *(citizen(n) for n in range(CITIZENS)))
    return {"health": health, "cheap": dict(cheap), "cheap_latency": cheap_latency}


def start_hub(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen([str(Path(sys.executable).with_name("hub")), "serve"], env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_flood(url: str, seconds: float, concurrency: int, kind: str) -> subprocess.Popen[bytes]:
    """The flood as its own process: its CPU is not this process's (the probe's clocks stay honest)."""
    return subprocess.Popen([sys.executable, "-m", "bench.abuse", "flood", url, "--seconds", str(seconds),
                             "--concurrency", str(concurrency), "--kind", kind],
                            cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE)


def flood_result(process: subprocess.Popen[bytes], timeout_s: float) -> dict[str, Any]:
    out, _ = process.communicate(timeout=timeout_s)
    if process.returncode != 0:
        raise RuntimeError(f"the flood process exited with {process.returncode}")
    result: dict[str, Any] = json.loads(out)
    return result


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(title: str, measured: dict[str, Any], flooded: dict[str, Any] | None) -> None:
    health, cheap, latency = measured["health"], measured["cheap"], measured["cheap_latency"]
    asked = sum(cheap.values())
    served = cheap.get("200", 0)
    print(f"\n### {title}")
    print(f"  /healthz      {len(health):5} probes   p50 {percentile(health, .5) * 1000:6.1f} ms   "
          f"p99 {percentile(health, .99) * 1000:6.1f} ms   max {max(health) * 1000:6.1f} ms")
    print(f"  cheap lookups {asked:5} asked    served {served / max(asked, 1):6.1%}   "
          f"p50 {percentile(latency, .5) * 1000:6.1f} ms   p99 {percentile(latency, .99) * 1000:6.1f} ms   "
          f"otherwise: {dict((k, v) for k, v in cheap.items() if k != '200') or '-'}")
    if flooded is not None:
        total = sum(flooded["outcomes"].values())
        print(f"  flood         {total:5} answered in {flooded['seconds']:.1f} s ({total / flooded['seconds']:.0f}/s): "
              + ", ".join(f"{k} × {v}" for k, v in sorted(flooded["outcomes"].items(), key=lambda kv: -kv[1])))


async def abuse_section(seconds: float = SECONDS) -> None:
    settings = Settings()
    server = LocalNeo4j(settings, INSTANCE)
    credentials, _ = server.start(echo=lambda line: print(line, file=sys.stderr))
    gateway = Neo4jGateway(credentials.uri, credentials.user, credentials.password)
    hub = CreditHub(settings, gateway)
    try:
        await hub.migrate()
        if await hub.count_subjects() != SUBJECTS:
            from hub.db import ingest

            await ingest.wipe(gateway)
            await hub.migrate()
            await demo.load(gateway, demo.generate(seed=7, subjects=SUBJECTS, as_of=hub.today(), vault=hub.vault))
        codes = [row["c"] for row in await gateway.run("MATCH (s:Subject) RETURN s.uscc AS c ORDER BY c LIMIT 200")]
    finally:
        await hub.close()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-abuse-"))
    env = {**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
           "NEO4J_PASSWORD": credentials.password, "HUB_PORT": str(port), "HUB_LOG_LEVEL": "WARNING",
           "HUB_JWT_SECRET": settings.jwt_key, "HUB_DATA_KEY": settings.personal_data_key}
    hub_process = start_hub(env, folder / "hub.log")
    try:
        await wait_ready(url, 60, hub_process.poll, folder / "hub.log")
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:  # warm: caches, pools, Neo4j's pages
            for number, code in enumerate(codes):
                await client.post("/graphql", json={"query": LOOKUP, "variables": {"u": code}},
                                  headers={"X-Forwarded-For": f"10.88.0.{number % 250 + 1}"})
        print(f"\n## A hub under abuse ({SUBJECTS:,} subjects; {FLOOD_CONCURRENCY} expensive requests kept in flight "
              f"for {seconds:g} s, each from its own address; {CITIZENS} citizens looking subjects up; loopback)")
        report("quiet (no flood)", await probe(url, min(seconds, 5.0), codes), None)
        for kind, title in (("attack", "the issue's attack: 398 × evaluations { grade } (refused before validation)"),
                            ("heavy", "heavy but admissible: 100 subjects with their records (runs)")):
            flooder = start_flood(url, seconds, FLOOD_CONCURRENCY, kind)
            await asyncio.sleep(1.0)  # let the flood build up before measuring
            measured = await probe(url, seconds - 2.0, codes)
            report(title, measured, flood_result(flooder, seconds + 120))
            await asyncio.sleep(2.0)
    finally:
        os.killpg(hub_process.pid, signal.SIGTERM)
        hub_process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description="A flood of expensive GraphQL requests (JSON on stdout).")
    parser.add_argument("command", choices=["flood"])
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--concurrency", type=int, default=FLOOD_CONCURRENCY)
    parser.add_argument("--kind", choices=["attack", "heavy"], default="attack")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(flood(args.url, args.seconds, args.concurrency, args.kind))))


if __name__ == "__main__":
    main()
