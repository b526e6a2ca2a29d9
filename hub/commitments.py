"""信用承诺 — credit commitments: recorded with their 信用承诺书, published where the seed says so,
their fulfilment (履约/未履约) decided by the department that holds them.

Seed 002 §三.(二).2 "强化承诺履约信用信息归集共享": 容缺式受理, 告知承诺制, 承诺即开工 (and 办照即经营,
承诺即换证, the same administrative-approval kind), 行业自律信用承诺, 信用修复承诺 and 市场主体自愿承诺 are
written in a 信用承诺书 and "将市场主体书面承诺和履约情况…纳入主体信用档案，作为行业分级分类评价重要数据补充":
the written commitment and whether it was kept go into the subject's credit file and count in grading.
Seed 004 (三) "督促市场主体签订、公示信用承诺书并履约践诺…将承诺对象签订的《信用承诺书》…推送至“信用中国(河南周口)”
网站向社会公示，接受社会监督": in Henan the signed commitment is published.

A commitment is stored as a credit record of kind COMMITMENT (hub.models.RecordKind), so that the
grading models that already count commitments kept and broken (``kept``; e.g. public-credit.yaml
``deduct.commitment_broken``, heilongjiang-industry.yaml ``commitment.broken``) count it: while its
fulfilment is pending ``kept`` is null and no indicator counts it; a decision of 未履约 sets ``kept``
false and dates the record on the day of the finding, and the subject is re-graded at once.

Only the department that holds a commitment — the one whose agency token recorded it — decides its
fulfilment (hub.authority.require_owner; seed 000 §四 gives the credit office no department's decision).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from hub import clock
from hub.authority import require_owner
from hub.db import commitments as store
from hub.db.gateway import Neo4jGateway, native
from hub.disclosure import ConsentScope, Disclosure, Role, Viewer
from hub.errors import BadInput, Conflict, Forbidden, NotFound
from hub.models import RecordStatus

Regrade = Callable[[Sequence[str]], Awaitable[Any]]

MAX_TEXT = 20_000  # a 信用承诺书 is a page or two; a file's worth of text is a mistake
MAX_MATTER = 200


class CommitmentKind(StrEnum):
    """The kinds of 信用承诺 of seed 002 §三.(二).2."""

    NOTIFICATION = "NOTIFICATION"  # 告知承诺制
    MISSING_DOCUMENTS = "MISSING_DOCUMENTS"  # 容缺受理 (容缺式受理)
    START_ON_COMMITMENT = "START_ON_COMMITMENT"  # 承诺即开工
    CREDIT_REPAIR = "CREDIT_REPAIR"  # 信用修复承诺
    INDUSTRY_SELF_DISCIPLINE = "INDUSTRY_SELF_DISCIPLINE"  # 行业自律信用承诺
    VOLUNTARY = "VOLUNTARY"  # 市场主体自愿承诺

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    CommitmentKind.NOTIFICATION: "告知承诺", CommitmentKind.MISSING_DOCUMENTS: "容缺受理承诺",
    CommitmentKind.START_ON_COMMITMENT: "承诺即开工", CommitmentKind.CREDIT_REPAIR: "信用修复承诺",
    CommitmentKind.INDUSTRY_SELF_DISCIPLINE: "行业自律承诺", CommitmentKind.VOLUNTARY: "自愿承诺",
}


class Fulfilment(StrEnum):
    """履约情况: pending until the holding department decides."""

    PENDING = "PENDING"
    FULFILLED = "FULFILLED"  # 履约
    BROKEN = "BROKEN"  # 未履约


# seed 004 (三): the signed 信用承诺书 is published "向社会公示" — a Henan (41) department's commitments are PUBLIC.
# seed 002 §三.(二).2 (Heilongjiang) puts commitments "纳入主体信用档案" and says nothing of publishing them:
# elsewhere they are shared between government departments only (INTERNAL).
PUBLISHING_PROVINCES = {"41": "seed 004 (三) 督促市场主体签订、公示信用承诺书…推送至“信用中国”网站向社会公示"}
ARCHIVED_ONLY = "seed 002 §三.(二).2 将市场主体书面承诺和履约情况…纳入主体信用档案 (not published)"


def disclosure_of(department: str) -> tuple[Disclosure, str]:
    """The tier of a commitment held by ``department`` and the rule that sets it."""
    province = department[:2]
    if province in PUBLISHING_PROVINCES:
        return Disclosure.PUBLIC, PUBLISHING_PROVINCES[province]
    return Disclosure.INTERNAL, ARCHIVED_ONLY


class CommitmentError(BadInput):
    """A commitment that cannot be recorded or decided as given; the message names the field."""


@dataclass(frozen=True)
class CommitmentDraft:
    """What a department records: the subject, the kind, the matter, the 承诺书's text and dates."""

    uscc: str
    kind: CommitmentKind
    matter: str
    text: str
    signed_on: date | None = None
    due_on: date | None = None
    department: str | None = None  # defaults to the caller's department; another is refused


