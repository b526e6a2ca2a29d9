"""`hub serve` as a real process on loopback: ready, answers GraphQL, stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx

from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from tests.builders import AUDIT_KEY, DATA_KEY, JWT_SECRET, add_subject, uscc
from tests.loopback import free_port, wait_ready

NAME = "郏县真实进程测试有限公司"


async def test_hub_serve_answers_over_real_http(neo4j_credentials: Neo4jCredentials,
                                                hub: CreditHub) -> None:
    await add_subject(hub, uscc(800), name=NAME)
    port = free_port()
    env = {**os.environ, "NEO4J_URI": neo4j_credentials.uri, "NEO4J_USER": neo4j_credentials.user,
           "NEO4J_PASSWORD": neo4j_credentials.password, "HUB_JWT_SECRET": JWT_SECRET,
           "HUB_DATA_KEY": DATA_KEY, "HUB_AUDIT_KEY": AUDIT_KEY, "HUB_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("hub")), "serve", env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, start_new_session=True)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            # raises unless 200; the hub applies its graph schema first (some 5 s on an idle 2-core machine)
            await wait_ready(f"http://127.0.0.1:{port}", 60, lambda: process.returncode)
            body = (await client.post("/graphql", json={
                "query": '{ subjects(search: "真实进程测试") { nodes { uscc name } } }'})).json()
        assert body["data"]["subjects"]["nodes"] == [{"uscc": uscc(800), "name": NAME}]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM as its exit status
    assert process.returncode in (0, -signal.SIGTERM), stderr.decode()[-2000:]
    assert "Application shutdown complete" in stderr.decode()
