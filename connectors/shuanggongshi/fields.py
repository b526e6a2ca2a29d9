"""Reading one cell: text, dates, amounts in 万元, lists of categories — and keeping ID numbers out.

Each parser raises ``FieldProblem`` with a sentence for the department (what the cell holds and what
the standard wants), in English and in Chinese; ``rows.py`` turns it into a RowError. ``scrub`` masks
resident ID numbers in any text the hub keeps or sends back: a 违法事实 or a mistyped code column can carry
one, and SPEC §2.5 forbids showing one whole outside INTERNAL.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from connectors.shuanggongshi.reader import Cell
from hub.bilingual import Bilingual
from hub.codes import InvalidCode, mask_resident_id, parse_resident_id, parse_uscc
from hub.errors import BadInput

_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_LIST_SEPARATORS = re.compile(r"[;；,，、]")
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Excel's serial day numbers (1900 date system) for 1900-01-01 … 9999-12-31.
_EXCEL_SERIALS = (1, 2958465)


class FieldProblem(BadInput):
    """A cell that breaks the standard; ``str()`` is the sentence in English, ``zh`` the same in Chinese."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh

    @property
    def said(self) -> Bilingual:
        return Bilingual(str(self), self.zh)


def text(cell: Cell) -> str | None:
    """The cell as trimmed text; None when empty. Whole numbers lose Excel's ``.0``."""
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, datetime):
        cell = cell.date() if cell.time() == datetime.min.time() else cell
    value = cell.isoformat() if isinstance(cell, date) else str(cell).strip()
    return value or None


def code(cell: Cell) -> str | None:
    """A code cell folded the way a spreadsheet hides it: full-width letters and digits, spaces."""
    value = text(cell)
    return "".join(unicodedata.normalize("NFKC", value).split()).upper() or None if value else None


def enum_value(cell: Cell) -> str | None:
    """An enumeration cell, compared after folding full-width forms and dropping spaces."""
    value = text(cell)
    return "".join(unicodedata.normalize("NFKC", value).split()) or None if value else None


def parse_date(cell: Cell, column: str) -> date:
    """YYYY-MM-DD, YYYY/MM/DD (a time of day is ignored), an Excel date cell or an Excel serial number."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return _excel_serial(cell, column)
    value = text(cell) or ""
    found = _DATE.match(value)
    if not found:
        raise FieldProblem(f"{column} {value!r} is not a date: write YYYY-MM-DD or YYYY/MM/DD (e.g. 2026-02-13)",
                           f"「{column}」「{value}」不是日期：请写成 YYYY-MM-DD 或 YYYY/MM/DD（如 2026-02-13）")
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        raise FieldProblem(f"{column} {value!r} is not a day of the calendar",
                           f"「{column}」「{value}」不是日历上存在的日期") from None


def _excel_serial(serial: float, column: str) -> date:
    from openpyxl.utils.datetime import from_excel

    low, high = _EXCEL_SERIALS
    if not math.isfinite(serial) or not low <= serial <= high:
        raise FieldProblem(f"{column} {serial!r} is a number, not a date: write YYYY-MM-DD or format "
                           "the cell as a date",
                           f"「{column}」{serial!r} 是数字而不是日期：请写成 YYYY-MM-DD，或把单元格格式设为日期")
    day = from_excel(serial)
    return day.date() if isinstance(day, datetime) else day


def parse_amount(cell: Cell, column: str) -> float:
    """An amount in 万元: a finite number ≥ 0 (0.5 is 5,000 yuan)."""
    value = text(cell) or ""
    not_a_number = FieldProblem(f"{column} {value!r} is not a number: write the amount in 万元, e.g. 0.5",
                                f"「{column}」「{value}」不是数字：请以万元为单位填写金额，如 0.5")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise not_a_number from None
    if not amount.is_finite():
        raise not_a_number
    if amount < 0:
        raise FieldProblem(f"{column} {value!r} is negative: an amount in 万元 is 0 or more",
                           f"「{column}」「{value}」为负数：以万元计的金额应大于或等于 0")
    return float(amount)


def split_list(value: str) -> list[str]:
    """Several values in one cell, separated by ; or , (either width) or 、."""
    return [part for part in (p.strip() for p in _LIST_SEPARATORS.split(value)) if part]


def resident_id_problem(cell: Cell, column: str) -> Bilingual | None:
    """Why the cell is not a valid resident ID (GB 11643), masked; None when it is one."""
    try:
        parse_resident_id(text(cell) or "")
    except InvalidCode as exc:
        return code_problem(column, exc)  # InvalidCode masks the number it quotes
    return None


def code_problem(column: str, exc: InvalidCode) -> Bilingual:
    """A code column's refusal: the column, then the rule the code breaks."""
    return Bilingual(f"{column}: {exc}", f"「{column}」{exc.zh}")


def blank_row(row: int) -> Bilingual:
    """A row of spaces only: someone meant to fill it, so it is refused, not skipped."""
    return Bilingual(f"row {row} is blank: every cell is empty or whitespace", "整行为空：每个单元格都是空白或只有空格")


def scrub(value: str) -> str:
    """``value`` with every resident-ID-shaped number in it masked (410425********123X).

    A valid resident ID is always masked. Any other 18-character run of 17 digits and a digit or X is
    masked too unless it is a valid unified social credit code (a public identifier): a resident ID
    with one mistyped digit is still a person's number.
    """
    def mask(found: re.Match[str]) -> str:
        number = found.group(0).upper()
        if resident_id_problem(number, "") is not None and _is_uscc(number):
            return found.group(0)
        return mask_resident_id(number)
    return _ID_LIKE.sub(mask, value)


def _is_uscc(value: str) -> bool:
    try:
        parse_uscc(value)
    except InvalidCode:
        return False
    return True
