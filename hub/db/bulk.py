"""The graph as ``neo4j-admin database import`` files: exactly what hub.db.ingest would build, in one pass.

``hub load`` fills an empty database through Neo4j's own bulk importer instead of transactions. The
importer writes store files directly from CSV, so this module must produce, from the same validated
rows ingest takes, the same nodes (labels, properties and property types) and relationships that
:mod:`hub.db.ingest` and :func:`hub.db.migrations.migrate` would have made:

- ``Department {code, name, domains, region}``, ``Organization {name, kind, uscc}``,
  ``Subject {uscc, name, kind, region, industry, status, registered_on}``,
  ``Person {fingerprint, name, id_masked, id_sealed}`` and ``(Subject)-[:LEGAL_REPRESENTATIVE]->(Person)``;
- ``Record:Pending`` with the row's properties, its ``row_digest`` and ``version`` 1,
  ``(Record)-[:ABOUT]->(Subject)`` and ``(Record)-[:ISSUED_BY]->(Department)`` when the department is known;
- ``Evaluation:Pending`` with the row's properties and ``version`` 1, ``(Evaluation)-[:OF]->(Subject)``,
  and the CURRENT pointers of hub.db.current (each subject's evaluations of a scheme in order of
  ``evaluated_at``, each superseded by the next, the newest current);
- ``Migration {id, applied_at}`` for every data migration (a new database needs none of them run).

Constraints and indexes are not in the files: ``hub load`` applies them after the import
(``hub migrate``), as the importer's own ``--schema`` option is not in Neo4j Community.

Node ids in the files are integers this writer hands out (``--id-type=integer``): the importer then
needs no map from string keys, which is most of its work otherwise. A null property is an empty field
(absent, as a null SET leaves it); text is never empty (an empty text is stored as absent).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from hub.db import current
from hub.db.ingest import row_digest
from hub.db.migrations import DATA_MIGRATIONS

ARRAY_DELIMITER = "\x1f"  # the unit separator: no department's domain name contains it

Row = Mapping[str, Any]

# (property, import type) per label, in file order; the first is the node's key.
DEPARTMENT = (("code", "string"), ("name", "string"), ("domains", "string[]"), ("region", "string"))
ORGANIZATION = (("name", "string"), ("kind", "string"), ("uscc", "string"))
SUBJECT = (("uscc", "string"), ("name", "string"), ("kind", "string"), ("region", "string"),
           ("industry", "string"), ("status", "string"), ("registered_on", "date"))
PERSON = (("fingerprint", "string"), ("name", "string"), ("id_masked", "string"), ("id_sealed", "string"))
RECORD = (("id", "string"), ("subject_uscc", "string"), ("kind", "string"), ("title", "string"),
          ("decided_on", "date"), ("issuing_department", "string"), ("source_platform", "string"),
          ("disclosure", "string"), ("status", "string"), ("severity", "string"), ("publicity_ends_on", "date"),
          ("repaired_on", "date"), ("document_number", "string"), ("content", "string"),
          ("amount_wan_yuan", "double"), ("kept", "boolean"), ("row_digest", "string"), ("version", "long"))
EVALUATION = (("id", "string"), ("subject_uscc", "string"), ("scheme", "string"), ("score", "double"),
              ("grade", "string"), ("level", "string"), ("disclosure", "string"), ("evaluated_at", "datetime"),
              ("valid_until", "date"), ("evaluator", "string"), ("explanation", "string"), ("run_id", "string"),
              ("version", "long"), ("superseded_at", "datetime"), ("superseded_by", "string"))
MIGRATION = (("id", "string"), ("applied_at", "datetime"))


_RECORD_KEYS = frozenset(name for name, _ in RECORD) - {"row_digest", "version"}
_EVALUATION_KEYS = frozenset(name for name, _ in EVALUATION) - {"version", "superseded_at", "superseded_by"}


def _unknown(row: Row, known: frozenset[str]) -> None:
    """A property this writer has no column for would be lost silently: refuse the row instead."""
    if not known.issuperset(row):
        raise ValueError(f"{row.get('id')}: no import column for {', '.join(sorted(set(row) - known))}")


def _cell(value: Any) -> Any:
    """A value as the importer reads it for its column's type; None is an empty field (no property)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ARRAY_DELIMITER.join(value) if value else None
    return value


def _text_cell(value: Any) -> Any:
    """A string column's cell: most values are text already, so that is tried first."""
    if value.__class__ is str:
        return value or None
    return _cell(value)


