"""Who read a subject and when (hub.read_audit): INTERNAL; the credit office and the subject's departments."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.disclosure import Tier
from hub.read_audit import ReadEntry


@strawberry.type(name="SubjectRead", description="One entry of the audit chain about a subject: a read above "
                 "PUBLIC, or a refusal, with who and when.")
class SubjectReadType:
    seq: int = strawberry.field(description="The entry's place in the audit chain.")
    action: str = strawberry.field(description="read, or denied (a refusal).")
    actor: str = strawberry.field(description="Who: the role and organisation (e.g. bank:某银行, console:NAME).")
    role: str
    tier: str | None = strawberry.field(description="The tier served (AUTHORIZED, INTERNAL).")
    consent_id: str | None = strawberry.field(description="The consent a bank read under.")
    via: str | None = strawberry.field(description="The token id the request came with, or the console account "
                                       "(console:NAME) of the person who read.")
    detail: str
    at: str = strawberry.field(description="When (ISO 8601).")


def _type(entry: ReadEntry) -> SubjectReadType:
    return SubjectReadType(seq=entry.seq, action=entry.action, actor=entry.actor, role=entry.role, tier=entry.tier,
                           consent_id=entry.consent_id, via=entry.via, detail=entry.detail, at=entry.at)


async def subject_reads(
    info: Info,
    uscc: str,
    first: Annotated[int, strawberry.argument(description="At most this many, newest first (1–200).")] = 50,
) -> list[SubjectReadType]:
    found = await info.context.hub.reads_of(uscc, info.context.viewer, first)
    info.context.note_served(f"Query.subjectReads for {uscc}: {len(found)} entries", [], Tier.INTERNAL)
    return [_type(entry) for entry in found]
