"""One validation for a credit-information item, wherever it enters (GraphQL, a file, the exchange).

The rules, each refused with the item's (or row's) number and the field at fault:

- an item whose every field is blank or whitespace is refused, not skipped (a row of spaces in a
  spreadsheet is a row someone meant to fill);
- its kind is one of ``hub.models.RecordKind`` and arrives through this door (a 信用承诺 has its own,
  ``recordCommitment``); its subject's code is a valid GB 32100 code;
- the fields every item needs (source id, title, decision date) and those its kind needs
  (``hub.credit_info.kinds``) are filled, with more than whitespace;
- no field is longer than the exchange accepts (``hub.credit_info.limits``);
- a received date is not in the future (China date); a decision is not dated after its received date
  — said so when the received date is given, and "in the future" only when it is not;
- a publicity end or a removal is not before the decision; a removal is not in the future and only a
  list entry (``KindRule.listed``) is removed.

``decision_date_problem`` and ``length_problem`` are the pieces the 双公示 importer uses with its own
column names, so that a file and the API refuse the same things in the same words — each said in English and
in Chinese (``hub.bilingual``; a problem's ``message`` and ``message_zh``), built here beside its rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from hub.bilingual import Bilingual
from hub.codes import InvalidCode, parse_uscc
from hub.credit_info import limits
from hub.credit_info.kinds import Field, KindRule, rule_of
from hub.models import RecordKind, Severity

Label = Callable[[str], str]  # a field's snake_case name → the name the sender knows it by


@dataclass(frozen=True)
class ItemProblem:
    """One refused item: its number in the batch or file (from 1), the field at fault, and why — in English
    (``message``) and in Chinese (``message_zh``, what a clerk reads)."""

    item: int
    field: str | None
    message: str
    message_zh: str
    source_id: str | None = None


@dataclass(frozen=True)
class ItemDraft:
    """An item as submitted, before any check."""

    source_id: str | None
    kind: RecordKind
    uscc: str | None
    title: str | None
    decided_on: date | None
    subject_name: str | None = None
    received_on: date | None = None
    document_number: str | None = None
    content: str | None = None
    amount_wan_yuan: float | None = None
    severity: Severity | None = None
    publicity_ends_on: date | None = None
    removed_on: date | None = None
    evaluator: str | None = None
    grade: str | None = None


@dataclass(frozen=True)
class CheckedItem:
    """An item that passed: texts trimmed, the code canonical, the received date settled."""

    number: int
    rule: KindRule
    source_id: str
    uscc: str
    title: str
    decided_on: date
    received_on: date
    subject_name: str | None
    document_number: str | None
    content: str | None
    amount_wan_yuan: float | None
    severity: Severity | None
    publicity_ends_on: date | None
    removed_on: date | None
    evaluator: str | None
    grade: str | None


_TEXT_LIMITS = {"source_id": limits.MAX_NAME, "uscc": limits.MAX_NAME, "subject_name": limits.MAX_NAME,
                "title": limits.MAX_TITLE, "document_number": limits.MAX_DOCUMENT_NUMBER, "content": limits.MAX_TEXT,
                "evaluator": limits.MAX_NAME, "grade": limits.MAX_GRADE}


def length_problem(label: str, value: str | None, limit: int, label_zh: str | None = None) -> Bilingual | None:
    """Why ``value`` is too long for the exchange, or None. ``label_zh``: the field's Chinese name (default
    ``label``, a file's column name)."""
    if value is not None and len(value) > limit:
        return Bilingual(
            f"{label} has {len(value):,} characters; at most {limit:,} are accepted (the limit the platform "
            "exchange applies, so an item taken here reaches the city and the province)",
            f"「{label_zh or label}」有 {len(value):,} 个字符，最多接受 {limit:,} 个（平台间交换的上限，"
            "按此上限接收的信息才能报送到市级和省级平台）")
    return None


