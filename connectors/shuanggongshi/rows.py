"""Checking one 双公示 row against the standard — every problem of the row, never stopping the file.

A row is judged alone: a bad row becomes RowErrors (all of its problems at once, so the department
fixes it in one round trip) and the rows around it go on. The rules:

- the standard's 必填 columns are filled (``columns.Layout.required_values``);
- 行政相对人类别 is one of 法人及非法人组织 / 自然人 / 个体工商户; an organization or 个体工商户 carries a
  valid 统一社会信用代码 in 行政相对人代码_1 (GB 32100, ``hub.codes.parse_uscc``); a 自然人 carries
  证件类型 and 证件号码, a valid resident ID (GB 11643) when the type is 身份证 — other documents
  (passports…) have no checkable format and are taken as given;
- the authority's and the data source's codes are valid GB 32100 codes;
- no cell that becomes a record's field is longer than the platform exchange takes
  (``hub.credit_info.limits``); a row of whitespace only is refused, not skipped;
- dates read (``fields.parse_date``) and the decision date is not after the file's received date
  (said so), nor after the day of the check (``hub.credit_info.validation.decision_date_problem``);
- 处罚类别 values are 行政处罚法（2021年修订）第九条's kinds (or 其他…), 许可类别 the standard's six;
- amounts in 万元 are numbers ≥ 0, and a 罚款 states its 罚款金额.

Identity numbers are checked but never copied into what the row yields; messages mask them. Each refusal is
said in English and in Chinese (``hub.bilingual``), built here where the rule is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from connectors.shuanggongshi import columns as c
from connectors.shuanggongshi.columns import Layout
from connectors.shuanggongshi.fields import (
    FieldProblem,
    blank_row,
    code,
    code_problem,
    enum_value,
    parse_amount,
    parse_date,
    resident_id_problem,
    scrub,
    split_list,
    text,
)
from connectors.shuanggongshi.reader import Cell
from connectors.shuanggongshi.result import RowError
from hub.bilingual import Bilingual
from hub.codes import InvalidCode, parse_uscc
from hub.credit_info import limits
from hub.credit_info.validation import decision_date_problem, length_problem
from hub.models import RecordKind

_IN_FORCE = "行政处罚法（2021年修订）第九条"
T = TypeVar("T")


@dataclass(frozen=True)
class ParsedRow:
    """A row that passed: what the record needs, and nothing of a person's identity."""

    row: int
    natural_person: bool
    subject_uscc: str | None
    document_number: str
    title: str
    content: str
    categories: tuple[str, ...]
    fine_wan_yuan: float | None
    decided_on: date
    publicity_ends_on: date | None
    authority_code: str
    authority_name: str
    subject_name: str = ""


class _Check:
    """The problems found so far in one row, and the readers that add to them."""

    def __init__(self, row: int, values: Mapping[str, Cell], layout: Layout) -> None:
        self.row, self.values, self.layout = row, values, layout
        self.errors: list[RowError] = []

    def fail(self, column: str | None, said: Bilingual) -> None:
        self.errors.append(RowError.of(self.row, column, said.map(scrub)))

    def text(self, column: str) -> str | None:
        return text(self.values.get(column))

    def required(self, column: str, why: Bilingual | None = None) -> str | None:
        value = self.text(column)
        if value is None:
            reason = why or Bilingual(f"必填 in the {self.layout.label} standard",
                                      f"{self.layout.label}标准规定的必填项")
            self.fail(column, Bilingual(f"{column} is empty; it is required ({reason.en})",
                                        f"「{column}」为空：此项必须填写（{reason.zh}）"))
        return value

    def parsed(self, column: str, parse: Callable[[Cell, str], T]) -> T | None:
        """The cell read by ``parse``; None (and a RowError) when it does not read, None when empty."""
        cell = self.values.get(column)
        if text(cell) is None:
            return None
        try:
            return parse(cell, column)
        except FieldProblem as exc:
            self.fail(column, exc.said)
            return None

    def uscc(self, column: str) -> str | None:
        value = code(self.values.get(column))
        if value is None:
            return None  # emptiness is the required check's to report
        try:
            return parse_uscc(value).value
        except InvalidCode as exc:
            self.fail(column, code_problem(column, exc))
            return None

    def not_before(self, column: str, day: date | None, decided_on: date | None) -> None:
        if day is not None and decided_on is not None and day < decided_on:
            self.fail(column, Bilingual(f"{column} {day} is before the decision date {decided_on}",
                                        f"「{column}」{day} 早于「{self.layout.decided}」{decided_on}"))


