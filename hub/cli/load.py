"""``hub load``: an archive (or the demo data set at scale) into an empty database, through Neo4j's bulk importer.

Progress goes to stderr, the summary to stdout. See hub.bulk_load for what a load does and
docs/bulk-load.md for the archive's layout.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.common import fail, setup_logging
from hub.db.bulk import Row
from hub.errors import HubError
from hub.settings import Settings, load_settings


@dataclass(frozen=True)
class Rows:
    """A data set held in lists (the demo generator's), as a load source."""

    department_rows: Sequence[Row]
    organization_rows: Sequence[Row]
    subject_rows: Sequence[Row]
    record_rows: Sequence[Row]
    evaluation_rows: Sequence[Row]

    def departments(self) -> Iterable[Row]:
        return self.department_rows

    def organizations(self) -> Iterable[Row]:
        return self.organization_rows

    def subjects(self) -> Iterable[Row]:
        return self.subject_rows

    def records(self) -> Iterable[Row]:
        return self.record_rows

    def evaluations(self) -> Sequence[Row]:
        return self.evaluation_rows


def load(
    archive: Annotated[Path | None, typer.Argument(help="An archive folder: departments.csv, organizations.csv, "
                                                      "subjects.csv, records.csv, evaluations.csv (docs/bulk-load.md)")]
    = None,
    demo_subjects: Annotated[int | None, typer.Option(help="Load the demo data set of this many subjects instead")]
    = None,
    seed: Annotated[int, typer.Option(help="The demo data set's random seed")] = 7,
    as_of: Annotated[str | None, typer.Option(help="The demo data set's reference date YYYY-MM-DD")] = None,
    report: Annotated[Path | None, typer.Option(help="Where to write the refused rows (CSV); default "
                                                     "ARCHIVE/load-errors.csv")] = None,
    files_only: Annotated[Path | None, typer.Option(help="Only write the importer's files and command into this "
                                                         "folder, for a Neo4j server this hub does not run")] = None,
    instance: Annotated[str | None, typer.Option(help="The local instance (default: HUB_DB_INSTANCE)")] = None,
) -> None:
    """Fill an EMPTY database with an archive through Neo4j's bulk importer (stop, import, start)."""
    from connectors.archive import Archive, error_report_csv
    from hub import clock, demo
    from hub.bulk_load import LoadSource, load_local, operator_script, write_files
    from hub.personal_data import PersonalDataVault

    setup_logging()
    if (archive is None) == (demo_subjects is None):
        typer.echo("error: give an archive folder or --demo-subjects N (one of them)", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    remote = _remote_uri(settings, instance)
    if remote and files_only is None:
        typer.echo(f"error: NEO4J_URI points at {remote}, a server this hub does not run: Neo4j's importer writes the "
                   "store files, so it must run on that server with the database stopped. Run `hub load … "
                   "--files-only FOLDER` here, copy FOLDER to the server and run its import.sh there, then start "
                   "the database and run `hub migrate`.", err=True)
        raise typer.Exit(2)
    vault = PersonalDataVault(settings.personal_data_key)
    reader: Archive | None = None
    source: LoadSource
    try:
        if archive is not None:
            reader = Archive(archive, vault)
            reader.check()
            source = reader
        else:
            assert demo_subjects is not None
            _say(f"generating the demo data set of {demo_subjects:,} subjects…")
            data = demo.generate(seed=seed, subjects=demo_subjects, vault=vault,
                                 as_of=date.fromisoformat(as_of) if as_of else clock.today())
            source = Rows(data.departments, data.organizations, data.subjects, data.records, data.evaluations)
        if files_only is not None:
            files = write_files(source, files_only.absolute())
            script = files_only / "import.sh"
            script.write_text(operator_script(files, settings.neo4j_database), encoding="utf-8")
            script.chmod(0o755)
            counts = ", ".join(f"{n:,} {kind}" for kind, n in files.counts.items())
            typer.echo(f"import files written to {files_only} ({counts}); on the Neo4j server, with its database "
                       f"stopped and empty, run {script.name} there")
        else:
            summary = asyncio.run(load_local(settings, source, echo=_say, instance=instance,
                                             work_dir=_work_dir(settings, instance)))
            typer.echo(summary.describe())
    except HubError as exc:
        raise fail(exc) from None
    finally:
        if reader is not None and reader.errors:
            target = report or reader.folder / "load-errors.csv"
            target.write_text(error_report_csv(reader.errors), encoding="utf-8-sig")
            by_file = Counter(error.file for error in reader.errors)
            typer.echo(f"{len(reader.errors):,} rows refused and left out "
                       f"({', '.join(f'{n:,} in {name}' for name, n in sorted(by_file.items()))}; report: {target})",
                       err=True)


def _work_dir(settings: Settings, instance: str | None) -> Path:
    """Where the import files go: beside the instance's database (same disk, removed after)."""
    from hub.db.server import LocalNeo4j

    return LocalNeo4j(settings, instance).paths.import_dir


def _remote_uri(settings: Settings, instance: str | None) -> str | None:
    """NEO4J_URI when it names a server other than the local instance (after ``eval "$(hub db env)"`` it
    names the local instance itself)."""
    from hub.db.server import LocalNeo4j

    uri = settings.neo4j_uri
    if not uri or instance is not None:
        return None
    local = LocalNeo4j(settings)
    if local.status().created and local.credentials().uri == uri:
        return None
    return uri


def _say(message: str) -> None:
    typer.echo(message, err=True)
