"""A real ``hub serve`` on loopback under abuse: it stays up, answers ``/healthz`` fast, and stops.

Each test starts its own ``hub serve`` process (on the suite's Neo4j), so what is measured is the
server a deployment runs — uvicorn, its event loop, its worker processes — not an in-process app.

``/healthz`` does about a millisecond of work, so its latency is the event loop's: a render, a
validation or a parse on the loop shows there at once (the issue saw 2 s for one PDF, 14 minutes
for 200 expensive queries). The bounds are behaviour bounds, not a benchmark (bench/abuse.py
measures the figures): 95 of 100 probes under the issue's 200 ms, and none over 2 s. The loop now
only ever runs short turns — the longest is one query's preparation, parsing at most
HUB_MAX_QUERY_TOKENS tokens, some 30 ms on an idle development machine — but a probe that meets one
on a machine whose two cores also carry Neo4j, the report workers, the flood and other work can
wait several times that (up to 0.9 s measured at a load average of 28): hence a percentile for the
200 ms, and a ceiling for the rest that the old failures (seconds to minutes) exceed by far.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pytest

from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import DATA_KEY, JWT_SECRET, add_record, add_subject, bearer, uscc
from tests.loopback import free_port, wait_ready

SUBJECT = uscc(1400)
HEALTHZ_P95_S = 0.2  # the bound (see the module docstring)
HEALTHZ_MAX_S = 2.0
ROOT = Path(__file__).resolve().parent.parent
PDF = "query($u: String!) { creditReport(uscc: $u) { pdfBase64 } }"
LOOKUP = "query($u: String!) { subject(uscc: $u) { uscc name } }"


@pytest.fixture(scope="module", autouse=True)
async def world(hub: CreditHub) -> None:
    await add_subject(hub, SUBJECT, name="郏县压力测试商贸有限公司")
    await add_record(hub, SUBJECT, f"{SUBJECT}-permit", kind="ADMINISTRATIVE_LICENSE", disclosure="PUBLIC")


@contextlib.asynccontextmanager
async def serving(credentials: Neo4jCredentials, log: Path, **env: str) -> AsyncIterator[
        tuple[str, asyncio.subprocess.Process]]:
    """``hub serve`` on a free loopback port until the block ends (then SIGTERM, SIGKILL if need be)."""
    port = free_port()
    output = _log_file(log)
    try:
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("hub")), "serve", stdin=asyncio.subprocess.DEVNULL, stdout=output,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "NEO4J_URI": credentials.uri, "NEO4J_USER": credentials.user,
                 "NEO4J_PASSWORD": credentials.password, "HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY,
                 "HUB_PORT": str(port), **env})
    finally:
        output.close()  # the child keeps its own descriptor
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, 60, lambda: process.returncode, log)
        yield url, process
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


def assert_fast(latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95)]
    spread = (f"{len(ordered)} probes: p50 {ordered[len(ordered) // 2] * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
              f"max {ordered[-1] * 1000:.0f} ms")
    assert p95 < HEALTHZ_P95_S and ordered[-1] < HEALTHZ_MAX_S, f"/healthz was slow: {spread}"


def _log_file(path: Path) -> BinaryIO:
    return open(path, "wb")


async def probe_healthz(url: str, until: asyncio.Future[Any]) -> list[float]:
    """/healthz every 20 ms until ``until`` is done; the latency of each."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await client.get("/healthz")  # the connection is made before measuring
        while not until.done():
            started = time.perf_counter()
            response = await client.get("/healthz")
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
            await asyncio.sleep(0.02)
    return latencies


async def test_healthz_stays_fast_while_ten_reports_render(neo4j_credentials: Neo4jCredentials,
                                                         settings: Settings, tmp_path: Path) -> None:
    agency = bearer(settings, "agency", "县市场监管局")
    report = {"query": PDF, "variables": {"u": SUBJECT}}
    # the deadline is not what is tested here: on a busy machine ten reports take longer than its default
    async with serving(neo4j_credentials, tmp_path / "hub.log", HUB_REQUEST_TIMEOUT="600") as (url, _), \
            httpx.AsyncClient(base_url=url, timeout=600) as client:
        first = await client.post("/graphql", headers=agency, json=report)
        assert first.status_code == 200, first.text  # the report workers are up
        reports: asyncio.Future[list[httpx.Response]] = asyncio.gather(*(
            client.post("/graphql", headers=agency, json=report) for _ in range(10)))
        latencies = await probe_healthz(url, reports)
        answers = await reports
    assert all(a.status_code == 200 and a.json()["data"]["creditReport"]["pdfBase64"] for a in answers), \
        [a.text[:300] for a in answers]
    assert len(latencies) >= 5, "the reports rendered too fast to measure anything"
    assert_fast(latencies)


