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
column names, so that a file and the API refuse the same things in the same words.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from hub.codes import InvalidCode, parse_uscc
from hub.credit_info import limits
from hub.credit_info.kinds import Field, KindRule, rule_of
from hub.models import RecordKind, Severity

Label = Callable[[str], str]  # a field's snake_case name → the name the sender knows it by


@dataclass(frozen=True)
class ItemProblem:
    """One refused item: its number in the batch or file (from 1), the field at fault, and why."""

    item: int
    field: str | None
    message: str
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


def length_problem(label: str, value: str | None, limit: int) -> str | None:
    """Why ``value`` is too long for the exchange, or None."""
    if value is not None and len(value) > limit:
        return (f"{label} has {len(value):,} characters; at most {limit:,} are accepted (the limit the platform "
                "exchange applies, so an item taken here reaches the city and the province)")
    return None


def decision_date_problem(label: str, decided_on: date, received_on: date | None, today: date) -> str | None:
    """Why a decision date cannot be: after the received date when one is given, else after today."""
    if received_on is not None and decided_on > received_on:
        return (f"{label} {decided_on} is after its received date {received_on}: a decision is received once it "
                "has been made")
    if decided_on > today:
        return (f"{label} {decided_on} is in the future (after {today}): a decision is reported once it has been "
                "made")
    return None


def received_date_problem(label: str, received_on: date, today: date) -> str | None:
    if received_on > today:
        return f"{label} {received_on} is in the future (after {today}): give the day the item was received"
    return None


def check_item(number: int, draft: ItemDraft, today: date, label: Label) -> CheckedItem | list[ItemProblem]:
    """The item checked: a CheckedItem, or every problem it has (never only the first)."""
    problems: list[ItemProblem] = []
    source_id = _trim(draft.source_id)

    def fail(field: str | None, message: str) -> None:
        problems.append(ItemProblem(number, field and label(field), message, source_id))

    texts = {name: _trim(getattr(draft, name)) for name in _TEXT_LIMITS}
    dated = (draft.decided_on, draft.received_on, draft.publicity_ends_on, draft.removed_on, draft.amount_wan_yuan)
    if all(value is None for value in (*texts.values(), *dated)):
        fail(None, f"item {number} is blank: every field is empty or whitespace")
        return problems
    rule = rule_of(draft.kind)
    if rule.door is not None:
        fail("kind", f"{draft.kind.value} ({rule.label}) is recorded through {rule.door}, which keeps its "
                     "fulfilment; it is not submitted here")
    for name, limit in _TEXT_LIMITS.items():
        problem = length_problem(label(name), texts[name], limit)
        if problem:
            fail(name, problem)
    for name in ("source_id", "uscc", "title"):
        if texts[name] is None:
            fail(name, f"{label(name)} is empty; every item needs it")
    for required in rule.required:
        if required is Field.AMOUNT:
            if draft.amount_wan_yuan is None:
                fail(required.value, f"{label(required.value)} is empty; a {rule.label} item needs it ({rule.seed})")
        elif texts[required.value] is None:
            fail(required.value, f"{label(required.value)} is empty; a {rule.label} item needs it ({rule.seed})")
    uscc = _code(texts["uscc"], label("uscc"), fail)
    if draft.amount_wan_yuan is not None and (not math.isfinite(draft.amount_wan_yuan) or draft.amount_wan_yuan < 0):
        fail("amount_wan_yuan", f"{label('amount_wan_yuan')} {draft.amount_wan_yuan} is not an amount in 万元 ≥ 0")
    received_on = _dates(draft, rule, today, label, fail)
    if problems or uscc is None or source_id is None or draft.decided_on is None or texts["title"] is None:
        return problems
    return CheckedItem(
        number=number, rule=rule, source_id=source_id, uscc=uscc, title=texts["title"],
        decided_on=draft.decided_on, received_on=received_on, subject_name=texts["subject_name"],
        document_number=texts["document_number"], content=texts["content"], amount_wan_yuan=draft.amount_wan_yuan,
        severity=draft.severity, publicity_ends_on=draft.publicity_ends_on, removed_on=draft.removed_on,
        evaluator=texts["evaluator"], grade=texts["grade"])


def _dates(draft: ItemDraft, rule: KindRule, today: date, label: Label,
           fail: Callable[[str | None, str], None]) -> date:
    received_on = draft.received_on or today
    if draft.received_on is not None:
        problem = received_date_problem(label("received_on"), draft.received_on, today)
        if problem:
            fail("received_on", problem)
    decided = draft.decided_on
    if decided is None:
        fail("decided_on", f"{label('decided_on')} is empty; every item needs it")
        return received_on
    problem = decision_date_problem(label("decided_on"), decided, draft.received_on, today)
    if problem:
        fail("decided_on", problem)
    if draft.publicity_ends_on is not None and draft.publicity_ends_on < decided:
        fail("publicity_ends_on", f"{label('publicity_ends_on')} {draft.publicity_ends_on} is before "
                                  f"{label('decided_on')} {decided}")
    removed = draft.removed_on
    if removed is not None:
        if not rule.listed:
            fail("removed_on", f"{label('removed_on')}: a {rule.label} item is not a list entry and is not removed "
                               "(only 严重失信主体名单, 经营异常名录 and 失信被执行人 entries are)")
        elif removed < decided:
            fail("removed_on", f"{label('removed_on')} {removed} is before {label('decided_on')} {decided}, the day "
                               "the subject was listed")
        elif removed > today:
            fail("removed_on", f"{label('removed_on')} {removed} is in the future (after {today}): a removal is "
                               "submitted once it is decided")
    return received_on


def _code(value: str | None, label: str, fail: Callable[[str | None, str], None]) -> str | None:
    if value is None:
        return None
    try:
        return parse_uscc(value).value
    except InvalidCode as exc:
        fail("uscc", f"{label}: {exc}")
        return None


def _trim(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None
