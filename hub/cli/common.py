"""What every ``hub`` command shares: logging set up from the settings, and a hub for one unit of work."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import typer

from hub.settings import load_settings


def setup_logging() -> None:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


async def with_hub(work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``work(hub)`` with a CreditHub; known failures become one ``error:`` line and an exit code."""
    from hub.app import gateway_for
    from hub.codes import InvalidCode
    from hub.db.gateway import DatabaseUnavailable
    from hub.exchange.peers import PeersFileError
    from hub.grading.schemes import GradingError
    from hub.service import CreditHub

    settings = load_settings()
    try:
        hub = CreditHub(settings, gateway_for(settings))
    except (GradingError, PeersFileError, ValueError) as exc:  # a malformed file or key: refuse, say where
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        return await work(hub)
    except (InvalidCode, GradingError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except DatabaseUnavailable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        if "hub" in locals():
            await hub.close()
