"""The ``hub`` command: a composition root like hub.app, for operators and `make`."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.cli import db as db_commands
from hub.cli import load as load_command
from hub.cli import organizations as organization_commands
from hub.cli import sync as sync_commands
from hub.cli import tokens as token_commands
from hub.cli import users as user_commands
from hub.cli.common import rotate_key
from hub.cli.common import setup_logging as _logging
from hub.cli.common import with_hub as _with_hub
from hub.settings import load_settings

if TYPE_CHECKING:
    from rich.progress import TaskID

    from connectors.shuanggongshi import DepartmentStats, ImportResult
    from hub.imports import ImportOutcome
    from hub.service import CreditHub
    from hub.supervision.evidence import DrawReport

# What a clerk reads (the summaries on stdout) is in Chinese; the English goes to this log (issue 13 §4).
log = logging.getLogger("hub.cli")
app = typer.Typer(help="Credit Hub — 信用分级分类监管 data-sharing hub.", no_args_is_help=True)
app.add_typer(db_commands.app, name="db", help="Manage the local Neo4j server.")
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
draw_app = typer.Typer(help="双随机 draws.", no_args_is_help=True)
import_app = typer.Typer(help="File imports.", no_args_is_help=True)
app.add_typer(token_commands.app, name="token", help="Bearer tokens: issue, inspect, revoke; the token keyring.")
app.add_typer(demo_app, name="demo")
app.add_typer(audit_app, name="audit")
app.add_typer(draw_app, name="draw")
app.add_typer(import_app, name="import")
app.add_typer(organization_commands.app, name="org", help="The organizations the hub knows (banks named in consents).")
app.add_typer(sync_commands.app, name="sync")
app.add_typer(user_commands.app, name="user", help="Staff accounts of the console (信用监管工作台).")
app.command("load")(load_command.load)


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
    reset: Annotated[bool, typer.Option(help="Delete everything first, audit chain included (a hub that "
                                        "holds demo data only; asks first)")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before --reset deletes")] = False,
) -> None:
    """Load a deterministic synthetic data set — only into a hub that holds nothing but demo data."""
    _logging()
    reference = date.fromisoformat(as_of) if as_of else None
    asyncio.run(_demo_load(seed, subjects, reference, if_empty, reset, yes))


async def _demo_load(seed: int, subjects: int, as_of: date | None, if_empty: bool,
                     reset: bool, yes: bool = False) -> None:
    from rich.progress import Progress

    from hub import demo
    from hub.audit import AuditEvent
    from hub.cli.common import confirm_destructive
    from hub.db import ingest, provenance
    from hub.demo import guard

    async def work(hub: object) -> None:
        from hub.service import CreditHub

        assert isinstance(hub, CreditHub)
        await hub.migrate()
        if if_empty and not reset and not await ingest.is_empty(hub.gateway):
            typer.echo("database already holds subjects; demo data not loaded")
            return
        await guard.refuse_unless_demo_only(hub.gateway, "reset it" if reset else "load demo data into it",
                                           hub.settings.platform_id)
        if reset:
            held = ", ".join(f"{n:,} {kind}" for kind, n in (await provenance.holdings(hub.gateway)).items())
            confirm_destructive(f"--reset deletes everything in Neo4j at {hub.gateway.uri} ({held}), the audit "
                                "chain included", yes)
            await ingest.wipe(hub.gateway)
        data = demo.generate(seed=seed, subjects=subjects, as_of=as_of or hub.today(),
                             vault=hub.vault)
        with Progress() as progress:
            tasks: dict[str, TaskID] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done)

            counts = await demo.populate(hub, data, as_of=as_of or hub.today(), seed=seed, progress=report)
        await guard.mark_loaded(hub.gateway, hub.settings.platform_id)
        await hub.audit([AuditEvent(action="write", actor="cli:demo-load", role="admin",
                                    subject_uscc=None, detail=f"demo load seed={seed} {counts}")])
        log.info("demo data loaded: %s", ", ".join(f"{n} {k}" for k, n in counts.items()))
        typer.echo(demo_summary_zh(counts))

    await _with_hub(work)


# The demo loader's counts, as a clerk reads them: what is counted, and its measure word.
_DEMO_COUNTS_ZH = {
    "departments": ("部门", "个"), "organizations": ("机构", "家"), "subjects": ("主体", "个"),
    "records": ("信用记录", "条"), "evaluations": ("评价结果", "条"),
    "evaluations_a_year_ago": ("一年前的评价结果", "条"),
    # the replayed year (hub.demo.year.COUNTED)
    "serious_dishonesty_list_entries": ("列入严重失信主体名单", "次"),
    "serious_dishonesty_list_removals": ("移出严重失信主体名单", "次"),
    "abnormal_operation_entries": ("列入经营异常名录", "次"), "abnormal_operation_removals": ("移出经营异常名录", "次"),
    "dishonest_executee_entries": ("列入失信被执行人", "次"), "dishonest_executee_removals": ("移出失信被执行人", "次"),
    "commitments_fulfilled": ("已履约的信用承诺", "项"), "commitments_broken": ("未履约的信用承诺", "项"),
    "commitments_pending": ("履约期内的信用承诺", "项"), "objections_upheld": ("已采纳的异议", "件"),
    "objections_rejected": ("已驳回的异议", "件"), "objections_pending": ("待处理的异议", "件"),
    "objections_overdue": ("逾期未处理的异议", "件"), "repairs_approved": ("同意的信用修复", "件"),
    "repairs_rejected": ("不予修复的申请", "件"), "repairs_pending": ("待决定的信用修复", "件"),
    "draws_published": ("已公布结果的双随机抽取", "次"), "inspection_results": ("抽查检查结果", "条"),
}


def demo_summary_zh(counts: dict[str, int]) -> str:
    """``hub demo load``'s summary in Chinese: 演示数据已载入：部门 12 个，…"""
    said = []
    for kind, count in counts.items():
        noun, measure = _DEMO_COUNTS_ZH.get(kind, (kind, ""))
        said.append(f"{noun} {count:,} {measure}".rstrip())
    return "演示数据已载入：" + "，".join(said)


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

    async def work(hub: CreditHub) -> None:
        total = await hub.count_subjects(region)  # the bar's length: the subjects the run will read
        with Progress() as progress:
            task = progress.add_task("grading subjects", total=total)
            summary = await hub.evaluate(schemes, region, batch_size=batch_size,
                                         progress=lambda n: progress.advance(task, n))
            progress.update(task, total=summary.subjects, completed=summary.subjects)
        await hub.audit([AuditEvent(action="write", actor="cli:evaluate", role="admin", subject_uscc=None,
                                    detail=f"run {summary.run_id}: {summary.evaluations} evaluations")])
        log.info("%s", summary.describe())
        typer.echo(summary.describe_zh())

    from hub.audit import AuditEvent

    await _with_hub(work)


