"""``hub org …``: the registry of organizations; a consent may name only a registered bank."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from hub.cli.common import with_hub as _with_hub

app = typer.Typer(help="The organizations the hub knows (banks named in consents).", no_args_is_help=True)


@app.command("add")
def org_add(
    name: Annotated[str, typer.Argument(help="The organization's name, exactly as its tokens' --org")],
    kind: Annotated[str, typer.Option(help="bank, agency, platform or credit_office")] = "bank",
) -> None:
    """Register an organization; a consent may name a bank only once it is registered."""
    from hub.models import OrganizationKind

    try:
        parsed = OrganizationKind(kind)
    except ValueError:
        typer.echo(f"error: --kind must be one of {', '.join(k.value for k in OrganizationKind)}", err=True)
        raise typer.Exit(2) from None
    created = asyncio.run(_with_hub(lambda hub: hub.register_organization(name, parsed)))
    typer.echo(f"{name}: registered as {parsed.value}" if created else f"{name}: already registered")


@app.command("list")
def org_list(kind: Annotated[str | None, typer.Option(help="Only this kind")] = None) -> None:
    """The registered organizations and their kinds."""
    from hub.models import OrganizationKind

    parsed = OrganizationKind(kind) if kind else None
    for name, found in asyncio.run(_with_hub(lambda hub: hub.organizations(parsed))):
        typer.echo(f"{found}\t{name}")