def decision_date_problem(label: str, decided_on: date, received_on: date | None, today: date,
                          label_zh: str | None = None) -> Bilingual | None:
    """Why a decision date cannot be: after the received date when one is given, else after today."""
    zh = label_zh or label
    if received_on is not None and decided_on > received_on:
        return Bilingual(f"{label} {decided_on} is after its received date {received_on}: a decision is received "
                         "once it has been made",
                         f"「{zh}」{decided_on} 晚于收到日期 {received_on}：请填写实际作出决定的日期")
    if decided_on > today:
        return Bilingual(f"{label} {decided_on} is in the future (after {today}): a decision is reported once it "
                         "has been made",
                         f"「{zh}」{decided_on} 晚于今天（{today}）：决定作出后才能报送，请填写实际作出决定的日期")
    return None


def received_date_problem(label: str, received_on: date, today: date,
                          label_zh: str | None = None) -> Bilingual | None:
    if received_on > today:
        return Bilingual(f"{label} {received_on} is in the future (after {today}): give the day the item was "
                         "received",
                         f"「{label_zh or label}」{received_on} 晚于今天（{today}）：请填写实际收到的日期")
    return None


# Each field's Chinese name, for the Chinese sentence about an item sent through an API (a file names its
# columns in Chinese already and passes them as ``label_zh``).
FIELD_ZH = {"source_id": "信息编号", "kind": "信息类别", "uscc": "统一社会信用代码", "subject_name": "行政相对人名称",
            "title": "信息标题", "decided_on": "决定日期", "received_on": "接收日期", "document_number": "文书号",
            "content": "信息内容", "amount_wan_yuan": "金额（万元）", "severity": "严重程度",
            "publicity_ends_on": "公示截止期", "removed_on": "移出日期", "evaluator": "评价机构", "grade": "评价等级"}


def check_item(number: int, draft: ItemDraft, today: date, label: Label,
               label_zh: Label | None = None) -> CheckedItem | list[ItemProblem]:
    """The item checked: a CheckedItem, or every problem it has (never only the first).

    ``label`` names a field as the sender knows it (in the English message); ``label_zh`` as a clerk does (in the
    Chinese one; default: the field's Chinese name with the sender's, e.g. 决定日期（decidedOn）).
    """
    problems: list[ItemProblem] = []
    source_id = _trim(draft.source_id)
    zh = label_zh or (lambda name: f"{FIELD_ZH.get(name, name)}（{label(name)}）")

    def fail(field: str | None, said: Bilingual) -> None:
        problems.append(ItemProblem(number, field and label(field), said.en, said.zh, source_id))

    texts = {name: _trim(getattr(draft, name)) for name in _TEXT_LIMITS}
    dated = (draft.decided_on, draft.received_on, draft.publicity_ends_on, draft.removed_on, draft.amount_wan_yuan)
    if all(value is None for value in (*texts.values(), *dated)):
        fail(None, Bilingual(f"item {number} is blank: every field is empty or whitespace",
                             "整条信息为空：每一项都是空白或只有空格"))
        return problems
    rule = rule_of(draft.kind)
    if rule.door is not None:
        fail("kind", Bilingual(f"{draft.kind.value} ({rule.label}) is recorded through {rule.door}, which keeps its "
                               "fulfilment; it is not submitted here",
                               f"「{rule.label}」须通过 {rule.door} 记录（它保存履约情况），不在此报送"))
    for name, limit in _TEXT_LIMITS.items():
        problem = length_problem(label(name), texts[name], limit, zh(name))
        if problem:
            fail(name, problem)
    for name in ("source_id", "uscc", "title"):
        if texts[name] is None:
            fail(name, Bilingual(f"{label(name)} is empty; every item needs it",
                                 f"「{zh(name)}」为空：每条信息都必须填写"))
    for required in rule.required:
        empty = draft.amount_wan_yuan is None if required is Field.AMOUNT else texts[required.value] is None
        if empty:
            fail(required.value, Bilingual(
                f"{label(required.value)} is empty; a {rule.label} item needs it ({rule.seed})",
                f"「{zh(required.value)}」为空：「{rule.label}」信息必须填写（{rule.seed}）"))
    uscc = _code(texts["uscc"], label("uscc"), zh("uscc"), fail)
    if draft.amount_wan_yuan is not None and (not math.isfinite(draft.amount_wan_yuan) or draft.amount_wan_yuan < 0):
        fail("amount_wan_yuan", Bilingual(
            f"{label('amount_wan_yuan')} {draft.amount_wan_yuan} is not an amount in 万元 ≥ 0",
            f"「{zh('amount_wan_yuan')}」{draft.amount_wan_yuan} 不是以万元计、大于或等于 0 的金额"))
    received_on = _dates(draft, rule, today, label, zh, fail)
    if problems or uscc is None or source_id is None or draft.decided_on is None or texts["title"] is None:
        return problems
    return CheckedItem(
        number=number, rule=rule, source_id=source_id, uscc=uscc, title=texts["title"],
        decided_on=draft.decided_on, received_on=received_on, subject_name=texts["subject_name"],
        document_number=texts["document_number"], content=texts["content"], amount_wan_yuan=draft.amount_wan_yuan,
        severity=draft.severity, publicity_ends_on=draft.publicity_ends_on, removed_on=draft.removed_on,
        evaluator=texts["evaluator"], grade=texts["grade"])


