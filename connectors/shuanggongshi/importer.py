"""Reading a whole 双公示 file: which kind it is, each row checked, mapped, and timed; the report back.

Pure: no database, no network. The caller (the composition root's CLI or a sync job) writes
``result.records`` with ``hub.db.ingest.upsert_records`` — after ``upsert_subjects`` for any subject
the hub does not know yet, since a record is attached to its subject by code — and returns
``error_report_csv(result)`` to the sending department.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from datetime import date

from connectors.shuanggongshi import columns as c
from connectors.shuanggongshi.columns import LAYOUTS, Layout, match_headers, unknown_hint
from connectors.shuanggongshi.fields import code, enum_value, scrub, text
from connectors.shuanggongshi.mapping import person_record_id, person_record_row, record_id, record_row
from connectors.shuanggongshi.reader import Cell, read_table
from connectors.shuanggongshi.result import ImportResult, RowError, ShuanggongshiFileError
from connectors.shuanggongshi.rows import ParsedRow, check_row
from connectors.shuanggongshi.timeliness import DepartmentTally
from hub import clock
from hub.bilingual import Bilingual
from hub.codes import InvalidCode, parse_uscc
from hub.credit_info.validation import received_date_problem
from hub.personal_data import PersonalDataVault
from hub.rights.calendar import WorkingCalendar
from hub.rights.publicity import PublicityPolicy, default_policy


def read_file(path: str | os.PathLike[str], *, source_platform: str, received_on: date | None = None,
              calendar: WorkingCalendar | None = None, policy: PublicityPolicy | None = None,
              vault: PersonalDataVault | None = None) -> ImportResult:
    """Read, check and map a 行政处罚 or 行政许可 file (CSV or XLSX, headers per the standard).

    ``source_platform`` names the platform the file came from (stored on each record);
    ``received_on`` is the day the platform received it, not in the future — rows decided more than 7
    working days before are late, and no decision may be dated after it (nor after today, China time;
    without it timeliness is not measured). ``calendar`` counts working days (default: the library's
    schedule); ``policy`` gives publicity periods where the file has no 公示截止期 (default: the
    shipped default policy). ``vault`` (the hub's, ``HUB_DATA_KEY``) seals the identity numbers of the
    rows about a 自然人 so that their decisions are kept (``result.person_records``); without it they are
    only counted. Raises ShuanggongshiFileError when the file as a whole is unreadable.
    """
    today = clock.today()
    future = received_on and received_date_problem("the received date", received_on, today)
    if future:
        raise ShuanggongshiFileError(str(path), future.en, "give --received-on as the day the file arrived")
    table = read_table(path)
    layout, names = _layout(str(path), table.headers)
    policy = policy or default_policy()
    tally = DepartmentTally(received_on, calendar or WorkingCalendar())
    records: list[dict[str, object]] = []
    errors: list[RowError] = []
    late: list[int] = []
    persons: list[int] = []
    person_records: list[dict[str, object]] = []
    subjects: dict[str, str] = {}
    first_row_of: dict[str, int] = {}
    for number, cells in table.rows:
        values = {name: cells[i] for i, name in enumerate(names) if name is not None and i < len(cells)}
        outcome = _stray(number, cells, names) or check_row(number, values, layout, today, received_on)
        sealed = None
        if isinstance(outcome, ParsedRow) and outcome.natural_person and vault is not None:
            # the row checked the number already (rows.py); sealed here, it never reaches the result in clear
            sealed = vault.seal_document(enum_value(values.get(c.ID_TYPE)), code(values.get(c.ID_NUMBER)) or "")
        if isinstance(outcome, ParsedRow) and (outcome.subject_uscc is not None or sealed is not None):
            if sealed is not None:
                key, whom = person_record_id(layout.kind, sealed.fingerprint, outcome.document_number), c.ID_NUMBER
            else:
                key, whom = record_id(layout.kind, str(outcome.subject_uscc), outcome.document_number), c.CODE_1
            if key in first_row_of:
                first = first_row_of[key]
                outcome = [RowError.of(number, layout.document, Bilingual(
                    f"row {first} already reports {layout.document} {outcome.document_number!r} for "
                    f"this {whom}: a decision about a subject is reported once; remove one of the rows",
                    f"与第 {first} 行重复：同一「{whom}」的「{layout.document}」「{outcome.document_number}」"
                    "已报送过，同一主体的同一决定只报送一次，请删去其中一行").map(scrub))]
            else:
                first_row_of[key] = number
        department, name = _department(values, layout)
        if not isinstance(outcome, ParsedRow):
            errors.extend(outcome)
            tally.add(department, name, None, row=number, key=_identity(values, layout))
            continue
        kept = (person_record_row(outcome, sealed, layout.kind, source_platform)
                if outcome.natural_person and sealed is not None else None)
        # a row's identity: its record's id (a natural person's: the sealed one), so it counts once in the rates
        identity = (str(kept["id"]) if kept is not None else None if outcome.subject_uscc is None
                    else record_id(layout.kind, outcome.subject_uscc, outcome.document_number))
        if tally.add(department, name, outcome.decided_on, row=number, key=identity):
            late.append(number)
        if outcome.natural_person:
            persons.append(number)
            if kept is not None:
                person_records.append(kept)
        else:
            records.append(record_row(outcome, layout.kind, source_platform, policy))
            subjects.setdefault(str(outcome.subject_uscc), outcome.subject_name)
    return ImportResult(layout.kind.value, records, errors, late, tally.stats(), len(table.rows), persons,
                        subjects, tally.rows, person_records)


def _identity(values: dict[str, Cell], layout: Layout) -> str | None:
    """A refused row's identity when its subject code and document number can be read: the id its record
    would have, so that the same row sent again, refused or not, counts once in the rates."""
    number = scrub(text(values.get(layout.document)) or "")
    subject = code(values.get(c.CODE_1))
    if not number or not subject:
        return None
    try:
        parsed = parse_uscc(subject)
    except InvalidCode:
        return None
    return record_id(layout.kind, parsed.value, number)


REPORT_HEADERS = ("行号", "列", "问题", "message")


def error_report_csv(result: ImportResult) -> str:
    """The refused rows as CSV ``行号,列,问题,message`` — what the department gets back to fix.

    The clerk reads the Chinese: the spreadsheet's row number, the column at fault and 问题, a sentence naming
    the row, the column and the rule (第 12 行「处罚决定日期」…); ``message`` is the same in English, for the
    operator. Rows are in file order; a file-wide problem has no column. Open it with UTF-8 (write it with
    encoding ``utf-8-sig`` for Excel on Chinese Windows to show the Chinese right).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_HEADERS)
    for error in sorted(result.errors, key=lambda e: (e.row, e.column or "")):
        writer.writerow([error.row, error.column or "", scrub(f"第 {error.row} 行{error.message_zh}"),
                         scrub(error.message)])
    return out.getvalue()


