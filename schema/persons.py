"""Decisions about natural persons (自然人) in GraphQL: found by an INTERNAL viewer by the ID number.

INTERNAL only (the field rule is in schema.tiers): any other caller is refused before the arguments
are read, so the answer is the same whether or not the person has a record. The number the viewer
gives is sealed before the lookup (hub.person_records) and only its mask is shown back.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.disclosure import Tier
from hub.person_records import PersonRecord
from schema.types import Disclosure


@strawberry.type(name="PersonRecord", description="A 行政处罚 or 行政许可 decision about a natural person "
                 "(行政相对人类别 自然人), kept INTERNAL and keyed by the sealed identity number.")
class PersonRecordType:
    id: strawberry.ID
    kind: str
    title: str
    decided_on: date
    issuing_department: str
    source_platform: str | None
    document_number: str | None
    content: str | None
    severity: str | None
    amount_wan_yuan: float | None
    person_name: str = strawberry.field(description="行政相对人名称 as the file gave it.")
    id_masked: str = strawberry.field(description="The identity number with the middle hidden.")
    disclosure: Disclosure = strawberry.field(description="Always INTERNAL, whatever the file said.")


def _type(found: PersonRecord) -> PersonRecordType:
    return PersonRecordType(
        id=strawberry.ID(found.id), kind=found.kind, title=found.title, decided_on=found.decided_on,
        issuing_department=found.issuing_department, source_platform=found.source_platform,
        document_number=found.document_number, content=found.content, severity=found.severity,
        amount_wan_yuan=found.amount_wan_yuan, person_name=found.person_name, id_masked=found.id_masked,
        disclosure=found.disclosure)


async def person_records(
    info: Info,
    id_number: Annotated[str, strawberry.argument(description="The person's 证件号码 (a resident ID unless "
                                                  "idType names another document).")],
    id_type: Annotated[str | None, strawberry.argument(description="证件类型 as the 双公示 files give it (护照号…); "
                                                       "default the resident ID.")] = None,
) -> list[PersonRecordType]:
    found = await info.context.hub.person_records.find(id_number, id_type)
    masked = found[0].id_masked if found else info.context.hub.vault.seal_document(id_type, id_number).masked
    info.context.note_served(f"Query.personRecords for {masked}: {len(found)} decisions", [], Tier.INTERNAL)
    return [_type(row) for row in found]
