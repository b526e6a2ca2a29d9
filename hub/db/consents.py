"""Cypher for consents (授权): grant, revoke, read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from hub.db.gateway import Neo4jGateway, temporal
from hub.disclosure import ConsentScope
from hub.models import Consent


def consent_map(subject: str) -> str:
    """A consent ``c`` as the map :func:`consent_from_row` reads, ``subject`` the Cypher expression of its
    subject's code: its times as ISO text (``hub.db.gateway.temporal``), which the driver decodes ~30 times
    cheaper than its DateTime (a bank's lookup carries every consent the bank holds of the subject)."""
    return ("c { .id, .grantee, .purpose, .scopes, .granted_by, subject_uscc: " + subject + ", "
            "granted_at: toString(c.granted_at), expires_at: toString(c.expires_at), "
            "revoked_at: toString(c.revoked_at) }")


def consent_from_row(row: Mapping[str, Any]) -> Consent:
    return Consent(
        id=row["id"], subject_uscc=row["subject_uscc"], grantee=row["grantee"],
        purpose=row["purpose"], granted_at=temporal(row["granted_at"]),
        expires_at=temporal(row["expires_at"]), revoked_at=temporal(row.get("revoked_at")),
        granted_by=row.get("granted_by"),
        scopes=frozenset(ConsentScope(s) for s in row.get("scopes") or ConsentScope),
    )


async def create_consent(gateway: Neo4jGateway, consent: Consent) -> Consent | None:
    """Store a consent; None when the subject is unknown. The grantee must be a registered organization
    (the service checks it is a bank and names close matches when it is not)."""

    async def work(tx: AsyncManagedTransaction) -> dict[str, Any] | None:
        result = await tx.run(
            """
            MATCH (s:Subject {uscc: $uscc})
            MATCH (o:Organization {name: $grantee})
            CREATE (c:Consent {id: $id, subject_uscc: $uscc, grantee: $grantee, purpose: $purpose,
                               scopes: $scopes, granted_at: $granted_at, expires_at: $expires_at,
                               granted_by: $granted_by})
            CREATE (c)-[:GIVEN_BY]->(s), (c)-[:GRANTED_TO]->(o)
            RETURN c { .* } AS consent
            """,
            uscc=consent.subject_uscc, grantee=consent.grantee, id=consent.id,
            purpose=consent.purpose, scopes=sorted(consent.scopes), granted_at=consent.granted_at,
            expires_at=consent.expires_at, granted_by=consent.granted_by,
        )
        record = await result.single()
        return record["consent"] if record else None

    row = await gateway.write(work)
    return consent_from_row(row) if row else None


async def get_consent(gateway: Neo4jGateway, consent_id: str) -> Consent | None:
    rows = await gateway.run("MATCH (c:Consent {id: $id}) RETURN c { .* } AS consent", {"id": consent_id})
    return consent_from_row(rows[0]["consent"]) if rows else None


async def revoke_consent(gateway: Neo4jGateway, consent_id: str, at: datetime) -> Consent | None:
    """Mark a consent revoked (idempotent: the first revocation time is kept)."""

    async def work(tx: AsyncManagedTransaction) -> dict[str, Any] | None:
        result = await tx.run(
            "MATCH (c:Consent {id: $id}) SET c.revoked_at = coalesce(c.revoked_at, $at) "
            "RETURN c { .* } AS consent", id=consent_id, at=at)
        record = await result.single()
        return record["consent"] if record else None

    row = await gateway.write(work)
    return consent_from_row(row) if row else None


# A consent's status now, as Cypher (hub.bank_consents.ConsentStatus.of is the same rule in Python).
_STATUS = """($status IS NULL
   OR ($status = 'REVOKED' AND c.revoked_at IS NOT NULL)
   OR ($status = 'ACTIVE' AND c.revoked_at IS NULL AND c.expires_at > $now)
   OR ($status = 'EXPIRED' AND c.revoked_at IS NULL AND c.expires_at <= $now))"""


async def granted_to(gateway: Neo4jGateway, grantee: str, *, status: str | None, now: datetime,
                     after: tuple[datetime, str] | None, limit: int) -> list[Consent]:
    """Up to ``limit`` consents granted to ``grantee``, newest grant first, after the position ``after``."""
    rows = await gateway.query(
        "MATCH (c:Consent {grantee: $grantee}) WHERE " + _STATUS + """
           AND ($after_at IS NULL OR c.granted_at < $after_at OR (c.granted_at = $after_at AND c.id < $after_id))
        RETURN c { .* } AS consent ORDER BY c.granted_at DESC, c.id DESC LIMIT $limit""",
        {"grantee": grantee, "status": status, "now": now, "limit": limit,
         "after_at": after[0] if after else None, "after_id": after[1] if after else None})
    return [consent_from_row(row["consent"]) for row in rows]


async def count_granted_to(gateway: Neo4jGateway, grantee: str, *, status: str | None, now: datetime) -> int:
    rows = await gateway.query("MATCH (c:Consent {grantee: $grantee}) WHERE " + _STATUS + " RETURN count(c) AS n",
                               {"grantee": grantee, "status": status, "now": now})
    return int(rows[0]["n"])


async def of_subjects(gateway: Neo4jGateway, usccs: Sequence[str], grantee: str | None,
                      limit: int = 200) -> dict[str, list[Consent]]:
    """The consents each subject gave, newest grant first — only ``grantee``'s when given, else all of them;
    one round trip for a page of subjects."""
    rows = await gateway.query(
        "UNWIND $usccs AS code CALL (code) { MATCH (c:Consent)-[:GIVEN_BY]->(:Subject {uscc: code}) "
        "WHERE $grantee IS NULL OR c.grantee = $grantee WITH c ORDER BY c.granted_at DESC, c.id LIMIT $limit "
        "RETURN collect(" + consent_map("code") + ") AS found } "
        "RETURN code, found", {"usccs": list(usccs), "grantee": grantee, "limit": limit})
    return {row["code"]: [consent_from_row(c) for c in row["found"]] for row in rows}
