"""``hub db``: manage the local Neo4j instance the hub uses when NEO4J_URI is not set.

Progress and diagnostics go to stderr so that stdout carries only the result — in
particular ``hub db env`` prints nothing but shell assignments, for
``eval "$(hub db env)"``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer

from hub.db.server import LocalNeo4j, Neo4jServerError, resolve_credentials
from hub.settings import Settings, load_settings

app = typer.Typer(
    name="db",
    help="Fetch, start, stop and inspect the local Neo4j server (ignored when NEO4J_URI is set).",
    no_args_is_help=True,
)

EXIT_NOT_RUNNING = 3  # like `systemctl status` / LSB: "program is not running"

InstanceOption = Annotated[
    str | None,
    typer.Option(
        "--instance",
        "-i",
        help="Instance name (default: $HUB_DB_INSTANCE or 'default').",
        show_default=False,
    ),
]


def _progress(message: str) -> None:
    typer.echo(message, err=True)


@contextlib.contextmanager
def _reported_errors() -> Iterator[None]:
    """Turn our expected failures into one readable message and exit code 1, not a traceback."""
    try:
        yield
    except Neo4jServerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


def _external_uri(settings: Settings, local: LocalNeo4j, instance: str | None) -> str | None:
    """NEO4J_URI when the hub would use it instead of this local instance.

    An explicit ``--instance`` always means the local instance. And after
    ``eval "$(hub db env)"`` NEO4J_URI points at the local instance itself, which must not
    stop ``hub db start`` from starting it.
    """
    uri = settings.neo4j_uri
    if not uri or instance is not None:
        return None
    if local.status().created and local.credentials().uri == uri:
        return None
    return uri


@app.command()
def start(instance: InstanceOption = None) -> None:
    """Start the local Neo4j (fetching it through Maven on first use) and wait until it answers."""
    settings = load_settings()
    with _reported_errors():
        local = LocalNeo4j(settings, instance)
        external = _external_uri(settings, local, instance)
        if external:
            typer.echo(f"NEO4J_URI is set: the hub uses the Neo4j server at {external}; nothing to start.")
            return
        credentials, started = local.start(echo=_progress)
    state = "running" if started else "already running"
    typer.echo(f"Neo4j {local.name} {state} at {credentials.uri}")


@app.command()
def stop(instance: InstanceOption = None) -> None:
    """Stop the local Neo4j instance (clean shutdown, killed after 60 s)."""
    with _reported_errors():
        local = LocalNeo4j(load_settings(), instance)
        stopped = local.stop()
    typer.echo(f"Neo4j {local.name} {'stopped' if stopped else 'was not running'}")


@app.command()
def status(instance: InstanceOption = None) -> None:
    """Describe the local instance; exit code 0 if it is running, 3 if not."""
    settings = load_settings()
    with _reported_errors():
        local = LocalNeo4j(settings, instance)
        external = _external_uri(settings, local, instance)
        current = local.status()
    if external:
        typer.echo(f"note: NEO4J_URI is set, so the hub uses {external}, not this instance", err=True)
    typer.echo(current.describe())
    if not current.running:
        raise typer.Exit(EXIT_NOT_RUNNING)


@app.command()
def env(instance: InstanceOption = None) -> None:
    """Print NEO4J_URI/USER/PASSWORD as shell exports: eval "$(hub db env)".

    Without --instance these are the values the hub itself would use (NEO4J_URI if set).
    """
    settings = load_settings()
    with _reported_errors():
        credentials = None if instance else resolve_credentials(settings)
        if credentials is None:
            credentials = LocalNeo4j(settings, instance).credentials()
    typer.echo(credentials.shell_exports())
