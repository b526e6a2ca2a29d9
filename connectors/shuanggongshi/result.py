"""What an import gives back: the records to upsert, the rows to send back, and each department's rates.

Two audiences read a result. The hub writes ``records`` with ``hub.db.ingest.upsert_records``; the
department that sent the file gets ``errors`` (as ``error_report_csv``) to fix and resend, and the
credit office reads ``per_department`` against seed 004 §一.(二)'s targets: 合规率 (compliance: rows that
pass the standard) and 及时率 (timeliness: valid rows reported within 7 working days), both 100 %.

Errors form a small tree::

    ShuanggongshiFileError          the whole file is refused (nothing imported)
    RowError (a value, not raised)  one row is refused; the other rows go on
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.bilingual import Bilingual
from hub.errors import BadInput
from hub.reporting import ReportedRow


class ShuanggongshiFileError(BadInput):
    """The file as a whole cannot be read: its format, its encoding or its header row.

    ``problem`` says what is wrong and ``suggestion`` what the sender can do; ``columns`` names the
    headers at fault (missing or unknown) when the header row is the problem.
    """

    def __init__(self, path: str, problem: str, suggestion: str, columns: tuple[str, ...] = ()) -> None:
        self.path, self.problem, self.suggestion, self.columns = path, problem, suggestion, columns
        super().__init__(f"{path}: {problem} — {suggestion}")


@dataclass(frozen=True)
class RowError:
    """One refused row: the spreadsheet row number (header = 1), the column at fault, and why.

    The message names the rule broken (the standard's 必填, GB 32100, GB 11643, the category list…)
    and never carries a resident ID number in clear: identity numbers are masked before they get here.
    ``message`` is the English (the operator, logs), ``message_zh`` the same sentence in Chinese (the clerk);
    build one from a ``hub.bilingual.Bilingual`` with ``RowError.of``.
    """

    row: int
    column: str | None
    message: str
    message_zh: str

    @classmethod
    def of(cls, row: int, column: str | None, said: Bilingual) -> RowError:
        return cls(row, column, said.en, said.zh)


@dataclass(frozen=True)
class DepartmentStats:
    """One issuing department's share of a file: how many rows, how many valid, how many on time.

    ``on_time`` and ``late`` count valid rows only (a refused row has no trustworthy date) and are
    ``None`` when the import was given no ``received_on`` date to measure against. ``provisional``
    counts those of them judged on a year whose make-up working days are not announced (the statutory
    holidays counted by rule: ``hub.rights.calendar``), so their on-time/late may still change.
    """

    name: str | None
    rows: int
    valid: int
    on_time: int | None
    late: int | None
    provisional: int = 0

    @property
    def compliance_rate(self) -> float:
        """合规率: valid rows / rows (seed 004 §一.(二) target 100 %)."""
        return self.valid / self.rows if self.rows else 1.0

    @property
    def timeliness_rate(self) -> float | None:
        """及时率: valid rows reported on time / valid rows; ``None`` when unmeasured or nothing valid."""
        if self.on_time is None or not self.valid:
            return None
        return self.on_time / self.valid


@dataclass(frozen=True)
class ImportResult:
    """A read 双公示 file: the kind it holds, the record rows, the refused rows and the rates.

    ``records`` are row dicts in the shape ``hub.db.ingest`` documents for records. ``late`` lists the
    row numbers of valid rows reported more than 7 working days after their decision.
    ``natural_persons`` lists valid rows about a 自然人: they count in the rates, and each is kept
    as one of ``person_records`` (``mapping.person_record_row``: INTERNAL, the person keyed by the sealed
    identity number) when the file was read with the hub's vault; the number itself goes nowhere.
    """

    kind: str
    records: list[dict[str, Any]]
    errors: list[RowError]
    late: list[int]
    per_department: dict[str, DepartmentStats]
    rows: int = 0
    natural_persons: list[int] = field(default_factory=list)
    subjects: dict[str, str] = field(default_factory=dict)  # code → 行政相对人名称, to create unknown subjects
    reported: list[ReportedRow] = field(default_factory=list)  # every row by its identity (the rates' count)
    person_records: list[dict[str, Any]] = field(default_factory=list)  # decisions about 自然人, sealed