@dataclass(frozen=True)
class Commitment:
    """A recorded 信用承诺 (a COMMITMENT record) with its fulfilment."""

    id: str
    subject_uscc: str
    kind: CommitmentKind
    matter: str
    text: str
    department: str
    signed_on: date
    due_on: date | None
    disclosure: Disclosure
    disclosure_rule: str
    fulfilment: Fulfilment
    fulfilment_reasons: str | None
    fulfilment_decided_at: datetime | None
    fulfilment_decided_by: str | None
    recorded_by: str
    recorded_at: datetime
    status: RecordStatus = RecordStatus.ACTIVE

    @property
    def consent_scope(self) -> ConsentScope:
        return ConsentScope.RECORDS

    @property
    def publicity_ends_on(self) -> date | None:
        return None

    @property
    def published(self) -> bool:
        return self.status is RecordStatus.ACTIVE

    @property
    def kept(self) -> bool | None:
        return None if self.fulfilment is Fulfilment.PENDING else self.fulfilment is Fulfilment.FULFILLED


def commitment_from_row(row: dict[str, Any], uscc: str) -> Commitment:
    return Commitment(
        id=row["id"], subject_uscc=uscc, kind=CommitmentKind(row["commitment_kind"]), matter=row.get("matter") or "",
        text=row.get("content") or "", department=row["issuing_department"], signed_on=_day(row["signed_on"]),
        due_on=_day(row.get("due_on")), disclosure=Disclosure(row["disclosure"]),
        disclosure_rule=row.get("disclosure_rule") or "", fulfilment=Fulfilment(row.get("fulfilment") or "PENDING"),
        fulfilment_reasons=row.get("fulfilment_reasons"),
        fulfilment_decided_at=_instant(row.get("fulfilment_decided_at")),
        fulfilment_decided_by=row.get("fulfilment_decided_by"), recorded_by=row.get("recorded_by") or "",
        recorded_at=_instant(row["recorded_at"]) or clock.now(), status=RecordStatus(row.get("status") or "ACTIVE"))


