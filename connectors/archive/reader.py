"""Reading an archive (connectors.archive.layout) into the rows hub.db.ingest takes, each row checked.

Every header is checked before any row is read (:meth:`Archive.check`), so a malformed archive is
refused before the database is touched. Then each row is checked on its own: a bad row is left out
with its file, row number, column and reason (:attr:`Archive.errors`), and the rest goes on — a
record or evaluation about a subject that ``subjects.csv`` does not hold (or refused) included.
Records are read lazily, one at a time: a province's archive holds tens of millions.

A row whose key (:attr:`FileLayout.key`: a subject's code, a record's or evaluation's id, a department's
code, an organization's name) repeats an earlier accepted row's in its file is refused too, naming the
row it repeats: the first row is kept. The database's uniqueness constraints are created after the
import (``hub migrate``), so a repeated key would otherwise fail the load at its very end. A record or
evaluation naming a subject code given twice belongs to the first row's subject. Only the keys seen
are held (a set: ~97 MB per million record ids of 14 characters, the ids included); the
row number of a repeated key's first row is looked up once the file is read, by reading it again up to
there — only when the file repeats a key.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from connectors.archive import layout
from connectors.archive.layout import FileLayout
from hub.codes import InvalidCode, parse_uscc
from hub.disclosure import Disclosure
from hub.errors import BadInput
from hub.models import RecordKind, RecordStatus, Severity, SubjectKind
from hub.personal_data import PersonalDataVault

Row = dict[str, Any]
_KINDS = frozenset(kind.value for kind in RecordKind)
_DISCLOSURES = frozenset(tier.value for tier in Disclosure)
_STATUSES = frozenset(status.value for status in RecordStatus)
_SEVERITIES = frozenset(severity.value for severity in Severity)
_BOOLEANS = {"true": True, "false": False}
_MAX_INDEXED = layout.MAX_INDEXED_CHARACTERS


class ArchiveError(BadInput):
    """The archive as a whole cannot be loaded: a file is missing, unreadable, or its header is wrong."""


@dataclass(frozen=True)
class LoadError:
    """One refused row: the file, its row number (header = 1), the column at fault, and why."""

    file: str
    row: int
    column: str | None
    message: str


class _RowFault(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


class Archive:
    """One archive folder. Read ``departments``, ``organizations`` and ``subjects`` first (records and
    evaluations are checked against the subjects), then ``records`` and ``evaluations``."""

    def __init__(self, folder: str | os.PathLike[str], vault: PersonalDataVault) -> None:
        self.folder = Path(folder)
        self.vault = vault
        self.errors: list[LoadError] = []
        self.rows: dict[str, int] = {}  # data rows read per file
        self._subjects: set[str] = set()
        # code (as records name it) -> the row number of its first refused subject row: why a record is left out
        self._refused_subjects: dict[str, int] = {}

    def check(self) -> None:
        """Refuse the archive now if a file is unreadable or a header is wrong (nothing is read yet)."""
        if not self.folder.is_dir():
            raise ArchiveError(f"{self.folder} is not a folder; an archive is a folder of CSV files "
                               f"({', '.join(f.name for f in layout.FILES)})")
        if not (self.folder / layout.SUBJECTS.name).is_file():
            raise ArchiveError(f"{self.folder} has no {layout.SUBJECTS.name}; every archive needs its subjects")
        for spec in layout.FILES:
            for _ in self._rows(spec, header_only=True):
                pass

    def departments(self) -> list[Row]:
        return list(self._read(layout.DEPARTMENTS, self._department))

    def organizations(self) -> list[Row]:
        return list(self._read(layout.ORGANIZATIONS, self._organization))

    def subjects(self) -> list[Row]:
        rows = list(self._read(layout.SUBJECTS, self._subject))
        self._subjects = {row["uscc"] for row in rows}
        return rows

    def records(self) -> Iterator[Row]:
        return self._read(layout.RECORDS, self._record)

    def evaluations(self) -> list[Row]:
        return list(self._read(layout.EVALUATIONS, self._evaluation))

    # --- files ---------------------------------------------------------------------------------
    def _read(self, spec: FileLayout, parse: Callable[[dict[str, str]], Row]) -> Iterator[Row]:
        seen: set[str] = set()
        repeats: dict[str, list[int]] = {}  # a repeated key -> the indexes in self.errors of its refused rows
        count = 0
        for number, cells in self._rows(spec):
            count += 1
            try:
                row = parse(cells)
            except _RowFault as fault:
                self.errors.append(LoadError(spec.name, number, fault.column, fault.message))
                if spec is layout.SUBJECTS:
                    self._refused_subjects.setdefault(cells.get("uscc", "").strip().upper(), number)
                continue
            key = row[spec.key]
            if key in seen:
                # reported at once (a load that fails later still lists it); its first row once the file is read
                repeats.setdefault(key, []).append(len(self.errors))
                self.errors.append(LoadError(spec.name, number, spec.key, _repeated(spec, key, None)))
                continue
            seen.add(key)
            yield row
        self.rows[spec.name] = count
        if repeats:
            for key, first in self._first_rows(spec, parse, repeats.keys()).items():
                for index in repeats[key]:
                    self.errors[index] = replace(self.errors[index], message=_repeated(spec, key, first))

    def _first_rows(self, spec: FileLayout, parse: Callable[[dict[str, str]], Row],
                    keys: Iterable[str]) -> dict[str, int]:
        """The number of the row each of ``keys`` was first accepted from: the file read again up to the last of
        them, numbered as :meth:`_rows` numbers it, looking at the key's cell only; the rows holding one of the
        keys are parsed again (parsing is deterministic: the first of them that parses is the row kept)."""
        wanted, found = set(keys), {}
        subjects = spec is layout.SUBJECTS
        with (self.folder / spec.name).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader)]
            width, column = len(header), header.index(spec.key)
            for number, values in enumerate(reader, start=2):
                if len(values) != width:
                    continue
                key = values[column].strip().upper() if subjects else values[column]
                if key not in wanted:
                    continue
                try:
                    parse({name: value for name, value in zip(header, values, strict=True) if value.strip()})
                except _RowFault:
                    continue
                found[key] = number
                wanted.discard(key)
                if not wanted:
                    break
        return found

    def _rows(self, spec: FileLayout, *, header_only: bool = False) -> Iterator[tuple[int, dict[str, str]]]:
        path = self.folder / spec.name
        if not path.is_file():
            return
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                header = [name.strip() for name in next(reader, [])]
                unknown = [name for name in header if name not in spec.columns]
                missing = [name for name in sorted(spec.required) if name not in header]
                if unknown or missing or len(set(header)) != len(header):
                    problems = ([f"columns the layout does not have: {', '.join(unknown)}"] if unknown else []) + (
                        [f"no required column {', '.join(missing)}"] if missing else []) + (
                        ["a column named twice"] if len(set(header)) != len(header) else [])
                    raise ArchiveError(f"{path}: {'; '.join(problems)} (columns: {', '.join(spec.columns)}; "
                                       "see docs/bulk-load.md)")
                if header_only:
                    return
                width = len(header)
                for number, values in enumerate(reader, start=2):
                    if not any(values):
                        continue
                    if len(values) != width:
                        self.errors.append(LoadError(spec.name, number, None, f"has {len(values)} cells; the header "
                                                     f"has {width}: a separator or a quote is off"))
                        continue
                    yield number, {name: value for name, value in zip(header, values, strict=True) if value.strip()}
        except UnicodeDecodeError as exc:
            raise ArchiveError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as "
                               "CSV UTF-8") from None
        except csv.Error as exc:
            raise ArchiveError(f"{path} is not well-formed CSV: {exc}") from None

    # --- rows ----------------------------------------------------------------------------------
    def _department(self, c: dict[str, str]) -> Row:
        domains = c.get("domains")
        return {"code": _indexed(c, "code"), "name": _required(c, "name"),
                "domains": [d.strip() for d in domains.split(layout.DOMAIN_SEPARATOR) if d.strip()] if domains
                else [], "region": c.get("region")}

    def _organization(self, c: dict[str, str]) -> Row:
        code = c.get("uscc")
        return {"name": _indexed(c, "name"), "kind": _required(c, "kind"), "uscc": _code(code) if code else None}

    def _subject(self, c: dict[str, str]) -> Row:
        code = _code(_required(c, "uscc"))
        person = None
        number = c.get("legal_representative_id")
        if number:
            name = c.get("legal_representative")
            if not name:
                raise _RowFault("legal_representative", "a legal representative's ID number needs their name")
            try:
                sealed = self.vault.seal(number)
            except InvalidCode as exc:  # the message masks the number
                raise _RowFault("legal_representative_id", str(exc)) from None
            person = {"fingerprint": sealed.fingerprint, "name": name, "id_masked": sealed.masked,
                      "id_sealed": sealed.sealed}
        return {"uscc": code, "name": _indexed(c, "name"), "kind": SubjectKind.from_uscc(code).value,
                "region": code[2:8], "industry": c.get("industry"),
                "status": c.get("status") or layout.DEFAULT_SUBJECT_STATUS,
                "registered_on": _date(c, "registered_on"), "person": person}

    def _record(self, c: dict[str, str]) -> Row:
        subject = self._known_subject(c)
        row = {
            "id": _indexed(c, "id"), "subject_uscc": subject,
            "kind": _choice(c, "kind", _KINDS, required=True), "title": _required(c, "title"),
            "decided_on": _date(c, "decided_on"), "issuing_department": c.get("issuing_department"),
            "source_platform": c.get("source_platform"),
            "disclosure": _choice(c, "disclosure", _DISCLOSURES, required=True),
            "status": _choice(c, "status", _STATUSES) or RecordStatus.ACTIVE.value,
            "severity": _choice(c, "severity", _SEVERITIES), "publicity_ends_on": _date(c, "publicity_ends_on"),
            "document_number": c.get("document_number"), "content": c.get("content"),
            "amount_wan_yuan": _number(c, "amount_wan_yuan", minimum=0.0), "kept": _boolean(c, "kept"),
        }
        repaired = _date(c, "repaired_on")
        if repaired is not None:
            row["repaired_on"] = repaired
        return row

    def _evaluation(self, c: dict[str, str]) -> Row:
        subject = self._known_subject(c)
        at_text = _required(c, "evaluated_at")
        try:
            evaluated_at = datetime.fromisoformat(at_text.strip())
        except ValueError:
            raise _RowFault("evaluated_at", f"{at_text!r} is not an ISO 8601 date and time") from None
        if evaluated_at.tzinfo is None:
            raise _RowFault("evaluated_at", f"{at_text!r} has no UTC offset (e.g. +08:00): the instant is unknown")
        return {"id": _indexed(c, "id"), "subject_uscc": subject, "scheme": _indexed(c, "scheme"),
                "score": _number(c, "score"), "grade": _required(c, "grade"), "level": c.get("level"),
                "disclosure": _choice(c, "disclosure", _DISCLOSURES, required=True), "evaluated_at": evaluated_at,
                "valid_until": _date(c, "valid_until"), "evaluator": c.get("evaluator"),
                "explanation": c.get("explanation"), "run_id": c.get("run_id")}

    def _known_subject(self, c: dict[str, str]) -> str:
        code = _required(c, "subject_uscc").strip().upper()
        if code not in self._subjects:
            refused = self._refused_subjects.get(code)
            raise _RowFault("subject_uscc", f"no subject {code} in {layout.SUBJECTS.name}" if refused is None else
                            f"subject {code} was refused ({layout.SUBJECTS.name} row {refused}), so is this row")
        return code


def _repeated(spec: FileLayout, key: str, first: int | None) -> str:
    where = f"row {first}" if first is not None else "an earlier row"
    return (f"{spec.key} {key!r} repeats {where} of {spec.name}; each {spec.key} appears once: the first row is "
            "loaded, this one left out")


def _required(c: dict[str, str], column: str) -> str:
    value = c.get(column)
    if not value:
        raise _RowFault(column, f"{column} is required")
    return value


def _indexed(c: dict[str, str], column: str) -> str:
    """A required text the database indexes (layout.MAX_INDEXED_CHARACTERS)."""
    value = c.get(column)
    if not value or len(value) > _MAX_INDEXED:  # one call per cell, as _required: this is every row's key
        if not value:
            raise _RowFault(column, f"{column} is required")
        raise _RowFault(column, f"{column} has {len(value):,} characters, more than the database can index "
                        f"({_MAX_INDEXED:,}); it begins {value[:40]!r}")
    return value


def _code(value: str) -> str:
    try:
        return parse_uscc(value.strip()).value
    except InvalidCode as exc:
        raise _RowFault("uscc", str(exc)) from None


def _choice(c: dict[str, str], column: str, allowed: frozenset[str], *, required: bool = False) -> str | None:
    value = c.get(column)
    if value is None:
        if required:
            raise _RowFault(column, f"{column} is required")
        return None
    value = value.strip()
    if value not in allowed:
        raise _RowFault(column, f"{column} {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def _date(c: dict[str, str], column: str) -> date | None:
    value = c.get(column)
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _RowFault(column, f"{column} {value!r} is not a date YYYY-MM-DD") from None


def _number(c: dict[str, str], column: str, minimum: float | None = None) -> float | None:
    value = c.get(column)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise _RowFault(column, f"{column} {value!r} is not a number") from None
    if number != number or (minimum is not None and number < minimum):
        raise _RowFault(column, f"{column} {value!r} is out of range")
    return number


def _boolean(c: dict[str, str], column: str) -> bool | None:
    value = c.get(column)
    if value is None:
        return None
    try:
        return _BOOLEANS[value.strip().lower()]
    except KeyError:
        raise _RowFault(column, f"{column} {value!r} is neither true nor false") from None