# The options every file import takes (hub import shuanggongshi, hub import credit-information).
SourcePlatform = Annotated[str | None, typer.Option(help="Where the file came from (HUB_PLATFORM_ID)")]
ErrorReport = Annotated[Path | None, typer.Option(help="Where to write the per-row error report (CSV; default "
                                                  "FILE.errors.csv, replaced at each import of FILE)")]
ReplaceReport = Annotated[bool, typer.Option("--yes", help="Replace --report if it exists, without asking")]
BatchSize = Annotated[int, typer.Option(help="Records per transaction (subjects are re-graded 2000 at a time)")]


@import_app.command("shuanggongshi")
def import_shuanggongshi(
    file: Annotated[Path, typer.Argument(help="A 双公示 file (XLSX or CSV) in the national standard's columns")],
    source_platform: SourcePlatform = None,
    received_on: Annotated[str | None, typer.Option(help="When it was reported, YYYY-MM-DD (default today)")] = None,
    report: ErrorReport = None,
    yes: ReplaceReport = False,
    batch_size: BatchSize = 5000,
) -> None:
    """Import the good rows of a 行政处罚 or 行政许可 file; write the refused rows, with reasons, to a report.

    Works in bounded batches (store, tally, re-grade) with a progress bar; an import stopped part way
    resumes when the same file is imported again."""
    from connectors.shuanggongshi import read_file
    from hub.personal_data import PersonalDataVault

    received = date.fromisoformat(received_on) if received_on else None
    # the vault seals the ID numbers of the rows about a 自然人, so their decisions are kept (hub.person_records)
    vault = PersonalDataVault(load_settings().personal_data_key)
    _import_file(file, lambda platform: read_file(file, source_platform=platform, received_on=received,
                                                  vault=vault),
                 source_platform=source_platform, received_on=received, report=report, yes=yes,
                 batch_size=batch_size, what="双公示")


