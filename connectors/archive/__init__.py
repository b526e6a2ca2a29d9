"""A province's archive as CSV files, for ``hub load`` (Neo4j's bulk importer into an empty database).

``layout`` (the five files and their columns; docs/bulk-load.md), ``reader`` (each row checked into the
rows hub.db.ingest takes; bad rows reported and left out), ``writer`` (rows written in the layout, for
the demo data set in bench and tests)::

    archive = Archive("archive/", vault)
    archive.check()                     # every header, before the database is touched
    subjects = archive.subjects()       # then records() lazily, evaluations()
    report = error_report_csv(archive.errors)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from connectors.archive.layout import FILES, FileLayout
from connectors.archive.reader import Archive, ArchiveError, LoadError
from connectors.archive.writer import write_archive


def error_report_csv(errors: Sequence[LoadError]) -> str:
    """The refused rows as CSV ``file,row,column,message``, in file and row order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "row", "column", "message"])
    for error in sorted(errors, key=lambda e: (e.file, e.row)):
        writer.writerow([error.file, error.row, error.column or "", error.message])
    return out.getvalue()


__all__ = ["FILES", "Archive", "ArchiveError", "FileLayout", "LoadError", "error_report_csv", "write_archive"]
