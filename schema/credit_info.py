"""``submitCreditInformation``: a department's batch of credit information of any kind (hub.credit_info).

Who may call it is a field rule in schema.tiers (an agency token); that it is the caller's own
department is the service's (hub.authority.require_owner). Refused items come back in the receipt's
``errors`` with their number, and the rest is stored.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from hub.credit_info.submission import Outcome as OutcomeEnum
from hub.credit_info.submission import Receipt
from hub.credit_info.validation import ItemDraft
from hub.models import RecordKind as RecordKindEnum
from hub.models import Severity as SeverityEnum

if TYPE_CHECKING:
    from schema.types import Disclosure

strawberry.enum(RecordKindEnum, name="CreditInformationKind", description="The kinds of credit information "
                "(信用信息) the seeds name (seed 004 第七条, §一.(一); seeds 000, 001, 002); docs/tiers.md lists each "
                "with its seed, tier and required fields.")
strawberry.enum(SeverityEnum, name="Severity", description="轻微 MINOR, 一般 GENERAL, 严重 SERIOUS (a penalty's "
                "publicity period follows it).")
strawberry.enum(OutcomeEnum, name="SubmissionOutcome", description="What storing an item did.")
CreditInformationKind = RecordKindEnum
Severity = SeverityEnum
SubmissionOutcome = OutcomeEnum

# GraphQL's names for the fields a problem names.
_NAMES = {"source_id": "sourceId", "uscc": "uscc", "subject_name": "subjectName", "title": "title",
          "decided_on": "decidedOn", "received_on": "receivedOn", "document_number": "documentNumber",
          "content": "content", "amount_wan_yuan": "amountWanYuan", "severity": "severity",
          "publicity_ends_on": "publicityEndsOn", "removed_on": "removedOn", "evaluator": "evaluator",
          "grade": "grade", "kind": "kind"}


@strawberry.input(name="CreditInformationInput", description="One item of credit information, as the "
                  "department's own system holds it.")
class CreditInformationInput:
    source_id: str = strawberry.field(description="The item's id in the department's own system: sending it again "
                                      "updates the same record (idempotent).")
    kind: CreditInformationKind
    uscc: str
    title: str
    decided_on: date = strawberry.field(description="The decision date (a list entry: the day of listing).")
    subject_name: str | None = None
    received_on: date | None = strawberry.field(default=None, description="The day the department received or "
                                                "made it; default today (China). Not in the future.")
    document_number: str | None = None
    content: str | None = None
    amount_wan_yuan: float | None = None
    severity: Severity | None = strawberry.field(default=None, description="A penalty's severity (default "
                                                 "GENERAL): it sets the publicity window by the publicity policy.")
    publicity_ends_on: date | None = strawberry.field(default=None, description="A penalty's end of publicity "
                                                      "as the deciding department sets it (公示截止期).")
    removed_on: date | None = strawberry.field(default=None, description="A list entry's removal (移出): the "
                                               "subject was on the list until the day before.")
    evaluator: str | None = strawberry.field(default=None, description="Who made a market evaluation (行业协会商会, "
                                             "信用服务机构).")
    grade: str | None = strawberry.field(default=None, description="The grade an evaluation result gives.")


@strawberry.type(name="SubmittedItem", description="An item stored (or found stored exactly so).")
class SubmittedItemType:
    item: int = strawberry.field(description="Its number in the batch, from 1.")
    source_id: str
    id: strawberry.ID = strawberry.field(description="The record's id in the hub.")
    kind: CreditInformationKind
    subject_uscc: str
    disclosure: Annotated[Disclosure, strawberry.lazy("schema.types")]
    disclosure_rule: str = strawberry.field(description="The seed rule that sets its tier.")
    publicity_ends_on: date | None = strawberry.field(description="The last day it is shown publicly, or, for a "
                                                      "list entry, the last day listed.")
    removed_on: date | None
    outcome: SubmissionOutcome


@strawberry.type(name="ItemError", description="A refused item: its number in the batch, the field at fault, why.")
class ItemErrorType:
    item: int
    source_id: str | None
    field: str | None
    message: str = strawberry.field(description="Why, in English (names the field and the rule).")
    message_zh: str = strawberry.field(description="The same sentence in Chinese (zh-CN), for the clerk.")


@strawberry.type(name="CreditInformationReceipt", description="What a batch did.")
class CreditInformationReceiptType:
    received: int
    stored: list[SubmittedItemType]
    errors: list[ItemErrorType]
    regraded: int = strawberry.field(description="Subjects re-graded because an item that counts changed.")


def _draft(item: CreditInformationInput) -> ItemDraft:
    return ItemDraft(
        source_id=item.source_id, kind=RecordKindEnum(item.kind), uscc=item.uscc, title=item.title,
        decided_on=item.decided_on, subject_name=item.subject_name, received_on=item.received_on,
        document_number=item.document_number, content=item.content, amount_wan_yuan=item.amount_wan_yuan,
        severity=None if item.severity is None else SeverityEnum(item.severity),
        publicity_ends_on=item.publicity_ends_on, removed_on=item.removed_on, evaluator=item.evaluator,
        grade=item.grade)


async def submit_credit_information(info: Info, items: list[CreditInformationInput]) -> \
        CreditInformationReceiptType | None:
    receipt: Receipt = await info.context.hub.credit_info.submit([_draft(i) for i in items], info.context.viewer,
                                                                 lambda name: _NAMES.get(name, name))
    for stored in receipt.stored:
        if stored.outcome is not OutcomeEnum.UNCHANGED:
            info.context.note_write(f"submitCreditInformation {stored.id} ({stored.kind.value}, "
                                    f"{stored.outcome.value.lower()})", stored.subject_uscc)
    return CreditInformationReceiptType(
        received=receipt.received,
        stored=[SubmittedItemType(item=s.item, source_id=s.source_id, id=strawberry.ID(s.id), kind=s.kind,
                                  subject_uscc=s.subject_uscc, disclosure=s.disclosure,
                                  disclosure_rule=s.disclosure_rule, publicity_ends_on=s.publicity_ends_on,
                                  removed_on=s.removed_on, outcome=s.outcome) for s in receipt.stored],
        errors=[ItemErrorType(item=p.item, source_id=p.source_id, field=p.field, message=p.message,
                              message_zh=p.message_zh) for p in receipt.problems],
        regraded=receipt.regraded)