def _layout(path: str, headers: list[str]) -> tuple[Layout, tuple[str | None, ...]]:
    """The kind of file the header row says, and each column's standard name; refuse a bad header row."""
    match = match_headers(headers)
    present = {name for name in match.names if name is not None}
    scored = sorted(((len(layout.own_columns & present), layout) for layout in LAYOUTS), key=lambda s: -s[0])
    (best, layout), (runner_up, _) = scored[0], scored[1]
    if best == 0:
        raise ShuanggongshiFileError(
            path, "is neither a 行政处罚 nor a 行政许可 file: row 1 has none of the standard's columns for either "
            f"(e.g. {c.P_DOCUMENT}, {c.P_DECIDED} / {c.L_DOCUMENT}, {c.L_DECIDED})",
            "put the standard's column names, verbatim, in row 1")
    if best == runner_up:
        raise ShuanggongshiFileError(path, "mixes 行政处罚 and 行政许可 columns in one header row",
                                     "send penalties and licences as separate files")
    foreign = [name for name in match.names if name is not None and name not in layout.columns]
    unknown = [unknown_hint(h) for h, name in zip(headers, match.names, strict=True) if name is None and h.strip()]
    missing = [name for name in layout.required_headers if name not in present]
    problems = []
    if missing:
        problems.append(f"lacks required {layout.label} columns: {', '.join(missing)}")
    if unknown or foreign:
        problems.append(f"has columns the {layout.label} standard does not: {', '.join(unknown + foreign)}")
    if match.duplicated:
        problems.append(f"repeats columns: {', '.join(match.duplicated)}")
    if problems:
        raise ShuanggongshiFileError(path, "; ".join(problems),
                                     "use the standard's column names verbatim in row 1, once each",
                                     tuple(missing + unknown + foreign + list(match.duplicated)))
    return layout, match.names


def _stray(number: int, cells: Sequence[Cell], names: tuple[str | None, ...]) -> list[RowError] | None:
    """Values under no header (a blank header cell, or past the last one) mean shifted columns: refuse
    the row rather than guess which value belongs where."""
    stray = [i for i, cell in enumerate(cells) if (i >= len(names) or names[i] is None) and text(cell) is not None]
    if not stray:
        return None
    return [RowError(number, None, f"the row has a value in column {stray[0] + 1}, which has no header in row 1: "
                                   "a separator or a cell was probably added; align the row with the header",
                     f"第 {stray[0] + 1} 列有值，但第 1 行的该列没有列名：可能多加了分隔符或单元格，请按表头对齐此行")]


def _department(values: dict[str, Cell], layout: Layout) -> tuple[str, str | None]:
    """The key a row counts under: the authority's code as written, else its name."""
    name = text(values.get(layout.authority))
    name = scrub(name) if name else None
    return scrub(code(values.get(layout.authority_code)) or name or f"(no {layout.authority})"), name
