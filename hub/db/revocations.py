"""Cypher for revoked tokens: the ``jti`` deny list and organizations whose earlier tokens are revoked.

  (:RevokedToken {jti, revoked_at, revoked_by, reason})
  (:RevokedOrganization {org, before, revoked_at, revoked_by, reason})  — tokens issued to ``org`` at or
                                                                          before ``before`` (epoch seconds)

Entries older than the maximum token lifetime are no longer read: every token they could name has
expired by then (a token never lives longer than ``HUB_TOKEN_MAX_TTL``).
"""

from __future__ import annotations

from datetime import datetime

from hub.db.gateway import Neo4jGateway


async def revoke_token(gateway: Neo4jGateway, jti: str, *, at: datetime, by: str, reason: str) -> bool:
    """Deny a token id; False when it was already denied (the first revocation is kept)."""
    rows = await gateway.run(
        "MERGE (r:RevokedToken {jti: $jti}) ON CREATE SET r.revoked_at = $at, r.revoked_by = $by, "
        "r.reason = $reason, r.created = true ON MATCH SET r.created = false "
        "WITH r, r.created AS created REMOVE r.created RETURN created",
        {"jti": jti, "at": at, "by": by, "reason": reason}, write=True)
    return bool(rows[0]["created"])


async def revoke_organization(gateway: Neo4jGateway, org: str, *, before: int, at: datetime, by: str,
                              reason: str) -> None:
    """Deny every token issued to ``org`` at or before ``before`` (epoch seconds)."""
    await gateway.run(
        "CREATE (r:RevokedOrganization {org: $org, before: $before, revoked_at: $at, revoked_by: $by, "
        "reason: $reason})", {"org": org, "before": before, "at": at, "by": by, "reason": reason}, write=True)


async def denied(gateway: Neo4jGateway, since: datetime) -> tuple[list[str], dict[str, int]]:
    """Token ids and per-organization cut-offs revoked since ``since``, in one round trip."""
    rows = await gateway.query(
        """
        CALL () { MATCH (t:RevokedToken) WHERE t.revoked_at >= $since RETURN collect(t.jti) AS jtis }
        CALL () {
          MATCH (o:RevokedOrganization) WHERE o.revoked_at >= $since
          RETURN collect([o.org, o.before]) AS orgs
        }
        RETURN jtis, orgs
        """, {"since": since})
    cutoffs: dict[str, int] = {}
    for org, before in rows[0]["orgs"]:
        cutoffs[org] = max(cutoffs.get(org, 0), int(before))
    return list(rows[0]["jtis"]), cutoffs
