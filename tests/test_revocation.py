"""Token revocation against real hubs: a ``jti`` deny list and organization cut-offs kept in Neo4j, seen by
every hub process within HUB_REVOCATION_REFRESH seconds, and at once by the process that revoked."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.auth import token_claims
from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import cli_env, hub_command, token
from tests.loopback import free_port, wait_ready

QUERY = {"query": "{ subjects(first: 1) { nodes { uscc } } }"}
REFRESH_S = 1.0  # the served hub's HUB_REVOCATION_REFRESH


async def status(client: httpx.AsyncClient, bearer_token: str) -> httpx.Response:
    return await client.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {bearer_token}"})


def jti(value: str) -> str:
    return str(token_claims(value)["jti"])


async def test_a_revoked_token_is_refused_at_once_by_the_hub_that_revoked_it(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    kept, revoked = token(settings, "bank", "撤销测试银行"), token(settings, "bank", "撤销测试银行")
    assert (await status(client, revoked)).status_code == 200
    assert await hub.revoke_token(jti(revoked), by="test", reason="泄露") is True
    refused = await status(client, revoked)
    assert refused.status_code == 401
    assert f"token {jti(revoked)} was revoked" in refused.json()["errors"][0]["message"]
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await status(client, kept)).status_code == 200  # only that token
    assert await hub.revoke_token(jti(revoked), by="test") is False  # revoking again changes nothing


async def test_revoking_an_organization_refuses_what_it_was_issued_so_far(
        client: httpx.AsyncClient, settings: Settings, hub: CreditHub) -> None:
    earlier = [token(settings, "agency", "撤销测试局", department="410425-YC") for _ in range(2)]
    other = token(settings, "agency", "另一测试局")
    await hub.revoke_organization_tokens("撤销测试局", by="test", reason="人员调整")
    for value in earlier:
        response = await status(client, value)
        assert response.status_code == 401 and "every token issued to 撤销测试局" in response.text
    assert (await status(client, other)).status_code == 200
    reissued = token(settings, "agency", "撤销测试局", now=time.time() + 2)  # issued after the cut-off
    assert (await status(client, reissued)).status_code == 200


@pytest.fixture(scope="module")
async def served(neo4j_credentials: Neo4jCredentials, hub: CreditHub) -> AsyncIterator[str]:
    """A second hub process (``hub serve``) on the same database, refreshing its deny list every second."""
    port = free_port()
    env = cli_env(neo4j_credentials, HUB_PORT=str(port), HUB_REVOCATION_REFRESH=str(REFRESH_S))
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("hub")), "serve", env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, 60, lambda: process.returncode)  # it applies the graph schema first: seconds, or more
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)


async def refused_once_the_refresh_interval_passed(url: str, value: str) -> None:
    """The served hub refuses ``value`` at the first request sent once HUB_REVOCATION_REFRESH seconds have
    passed since the revocation was committed (the command has exited): its copy of the deny list was read
    either after that commit, or before it and so is stale by then, and a stale copy is read again before the
    request is judged. No bound on how long requests take: on a loaded machine a request is only later."""
    await asyncio.sleep(REFRESH_S + 0.05)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        response = await status(http, value)
    assert response.status_code == 401, (
        f"the served hub still accepted the token {REFRESH_S:g} s after it was revoked: {response.text}")


async def test_a_revocation_on_the_command_line_reaches_a_running_hub_within_the_refresh_interval(
        served: str, settings: Settings, neo4j_credentials: Neo4jCredentials) -> None:
    value = token(settings, "platform", "撤销测试平台")
    async with httpx.AsyncClient(base_url=served, timeout=60) as http:
        assert (await status(http, value)).status_code == 200  # the served hub has loaded its list
    revoked = await asyncio.to_thread(hub_command, "token", "revoke", jti(value), "--reason", "测试",
                                      env=cli_env(neo4j_credentials))
    assert revoked.returncode == 0, revoked.stderr
    assert f"token {jti(value)} revoked" in revoked.stdout
    await refused_once_the_refresh_interval_passed(served, value)


async def test_revoking_an_organization_on_the_command_line(
        served: str, settings: Settings, neo4j_credentials: Neo4jCredentials) -> None:
    value = token(settings, "bank", "命令行撤销银行")
    revoked = await asyncio.to_thread(hub_command, "token", "revoke", "--org", "命令行撤销银行",
                                      env=cli_env(neo4j_credentials))
    assert revoked.returncode == 0, revoked.stderr
    assert "every token issued to 命令行撤销银行" in revoked.stdout
    await refused_once_the_refresh_interval_passed(served, value)
    neither = await asyncio.to_thread(hub_command, "token", "revoke", env=cli_env(neo4j_credentials))
    assert neither.returncode == 2 and "give a token id (JTI) or --org ORG" in neither.stderr