def _temporal_cell(value: Any) -> Any:
    """A date or datetime column's cell."""
    if value is None or value.__class__ is str:
        return value or None
    return value.isoformat() if isinstance(value, date) else _cell(value)


Cells = Callable[[Row], list[Any]]


def _cells(columns: tuple[tuple[str, str], ...]) -> Cells:
    """A row's cells in ``columns``' order, each converted by its column's type (the same as :func:`_cell`,
    without testing every type on every value: a province's load writes tens of millions of cells)."""
    converters = tuple((name, _text_cell if kind == "string" else _temporal_cell if kind in ("date", "datetime")
                        else _cell) for name, kind in columns)

    def cells(row: Row) -> list[Any]:
        get = row.get
        return [convert(get(name)) for name, convert in converters]

    return cells


@dataclass
class ImportFiles:
    """What the importer is given: node and relationship files, and whether any field spans lines."""

    folder: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)  # (labels, file)
    relationships: list[tuple[str, Path]] = field(default_factory=list)  # (type, file)
    multiline: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # nodes per label set, then relationships per type

    def arguments(self, database: str) -> list[str]:
        """``neo4j-admin database import full`` arguments (the database name first: the file options
        take several values each)."""
        arguments = ["database", "import", "full", database, "--overwrite-destination=true", "--id-type=integer",
                     f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
                     f"--report-file={self.folder / 'import.report'}"]
        if self.multiline:  # slower parsing, so only when a text holds a line break
            arguments.append("--multiline-fields=true")
        arguments += [f"--nodes={labels}={path}" for labels, path in self.nodes]
        arguments += [f"--relationships={kind}={path}" for kind, path in self.relationships]
        return arguments


