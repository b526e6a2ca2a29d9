"""Cypher for the console's staff accounts, their sign-in failures and their sessions (hub.staff).

  (:StaffUser {username, password_hash, role, org, department, display_name, disabled, created_at,
               failures: [DateTime]})
  (:SignInGuard {username, failures: [DateTime]})   -- failures against a name no account has
  (:ConsoleSession {id_hash, username, csrf, created_at, expires_at})

A session is stored by the SHA-256 of its cookie value, never the value itself: a copy of the graph
does not sign anyone in. Failures are kept per name whether or not an account has it, so the
lock-out does not tell which names exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from hub.db.gateway import Neo4jGateway

SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT staff_user_username IF NOT EXISTS FOR (u:StaffUser) REQUIRE u.username IS UNIQUE",
    "CREATE CONSTRAINT sign_in_guard_username IF NOT EXISTS FOR (g:SignInGuard) REQUIRE g.username IS UNIQUE",
    "CREATE CONSTRAINT console_session_id IF NOT EXISTS FOR (s:ConsoleSession) REQUIRE s.id_hash IS UNIQUE",
)

_FIELDS = ("u.username AS username, u.password_hash AS password_hash, u.role AS role, u.org AS org, "
           "u.department AS department, u.display_name AS display_name, u.disabled AS disabled, "
           "u.created_at AS created_at")


async def create_user(gateway: Neo4jGateway, user: dict[str, Any]) -> bool:
    """Create the account; False when the name is taken (nothing changed)."""
    rows = await gateway.run(
        "MERGE (u:StaffUser {username: $user.username}) "
        "ON CREATE SET u += $user, u.disabled = false, u.failures = [], u.created = true "
        "ON MATCH SET u.created = false "
        "WITH u, u.created AS created REMOVE u.created RETURN created",
        {"user": user}, write=True)
    return bool(rows[0]["created"])


async def get_user(gateway: Neo4jGateway, username: str) -> dict[str, Any] | None:
    rows = await gateway.query(f"MATCH (u:StaffUser {{username: $username}}) RETURN {_FIELDS}",
                               {"username": username})
    return rows[0] if rows else None


async def list_users(gateway: Neo4jGateway) -> list[dict[str, Any]]:
    return await gateway.query(f"MATCH (u:StaffUser) RETURN {_FIELDS} ORDER BY u.username")


async def set_disabled(gateway: Neo4jGateway, username: str, disabled: bool) -> bool:
    """Disable (or enable) an account; disabling also ends its sessions. False when there is none."""
    rows = await gateway.run(
        "MATCH (u:StaffUser {username: $username}) SET u.disabled = $disabled "
        "WITH u OPTIONAL MATCH (s:ConsoleSession {username: u.username}) WHERE $disabled "
        "DETACH DELETE s RETURN count(*) AS found",
        {"username": username, "disabled": disabled}, write=True)
    return bool(rows and rows[0]["found"])


async def recent_failures(gateway: Neo4jGateway, username: str, since: datetime) -> list[datetime]:
    """The failed sign-ins against ``username`` after ``since`` (an account's or an unknown name's)."""
    rows = await gateway.query(
        "OPTIONAL MATCH (u:StaffUser {username: $username}) OPTIONAL MATCH (g:SignInGuard {username: $username}) "
        "RETURN [f IN coalesce(u.failures, []) + coalesce(g.failures, []) WHERE f > $since] AS failures",
        {"username": username, "since": since})
    return [f.to_native() if hasattr(f, "to_native") else f for f in rows[0]["failures"]] if rows else []


async def add_failure(gateway: Neo4jGateway, username: str, at: datetime, since: datetime) -> int:
    """Count one failed sign-in against ``username`` (dropping those before ``since``); the count now."""

    async def work(tx: AsyncManagedTransaction) -> int:
        params = {"username": username, "at": at, "since": since}
        result = await tx.run(
            "MATCH (u:StaffUser {username: $username}) "
            "SET u.failures = [f IN coalesce(u.failures, []) WHERE f > $since] + $at RETURN size(u.failures) AS n",
            params)
        row = await result.single()
        if row is None:
            result = await tx.run(
                "MERGE (g:SignInGuard {username: $username}) "
                "SET g.failures = [f IN coalesce(g.failures, []) WHERE f > $since] + $at RETURN size(g.failures) AS n",
                params)
            row = await result.single()
        assert row is not None
        return int(row["n"])

    return await gateway.write(work)


async def clear_failures(gateway: Neo4jGateway, username: str) -> None:
    await gateway.run("MATCH (u:StaffUser {username: $username}) SET u.failures = []",
                      {"username": username}, write=True)


async def create_session(gateway: Neo4jGateway, session: dict[str, Any]) -> None:
    await gateway.run("CREATE (s:ConsoleSession) SET s = $session", {"session": session}, write=True)


async def session_user(gateway: Neo4jGateway, id_hash: str, now: datetime) -> dict[str, Any] | None:
    """The live session's CSRF token and its account (enabled accounts only); None otherwise."""
    rows = await gateway.query(
        "MATCH (s:ConsoleSession {id_hash: $id_hash}) WHERE s.expires_at > $now "
        f"MATCH (u:StaffUser {{username: s.username}}) WHERE NOT u.disabled RETURN s.csrf AS csrf, {_FIELDS}",
        {"id_hash": id_hash, "now": now})
    return rows[0] if rows else None


async def delete_session(gateway: Neo4jGateway, id_hash: str) -> str | None:
    """End a session; the account it belonged to (None when there was none)."""
    rows = await gateway.run(
        "MATCH (s:ConsoleSession {id_hash: $id_hash}) WITH s, s.username AS username DETACH DELETE s "
        "RETURN username", {"id_hash": id_hash}, write=True)
    return str(rows[0]["username"]) if rows else None


async def delete_expired_sessions(gateway: Neo4jGateway, now: datetime) -> None:
    await gateway.run("MATCH (s:ConsoleSession) WHERE s.expires_at <= $now DETACH DELETE s", {"now": now},
                      write=True)
