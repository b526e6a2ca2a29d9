"""``hub user …``: the console's staff accounts (hub.staff): add, list, disable, enable."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from hub.cli.common import with_hub as _with_hub

app = typer.Typer(help="Staff accounts of the console (信用监管工作台).", no_args_is_help=True)


@app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The name the person signs in with")],
    role: Annotated[str, typer.Option(help="credit_office (信用办), department (行业部门) or bank (银行)")],
    org: Annotated[str, typer.Option(help="The organization it acts for: the office, the department or the "
                                          "bank (a bank exactly as named in consents)")],
    department: Annotated[str | None, typer.Option(help="Department code, e.g. 410425-SCJG (department "
                                                        "accounts; the credit office's own, if any)")] = None,
    name: Annotated[str | None, typer.Option(help="The person's name, shown in the console")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard "
                                                 "input instead of asking for it")] = False,
) -> None:
    """Create a staff account; the password is asked for twice (never an argument: it would stay in the
    shell's history and the process list)."""
    from hub.models import OrganizationKind
    from hub.staff import StaffRole

    try:
        parsed = StaffRole(role.lower())
    except ValueError:
        typer.echo(f"error: --role must be one of {', '.join(r.value for r in StaffRole)}", err=True)
        raise typer.Exit(2) from None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True, err=True)

    async def work(hub: object) -> str:
        from hub.service import CreditHub

        assert isinstance(hub, CreditHub)
        account = await hub.staff.add(username, password, parsed, org=org, department=department, display_name=name)
        if parsed is StaffRole.BANK:  # a consent may name the bank once it is registered
            await hub.register_organization(org, OrganizationKind.BANK)
        return f"{account.username}: {parsed.value} ({parsed.label}) of {account.org}" + (
            f", department {account.department}" if account.department else "")

    typer.echo(asyncio.run(_with_hub(work)))


@app.command("list")
def user_list() -> None:
    """Every staff account: name, role, organization, department, and whether it is disabled."""

    async def work(hub: object) -> list[str]:
        from hub.service import CreditHub

        assert isinstance(hub, CreditHub)
        return [f"{a.username}\t{a.role.value}\t{a.org}\t{a.department or '-'}\t"
                f"{'disabled' if a.disabled else 'active'}" for a in await hub.staff.list()]

    for line in asyncio.run(_with_hub(work)):
        typer.echo(line)


def _set_disabled(username: str, disabled: bool) -> None:
    async def work(hub: object) -> None:
        from hub.service import CreditHub

        assert isinstance(hub, CreditHub)
        await hub.staff.set_disabled(username, disabled)

    asyncio.run(_with_hub(work))
    typer.echo(f"{username}: {'disabled (its sessions ended)' if disabled else 'enabled'}")


@app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="The account to disable")]) -> None:
    """Disable an account: it can no longer sign in, and its open sessions end at once."""
    _set_disabled(username, True)


@app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="The account to enable again")]) -> None:
    """Enable a disabled account."""
    _set_disabled(username, False)
