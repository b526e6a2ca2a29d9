"""`python -m bench --only revocation`: what checking the token deny list costs a request.

Writes 10,000 revoked token ids and 100 revoked organizations (what a year of revocations might hold;
only those younger than the maximum token lifetime are read), then prints

- the refresh: one round trip that reads the whole live deny list (hub.revocation), p50/p99;
- the check a request makes between refreshes: a set and a dict lookup, in microseconds;
- an authenticated request to a real `hub serve` on loopback with the default refresh interval (5 s)
  beside the same request to a hub told to read the list on every request (HUB_REVOCATION_REFRESH=0).

The bench's revocations carry ``reason: 'bench'`` and are removed afterwards.
"""

from __future__ import annotations

import time
import uuid

import httpx

from bench.timing import line, timed
from hub import clock
from hub.auth import issue_token
from hub.db import revocations as store
from hub.db.server import Neo4jCredentials
from hub.disclosure import Role, Viewer
from hub.revocation import RevocationList
from hub.service import CreditHub
from hub.settings import Settings
from tests.loopback import free_port, wait_ready

TOKENS, ORGANIZATIONS = 10_000, 100
QUERY = {"query": "{ gradingSchemes { id } }"}


async def revocation_section(settings: Settings, credentials: Neo4jCredentials, hub: CreditHub, runs: int) -> None:
    from bench.__main__ import start_hub

    for n in range(TOKENS):  # as `hub token revoke` writes them, each with the next revocation number
        await store.revoke_token(hub.gateway, f"bench-{n}-{uuid.uuid4().hex[:8]}", at=clock.now(), by="bench",
                                 reason="bench")
    for n in range(ORGANIZATIONS):
        await store.revoke_organization(hub.gateway, f"bench-org-{n}", before=int(time.time()), at=clock.now(),
                                        by="bench", reason="bench")
    try:
        started = time.perf_counter()
        deny = RevocationList(hub.gateway, settings.revocation_refresh_s, settings.token_max_ttl_s)
        denied = await deny.refresh()
        first = time.perf_counter() - started
        print(f"\n## Token revocation — a deny list of {len(denied.tokens):,} token ids and "
              f"{len(denied.organizations):,} organizations")
        print(f"  {'first load (at start, whole list)':<38} {first * 1000:7.2f} ms")
        print(line("refresh (what was revoked since)", await timed(lambda: deny.refresh(force=True), min(runs, 200))))
        viewer = Viewer(Role.BANK, "基准测试银行", token_id=uuid.uuid4().hex, issued_at=int(time.time()))
        calls = 100_000
        started = time.perf_counter()
        for _ in range(calls):
            await deny.check(viewer)
        per_check_us = (time.perf_counter() - started) / calls * 1e6
        print(f"  {'check between refreshes':<38} {per_check_us:7.2f} µs per request")

        secrets = {"HUB_JWT_SECRET": settings.jwt_key, "HUB_DATA_KEY": settings.personal_data_key}
        bearer = {"Authorization": "Bearer " + issue_token(settings.jwt_key, settings.jwt_issuer, role=Role.BANK,
                                                           org="基准测试银行", ttl_s=3600)}
        for label, refresh_s in (("authenticated request, refresh 5 s", "5"),
                                 ("authenticated request, refresh 0 s", "0")):
            port = free_port()
            process = start_hub(credentials, {**secrets, "HUB_REVOCATION_REFRESH": refresh_s}, port)
            try:
                url = f"http://127.0.0.1:{port}"
                await wait_ready(url, 60, process.poll)
                async with httpx.AsyncClient(base_url=url) as client:
                    async def request(http: httpx.AsyncClient = client) -> None:
                        response = await http.post("/graphql", json=QUERY, headers=bearer)
                        assert response.status_code == 200, response.text

                    samples = await timed(request, runs)
                print(line(label, samples))
            finally:
                process.terminate()
                process.wait(timeout=30)
    finally:
        await hub.gateway.autocommit("MATCH (r) WHERE (r:RevokedToken OR r:RevokedOrganization) AND r.reason = 'bench' "
                                     "CALL (r) { DETACH DELETE r } IN TRANSACTIONS OF 5000 ROWS")
