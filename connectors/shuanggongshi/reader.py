"""Reading a 双公示 file as a header row and numbered data rows — CSV or XLSX, nothing interpreted yet.

Departments export these files from whatever they have: Excel (XLSX), or CSV written by Excel on a
Chinese Windows (GB18030/GBK, no BOM) or by a database tool (UTF-8, with or without BOM). UTF-8 is
tried first because valid UTF-8 Chinese text is almost never also valid GB18030 that means something,
while the reverse guess garbles silently. Row numbers are the spreadsheet's (header = 1), counted in
CSV records, not physical lines, so a 违法事实 with line breaks does not shift every later row.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from connectors.shuanggongshi.result import ShuanggongshiFileError

Cell = str | int | float | date | datetime | None
ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig also reads UTF-8 without a BOM


@dataclass(frozen=True)
class Table:
    """A file's header row and its non-blank data rows, each with its spreadsheet row number."""

    headers: list[str]
    rows: list[tuple[int, Sequence[Cell]]]


def read_table(path: str | os.PathLike[str]) -> Table:
    """The first sheet of an XLSX or the records of a CSV; raise ShuanggongshiFileError if unreadable."""
    file = Path(path)
    try:
        with file.open("rb") as stream:
            start = stream.read(4)
    except OSError as exc:
        raise ShuanggongshiFileError(str(file), f"cannot be opened: {exc.strerror}",
                                     "check the path and that the file is readable") from exc
    suffix = file.suffix.lower()
    if start.startswith(b"PK") or suffix in (".xlsx", ".xlsm"):
        return _xlsx(file)
    if start.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise ShuanggongshiFileError(str(file), "is an Excel 97–2003 (.xls) workbook, which is not read",
                                     "save it as .xlsx or as CSV (UTF-8) and send it again")
    return _csv(file)


def _csv(file: Path) -> Table:
    data = file.read_bytes()
    text = None
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise ShuanggongshiFileError(
            str(file), f"is not text in any encoding tried ({', '.join(ENCODINGS)}: UTF-8 with or "
            "without BOM, then GB18030)", "save it as CSV UTF-8 (or as .xlsx) and send it again")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ShuanggongshiFileError(str(file), f"is not well-formed CSV: {exc}",
                                     "check the quoting of fields that contain commas or line breaks") from exc
    return _table(file, iter(enumerate(records, start=1)))


def _xlsx(file: Path) -> Table:
    import openpyxl  # only XLSX needs it
    from openpyxl.utils.exceptions import InvalidFileException

    with warnings.catch_warnings():
        # Sheets written by other tools often lack openpyxl's default style; that is no concern here.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        try:
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise ShuanggongshiFileError(str(file), f"is not a readable .xlsx workbook ({exc})",
                                         "open it in Excel, save it as .xlsx or CSV UTF-8, and send it again") from exc
        try:
            if not workbook.worksheets:
                raise ShuanggongshiFileError(str(file), "has no worksheet", "put the data on the first sheet")
            sheet = workbook.worksheets[0]
            # Read rows as they are: some exporters write a wrong <dimension> (e.g. "A1"), and
            # read-only mode would otherwise cut every row to it.
            sheet.reset_dimensions()
            return _table(file, enumerate((tuple(row) for row in sheet.iter_rows(values_only=True)), start=1))
        finally:
            workbook.close()  # read-only workbooks keep the zip open until closed


def _table(file: Path, numbered: Iterator[tuple[int, Sequence[Cell]]]) -> Table:
    first = next(numbered, None)
    if first is None or _blank(first[1]):
        raise ShuanggongshiFileError(str(file), "has no header row (row 1 is empty)",
                                     "put the standard's column names in row 1")
    headers = ["" if cell is None else str(cell) for cell in first[1]]
    while headers and not headers[-1].strip():
        headers.pop()
    # Empty rows (what a spreadsheet leaves below its data) are dropped; a row of whitespace is kept, for
    # the row check to refuse with its number (someone typed in it).
    rows = [(number, cells) for number, cells in numbered if not _empty(cells)]
    return Table(headers, rows)


def _blank(cells: Sequence[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _empty(cells: Sequence[Cell]) -> bool:
    return all(cell is None or cell == "" for cell in cells)