def check_row(row: int, values: Mapping[str, Cell], layout: Layout, today: date,
              received_on: date | None = None) -> ParsedRow | list[RowError]:
    """The row as a ParsedRow, or every RowError it has. ``received_on``: the day the file was received."""
    check = _Check(row, values, layout)
    if all(text(cell) is None for cell in values.values()):
        # a row of spaces is a row someone meant to fill (hub.credit_info.validation: refused, not skipped)
        check.fail(None, blank_row(row))
        return check.errors
    for column in layout.required_values:
        check.required(column)
    _lengths(check, layout)
    category = _subject_category(check)
    subject = _subject(check, category)
    authority = check.uscc(layout.authority_code)
    check.uscc(c.SOURCE_CODE)
    _legal_representative(check)
    decided_on = check.parsed(layout.decided, parse_date)
    problem = None if decided_on is None else decision_date_problem(layout.decided, decided_on, received_on, today)
    if problem:
        check.fail(layout.decided, problem)
    penalty = layout.kind is RecordKind.ADMINISTRATIVE_PENALTY
    details = _penalty(check, decided_on) if penalty else _licence(check)
    if check.errors or decided_on is None or authority is None or details is None:
        return check.errors
    title, content, categories, fine, publicity_ends_on = details
    return ParsedRow(
        row=row, natural_person=category == "自然人", subject_uscc=subject,
        document_number=scrub(check.text(layout.document) or ""), title=scrub(title), content=scrub(content),
        categories=categories, fine_wan_yuan=fine, decided_on=decided_on, publicity_ends_on=publicity_ends_on,
        authority_code=authority, authority_name=check.text(layout.authority) or "",
        subject_name=scrub(check.text(c.NAME) or ""),
    )


# The columns that become a record's fields, and the exchange's limit for each (hub.credit_info.limits): a row
# the county takes must be an item the city and the province take.
_LIMITS = {c.NAME: limits.MAX_NAME, c.P_DOCUMENT: limits.MAX_DOCUMENT_NUMBER, c.P_VIOLATION: limits.MAX_TITLE,
           c.P_FACTS: limits.MAX_TEXT, c.P_CONTENT: limits.MAX_TEXT, c.L_DOCUMENT: limits.MAX_DOCUMENT_NUMBER,
           c.L_CERTIFICATE: limits.MAX_TITLE, c.L_CONTENT: limits.MAX_TEXT}


def _lengths(check: _Check, layout: Layout) -> None:
    for column, limit in _LIMITS.items():
        if column in layout.columns:
            problem = length_problem(column, check.text(column), limit)
            if problem:
                check.fail(column, problem)
    if layout.kind is RecordKind.ADMINISTRATIVE_PENALTY:
        facts, content = check.text(c.P_FACTS) or "", check.text(c.P_CONTENT) or ""
        together = len(_PENALTY_TEXT.format(facts=facts, content=content))
        if together > limits.MAX_TEXT and len(facts) <= limits.MAX_TEXT and len(content) <= limits.MAX_TEXT:
            check.fail(c.P_CONTENT, Bilingual(
                f"{c.P_FACTS} and {c.P_CONTENT} together have {together:,} characters; the record holds at most "
                f"{limits.MAX_TEXT:,} (the platform exchange's limit)",
                f"「{c.P_FACTS}」和「{c.P_CONTENT}」合计 {together:,} 个字符，一条记录最多 {limits.MAX_TEXT:,} 个"
                "（平台间交换的上限）"))
    elif check.text(c.L_CERTIFICATE) is None:
        # without a 许可证书名称 the 许可内容 is the record's title
        problem = length_problem(f"{c.L_CONTENT} (the title, as {c.L_CERTIFICATE} is empty)",
                                 check.text(c.L_CONTENT), limits.MAX_TITLE,
                                 f"{c.L_CONTENT}（「{c.L_CERTIFICATE}」为空，以它作标题）")
        if problem:
            check.fail(c.L_CONTENT, problem)


_PENALTY_TEXT = "违法事实：{facts}\n处罚内容：{content}"


def _subject_category(check: _Check) -> str | None:
    value = enum_value(check.values.get(c.CATEGORY))
    if value is not None and value not in c.SUBJECT_CATEGORIES:
        check.fail(c.CATEGORY, Bilingual(
            f"{c.CATEGORY} {value!r} is not one of the standard's three: {' / '.join(c.SUBJECT_CATEGORIES)}",
            f"「{c.CATEGORY}」「{value}」不是标准规定的三类之一：{'、'.join(c.SUBJECT_CATEGORIES)}"))
        return None
    return value