@import_app.command("credit-information")
def import_credit_information(
    file: Annotated[Path, typer.Argument(help="Credit information of any kind (XLSX or CSV), one item a row, in the "
                                         "column map of connectors/shuanggongshi/information.py")],
    source_platform: SourcePlatform = None,
    report: ErrorReport = None,
    yes: ReplaceReport = False,
    batch_size: BatchSize = 5000,
) -> None:
    """Import every kind of credit information (信用信息, seed 004 第七条) by file: each row checked as a GraphQL
    submission is, the good rows stored (tier and publicity by rule) and their subjects re-graded; refused rows
    go to the report with row number, column and reason."""
    from connectors.shuanggongshi.information import read_information_file

    _import_file(file, lambda platform: read_information_file(file, source_platform=platform),
                 source_platform=source_platform, received_on=None, report=report, yes=yes, batch_size=batch_size,
                 what="信用信息")


def _import_file(file: Path, read: Callable[[str], ImportResult], *, source_platform: str | None,
                 received_on: date | None, report: Path | None, yes: bool, batch_size: int, what: str) -> None:
    """Read a file with ``read``, write its per-row report, store its records in batches and re-grade."""
    from connectors.shuanggongshi import ShuanggongshiFileError, error_report_csv
    from hub.cli.common import confirm_destructive
    from hub.imports import FileImport

    _logging()
    if batch_size < 1:
        typer.echo("error: --batch-size must be at least 1", err=True)
        raise typer.Exit(2)
    if report is not None and report.exists():  # a file the operator named: maybe not a report of ours
        confirm_destructive(f"{report} exists and would be replaced by the error report", yes)
    settings = load_settings()
    received = received_on
    platform = source_platform or settings.platform_id
    try:
        result = read(platform)
    except ShuanggongshiFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    import_id = _import_id(file, platform)
    # The refused rows go back to the department whatever happens to the rest.
    target = report or file.with_name(file.name + ".errors.csv")
    target.write_text(error_report_csv(result), encoding="utf-8-sig")
    log.info("%s: %s rows read (%s), %s to store, %s refused (report: %s), %s reported late, %s about natural "
             "persons (%s to keep, INTERNAL, keyed by the sealed ID number)", file.name, result.rows, result.kind,
             len(result.records), len(result.errors), target, len(result.late), len(result.natural_persons),
             len(result.person_records))
    typer.echo(read_summary_zh(file.name, result, what, target))
    incoming = FileImport(import_id=import_id, file=file.name, kind=result.kind, source_platform=platform,
                          received_on=received, subjects=result.subjects, records=result.records,
                          per_department=result.per_department, reported=result.reported,
                          person_records=result.person_records)

    async def work(hub: CreditHub) -> ImportOutcome:
        from hub.imports import Importer

        with _stage_progress() as report_progress:
            outcome = await Importer(hub.gateway, hub.reevaluator, store_batch=batch_size).run(
                incoming, report_progress)
        await hub.audit([AuditEvent(action="write", actor=f"cli:import:{file.name}", role="admin", subject_uscc=None,
                                    detail=f"{what} {result.kind}: {outcome.changed} of {outcome.records} records "
                                           f"new or changed, {outcome.persons_kept} about natural persons kept, "
                                           f"{len(result.errors)} refused, {outcome.regraded} "
                                           f"subjects re-graded, import {import_id}")])
        return outcome

    from hub.audit import AuditEvent

    try:
        outcome = asyncio.run(_with_hub(work))
    except typer.Exit:  # the error itself is on stderr already (hub.cli.common.fail)
        typer.echo(f"the import of {file.name} stopped; what it stored is kept — run the same command again to "
                   "resume it", err=True)
        raise
    log.info("%s: %s", file.name, outcome.describe())
    typer.echo(f"{file.name}：{outcome.describe_zh()}")
    for department, stats in sorted(result.per_department.items()):
        typer.echo(rates_zh(department, stats))


