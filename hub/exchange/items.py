"""What a shared item must hold to be applied, and the shape it has on the wire.

Four kinds of item cross between platforms: credit records (``RECORD``), evaluation results
(``EVALUATION``) and, upwards only, warnings (``WARNING``: 监管预警结果, seed 001 §二.(四).1) and 双公示
reporting tallies (``REPORTING``: one department's rows of one received file, the counts its 合规率 and
及时率 are summed from, seed 004 §一.(二); hub.db.reporting). Each
carries its provenance — the platform where it entered the network (``origin_platform``,
``origin_level``), the authority that issued it (``issuer``: the issuing department's code, else the
origin platform) — and ``version``, which the issuer raises with every change (a repair, a withdrawal,
a corrected decision). A receiver keeps the highest version and
only from the same issuer; see :mod:`hub.db.feed`.

Each item is validated on its own: a bad one is dead-lettered with the reason and the rest of its
batch is applied (AGENTS non-negotiable 4).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from hub.codes import InvalidCode, parse_uscc
from hub.credit_info import limits
from hub.disclosure import Disclosure
from hub.exchange.levels import Level
from hub.exchange.vocabulary import ItemType
from hub.models import RecordKind, RecordStatus, Severity, SubjectKind
from hub.warnings.model import WarningStatus
from hub.warnings.rules import Level as WarningLevel


def _code(value: str) -> str:
    try:
        return parse_uscc(value).value
    except InvalidCode as exc:
        raise ValueError(str(exc)) from None


Uscc = Annotated[str, AfterValidator(_code)]
# The field limits of every way in (hub.credit_info.limits): an item a county took is one the exchange takes.
Name = Annotated[str, Field(min_length=1, max_length=limits.MAX_NAME)]
Text = Annotated[str, Field(max_length=limits.MAX_TEXT)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    id: Name
    version: Annotated[int, Field(ge=1)]
    origin_platform: Name
    origin_level: Level
    issuer: Name
    subject_uscc: Uscc
    subject_name: Name | None = None
    disclosure: Disclosure


class RecordItem(_Item):
    type: Literal["RECORD"]
    kind: RecordKind
    title: Annotated[str, Field(min_length=1, max_length=limits.MAX_TITLE)]
    decided_on: date | None = None
    issuing_department: Name | None = None
    issuing_department_name: Name | None = None
    source_platform: Name | None = None
    status: RecordStatus
    severity: Severity | None = None
    publicity_ends_on: date | None = None
    repaired_on: date | None = None
    document_number: Annotated[str, Field(max_length=limits.MAX_DOCUMENT_NUMBER)] | None = None
    content: Text | None = None
    amount_wan_yuan: Annotated[float, Field(ge=0)] | None = None
    kept: bool | None = None
    # submitted credit information (hub.credit_info): its source's id, the day received, a list entry's removal
    # (the listing's date range travels with it), a market or industry evaluation's evaluator and grade
    source_id: Name | None = None
    received_on: date | None = None
    removed_on: date | None = None
    evaluator: Name | None = None
    grade: Annotated[str, Field(max_length=limits.MAX_GRADE)] | None = None
    disclosure_rule: Annotated[str, Field(max_length=limits.MAX_TITLE)] | None = None
    objection_pending: bool | None = None  # a pending 异议 contests it where it was issued (hub.db.rights)


class EvaluationItem(_Item):
    type: Literal["EVALUATION"]
    scheme: Name
    score: float | None = None
    grade: Annotated[str, Field(min_length=1, max_length=limits.MAX_GRADE)]
    level: Annotated[str, Field(max_length=50)] | None = None
    evaluated_at: AwareDatetime
    valid_until: date | None = None
    evaluator: Name | None = None
    explanation: Text | None = None
    objection_pending: bool | None = None  # a pending 异议 contests it where it was issued (hub.db.rights)


class WarningItem(_Item):
    """A warning raised where its facts entered the network (hub.warnings); its id is derived from rule,
    anchor and facts, so every platform names it the same. Its evidence carries no personal data."""

    type: Literal["WARNING"]
    subject_uscc: Uscc | None = None  # type: ignore[assignment]  # a department's warning has none
    disclosure: Disclosure = Disclosure.INTERNAL
    rule: Name
    title: Name
    level: WarningLevel
    family: Annotated[str, Field(max_length=50)] | None = None
    status: WarningStatus
    anchor: Annotated[str, Field(min_length=1, max_length=300)]
    summary: Text
    facts: Annotated[list[Annotated[str, Field(max_length=300)]], Field(max_length=1000)]
    evidence: Text
    region: Annotated[str, Field(max_length=12)] | None = None
    department: Name | None = None
    raised_at: AwareDatetime
    updated_at: AwareDatetime
    acknowledged_at: AwareDatetime | None = None
    acknowledged_by: Name | None = None
    handled_at: AwareDatetime | None = None
    handled_by: Name | None = None
    measure: Text | None = None
    dismissed_at: AwareDatetime | None = None
    dismissed_by: Name | None = None
    dismiss_reason: Text | None = None


class ReportingItem(_Item):
    """One department's share of one 双公示 file as the platform that received the file counted it (seed 004
    §一.(二): 合规率 and 及时率). Receivers sum these, never count again: the figures stay the receiving
    county's. ``on_time`` and ``late`` are both null when the file had no received date."""

    type: Literal["REPORTING"]
    subject_uscc: Uscc | None = None  # type: ignore[assignment]  # a tally is about a department
    disclosure: Disclosure = Disclosure.INTERNAL
    import_id: Name
    department: Name
    department_name: Name | None = None
    kind: Annotated[str, Field(max_length=50)] | None = None
    source_platform: Name | None = None
    received_on: date | None = None
    imported_at: AwareDatetime
    rows: Annotated[int, Field(ge=0)]
    valid: Annotated[int, Field(ge=0)]
    on_time: Annotated[int, Field(ge=0)] | None = None
    late: Annotated[int, Field(ge=0)] | None = None
    provisional: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _consistent(self) -> ReportingItem:
        if self.valid > self.rows:
            raise ValueError(f"valid ({self.valid}) exceeds rows ({self.rows})")
        if (self.on_time is None) != (self.late is None):
            raise ValueError("on_time and late are both given (a timed file) or both null (an untimed one)")
        timed = (self.on_time or 0) + (self.late or 0)
        if timed > self.valid:
            raise ValueError(f"on_time + late ({timed}) exceeds valid ({self.valid}): only valid rows are timed")
        if self.provisional > timed:
            raise ValueError(f"provisional ({self.provisional}) exceeds the rows timed ({timed})")
        return self


