"""`hub run` — what `make run` ends with: schema, demo data into an empty database, serve, and one block on
standard output once /readyz answers, naming a demo subject with AUTHORIZED records for the README's tour.

Against a Neo4j of its own (NEO4J_URI set, so `hub run` starts none), emptied before and after."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from hub.db.gateway import Neo4jGateway
from hub.db.server import Neo4jCredentials
from tests.builders import cli_env
from tests.loopback import free_port


def lines_until(process: subprocess.Popen[str], wanted: str, timeout_s: float) -> list[str]:
    """Standard output's lines up to and including the first that contains ``wanted`` (read by a thread: a
    buffered reader may hold several lines that a select() on the pipe no longer sees)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        with contextlib.suppress(ValueError, OSError):  # the pipe closed under it: the test is over
            for line in process.stdout:
                lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if wanted in line:
            return seen
    raise AssertionError(f"no line with {wanted!r} within {timeout_s:.0f} s; saw: {seen[-20:]}")


def launch(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([str(Path(sys.executable).with_name("hub")), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, start_new_session=True)


async def test_hub_run_loads_the_demo_serves_and_says_when_ready(spare: Neo4jCredentials, spare_gateway: Neo4jGateway,
                                                                 tmp_path: Path) -> None:
    port = free_port()
    env = cli_env(spare, HUB_PORT=str(port), HUB_STATE_DIR=str(tmp_path), HUB_WARNINGS="false",
                  PYTHONUNBUFFERED="1")
    process = launch("run", "--subjects", "200", env=env)
    try:
        seen = lines_until(process, "A demo subject with AUTHORIZED records", timeout_s=300)
        assert any(line.startswith(f"Credit Hub is ready: http://127.0.0.1:{port}/graphql") for line in seen)
        code = seen[-1].split("tour: ")[1].split(" ")[0]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/readyz")).status_code == 200
        held = await spare_gateway.query(
            "MATCH (r:Record {disclosure: 'AUTHORIZED'})-[:ABOUT]->(:Subject {uscc: $code}) RETURN count(r) AS n",
            {"code": code})
        assert held[0]["n"] >= 1
        assert (await spare_gateway.query("MATCH (s:Subject) RETURN count(s) AS n"))[0]["n"] == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        if process.stdout is not None:
            process.stdout.close()
