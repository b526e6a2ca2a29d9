"""The ``hub`` command: a composition root like hub.app, for operators and `make`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli import db as db_commands
from hub.cli import load as load_command
from hub.cli import sync as sync_commands
from hub.cli.common import setup_logging as _logging
from hub.cli.common import with_hub as _with_hub
from hub.settings import load_settings

if TYPE_CHECKING:
    from rich.progress import TaskID

app = typer.Typer(help="Credit Hub — 信用分级分类监管 data-sharing hub.", no_args_is_help=True)
app.add_typer(db_commands.app, name="db", help="Manage the local Neo4j server.")
token_app = typer.Typer(help="Bearer tokens.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
draw_app = typer.Typer(help="双随机 draws.", no_args_is_help=True)
import_app = typer.Typer(help="File imports.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(demo_app, name="demo")
app.add_typer(audit_app, name="audit")
app.add_typer(draw_app, name="draw")
app.add_typer(import_app, name="import")
app.add_typer(sync_commands.app, name="sync")
app.command("load")(load_command.load)


@token_app.command("issue")
def token_issue(
    role: Annotated[str, typer.Option(help="public, bank, agency, platform or admin")],
    org: Annotated[str | None, typer.Option(help="The caller's organization")] = None,
    department: Annotated[str | None, typer.Option(help="Department code (agencies)")] = None,
    ttl: Annotated[int | None, typer.Option(help="Seconds until it expires")] = None,
) -> None:
    """Print a signed bearer token on stdout."""
    from hub.auth import issue_token
    from hub.disclosure import Role

    settings = load_settings()
    try:
        parsed = Role(role.lower())
        token = issue_token(settings.jwt_key, settings.jwt_issuer, role=parsed, org=org,
                            department=department, ttl_s=ttl or settings.jwt_default_ttl_s)
    except ValueError as exc:
        message = str(exc)
        if "is not a valid Role" in message:
            message = f"--role must be one of {', '.join(r.value for r in Role)}"
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(token)


@app.command()
def migrate() -> None:
    """Apply the graph schema (constraints and indexes); idempotent."""
    _logging()
    count = asyncio.run(_with_hub(lambda hub: hub.migrate()))
    typer.echo(f"graph schema applied ({count} statements)")


@demo_app.command("load")
def demo_load(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data")] = 7,
    subjects: Annotated[int, typer.Option(help="How many subjects")] = 1000,
    as_of: Annotated[str | None, typer.Option(help="Reference date YYYY-MM-DD (default today)")] = None,
    if_empty: Annotated[bool, typer.Option(help="Only when the database has no subjects")] = False,
    reset: Annotated[bool, typer.Option(help="Delete everything first")] = False,
) -> None:
    """Load a deterministic synthetic data set."""
    _logging()
    reference = date.fromisoformat(as_of) if as_of else None
    asyncio.run(_demo_load(seed, subjects, reference, if_empty, reset))


async def _demo_load(seed: int, subjects: int, as_of: date | None, if_empty: bool,
                     reset: bool) -> None:
    from rich.progress import Progress

    from hub import demo
    from hub.audit import AuditEvent
    from hub.db import ingest

    async def work(hub: object) -> None:
        from hub.service import CreditHub

        assert isinstance(hub, CreditHub)
        await hub.migrate()
        if reset:
            await ingest.wipe(hub.gateway)
        elif if_empty and not await ingest.is_empty(hub.gateway):
            typer.echo("database already holds subjects; demo data not loaded")
            return
        data = demo.generate(seed=seed, subjects=subjects, as_of=as_of or hub.today(),
                             vault=hub.vault)
        with Progress() as progress:
            tasks: dict[str, object] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done)  # type: ignore[arg-type]

            counts = await demo.load(hub.gateway, data, report)
        await hub.audit([AuditEvent(action="write", actor="cli:demo-load", role="admin",
                                    subject_uscc=None, detail=f"demo load seed={seed} {counts}")])
        typer.echo("demo data loaded: " + ", ".join(f"{n} {k}" for k, n in counts.items()))

    await _with_hub(work)


@demo_app.command("export")
def demo_export(
    folder: Annotated[Path, typer.Argument(help="Where to write the archive (created)")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data")] = 7,
    subjects: Annotated[int, typer.Option(help="How many subjects")] = 1000,
    as_of: Annotated[str | None, typer.Option(help="Reference date YYYY-MM-DD (default today)")] = None,
) -> None:
    """Write the demo data set as an archive for `hub load` (docs/bulk-load.md); no database needed."""
    from connectors.archive import write_archive
    from hub import clock, demo
    from hub.personal_data import PersonalDataVault

    vault = PersonalDataVault(load_settings().personal_data_key)
    data = demo.generate(seed=seed, subjects=subjects, vault=vault,
                         as_of=date.fromisoformat(as_of) if as_of else clock.today())
    write_archive(folder, departments=data.departments, organizations=data.organizations, subjects=data.subjects,
                  records=data.records, evaluations=data.evaluations,
                  resident_id=lambda person: vault.unseal(person["id_sealed"]))
    typer.echo(f"archive written to {folder}: " + ", ".join(f"{n} {k}" for k, n in data.counts().items()))


@app.command()
def evaluate(
    scheme: Annotated[list[str] | None, typer.Option(help="Scheme id (repeatable); default: all covered")] = None,
    region: Annotated[str | None, typer.Option(help="Region code: a county, a city (xxxx00) or a province")] = None,
    batch_size: Annotated[int, typer.Option(help="Subjects per batch")] = 2000,
) -> None:
    """Re-grade subjects in batches, with a progress bar and a summary of grades and changes."""
    _logging()
    asyncio.run(_evaluate(scheme, region, batch_size))


async def _evaluate(schemes: list[str] | None, region: str | None, batch_size: int) -> None:
    from rich.progress import Progress

    async def work(hub):  # type: ignore[no-untyped-def]
        total = await hub.count_subjects()
        with Progress() as progress:
            task = progress.add_task("grading subjects", total=total)
            summary = await hub.evaluate(schemes, region, batch_size=batch_size,
                                         progress=lambda n: progress.advance(task, n))
            progress.update(task, total=summary.subjects, completed=summary.subjects)
        await hub.audit([AuditEvent(action="write", actor="cli:evaluate", role="admin", subject_uscc=None,
                                    detail=f"run {summary.run_id}: {summary.evaluations} evaluations")])
        typer.echo(summary.describe())

    from hub.audit import AuditEvent

    await _with_hub(work)


@import_app.command("shuanggongshi")
def import_shuanggongshi(
    file: Annotated[Path, typer.Argument(help="A 双公示 file (XLSX or CSV) in the national standard's columns")],
    source_platform: Annotated[str | None, typer.Option(help="Where the file came from (HUB_PLATFORM_ID)")] = None,
    received_on: Annotated[str | None, typer.Option(help="When it was reported, YYYY-MM-DD (default today)")] = None,
    report: Annotated[Path | None, typer.Option(help="Where to write the per-row error report (CSV)")] = None,
    batch_size: Annotated[int, typer.Option(help="Records per transaction (subjects are re-graded 2000 at a time)")]
    = 5000,
) -> None:
    """Import the good rows of a 行政处罚 or 行政许可 file; write the refused rows, with reasons, to a report.

    Works in bounded batches (store, tally, re-grade) with a progress bar; an import stopped part way
    resumes when the same file is imported again."""
    from connectors.shuanggongshi import ShuanggongshiFileError, error_report_csv, read_file
    from hub.imports import FileImport

    _logging()
    if batch_size < 1:
        typer.echo("error: --batch-size must be at least 1", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    received = date.fromisoformat(received_on) if received_on else None
    platform = source_platform or settings.platform_id
    try:
        result = read_file(file, source_platform=platform, received_on=received)
    except ShuanggongshiFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    import_id = _import_id(file, platform)
    # The refused rows go back to the department whatever happens to the rest.
    target = report or file.with_name(file.name + ".errors.csv")
    target.write_text(error_report_csv(result), encoding="utf-8-sig")
    typer.echo(f"{file.name}: {result.rows} rows read ({result.kind}), {len(result.records)} to store, "
               f"{len(result.errors)} refused (report: {target}), {len(result.late)} reported late, "
               f"{len(result.natural_persons)} about natural persons (no subject code; not stored)")
    incoming = FileImport(import_id=import_id, file=file.name, kind=result.kind, source_platform=platform,
                          received_on=received, subjects=result.subjects, records=result.records,
                          per_department=result.per_department)

    async def work(hub):  # type: ignore[no-untyped-def]
        from hub.imports import Importer

        with _stage_progress() as report_progress:
            outcome = await Importer(hub.gateway, hub.reevaluator, store_batch=batch_size).run(
                incoming, report_progress)
        await hub.audit([AuditEvent(action="write", actor=f"cli:import:{file.name}", role="admin", subject_uscc=None,
                                    detail=f"双公示 {result.kind}: {outcome.changed} of {outcome.records} records "
                                           f"new or changed, {len(result.errors)} refused, {outcome.regraded} "
                                           f"subjects re-graded, import {import_id}")])
        return outcome

    from hub.audit import AuditEvent

    try:
        outcome = asyncio.run(_with_hub(work))
    except typer.Exit:  # the error itself is on stderr already (hub.cli.common.fail)
        typer.echo(f"the import of {file.name} stopped; what it stored is kept — run the same command again to "
                   "resume it", err=True)
        raise
    typer.echo(f"{file.name}: {outcome.describe()}")
    for department, stats in sorted(result.per_department.items()):
        timeliness = "-" if stats.timeliness_rate is None else f"{stats.timeliness_rate:.1%}"
        typer.echo(f"  {stats.name or department}: compliance {stats.compliance_rate:.1%}, timeliness {timeliness}")


@contextlib.contextmanager
def _stage_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar per stage, fed ``(stage, done, total)``; on stderr, so stdout stays the summary."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True)) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield report


def _import_id(file: Path, source_platform: str) -> str:
    """The same bytes from the same platform are the same import: importing a file again replaces its
    tallies instead of counting its rows twice (its records are idempotent too)."""
    digest = hashlib.sha256(source_platform.encode() + b"\0")
    digest.update(file.read_bytes())
    return "sgs-" + digest.hexdigest()[:32]


@draw_app.command("verify")
def draw_verify(
    draw_id: Annotated[str | None, typer.Argument(help="The draw's id (verified from the database)")] = None,
    file: Annotated[Path | None, typer.Option(help="An exported draw (hub draw export): no database needed")] = None,
) -> None:
    """Recompute a draw from its frozen inputs and revealed seed; exit 1 naming what does not match."""
    from hub.supervision import draw_file

    _logging()
    if (draw_id is None) == (file is None):
        typer.echo("error: give a draw id or --file FILE (one of them)", err=True)
        raise typer.Exit(2)
    if file is not None:
        try:
            document = draw_file.read(file)
            checked = draw_file.verify_document(document)
        except draw_file.DrawFileError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        name, ok, detail, digest = document["draw"], checked.ok, checked.detail, checked.outcome.recomputed_digest
    else:
        async def work(hub):  # type: ignore[no-untyped-def]
            return await hub.inspections.verify(draw_id)

        outcome = asyncio.run(_with_hub(work))
        name, ok, detail, digest = draw_id, outcome.ok, outcome.detail, outcome.recomputed_digest
    if ok:
        typer.echo(f"draw {name} verified: the revealed seed matches its commitment and the recomputed "
                   f"result digest {digest} matches the published one")
        return
    typer.echo(f"draw {name} FAILED verification: {detail}")
    raise typer.Exit(1)


@draw_app.command("export")
def draw_export(
    draw_id: Annotated[str, typer.Argument(help="The draw's id")],
    out: Annotated[Path, typer.Option(help="Where to write the JSON file")],
) -> None:
    """Write a drawn draw's frozen inputs, seed and digests to a file `hub draw verify --file` checks.
    The population holds SAMR risk classes (seed 004 第六条): the file is for government departments."""
    _logging()

    async def work(hub):  # type: ignore[no-untyped-def]
        return await hub.inspections.export(draw_id)

    document = asyncio.run(_with_hub(work))
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    out.chmod(0o600)
    typer.echo(f"draw {draw_id}: {len(document['population']):,} subjects, {len(document['inspectors'])} inspectors "
               f"written to {out} (INTERNAL: it holds risk classes)")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain; exit 1 and name the first broken link if any."""
    _logging()
    report = asyncio.run(_with_hub(lambda hub: hub.verify_audit()))
    typer.echo(report.describe())
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (HUB_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (HUB_PORT)")] = None,
) -> None:
    """Serve the hub over HTTP (GraphQL at /graphql)."""
    import uvicorn

    from hub.app import create_app

    _logging()
    settings = load_settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                log_level=settings.log_level.lower(), access_log=False)


@app.command()
def run(
    subjects: Annotated[int, typer.Option(help="Demo subjects to load into an empty database")] = 1000,
) -> None:
    """Everything `make run` does: start Neo4j if local, apply the schema, load demo data, serve."""
    settings = load_settings()
    if settings.uses_local_neo4j:
        db_commands.start(instance=None)
    asyncio.run(_demo_load(7, subjects, None, if_empty=True, reset=False))
    serve(host=None, port=None)


def main() -> None:
    from pydantic import ValidationError

    from hub.errors import HubError

    try:
        app()
    except HubError as exc:  # one that a command did not map itself
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(exc.exit_code) from None
    except ValidationError as exc:  # a malformed HUB_*/NEO4J_* variable: say which, no traceback
        for error in exc.errors(include_url=False):
            name = ".".join(str(part) for part in error["loc"])
            typer.echo(f"error: configuration {name}={error.get('input')!r}: "
                       f"{str(error['msg']).removeprefix('Value error, ')}", err=True)
        raise SystemExit(2) from None
