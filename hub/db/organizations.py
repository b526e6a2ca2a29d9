"""Cypher for the registry of organizations (banks, agencies, platforms, the credit office).

  (:Organization {name, kind, uscc, registered_at})

A consent names its grantee bank by name (what the bank's tokens say in ``org``); only a registered
bank may be named, so a typo does not create a consent nobody can use. An organization is registered
by ``hub org add``, by ``hub token issue`` (the organization a token is issued to), or by the demo data.
"""

from __future__ import annotations

from datetime import datetime

from hub.db.gateway import Neo4jGateway


async def register(gateway: Neo4jGateway, name: str, kind: str, at: datetime) -> bool:
    """Register ``name`` as ``kind`` (an existing organization keeps its kind); True when new."""
    rows = await gateway.run(
        "MERGE (o:Organization {name: $name}) ON CREATE SET o.kind = $kind, o.registered_at = $at, o.created = true "
        "ON MATCH SET o.created = false, o.kind = coalesce(o.kind, $kind) "
        "WITH o, o.created AS created REMOVE o.created RETURN created",
        {"name": name, "kind": kind, "at": at}, write=True)
    return bool(rows[0]["created"])


async def kind_of(gateway: Neo4jGateway, name: str) -> str | None:
    rows = await gateway.query("MATCH (o:Organization {name: $name}) RETURN o.kind AS kind", {"name": name})
    return str(rows[0]["kind"]) if rows and rows[0]["kind"] is not None else None


async def names(gateway: Neo4jGateway, kind: str | None = None) -> list[tuple[str, str]]:
    """(name, kind) of the registered organizations, by name."""
    rows = await gateway.query(
        "MATCH (o:Organization) WHERE $kind IS NULL OR o.kind = $kind RETURN o.name AS name, o.kind AS kind "
        "ORDER BY o.name", {"kind": kind})
    return [(str(row["name"]), str(row["kind"])) for row in rows]
