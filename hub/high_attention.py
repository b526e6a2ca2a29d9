"""社会高度关注行业 — a department decides, case by case, whether a subject of a high-attention industry is C or D.

Seed 004 第十条(三): an enterprise that "属于社会高度关注行业，根据情况直接定性为C类（信用风险较高）或D类
（信用风险高）".
"根据情况" is a judgement on the case, so it is the department's, with its reason: the department that owns
``henan-market-risk`` on this hub (its ``owner``, ``{region}-SCJG``) decides C or D for one subject, the
decision and reason are kept (every decision, newest standing), and the subject is re-graded — the model
raises ``HIGH_ATTENTION_INDUSTRY`` (→ C) or ``HIGH_ATTENTION_INDUSTRY_D`` (→ D) accordingly, and the
evaluation's explanation carries the department's reason. Until it decides, the subject is C (the lesser).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub import clock
from hub.authority import require_owner
from hub.db import evaluations as store
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Viewer
from hub.errors import BadInput, NotFound
from hub.grading.schemes import SchemeRegistry
from hub.grading.scoring import ModelRegistry
from hub.grading.scoring.market_risk import MarketRiskModel

SCHEME = "henan-market-risk"
CLASSES = ("C", "D")  # seed 004 第十条(三)
Regrade = Callable[[Sequence[str], Sequence[str] | None], Awaitable[Any]]



@dataclass(frozen=True)
class Decided:
    """A department's decision, and the class the subject has after its re-grading."""

    subject_uscc: str
    risk_class: str
    reason: str
    department: str
    decided_by: str
    decided_at: datetime
    grade: str | None


class HighAttention:
    def __init__(self, gateway: Neo4jGateway, schemes: SchemeRegistry, models: ModelRegistry, region: str,
                 regrade: Regrade) -> None:
        self.gateway, self.schemes, self.models, self.region, self.regrade = gateway, schemes, models, region, regrade

    @property
    def owner(self) -> str:
        return self.schemes.get(SCHEME).owner_in(self.region)

    def industries(self) -> frozenset[str]:
        model = self.models.get(SCHEME)
        return model.high_attention_industries if isinstance(model, MarketRiskModel) else frozenset()

    async def decide(self, uscc: str, risk_class: str, reason: str, viewer: Viewer) -> Decided:
        what = f"the 社会高度关注行业 class of {uscc}"
        require_owner(viewer, self.owner, what)  # the department that owns the risk classes decides
        if risk_class not in CLASSES:
            raise BadInput(f"riskClass {risk_class!r}: seed 004 第十条(三) places a subject of a "
                           f"high-attention industry in {' or '.join(CLASSES)}")
        if not reason.strip():
            raise BadInput("a decision must give its reason (根据情况: the circumstances it rests on)")
        exists, industry = await store.subject_industry(self.gateway, uscc)
        if not exists:
            raise NotFound(f"no subject with code {uscc!r}")
        industries = self.industries()
        if industry not in industries:
            raise BadInput(f"{uscc}'s industry {industry!r} is not one of high public concern "
                           f"here ({', '.join(sorted(industries)) or 'none'}): seed 004 第十条(三) does "
                           "not apply to it")
        now = clock.now()
        await store.record_high_attention(self.gateway, {
            "subject_uscc": uscc, "risk_class": risk_class, "reason": reason.strip(), "department": self.owner,
            "decided_by": viewer.label}, now)
        await self.regrade([uscc], [SCHEME])
        return Decided(uscc, risk_class, reason.strip(), self.owner, viewer.label, now,
                       await store.current_grade(self.gateway, uscc, SCHEME))