def _subject(check: _Check, category: str | None) -> str | None:
    """The subject's unified social credit code; None for a 自然人 (whose ID is only checked)."""
    if category in c.ORGANIZATION_CATEGORIES:
        if check.required(c.CODE_1, Bilingual(f"a {category} is identified by its 统一社会信用代码",
                                              f"{category}以统一社会信用代码标识")) is None:
            return None
        return check.uscc(c.CODE_1)
    if category == "自然人":
        by_document = Bilingual("a 自然人 is identified by an identity document", "自然人以身份证件标识")
        id_type = check.required(c.ID_TYPE, by_document)
        number = check.required(c.ID_NUMBER, by_document)
        kind = enum_value(id_type) if id_type else None
        if kind is not None and kind not in c.RESIDENT_ID_TYPES and kind not in c.ID_TYPES \
                and not kind.startswith("其他"):
            check.fail(c.ID_TYPE, Bilingual(
                f"{c.ID_TYPE} {kind!r} is not one of the standard's: {', '.join(c.ID_TYPES)} (其他 as 其他-…)",
                f"「{c.ID_TYPE}」「{kind}」不是标准规定的类型：{'、'.join(c.ID_TYPES)}（其他类型写作“其他-…”）"))
        elif kind in c.RESIDENT_ID_TYPES and number is not None:
            problem = resident_id_problem(check.values.get(c.ID_NUMBER), c.ID_NUMBER)
            if problem:
                check.fail(c.ID_NUMBER, problem)
    return None


def _legal_representative(check: _Check) -> None:
    """A legal representative's resident ID, when given, must be one (GB 11643); it is not kept."""
    id_type = enum_value(check.values.get(c.LEGAL_REP_ID_TYPE))
    if check.text(c.LEGAL_REP_ID) is not None and (id_type is None or id_type in c.RESIDENT_ID_TYPES):
        problem = resident_id_problem(check.values.get(c.LEGAL_REP_ID), c.LEGAL_REP_ID)
        if problem:
            check.fail(c.LEGAL_REP_ID, problem)


_Details = tuple[str, str, tuple[str, ...], float | None, date | None]


def _penalty(check: _Check, decided_on: date | None) -> _Details | None:
    categories = _penalty_categories(check)
    fine = check.parsed(c.P_FINE, parse_amount)
    check.parsed(c.P_CONFISCATED, parse_amount)
    if "罚款" in categories and check.text(c.P_FINE) is None:
        check.required(c.P_FINE, Bilingual("处罚类别 includes 罚款", "处罚类别含罚款"))
    check.not_before(c.P_VALID_UNTIL, check.parsed(c.P_VALID_UNTIL, parse_date), decided_on)
    publicity_ends_on = check.parsed(c.P_PUBLICITY_ENDS, parse_date)
    check.not_before(c.P_PUBLICITY_ENDS, publicity_ends_on, decided_on)
    title, facts, content = check.text(c.P_VIOLATION), check.text(c.P_FACTS), check.text(c.P_CONTENT)
    if title is None or facts is None or content is None:
        return None
    return title, _PENALTY_TEXT.format(facts=facts, content=content), categories, fine, publicity_ends_on


def _penalty_categories(check: _Check) -> tuple[str, ...]:
    value = enum_value(check.values.get(c.P_CATEGORIES))
    if value is None:
        return ()
    found = tuple(split_list(value))
    for category in found:
        if category not in c.PENALTY_CATEGORIES and not category.startswith("其他"):
            check.fail(c.P_CATEGORIES, Bilingual(
                f"{c.P_CATEGORIES} {category!r} is not a kind of penalty in {_IN_FORCE}: "
                f"{', '.join(c.PENALTY_CATEGORIES)} (several separated by ; or ，)",
                f"「{c.P_CATEGORIES}」「{category}」不是{_IN_FORCE}规定的处罚种类：{'、'.join(c.PENALTY_CATEGORIES)}"
                "（多个类别用 ; 或 ，分隔）"))
    return found


def _licence(check: _Check) -> _Details | None:
    category = enum_value(check.values.get(c.L_CATEGORY))
    if category is not None and category not in c.LICENCE_CATEGORIES and not category.startswith("其他"):
        check.fail(c.L_CATEGORY, Bilingual(
            f"{c.L_CATEGORY} {category!r} is not one of the standard's: {', '.join(c.LICENCE_CATEGORIES)} "
            "(其他 as 其他-…)",
            f"「{c.L_CATEGORY}」「{category}」不是标准规定的类别：{'、'.join(c.LICENCE_CATEGORIES)}（其他类别写作“其他-…”）"))
    valid_from = check.parsed(c.L_VALID_FROM, parse_date)
    valid_to = check.parsed(c.L_VALID_TO, parse_date)
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        check.fail(c.L_VALID_TO, Bilingual(f"{c.L_VALID_TO} {valid_to} is before {c.L_VALID_FROM} {valid_from}",
                                           f"「{c.L_VALID_TO}」{valid_to} 早于「{c.L_VALID_FROM}」{valid_from}"))
    content = check.text(c.L_CONTENT)
    title = check.text(c.L_CERTIFICATE) or content
    if title is None or content is None or category is None:
        return None
    if valid_from is not None and valid_to is not None:
        content = f"{content}\n有效期：{valid_from} 至 {valid_to}"
    return title, content, (category,), None, None