def read_summary_zh(name: str, result: ImportResult, what: str, report: Path) -> str:
    """What reading the file gave, in Chinese: rows read, to store, refused (and where the 问题清单 is), late."""
    from hub.credit_info.kinds import RULES

    # a 双公示 file holds one kind (its Chinese label); a credit-information file several (信用信息)
    kind = next((rule.label for k, rule in RULES.items() if k.value == result.kind), what)
    persons = (f"，涉及自然人 {len(result.natural_persons)} 行（以密封的证件号码为键保存 "
               f"{len(result.person_records)} 条，仅限内部）") if result.natural_persons else ""
    late = f"，迟报 {len(result.late)} 行" if what == "双公示" else ""  # timeliness is measured on 双公示 files
    return (f"{name}：读取 {result.rows} 行（{kind}），待入库 {len(result.records)} 行，拒收 {len(result.errors)} 行"
            f"（问题清单：{report}）{late}{persons}")


def rates_zh(department: str, stats: DepartmentStats) -> str:
    """A department's 合规率 and 及时率 in the file (seed 004 §一.(二): both 100 %)."""
    timeliness = "未计算" if stats.timeliness_rate is None else f"{stats.timeliness_rate:.1%}"
    if stats.provisional:  # hub.rights.calendar: a year counted on its statutory holidays by rule
        timeliness += f"（暂定：其中 {stats.provisional} 行按尚未公布调休安排的年份判定）"
    return f"  {stats.name or department}：合规率 {stats.compliance_rate:.1%}，及时率 {timeliness}"


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
    public_key: Annotated[str | None, typer.Option(
        help="The platform's Ed25519 public key (base64url), obtained out of band: `platform { publicKey }` or "
             "`hub sync key`. Required with --file; default for a draw id: this hub's own key")] = None,
) -> None:
    """Check a draw's signed statements, recompute it from its frozen inputs and revealed seed, and compare
    targets, assignments and results with what is stored; exit 1 naming every difference."""
    from hub.exchange.signing import public_key_from_text
    from hub.supervision import draw_file

    _logging()
    if (draw_id is None) == (file is None):
        typer.echo("error: give a draw id or --file FILE (one of them)", err=True)
        raise typer.Exit(2)
    trusted = None
    if public_key is not None:
        try:
            trusted = public_key_from_text(public_key)
        except ValueError as exc:
            typer.echo(f"error: --public-key: {exc}", err=True)
            raise typer.Exit(2) from None
    if file is not None:
        if trusted is None:
            typer.echo("error: --file needs --public-key: the platform's key as published by the hub "
                       "(`platform { publicKey }`) or given by its operator (`hub sync key`). The key written in "
                       "the file proves nothing: whoever edits the file can re-sign it with a key of their own",
                       err=True)
            raise typer.Exit(2)
        try:
            report = draw_file.verify_document(draw_file.read(file), trusted)
        except draw_file.DrawFileError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    else:
        assert draw_id is not None  # exactly one of them was given (checked above)

        async def work(hub: CreditHub) -> DrawReport:
            return await hub.inspections.verify(draw_id, trusted)

        report = asyncio.run(_with_hub(work))
    typer.echo(report.verdict_zh())  # the verdict for the clerk; each check and finding after it, in English
    typer.echo(report.describe())
    if not report.ok:
        raise typer.Exit(1)


