"""Credit information of any kind by file: the 双公示 importer's machinery with another column map.

The same reader (XLSX; CSV in UTF-8 or GB18030; rows numbered as the spreadsheet numbers them), the same
header folding (full-width forms, spaces), the same refusal of unknown, missing or repeated headers and
of values under no header, the same per-row report (``error_report_csv``) and the same result, stored by
``hub.imports.Importer`` in resumable batches with the re-grade. What differs is the column map below,
and that each row is checked by the one validation every door uses (``hub.credit_info.validation``) and
becomes its record by the same rule as a GraphQL submission (``hub.credit_info.submission.record_row``):
tier and publicity window by kind, keyed by the reporting department and the source's own id.

One row is one item; 信息类别 holds the kind's name (``RecordKind``, e.g. ``SERIOUS_DISHONESTY_LIST``) or its
Chinese label (严重失信主体名单). 报送部门代码 names the department that holds the item: the operator imports on
departments' behalf and each record keeps its issuer (docs/tiers.md "Who may write what").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from typing import Any

from connectors.shuanggongshi.columns import fold
from connectors.shuanggongshi.fields import FieldProblem, blank_row, code, parse_amount, parse_date, scrub, text
from connectors.shuanggongshi.importer import _stray
from connectors.shuanggongshi.reader import Cell, read_table
from connectors.shuanggongshi.result import ImportResult, RowError, ShuanggongshiFileError
from hub import clock
from hub.bilingual import Bilingual
from hub.credit_info.kinds import RULES
from hub.credit_info.submission import record_row
from hub.credit_info.validation import CheckedItem, ItemDraft, check_item
from hub.models import RecordKind, Severity
from hub.rights.publicity import PublicityPolicy, default_policy

KIND = "CREDIT_INFORMATION"  # the kind of file, as ImportResult.kind and the import's record name it
DEPARTMENT = "报送部门代码"
CATEGORY = "信息类别"

# column → the item field it fills (hub.credit_info.validation.ItemDraft), and how a cell is read
_TEXT, _DATE, _AMOUNT = "text", "date", "amount"
COLUMNS: dict[str, tuple[str, str]] = {
    "信息编号": ("source_id", _TEXT), CATEGORY: ("kind", _TEXT), "行政相对人名称": ("subject_name", _TEXT),
    "统一社会信用代码": ("uscc", _TEXT), "信息标题": ("title", _TEXT), "决定日期": ("decided_on", _DATE),
    "接收日期": ("received_on", _DATE), "文书号": ("document_number", _TEXT), "信息内容": ("content", _TEXT),
    "金额（万元）": ("amount_wan_yuan", _AMOUNT), "严重程度": ("severity", _TEXT),
    "公示截止期": ("publicity_ends_on", _DATE), "移出日期": ("removed_on", _DATE), "评价机构": ("evaluator", _TEXT),
    "评价等级": ("grade", _TEXT), DEPARTMENT: ("department", _TEXT),
}
REQUIRED_HEADERS = ("信息编号", CATEGORY, "统一社会信用代码", "信息标题", "决定日期", DEPARTMENT)
_CANONICAL = {fold(name): name for name in COLUMNS}
_SEVERITIES = {"轻微": Severity.MINOR, "一般": Severity.GENERAL, "严重": Severity.SERIOUS,
               **{s.value: s for s in Severity}}


def kind_named(value: str) -> RecordKind | None:
    """A kind by its enum name or its Chinese label (the part before a parenthesis)."""
    folded = fold(value)
    for kind, rule in RULES.items():
        if folded.upper() == kind.value or folded in (fold(rule.label), fold(rule.label.split(" (")[0])):
            return kind
    return None


def read_information_file(path: str | os.PathLike[str], *, source_platform: str,
                          policy: PublicityPolicy | None = None) -> ImportResult:
    """Read and check a credit-information file; the records to store and each refused row."""
    table = read_table(path)
    names = _headers(str(path), table.headers)
    today, policy = clock.today(), policy or default_policy()
    records: list[dict[str, Any]] = []
    errors: list[RowError] = []
    subjects: dict[str, str] = {}
    first_row_of: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        values = {name: cells[i] for i, name in enumerate(names) if name is not None and i < len(cells)}
        stray = _stray(number, cells, names)
        if stray:
            errors.extend(stray)
            continue
        outcome = _check(number, values, today)
        if isinstance(outcome, list):
            errors.extend(outcome)
            continue
        item, department = outcome
        key = (department, item.source_id)
        if key in first_row_of:
            first = first_row_of[key]
            errors.append(RowError.of(number, "信息编号", Bilingual(
                f"row {first} already reports 信息编号 {item.source_id!r} for {department}: an item is sent once",
                f"与第 {first} 行重复：{department} 的「信息编号」「{item.source_id}」已报送过，同一条信息只报送一次"
            ).map(scrub)))
            continue
        first_row_of[key] = number
        records.append({**record_row(item, department, policy, source_platform), "status": "ACTIVE"})
        subjects.setdefault(item.uscc, item.subject_name or item.uscc)
    return ImportResult(KIND, records, errors, [], {}, len(table.rows), [], subjects)


def _check(number: int, values: dict[str, Cell], today: date) -> tuple[CheckedItem, str] | list[RowError]:
    if all(text(cell) is None for cell in values.values()):
        return [RowError.of(number, None, blank_row(number))]
    problems: list[RowError] = []
    fields: dict[str, Any] = {}
    for column, (field, how) in COLUMNS.items():
        cell = values.get(column)
        if text(cell) is None:
            continue
        reader: Callable[[Cell, str], Any] = parse_date if how == _DATE else parse_amount if how == _AMOUNT else \
            (lambda value, _: text(value))
        try:
            fields[field] = reader(cell, column)
        except FieldProblem as exc:
            problems.append(RowError.of(number, column, exc.said.map(scrub)))
    kind_text, department = fields.pop("kind", None), code(values.get(DEPARTMENT))
    fields.pop("department", None)
    kind = kind_named(kind_text) if kind_text else None
    if kind is None:
        problems.append(RowError.of(number, CATEGORY, Bilingual(
            f"{CATEGORY} {kind_text or ''!r} is not a kind of credit information: write its name (e.g. "
            "SERIOUS_DISHONESTY_LIST) or its label (e.g. 严重失信主体名单); docs/tiers.md lists them",
            f"「{CATEGORY}」「{kind_text or ''}」不是信用信息的类别：请填写类别名称（如 严重失信主体名单）或代码"
            "（如 SERIOUS_DISHONESTY_LIST），docs/tiers.md 列出了全部类别").map(scrub)))
    if department is None:
        problems.append(RowError.of(number, DEPARTMENT, Bilingual(
            f"{DEPARTMENT} is empty: name the department that holds the item (its code, e.g. 410425-SCJG)",
            f"「{DEPARTMENT}」为空：请填写掌握该信息的部门代码（如 410425-SCJG）")))
    severity = fields.pop("severity", None)
    if severity is not None and severity not in _SEVERITIES:
        problems.append(RowError.of(number, "严重程度", Bilingual(
            f"严重程度 {severity!r} is not 轻微, 一般 or 严重",
            f"「严重程度」「{severity}」不是 轻微、一般 或 严重").map(scrub)))
    if kind is None or department is None:
        return problems
    draft = ItemDraft(kind=kind, severity=_SEVERITIES.get(severity or ""), **{
        name: fields.get(name) for name in ("source_id", "uscc", "title", "decided_on", "subject_name",
                                            "received_on", "document_number", "content", "amount_wan_yuan",
                                            "publicity_ends_on", "removed_on", "evaluator", "grade")})
    checked = check_item(number, draft, today, _column_of, _column_of)
    if isinstance(checked, list):
        problems += [RowError(number, p.field, scrub(p.message), scrub(p.message_zh)) for p in checked]
    if problems or isinstance(checked, list):
        return problems
    return checked, department


_FIELD_COLUMN = {field: column for column, (field, _) in COLUMNS.items()}


def _column_of(field: str) -> str:
    return _FIELD_COLUMN.get(field, field)


def _headers(path: str, headers: list[str]) -> tuple[str | None, ...]:
    names = tuple(_CANONICAL.get(fold(header)) for header in headers)
    unknown = [h.strip() for h, name in zip(headers, names, strict=True) if name is None and h.strip()]
    present = [name for name in names if name is not None]
    missing = [name for name in REQUIRED_HEADERS if name not in present]
    repeated = sorted({name for name in present if present.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"lacks required columns: {', '.join(missing)}")
    if unknown:
        problems.append(f"has columns the credit-information map does not: {', '.join(unknown)}")
    if repeated:
        problems.append(f"repeats columns: {', '.join(repeated)}")
    if problems:
        raise ShuanggongshiFileError(path, "; ".join(problems), "use the column names of the map "
                                     f"({', '.join(COLUMNS)}) verbatim in row 1, once each",
                                     tuple(missing + unknown + repeated))
    return names