_Fail = Callable[[str | None, Bilingual], None]


def _dates(draft: ItemDraft, rule: KindRule, today: date, label: Label, zh: Label, fail: _Fail) -> date:
    received_on = draft.received_on or today
    if draft.received_on is not None:
        problem = received_date_problem(label("received_on"), draft.received_on, today, zh("received_on"))
        if problem:
            fail("received_on", problem)
    decided = draft.decided_on
    if decided is None:
        fail("decided_on", Bilingual(f"{label('decided_on')} is empty; every item needs it",
                                     f"「{zh('decided_on')}」为空：每条信息都必须填写"))
        return received_on
    problem = decision_date_problem(label("decided_on"), decided, draft.received_on, today, zh("decided_on"))
    if problem:
        fail("decided_on", problem)
    if draft.publicity_ends_on is not None and draft.publicity_ends_on < decided:
        fail("publicity_ends_on", Bilingual(
            f"{label('publicity_ends_on')} {draft.publicity_ends_on} is before {label('decided_on')} {decided}",
            f"「{zh('publicity_ends_on')}」{draft.publicity_ends_on} 早于「{zh('decided_on')}」{decided}"))
    removed = draft.removed_on
    if removed is not None:
        if not rule.listed:
            fail("removed_on", Bilingual(
                f"{label('removed_on')}: a {rule.label} item is not a list entry and is not removed (only "
                "严重失信主体名单, 经营异常名录 and 失信被执行人 entries are)",
                f"「{zh('removed_on')}」：「{rule.label}」不是名单信息，不存在移出（只有严重失信主体名单、经营异常名录和"
                "失信被执行人名单的信息才会移出）"))
        elif removed < decided:
            fail("removed_on", Bilingual(
                f"{label('removed_on')} {removed} is before {label('decided_on')} {decided}, the day the subject was "
                "listed",
                f"「{zh('removed_on')}」{removed} 早于列入名单之日「{zh('decided_on')}」{decided}"))
        elif removed > today:
            fail("removed_on", Bilingual(
                f"{label('removed_on')} {removed} is in the future (after {today}): a removal is submitted once it is "
                "decided",
                f"「{zh('removed_on')}」{removed} 晚于今天（{today}）：移出决定作出后才能报送"))
    return received_on


def _code(value: str | None, label: str, label_zh: str, fail: _Fail) -> str | None:
    if value is None:
        return None
    try:
        return parse_uscc(value).value
    except InvalidCode as exc:
        fail("uscc", Bilingual(f"{label}: {exc}", f"「{label_zh}」{exc.zh}"))
        return None


def _trim(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None