@draw_app.command("export")
def draw_export(
    draw_id: Annotated[str, typer.Argument(help="The draw's id")],
    out: Annotated[Path, typer.Option(help="Where to write the JSON file")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace --out if it exists, without asking")] = False,
) -> None:
    """Write a draw's frozen inputs, seed, targets, results and signed statements to a file that
    `hub draw verify --file FILE --public-key KEY` checks. The population holds SAMR risk classes
    (seed 004 第六条): the file is for government departments."""
    from hub.cli.common import confirm_destructive

    _logging()
    if out.exists():
        confirm_destructive(f"{out} exists and would be replaced", yes)

    async def work(hub: CreditHub) -> dict[str, Any]:
        return await hub.inspections.export(draw_id)

    document = asyncio.run(_with_hub(work))
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    out.chmod(0o600)
    typer.echo(f"draw {draw_id}: {len(document['population'] or ()):,} subjects, "
               f"{len(document['inspectors'] or ())} inspectors, {len(document['statements'])} signed statements "
               f"written to {out} (INTERNAL: it holds risk classes); verify it with "
               f"--public-key {document['public_key']}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain; exit 1 and name the first broken link if any."""
    _logging()
    report = asyncio.run(_with_hub(lambda hub: hub.audit_log.verify()))
    typer.echo(report.describe())
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("rotate-key")
def audit_rotate_key() -> None:
    """Add a new generated audit key and make it active; entries keep the id of the key they were made
    with, so `hub audit verify` checks old entries with their own key."""
    rotate_key(load_settings().audit_keyring_file, "audit", set_by="HUB_AUDIT_KEY",
               previous="HUB_AUDIT_PREVIOUS_KEYS", keys="audit key", still=" old entries")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (HUB_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (HUB_PORT)")] = None,
    workers: Annotated[int | None, typer.Option(help="Hub processes sharing the port (HUB_WORKERS)")] = None,
) -> None:
    """Serve the hub over HTTP (GraphQL at /graphql), in one process or several sharing the port.

    Several processes (or replicas on other machines) may serve one Neo4j: the audit chain, the change
    feed's numbers and consents are kept in the database under its locks (docs/data-model.md).

    SIGTERM stops it within HUB_SHUTDOWN_TIMEOUT: it stops accepting, lets the requests in flight
    finish until then, cuts the rest, closes Neo4j and the report workers, and exits."""
    import uvicorn

    from hub.app import create_app

    _logging()
    settings = load_settings()
    count = workers or settings.workers
    bind, listen, level = host or settings.host, port or settings.port, settings.log_level.lower()
    grace = max(1, round(settings.shutdown_timeout_s))
    if count == 1:
        uvicorn.run(create_app(settings), host=bind, port=listen, log_level=level, access_log=False,
                    timeout_graceful_shutdown=grace)
        return
    from hub.exchange.signing import load_or_create_key

    # Generated secrets are created here, once, before the workers start reading them; the graph
    # schema too, so that the workers' own (idempotent) migrations find nothing left to do.
    _ = settings.jwt_keyring, settings.audit_keyring, settings.personal_data_key
    load_or_create_key(settings.signing_key_text, settings.signing_key_file)
    asyncio.run(_with_hub(lambda hub: hub.migrate()))
    uvicorn.run("hub.app:app_from_environment", factory=True, workers=count, host=bind, port=listen, log_level=level,
                access_log=False, timeout_graceful_shutdown=grace)


@app.command()
def run(
    subjects: Annotated[int, typer.Option(help="Demo subjects to load into an empty database")] = 1000,
) -> None:
    """Everything `make run` does: start Neo4j if local, apply the schema, load demo data, serve."""
    settings = load_settings()
    if settings.uses_local_neo4j:
        db_commands.start(instance=None)
    asyncio.run(_demo_load(7, subjects, None, if_empty=True, reset=False))
    tour = asyncio.run(_with_hub(lambda hub: hub.tour_subject()))
    url = f"http://{'127.0.0.1' if settings.host in ('0.0.0.0', '::') else settings.host}:{settings.port}"
    threading.Thread(target=announce_when_ready, args=(url, tour), daemon=True).start()
    serve(host=None, port=None)


def announce_when_ready(url: str, tour: tuple[str, str] | None, timeout_s: float = 600) -> bool:
    """Print one block once /readyz answers 200: where the hub is, and a demo subject with AUTHORIZED records
    for the README's tour. False (and one line) if it never gets ready within ``timeout_s``."""
    import time

    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        typer.echo(f"Credit Hub did not get ready at {url} within {timeout_s:.0f} s; see the log above", err=True)
        return False
    lines = [f"Credit Hub is ready: {url}/graphql (GraphiQL in a browser), {url}/console, {url}/metrics"]
    if tour is not None:
        lines.append(f"A demo subject with AUTHORIZED records, for the README's tour: {tour[0]} ({tour[1]})")
    typer.echo("\n".join(lines))
    return True


def main() -> None:
    from hub.cli.common import fail
    from hub.errors import HubError

    try:
        load_settings()  # every command starts from valid settings: one line per bad variable, exit 2
        app()
    except HubError as exc:  # one that a command did not map itself
        raise SystemExit(fail(exc).exit_code) from None