class Commitments:
    """Record commitments and decide their fulfilment; every door (GraphQL, CLI) calls these."""

    def __init__(self, gateway: Neo4jGateway, regrade: Regrade, platform_id: str) -> None:
        self.gateway = gateway
        self.regrade = regrade
        self.platform_id = platform_id

    async def record(self, draft: CommitmentDraft, viewer: Viewer) -> Commitment:
        """Record a commitment for the caller's own department (an agency token with ``--department``)."""
        if viewer.role is not Role.AGENCY or not viewer.department:
            raise Forbidden("a commitment is recorded by the department it is made to: an agency token with "
                            f"--department; you are {viewer.role.value} with no department")
        holder = draft.department or viewer.department
        require_owner(viewer, holder, f"a commitment held by department {holder} (record)")
        row = self._validated(draft, holder, viewer)
        if not await store.create(self.gateway, row):
            raise NotFound(f"input.uscc: no subject with code {draft.uscc} is known to this hub")
        return commitment_from_row(row, draft.uscc)

    def _validated(self, draft: CommitmentDraft, holder: str, viewer: Viewer) -> dict[str, Any]:
        today, now = clock.today(), clock.now()
        matter, text = draft.matter.strip(), draft.text.strip()
        if not matter:
            raise CommitmentError("input.matter is empty: name the matter (事项) the commitment is made for, "
                                  "e.g. 食品经营许可")
        if len(matter) > MAX_MATTER:
            raise CommitmentError(f"input.matter is longer than {MAX_MATTER} characters")
        if not text:
            raise CommitmentError("input.text is empty: a commitment is recorded with the text of its 信用承诺书 "
                                  "(seed 002 §三.(二).2 书面承诺)")
        if len(text) > MAX_TEXT:
            raise CommitmentError(f"input.text is longer than {MAX_TEXT} characters")
        signed = draft.signed_on or today
        if signed > today:
            raise CommitmentError(f"input.signedOn {signed.isoformat()} is after today ({today.isoformat()})")
        if draft.due_on is not None and draft.due_on < signed:
            raise CommitmentError(f"input.dueOn {draft.due_on.isoformat()} is before input.signedOn "
                                  f"{signed.isoformat()}")
        disclosure, rule = disclosure_of(holder)
        return {
            "id": f"commitment-{uuid.uuid4().hex[:16]}", "subject_uscc": draft.uscc, "kind": "COMMITMENT",
            "commitment_kind": draft.kind.value, "title": f"{draft.kind.label}：{matter}", "matter": matter,
            "content": text, "issuing_department": holder, "source_platform": self.platform_id,
            "disclosure": disclosure.value, "disclosure_rule": rule, "status": RecordStatus.ACTIVE.value,
            "decided_on": signed, "signed_on": signed, "due_on": draft.due_on, "kept": None,
            "fulfilment": Fulfilment.PENDING.value, "recorded_by": viewer.label, "recorded_at": now,
        }

    async def decide(self, commitment_id: str, fulfilled: bool, reasons: str, viewer: Viewer) -> Commitment:
        """履约/未履约, decided by the holding department only; a broken commitment counts at once."""
        found = await store.get(self.gateway, commitment_id)
        if found is None:
            raise NotFound(f"no commitment with id {commitment_id!r}")
        row, uscc = found
        require_owner(viewer, row["issuing_department"], f"commitment {commitment_id} (decide its fulfilment)")
        if not reasons.strip():
            raise CommitmentError("reasons is empty: say why the commitment was or was not kept (履约情况)")
        if (row.get("fulfilment") or "PENDING") != Fulfilment.PENDING.value:
            raise Conflict(f"commitment {commitment_id} was already decided: {row['fulfilment'].lower()}")
        fulfilment = Fulfilment.FULFILLED if fulfilled else Fulfilment.BROKEN
        now = clock.now()
        changes: dict[str, Any] = {
            "fulfilment": fulfilment.value, "kept": fulfilled, "fulfilment_reasons": reasons.strip(),
            "fulfilment_decided_at": now, "fulfilment_decided_by": viewer.label}
        if not fulfilled:
            # the record of a broken commitment (未履约) is dated on the finding: grading windows count from it
            changes["decided_on"] = clock.date_of(now)
            changes["title"] = f"信用承诺未履约：{row.get('matter') or ''}"
        decided = await store.decide(self.gateway, commitment_id, changes)
        if decided is None:
            raise Conflict(f"commitment {commitment_id} was decided by someone else meanwhile")
        await self.regrade([uscc])
        return commitment_from_row(decided, uscc)

    async def of_subjects(self, usccs: Sequence[str]) -> dict[str, list[Commitment]]:
        """Every commitment of the given subjects, newest first (the tier mechanism filters them)."""
        rows = await store.of_subjects(self.gateway, usccs)
        found: dict[str, list[Commitment]] = {code: [] for code in usccs}
        for row, uscc in rows:
            found.setdefault(uscc, []).append(commitment_from_row(row, uscc))
        return found


_day = _instant = native  # driver temporals to Python's (hub.db.gateway.native)
