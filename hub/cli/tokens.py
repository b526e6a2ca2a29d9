"""``hub token …``: issue, inspect and revoke bearer tokens; rotate and retire the token keys (hub.auth,
hub.keyring, hub.revocation; docs/tiers.md "Tokens")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from hub.cli.common import rotate_key
from hub.cli.common import setup_logging as _logging
from hub.cli.common import with_hub as _with_hub
from hub.settings import load_settings

if TYPE_CHECKING:
    from hub.service import CreditHub

T = TypeVar("T")

app = typer.Typer(help="Bearer tokens.", no_args_is_help=True)


@app.command("issue")
def token_issue(
    role: Annotated[str, typer.Option(help="public, bank, agency, platform or admin")],
    org: Annotated[str | None, typer.Option(help="The caller's organization")] = None,
    department: Annotated[str | None, typer.Option(help="Department code (agencies), e.g. 410425-SCJG")] = None,
    ttl: Annotated[int | None, typer.Option(help="Seconds until it expires (at most HUB_TOKEN_MAX_TTL)")] = None,
) -> None:
    """Print a signed bearer token on stdout; its id (jti) and expiry go to stderr. The organization
    is registered (a bank may then be named in consents); without Neo4j it is not, with a warning."""
    from hub.auth import issue_token, token_claims
    from hub.disclosure import Role

    settings = load_settings()
    try:
        parsed = Role(role.lower())
        token = issue_token(settings.jwt_keyring, settings.jwt_issuer, role=parsed, org=org,
                            department=department, ttl_s=ttl or settings.jwt_default_ttl_s,
                            max_ttl_s=settings.token_max_ttl_s)
    except ValueError as exc:
        message = str(exc)
        if "is not a valid Role" in message:
            message = f"--role must be one of {', '.join(r.value for r in Role)}"
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2) from None
    claims = token_claims(token)
    if org:
        _register_issued(parsed.value, org, str(claims["jti"]))
    typer.echo(f"token {claims['jti']} for {parsed.value}:{org or 'public'}"
               f"{f' ({department})' if department else ''}, expires {_when(int(str(claims['exp'])))}", err=True)
    typer.echo(token)


def _register_issued(role: str, org: str, jti: str) -> None:
    """Record the organization a token was issued to, and the issue in the audit chain."""
    from hub.audit import AuditEvent
    from hub.errors import DatabaseUnavailable
    from hub.models import OrganizationKind

    kind = OrganizationKind.of_role(role)

    async def work(hub: CreditHub) -> None:
        if kind is not None:
            await hub.register_organization(org, kind)
        await hub.audit([AuditEvent(action="write", actor="cli:token-issue", role="admin", subject_uscc=None,
                                    token_id=jti, detail=f"token issued to {role}:{org}")])

    try:
        asyncio.run(_with_hub_quiet(work))
    except (DatabaseUnavailable, SystemExit) as exc:
        typer.echo(f"warning: {org} was not registered (Neo4j did not answer: {exc}); before naming it in a "
                   f"consent, run `hub org add --kind {kind.value if kind else 'bank'} {org}`", err=True)


async def _with_hub_quiet(work: Callable[[CreditHub], Awaitable[T]]) -> T:
    """Like with_hub, but a database error propagates (the caller decides it is only a warning)."""
    from hub.app import gateway_for
    from hub.service import CreditHub

    settings = load_settings()
    hub = CreditHub(settings, gateway_for(settings))
    try:
        return await work(hub)
    finally:
        await hub.close()


def _when(epoch: int) -> str:
    from datetime import datetime

    from hub.clock import CHINA

    return datetime.fromtimestamp(epoch, CHINA).isoformat()


@app.command("inspect")
def token_inspect(token: Annotated[str, typer.Argument(help="A bearer token")]) -> None:
    """Print a token's claims and key id (unverified): what `hub token revoke` needs."""
    import jwt

    from hub.auth import token_claims

    claims = token_claims(token.strip())
    try:
        kid = jwt.get_unverified_header(token.strip()).get("kid")
    except jwt.PyJWTError:
        kid = None
    typer.echo(json.dumps({"kid": kid, **claims}, ensure_ascii=False, indent=1))


@app.command("revoke")
def token_revoke(
    jti: Annotated[str | None, typer.Argument(help="The token's id (jti): `hub token inspect` shows it")] = None,
    org: Annotated[str | None, typer.Option(help="Revoke every token issued to this organization so far")] = None,
    reason: Annotated[str, typer.Option(help="Why (kept with the revocation and in the audit chain)")] = "",
) -> None:
    """Revoke one token, or every token issued to an organization so far. Every hub process refuses it
    within HUB_REVOCATION_REFRESH seconds (the deny list is in Neo4j)."""
    from hub.audit import AuditEvent

    _logging()
    if (jti is None) == (org is None):
        typer.echo("error: give a token id (JTI) or --org ORG (one of them)", err=True)
        raise typer.Exit(2)

    async def work(hub: CreditHub) -> str:
        if jti is not None:
            created = await hub.revoke_token(jti, by="cli:token-revoke", reason=reason)
            what = f"token {jti} revoked" if created else f"token {jti} was already revoked"
        else:
            assert org is not None  # exactly one of them was given (checked above)
            before = await hub.revoke_organization_tokens(org, by="cli:token-revoke", reason=reason)
            what = f"every token issued to {org} up to {_when(before)} revoked"
        await hub.audit([AuditEvent(action="write", actor="cli:token-revoke", role="admin", subject_uscc=None,
                                    token_id=jti, detail=f"{what}{f': {reason}' if reason else ''}")])
        return what

    typer.echo(asyncio.run(_with_hub(work)))


@app.command("keys")
def token_keys() -> None:
    """List the token keys on the ring (ids only); the active one signs new tokens."""
    ring = load_settings().jwt_keyring
    for kid in ring.ids:
        typer.echo(f"{kid}{'  (active)' if kid == ring.active else ''}")


@app.command("rotate-key")
def token_rotate_key() -> None:
    """Add a new generated token key and make it active; tokens signed by the older keys stay valid
    until those keys are retired (`hub token retire-key KID`)."""
    rotate_key(load_settings().jwt_keyring_file, "token", set_by="HUB_JWT_SECRET",
               previous="HUB_JWT_PREVIOUS_SECRETS", keys="token keys", still="")


@app.command("retire-key")
def token_retire_key(kid: Annotated[str, typer.Argument(help="The key id to take off the ring")]) -> None:
    """Take a token key off the ring: every token it signed is refused from then on."""
    from hub.keyring import KeyringError

    ring_file = load_settings().jwt_keyring_file
    if ring_file is None:
        typer.echo("error: HUB_JWT_SECRET sets the token keys: remove the secret from HUB_JWT_PREVIOUS_SECRETS "
                   "and restart the hub", err=True)
        raise typer.Exit(2)
    try:
        ring = ring_file.retire(kid)
    except KeyringError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"token key {kid} retired; keys: {', '.join(ring.ids)}")
