"""What every ``hub`` command shares: logging set up from the settings, and a hub for one unit of work."""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from hub.errors import HubError
from hub.keyring import KeyringFile
from hub.settings import load_settings

if TYPE_CHECKING:
    from hub.service import CreditHub

T = TypeVar("T")


def setup_logging() -> None:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The driver warns on every retry and logs each defunct connection; an outage is the gateway's to
    # report (one line when Neo4j goes away, one when it is back: hub.db.gateway), and `hub sync
    # serve`'s. HUB_LOG_LEVEL=DEBUG shows the driver's own lines too.
    logging.getLogger("neo4j").setLevel(logging.DEBUG if settings.log_level == "DEBUG" else logging.CRITICAL)


async def with_hub(work: Callable[[CreditHub], Awaitable[T]]) -> T:
    """Run ``work(hub)`` with a CreditHub; a hub error becomes one ``error:`` line and its exit code."""
    from hub.app import gateway_for
    from hub.service import CreditHub

    settings = load_settings()
    try:
        hub = CreditHub(settings, gateway_for(settings))
    except HubError as exc:  # a malformed data file or key: refuse, say where
        raise fail(exc) from None
    try:
        return await work(hub)
    except HubError as exc:
        raise fail(exc) from None
    finally:
        await hub.close()


def fail(error: HubError) -> typer.Exit:
    """The CLI's one mapping of the error tree: the message on stderr (``error:`` before each of its
    lines — a ``SettingsError`` has one per bad variable), the error's exit code."""
    for line in str(error).splitlines() or [""]:
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(error.exit_code)


def rotate_key(ring_file: KeyringFile | None, name: str, *, set_by: str, previous: str, keys: str,
               still: str) -> None:
    """Add a generated key to ``ring_file`` and make it active. A ring set by variables (no file) is
    rotated by hand: say how (the key in ``set_by`` moves into ``previous``) and exit 2."""
    if ring_file is None:
        typer.echo(f"error: {set_by} sets the {keys}: rotate by moving it into {previous} (comma-separated) "
                   f"and setting a new {set_by}, then restart the hub", err=True)
        raise typer.Exit(2)
    ring = ring_file.rotate()
    typer.echo(f"{name} key {ring.active} is active; {len(ring.ids) - 1} older key(s) still verify{still}")


def confirm_destructive(what: str, yes: bool) -> None:
    """A command that deletes or overwrites goes on only when told so: ``--yes``, or "y" typed at a
    terminal after reading ``what``. Without either (a script, CI), it stops with exit 2, having
    changed nothing."""
    if yes:
        return
    if not sys.stdin.isatty():
        typer.echo(f"error: {what}; run it again with --yes to confirm (nothing was changed)", err=True)
        raise typer.Exit(2)
    if not typer.confirm(f"{what}. Go on?", default=False, err=True):
        typer.echo("nothing was changed", err=True)
        raise typer.Exit(1)
