"""Cypher for revoked tokens: the ``jti`` deny list and organizations whose earlier tokens are revoked.

  (:RevokedToken {jti, seq, revoked_at, revoked_by, reason})
  (:RevokedOrganization {org, before, seq, revoked_at, revoked_by, reason})  — tokens issued to ``org`` at
                                                                               or before ``before`` (epoch s)
  (:RevocationCounter {name: 'revocations', value})                         — the last ``seq`` handed out

Every revocation takes the next ``seq`` under the counter's write lock, so a hub process reads only what
was revoked since the last ``seq`` it saw (one small indexed query per refresh), whatever the clocks of
the processes that revoked. Entries older than the maximum token lifetime are no longer read at start:
every token they could name has expired by then (a token never lives longer than ``HUB_TOKEN_MAX_TTL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from neo4j import AsyncManagedTransaction

from hub.db.gateway import Neo4jGateway, native

_NEXT_SEQ = ("MERGE (c:RevocationCounter {name: 'revocations'}) ON CREATE SET c.value = 0 "
             "SET c.value = c.value + 1 RETURN c.value AS seq")


@dataclass(frozen=True)
class Revoked:
    """What was revoked after some ``seq``: token ids and organization cut-offs, with when."""

    seq: int
    tokens: list[tuple[str, datetime]]
    organizations: list[tuple[str, int, datetime]]


async def revoke_token(gateway: Neo4jGateway, jti: str, *, at: datetime, by: str, reason: str) -> bool:
    """Deny a token id; False when it was already denied (the first revocation is kept)."""

    async def work(tx: AsyncManagedTransaction) -> bool:
        found = await (await tx.run("MATCH (r:RevokedToken {jti: $jti}) RETURN r.seq AS seq", jti=jti)).single()
        if found is not None:
            return False
        seq = (await (await tx.run(_NEXT_SEQ)).single(strict=True))["seq"]
        await tx.run("CREATE (:RevokedToken {jti: $jti, seq: $seq, revoked_at: $at, revoked_by: $by, reason: $reason})",
                     jti=jti, seq=seq, at=at, by=by, reason=reason)
        return True

    return await gateway.write(work)


async def revoke_organization(gateway: Neo4jGateway, org: str, *, before: int, at: datetime, by: str,
                              reason: str) -> None:
    """Deny every token issued to ``org`` at or before ``before`` (epoch seconds)."""

    async def work(tx: AsyncManagedTransaction) -> None:
        seq = (await (await tx.run(_NEXT_SEQ)).single(strict=True))["seq"]
        await tx.run("CREATE (:RevokedOrganization {org: $org, before: $before, seq: $seq, revoked_at: $at, "
                     "revoked_by: $by, reason: $reason})", org=org, before=before, seq=seq, at=at, by=by,
                     reason=reason)

    await gateway.write(work)


async def revoked_after(gateway: Neo4jGateway, after_seq: int, since: datetime) -> Revoked:
    """Revocations with ``seq`` above ``after_seq`` made since ``since``, and the highest ``seq``, in one
    round trip (``seq`` is indexed)."""
    rows = await gateway.query(
        """
        CALL () { MATCH (c:RevocationCounter {name: 'revocations'}) RETURN c.value AS head }
        CALL () {
          MATCH (t:RevokedToken) WHERE t.seq > $after AND t.revoked_at >= $since
          RETURN collect([t.jti, t.revoked_at]) AS tokens
        }
        CALL () {
          MATCH (o:RevokedOrganization) WHERE o.seq > $after AND o.revoked_at >= $since
          RETURN collect([o.org, o.before, o.revoked_at]) AS organizations
        }
        RETURN head, tokens, organizations
        """, {"after": after_seq, "since": since})
    if not rows:  # nothing was ever revoked: no counter yet
        return Revoked(after_seq, [], [])
    row = rows[0]
    return Revoked(int(row["head"] or after_seq),
                   [(str(jti), native(at)) for jti, at in row["tokens"]],
                   [(str(org), int(before), native(at)) for org, before, at in row["organizations"]])
