"""A subject's file beyond its records and grades, on ``Subject``: its consents (授权), the objections (异议) it
filed and its credit repair applications (信用修复), each with its state — what the console's profile shows.

The tier rules are schema/tiers.py's: ``consents`` is AUTHORIZED (a bank holding the subject's consent, or
government) and lists for a bank only the consents granted to it (hub.service ``subject_consents``: the
others are other banks' business); ``objections`` and ``repairApplications`` are INTERNAL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from hub.models import SubjectProfile
from schema.rights import ObjectionType, RepairType

if TYPE_CHECKING:
    from schema.types import ConsentType


async def subject_consents(
        root: strawberry.Parent[SubjectProfile],
        info: Info) -> list[Annotated[ConsentType, strawberry.lazy("schema.types")]]:
    return await info.context.subject_consents.load(root.subject.uscc)


async def subject_objections(root: strawberry.Parent[SubjectProfile], info: Info) -> list[ObjectionType]:
    return await info.context.subject_objections.load(root.subject.uscc)


async def subject_repairs(root: strawberry.Parent[SubjectProfile], info: Info) -> list[RepairType]:
    return await info.context.subject_repairs.load(root.subject.uscc)
