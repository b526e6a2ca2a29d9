"""Writing rows in the archive layout — to hand a data set (the demo's, in bench and tests) to ``hub load``."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from connectors.archive import layout
from connectors.archive.layout import FileLayout

Row = Mapping[str, Any]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return layout.DOMAIN_SEPARATOR.join(value)
    return str(value)


def write_archive(folder: str | os.PathLike[str], *, departments: Iterable[Row], organizations: Iterable[Row],
                  subjects: Iterable[Row], records: Iterable[Row], evaluations: Iterable[Row],
                  resident_id: Callable[[Row], str]) -> Path:
    """Write ingest-shaped rows as an archive; ``resident_id`` gives a subject's person's ID number in
    clear (the archive holds it so, and ``hub load`` seals it with this hub's key)."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)

    def subject_cells(row: Row) -> dict[str, Any]:
        person = row.get("person")
        return {**row, "legal_representative": person["name"] if person else None,
                "legal_representative_id": resident_id(person) if person else None}

    for spec, rows in ((layout.DEPARTMENTS, departments), (layout.ORGANIZATIONS, organizations),
                       (layout.SUBJECTS, (subject_cells(row) for row in subjects)), (layout.RECORDS, records),
                       (layout.EVALUATIONS, evaluations)):
        _write(target / spec.name, spec, rows)
    return target


def _write(path: Path, spec: FileLayout, rows: Iterable[Row]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # CR LF: a CR in a text is then quoted too
        writer.writerow(spec.columns)
        for row in rows:
            writer.writerow([_text(row.get(name)) for name in spec.columns])
