"""Revoked tokens: a ``jti`` deny list, and organizations whose tokens issued so far are all revoked.

Revocations live in Neo4j (hub.db.revocations), so every hub process sees a revocation made by any
other — ``hub token revoke`` on the command line, or another replica. Each process keeps the deny list
in memory and checks it on every authenticated request (a set lookup and a dict lookup); it reads the
list again from the database when its copy is older than ``HUB_REVOCATION_REFRESH`` seconds (default
5): the first request after that interval makes one indexed round trip that reads what was revoked
since the last one (every revocation takes the next number of a counter), and the others wait for it.
So a revocation made elsewhere takes effect in every hub within that interval, and at once in the
process that made it. If the list cannot be read when a refresh is due, authenticated requests are
refused with ``DATABASE_UNAVAILABLE`` (fail closed: the hub cannot tell whether the token was
revoked); requests without a token are not affected.

The list is bounded: only revocations younger than the maximum token lifetime are read, because
every token they could name has expired by then.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from hub import clock
from hub.clock import CHINA
from hub.db import revocations as store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Viewer
from hub.errors import Unauthenticated

LEEWAY_S = 5  # hub.auth accepts tokens this many seconds past their exp


class RevokedToken(Unauthenticated):
    """A token that was revoked (by id, or with every token of its organization)."""


class DenyList:
    """What is revoked, as this process knows it: token ids and organization cut-offs, each with the time
    it was revoked (so entries older than the maximum token lifetime can be forgotten)."""

    def __init__(self) -> None:
        self.tokens: dict[str, datetime] = {}
        self.organizations: dict[str, tuple[int, datetime]] = {}  # org → (revoked-before epoch s, when)
        self.seq = 0  # the last revocation (hub.db.revocations) merged in

    def merge(self, revoked: store.Revoked) -> None:
        for jti, at in revoked.tokens:
            self.tokens[jti] = at
        for org, before, at in revoked.organizations:
            known = self.organizations.get(org)
            if known is None or before > known[0]:
                self.organizations[org] = (before, at)
        self.seq = max(self.seq, revoked.seq)

    def forget_before(self, horizon: datetime) -> None:
        """Drop entries revoked before ``horizon``: every token they could name has expired."""
        self.tokens = {jti: at for jti, at in self.tokens.items() if at >= horizon}
        self.organizations = {org: entry for org, entry in self.organizations.items() if entry[1] >= horizon}

    def refusal(self, viewer: Viewer) -> str | None:
        if viewer.token_id is not None and viewer.token_id in self.tokens:
            return f"token {viewer.token_id} was revoked; ask the credit office for a new one"
        entry = self.organizations.get(viewer.org or "")
        if entry is not None and viewer.issued_at is not None and viewer.issued_at <= entry[0]:
            cut = datetime.fromtimestamp(entry[0], CHINA).isoformat()
            return f"every token issued to {viewer.org} up to {cut} was revoked; ask the credit office for a new one"
        return None


class RevocationList:
    """The process's copy of the deny list, brought up to date from the database at a bounded interval."""

    def __init__(self, gateway: Neo4jGateway, refresh_s: float, max_ttl_s: int) -> None:
        self.gateway = gateway
        self.refresh_s = refresh_s
        self.max_ttl_s = max_ttl_s
        self.denied = DenyList()
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    async def check(self, viewer: Viewer) -> None:
        """Raise :class:`RevokedToken` when the viewer's token is revoked."""
        if viewer.token_id is None and viewer.issued_at is None:
            return  # PUBLIC: no token to revoke
        if self._stale():
            await self.refresh()
        refusal = self.denied.refusal(viewer)
        if refusal is not None:
            raise RevokedToken(refusal)

    def _stale(self) -> bool:
        return self._loaded_at is None or time.monotonic() - self._loaded_at >= self.refresh_s

    async def refresh(self, *, force: bool = False) -> DenyList:
        """Read what was revoked since the last refresh (everything live, the first time)."""
        async with self._lock:
            if force or self._stale():  # another request may have refreshed it while we waited
                started = time.monotonic()
                horizon = clock.now() - timedelta(seconds=self.max_ttl_s + LEEWAY_S)
                self.denied.merge(await store.revoked_after(self.gateway, self.denied.seq, horizon))
                self.denied.forget_before(horizon)
                self._loaded_at = started
        return self.denied

    async def revoke_token(self, jti: str, *, by: str, reason: str) -> bool:
        """Deny one token id here and now (other processes within the refresh interval)."""
        created = await store.revoke_token(self.gateway, jti, at=clock.now(), by=by, reason=reason)
        await self.refresh(force=True)
        return created

    async def revoke_organization(self, org: str, *, by: str, reason: str) -> int:
        """Deny every token issued to ``org`` up to now; returns the cut-off (epoch seconds)."""
        now = clock.now()
        before = int(now.timestamp())
        await store.revoke_organization(self.gateway, org, before=before, at=now, by=by, reason=reason)
        await self.refresh(force=True)
        return before