async def test_healthz_stays_fast_while_a_crowd_of_expensive_queries_is_refused(
        neo4j_credentials: Neo4jCredentials, tmp_path: Path) -> None:
    # 200 expensive requests kept in flight, each from its own address (bench/abuse.py: the issue's
    # 8 KB query repeating a field 398 times, varied so that no cache helps), from a process of their own.
    async with serving(neo4j_credentials, tmp_path / "hub.log", HUB_LOG_LEVEL="WARNING") as (url, process):
        flood = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.abuse", "flood", url, "--seconds", "6", "--concurrency", "200",
            "--kind", "attack", cwd=ROOT, stdout=asyncio.subprocess.PIPE)
        flooding = asyncio.ensure_future(flood.communicate())
        await asyncio.sleep(1.0)  # the crowd gathers
        latencies = await probe_healthz(url, flooding)
        out, _ = await flooding
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:  # and the hub still serves
            after = await client.post("/graphql", json={"query": LOOKUP, "variables": {"u": SUBJECT}})
        assert process.returncode is None
    outcomes = json.loads(out)["outcomes"]
    refused = {"400 QUERY_TOO_COSTLY", "503 BUSY", "429 TOO_MANY_REQUESTS"}
    assert_fast(latencies)
    assert outcomes and set(outcomes) <= refused, outcomes  # every expensive request refused, none crashed
    assert sum(outcomes.values()) >= 200, outcomes
    assert after.json()["data"]["subject"]["uscc"] == SUBJECT


async def test_a_hundred_megabyte_body_is_refused_as_it_streams(neo4j_credentials: Neo4jCredentials,
                                                                 tmp_path: Path) -> None:
    async with serving(neo4j_credentials, tmp_path / "hub.log") as (url, _):
        port = int(url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /graphql HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
        chunk = b"x" * 65536
        sent = 0
        with contextlib.suppress(ConnectionError, TimeoutError):  # the hub stops reading, or hangs up
            while not answer.done() and sent < 100 * 1024 * 1024:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await asyncio.wait_for(writer.drain(), 5)
                sent += len(chunk)
        head = (await asyncio.wait_for(answer, 30)).decode()
        writer.close()
    assert head.startswith("HTTP/1.1 413"), head
    assert sent < 10 * 1024 * 1024, f"{sent:,} bytes went out before the 413"  # the limit is 100,000


async def test_sigterm_stops_a_busy_hub_within_its_grace(neo4j_credentials: Neo4jCredentials, settings: Settings,
                                                         tmp_path: Path) -> None:
    log = tmp_path / "hub.log"
    async with serving(neo4j_credentials, log, HUB_SHUTDOWN_TIMEOUT="2", HUB_REQUEST_TIMEOUT="120",
                       HUB_PDF_WORKERS="1") as (url, process):
        port = int(url.rsplit(":", 1)[1])
        # busy: requests whose bodies never finish arriving, and reports queued behind one PDF worker
        stalled = []
        for _ in range(5):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST /graphql HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{\"query\": ")
            await writer.drain()
            stalled.append(writer)
        client = httpx.AsyncClient(base_url=url, timeout=120)
        agency = bearer(settings, "agency", "县市场监管局")
        reports = [asyncio.ensure_future(client.post("/graphql", headers=agency,
                                                     json={"query": PDF, "variables": {"u": SUBJECT}}))
                   for _ in range(8)]
        await asyncio.sleep(1.0)
        started = time.monotonic()
        os.killpg(process.pid, signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
        stopped_in = time.monotonic() - started
        await asyncio.gather(*reports, return_exceptions=True)
        await client.aclose()
        for writer in stalled:
            writer.close()
    output = log.read_text()
    # uvicorn shuts down gracefully, then re-raises SIGTERM as its exit status
    assert process.returncode in (0, -signal.SIGTERM), output[-2000:]
    assert "timeout graceful shutdown exceeded" in output  # the requests still in flight were cut …
    assert "Application shutdown complete" in output  # … and the hub closed Neo4j and its workers
    assert stopped_in < 2 + 10, f"SIGTERM took {stopped_in:.1f} s"  # the grace, and time to close