class _Table:
    """One CSV file with its header; counts its rows and, once closed, knows whether a field spans lines."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        self._handle: IO[str] = path.open("w", newline="", encoding="utf-8")
        # Lines end in CR LF: Python's writer quotes a field holding a character of the line end, and a bare
        # CR in a text (legal in a record's content) would otherwise go unquoted and split its row.
        self._writer = csv.writer(self._handle, lineterminator="\r\n")
        self._writer.writerow(header)
        self.rows = 0
        self.multiline = False

    def write(self, cells: list[Any]) -> None:
        self._writer.writerow(cells)
        self.rows += 1

    def close(self) -> None:
        """Close the file; a field holding a line break (the writer quotes it) shows as a line feed or a
        carriage return more than the line ends: counted over the file once, rather than searched for in
        every field."""
        self._handle.close()
        line_feeds = carriage_returns = 0
        with self.path.open("rb") as written:
            while chunk := written.read(1 << 24):
                line_feeds += chunk.count(b"\n")
                carriage_returns += chunk.count(b"\r")
        self.multiline = line_feeds != self.rows + 1 or carriage_returns != self.rows + 1


class GraphWriter:
    """Writes the data set's nodes and relationships as import files, in dependency order: departments
    and organizations, then subjects, then records and evaluations (which name them)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.files = ImportFiles(folder)
        self._departments: dict[str, int] = {}
        self._subjects: dict[str, int] = {}
        self._persons: dict[str, tuple[int, Row]] = {}
        self._next = 0

    # --- nodes -------------------------------------------------------------------------------
    def departments(self, rows: Iterable[Row]) -> None:
        department_cells = _cells(DEPARTMENT)
        with self._nodes("Department", DEPARTMENT) as table:
            for row in rows:
                number = self._departments.setdefault(row["code"], self._id())
                table.write([number, *department_cells(row)])

    def organizations(self, rows: Iterable[Row]) -> None:
        organization_cells = _cells(ORGANIZATION)
        with self._nodes("Organization", ORGANIZATION) as table:
            for row in rows:
                table.write([self._id(), *organization_cells(row)])

    def subjects(self, rows: Iterable[Row]) -> None:
        """Subject rows as ingest takes them (``person`` optional); each subject once."""
        links = _Table(self.folder / "legal_representative.csv", [":START_ID(Subject)", ":END_ID(Person)"])
        subject_cells, person_cells = _cells(SUBJECT), _cells(PERSON)
        with self._nodes("Subject", SUBJECT) as table:
            for row in rows:
                number = self._id()
                self._subjects[row["uscc"]] = number
                table.write([number, *subject_cells(row)])
                person = row.get("person")
                if person:
                    held = self._persons.get(person["fingerprint"])
                    person_id = held[0] if held else self._id()
                    self._persons[person["fingerprint"]] = (person_id, person)  # the last row's values win
                    links.write([number, person_id])
        links.close()
        with self._nodes("Person", PERSON) as table:
            for person_id, person in self._persons.values():
                table.write([person_id, *person_cells(person)])
        self._relationships("LEGAL_REPRESENTATIVE", links)

    def records(self, rows: Iterable[Row]) -> int:
        """Record rows (ingest's shape, no digest); a record about a subject not written is left out,
        as ingest leaves it. Returns how many were written."""
        about = _Table(self.folder / "about.csv", [":START_ID(Record)", ":END_ID(Subject)"])
        issued = _Table(self.folder / "issued_by.csv", [":START_ID(Record)", ":END_ID(Department)"])
        subjects, departments = self._subjects, self._departments
        record_cells = _cells(RECORD)
        with self._nodes("Record:Pending", RECORD) as table:
            for row in rows:
                subject = subjects.get(row["subject_uscc"])
                if subject is None:
                    continue
                _unknown(row, _RECORD_KEYS)
                number = self._id()
                stored = {**row, "row_digest": row_digest(row), "version": 1}
                table.write([number, *record_cells(stored)])
                about.write([number, subject])
                department = departments.get(row.get("issuing_department") or "")
                if department is not None:
                    issued.write([number, department])
        for kind, links in (("ABOUT", about), ("ISSUED_BY", issued)):
            links.close()
            self._relationships(kind, links)
        return self.files.counts["Record:Pending"]

    def evaluations(self, rows: Sequence[Row]) -> int:
        """Evaluation rows (ingest's shape), all at once: the CURRENT pointers need every subject's
        evaluations of a scheme. Returns how many were written."""
        known = [row for row in rows if row["subject_uscc"] in self._subjects]
        superseded, newest = current.chain(known)
        of = _Table(self.folder / "of.csv", [":START_ID(Evaluation)", ":END_ID(Subject)"])
        points = _Table(self.folder / "current.csv", [":START_ID(Subject)", ":END_ID(Evaluation)"])
        numbers: dict[str, int] = {}
        evaluation_cells = _cells(EVALUATION)
        with self._nodes("Evaluation:Pending", EVALUATION) as table:
            for row in known:
                _unknown(row, _EVALUATION_KEYS)
                number = numbers[row["id"]] = self._id()
                stored = {**row, "version": 1, **superseded.get(row["id"], {})}
                table.write([number, *evaluation_cells(stored)])
                of.write([number, self._subjects[row["subject_uscc"]]])
        for row in newest:
            points.write([self._subjects[row["subject_uscc"]], numbers[row["id"]]])
        for kind, links in (("OF", of), ("CURRENT", points)):
            links.close()
            self._relationships(kind, links)
        return len(known)

    def migrations(self, applied_at: datetime) -> None:
        """The data migrations, recorded as applied: a database loaded whole needs none of them."""
        with self._nodes("Migration", MIGRATION) as table:
            for migration_id, _ in DATA_MIGRATIONS:
                table.write([self._id(), migration_id, applied_at.isoformat()])

    def finish(self) -> ImportFiles:
        return self.files

    # --- helpers -------------------------------------------------------------------------------
    def _id(self) -> int:
        self._next += 1
        return self._next

    def _nodes(self, labels: str, columns: tuple[tuple[str, str], ...]) -> _NodeFile:
        group = labels.split(":")[0]
        header = [f":ID({group})"] + [name if kind == "string" else f"{name}:{kind}" for name, kind in columns]
        return _NodeFile(self.files, labels, _Table(self.folder / f"{group.lower()}.csv", header))

    def _relationships(self, kind: str, table: _Table) -> None:
        self.files.relationships.append((kind, table.path))
        self.files.counts[kind] = table.rows


class _NodeFile:
    """A node file as a context: on exit it is closed and handed to the import files."""

    def __init__(self, files: ImportFiles, labels: str, table: _Table) -> None:
        self.files, self.labels, self.table = files, labels, table

    def __enter__(self) -> _Table:
        return self.table

    def __exit__(self, *exc: object) -> None:
        self.table.close()
        self.files.nodes.append((self.labels, self.table.path))
        self.files.counts[self.labels] = self.table.rows
        self.files.multiline = self.files.multiline or self.table.multiline
