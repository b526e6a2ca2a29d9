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
(``hub migrate``). The importer's ``--schema`` option exists in 5.26, but Neo4j Community's record
format refuses it ("Record format batch import does not support schema changes"; block format only).

Node ids in the files are the store's own node ids, handed out by this writer from 0 up
(``--id-type=actual``): the importer then keeps no map from the files' ids to the nodes it creates
(with ``--id-type=integer`` it still built one and looked every relationship's ends up in it; the
relationship phases took twice as long). A null property is an empty field (absent, as a null SET
leaves it); text is never empty (an empty text is stored as absent).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from hub.db import current
from hub.db.ingest import row_digest
from hub.db.migrations import DATA_MIGRATIONS

ARRAY_DELIMITER = "\x1f"  # the unit separator: no department's domain name contains it

Row = Mapping[str, Any]
T = TypeVar("T")

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


_NOTHING: Row = {}


def _names(columns: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(name for name, _ in columns)


def _given(columns: tuple[tuple[str, str], ...], computed: tuple[str, ...]) -> tuple[str, ...]:
    """The properties a row gives, in file order: every column but ``computed``, the file's last ones,
    which this writer fills in itself."""
    names = _names(columns)
    if names[-len(computed):] != computed:
        raise AssertionError(f"{computed} must be the last columns of {names}")
    return names[:-len(computed)]


_RECORD_GIVEN = _given(RECORD, ("row_digest", "version"))
_EVALUATION_GIVEN = _given(EVALUATION, ("version", "superseded_at", "superseded_by"))
_RECORD_KEYS = frozenset(_RECORD_GIVEN)
_EVALUATION_KEYS = frozenset(_EVALUATION_GIVEN)


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


# Types a column's cells keep as they are: the CSV writer's ``str()`` of each is what :func:`_cell` would give
# (a date's ``str`` is its ISO form, a number's its shortest repr; an empty text and None are both an empty
# field). A datetime (``str`` puts a space before the time), a bool (``True``) or a list needs :func:`_cell`.
_WRITTEN_AS_IS = frozenset({str, type(None), int, float, date})

CHUNK = 50_000  # rows converted and written at a time: memory stays bounded for an archive read row by row


def _column(values: list[Any]) -> list[Any]:
    """One column's cells as the importer reads them, the same as :func:`_cell` on each value — but a column
    whose values all write as they are (the texts, dates and numbers that are nearly all of a province's
    tens of millions of cells) is handed to the C CSV writer untouched, with one type scan instead of a
    Python call per cell."""
    if _WRITTEN_AS_IS.issuperset(set(map(type, values))):
        return values
    return list(map(_cell, values))


_DICT_GET: Callable[[dict[str, Any], str], Any] = dict.get


def _columns(rows: Sequence[Row], columns: Iterable[str]) -> list[list[Any]]:
    """The rows' values of ``columns``, column by column, each converted by :func:`_column` (rows that are
    dicts, as ingest's are, read through ``dict.get`` mapped over them: no Python call per cell)."""
    if all(isinstance(row, dict) for row in rows):
        dicts = cast(Sequence[dict[str, Any]], rows)
        return [_column(list(map(_DICT_GET, dicts, itertools.repeat(name)))) for name in columns]
    gets = [row.get for row in rows]
    return [_column([get(name) for get in gets]) for name in columns]


def _chunks(rows: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


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
        arguments = ["database", "import", "full", database, "--overwrite-destination=true", "--id-type=actual",
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

    def write_columns(self, columns: Sequence[Sequence[Any]]) -> None:
        """Rows given column by column (the first column the ids, all of one length), written by the C writer."""
        self._writer.writerows(zip(*columns, strict=True))
        self.rows += len(columns[0])

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
        self._next = 0  # the next node id

    # --- nodes -------------------------------------------------------------------------------
    def departments(self, rows: Iterable[Row]) -> None:
        """Department rows; a code given twice is one department, the last row's values winning (as ingest's
        MERGE on the code leaves it; two file rows with one node id would be two writes of one node)."""
        by_code = {row["code"]: row for row in rows}
        with self._nodes("Department", DEPARTMENT) as table:
            for chunk in _chunks(by_code.values()):
                numbers = self._ids(len(chunk))
                self._departments.update(zip((row["code"] for row in chunk), numbers, strict=True))
                table.write_columns([numbers, *_columns(chunk, _names(DEPARTMENT))])

    def organizations(self, rows: Iterable[Row]) -> None:
        with self._nodes("Organization", ORGANIZATION) as table:
            for chunk in _chunks(rows):
                table.write_columns([self._ids(len(chunk)), *_columns(chunk, _names(ORGANIZATION))])

    def subjects(self, rows: Iterable[Row]) -> None:
        """Subject rows as ingest takes them (``person`` optional); each subject once."""
        links = _Table(self.folder / "legal_representative.csv", [":START_ID(Subject)", ":END_ID(Person)"])
        subjects, persons = self._subjects, self._persons
        with self._nodes("Subject", SUBJECT) as table:
            for chunk in _chunks(rows):
                numbers = self._ids(len(chunk))
                table.write_columns([numbers, *_columns(chunk, _names(SUBJECT))])
                starts: list[int] = []
                ends: list[int] = []
                for number, row in zip(numbers, chunk, strict=True):
                    subjects[row["uscc"]] = number
                    person = row.get("person")
                    if person:
                        held = persons.get(person["fingerprint"])
                        person_id = held[0] if held else self._id()
                        persons[person["fingerprint"]] = (person_id, person)  # the last row's values win
                        starts.append(number)
                        ends.append(person_id)
                if starts:
                    links.write_columns([starts, ends])
        links.close()
        with self._nodes("Person", PERSON) as table:
            for held_chunk in _chunks(persons.values()):
                table.write_columns([[number for number, _values in held_chunk],
                                     *_columns([values for _number, values in held_chunk], _names(PERSON))])
        self._relationships("LEGAL_REPRESENTATIVE", links)

    def records(self, rows: Iterable[Row]) -> int:
        """Record rows (ingest's shape, no digest); a record about a subject not written is left out,
        as ingest leaves it. Returns how many were written."""
        about = _Table(self.folder / "about.csv", [":START_ID(Record)", ":END_ID(Subject)"])
        issued = _Table(self.folder / "issued_by.csv", [":START_ID(Record)", ":END_ID(Department)"])
        subjects, departments = self._subjects, self._departments
        with self._nodes("Record:Pending", RECORD) as table:
            for chunk in _chunks(rows):
                kept = [row for row in chunk if row["subject_uscc"] in subjects]
                if not kept:
                    continue
                for row in kept:
                    _unknown(row, _RECORD_KEYS)
                numbers = self._ids(len(kept))
                table.write_columns([numbers, *_columns(kept, _RECORD_GIVEN), list(map(row_digest, kept)),
                                     [1] * len(kept)])
                about.write_columns([numbers, [subjects[row["subject_uscc"]] for row in kept]])
                issuers = [departments.get(row.get("issuing_department") or "") for row in kept]
                issued.write_columns([[n for n, d in zip(numbers, issuers, strict=True) if d is not None],
                                      [d for d in issuers if d is not None]])
        for kind, links in (("ABOUT", about), ("ISSUED_BY", issued)):
            links.close()
            self._relationships(kind, links)
        return self.files.counts["Record:Pending"]

    def evaluations(self, rows: Sequence[Row]) -> int:
        """Evaluation rows (ingest's shape), all at once: the CURRENT pointers need every subject's
        evaluations of a scheme. Returns how many were written."""
        subjects = self._subjects
        known = [row for row in rows if row["subject_uscc"] in subjects]
        superseded, newest = current.chain(known)
        of = _Table(self.folder / "of.csv", [":START_ID(Evaluation)", ":END_ID(Subject)"])
        points = _Table(self.folder / "current.csv", [":START_ID(Subject)", ":END_ID(Evaluation)"])
        numbers: dict[str, int] = {}
        with self._nodes("Evaluation:Pending", EVALUATION) as table:
            for chunk in _chunks(known):
                for row in chunk:
                    _unknown(row, _EVALUATION_KEYS)
                ids = self._ids(len(chunk))
                numbers.update(zip((row["id"] for row in chunk), ids, strict=True))
                replaced = [superseded.get(row["id"], _NOTHING) for row in chunk]
                table.write_columns([ids, *_columns(chunk, _EVALUATION_GIVEN), [1] * len(chunk),
                                     *_columns(replaced, ("superseded_at", "superseded_by"))])
                of.write_columns([ids, [subjects[row["subject_uscc"]] for row in chunk]])
        if newest:
            points.write_columns([[subjects[row["subject_uscc"]] for row in newest],
                                  [numbers[row["id"]] for row in newest]])
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
        return self._next - 1

    def _ids(self, count: int) -> list[int]:
        """The next ``count`` node ids."""
        first = self._next
        self._next += count
        return list(range(first, first + count))

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