AnyItem = RecordItem | EvaluationItem | WarningItem | ReportingItem
Item = Annotated[AnyItem, Field(discriminator="type")]
_ITEM: TypeAdapter[AnyItem] = TypeAdapter(Item)

# The properties each kind stores on its node (the rest of the item is provenance or context).
RECORD_PROPERTIES = ("id", "kind", "title", "decided_on", "issuing_department", "source_platform",
                     "disclosure", "status", "severity", "publicity_ends_on", "repaired_on",
                     "document_number", "content", "amount_wan_yuan", "kept", "source_id", "received_on",
                     "removed_on", "evaluator", "grade", "disclosure_rule", "objection_pending")
EVALUATION_PROPERTIES = ("id", "scheme", "score", "grade", "level", "disclosure", "evaluated_at",
                         "valid_until", "evaluator", "explanation", "objection_pending")
WARNING_PROPERTIES = ("id", "rule", "title", "level", "family", "status", "anchor", "summary", "facts", "evidence",
                      "subject_uscc", "subject_name", "region", "department", "disclosure", "raised_at",
                      "updated_at", "acknowledged_at", "acknowledged_by", "handled_at", "handled_by", "measure",
                      "dismissed_at", "dismissed_by", "dismiss_reason")
REPORTING_PROPERTIES = ("id", "import_id", "department", "department_name", "kind", "source_platform", "received_on",
                        "imported_at", "rows", "valid", "on_time", "late", "provisional", "disclosure")
PROVENANCE = ("version", "origin_platform", "origin_level", "issuer")

PROPERTIES: dict[ItemType, tuple[str, ...]] = {
    ItemType.RECORD: RECORD_PROPERTIES, ItemType.EVALUATION: EVALUATION_PROPERTIES,
    ItemType.WARNING: WARNING_PROPERTIES, ItemType.REPORTING: REPORTING_PROPERTIES}


def check(raw: Any) -> AnyItem | str:
    """The validated item, or a one-line reason naming each field at fault."""
    try:
        return _ITEM.validate_python(raw)
    except ValidationError as exc:
        return "; ".join(_reason(error) for error in exc.errors(include_url=False, include_input=False))


# pydantic names the union member in an error's location; for these types the field alone is said
_UNNAMED = (ItemType.RECORD, ItemType.EVALUATION, ItemType.REPORTING)


def _reason(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"] if part not in _UNNAMED)
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def item_id(raw: Any) -> str | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and value else None


def row_for(item: AnyItem) -> dict[str, Any]:
    """The parameters the apply statements take for one item."""
    properties = PROPERTIES[ItemType(item.type)]
    props = {name: _plain(getattr(item, name)) for name in properties}
    for name in PROVENANCE:
        props[name] = getattr(item, name)
    code = item.subject_uscc
    row: dict[str, Any] = {
        "id": item.id, "version": item.version, "issuer": item.issuer, "props": props,
        "subject": None if code is None else {"uscc": code, "name": item.subject_name,
                                              "kind": SubjectKind.from_uscc(code).value, "region": code[2:8]},
    }
    if isinstance(item, RecordItem):
        row["department"] = ({"code": item.issuing_department,
                              "name": item.issuing_department_name or item.issuing_department}
                             if item.issuing_department else None)
    return row


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") and not isinstance(value, date) else value
