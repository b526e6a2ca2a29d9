"""Values shared by the grading modules: what a model sees of a subject, and what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from hub.explanation import FlagGrounds, Line
from hub.models import CreditRecord, Subject

# Override flags (SPEC §4): they force grades regardless of the score.
JOINT_PUNISHMENT_LIST = "JOINT_PUNISHMENT_LIST"  # 失信联合奖惩对象名单 (seed 000)
SERIOUS_DISHONESTY_LIST = "SERIOUS_DISHONESTY_LIST"  # 严重失信主体名单 (seeds 003, 004)
DISHONEST_EXECUTEE = "DISHONEST_EXECUTEE"  # 失信被执行人 (seed 004 第十条)
HIGH_ATTENTION_INDUSTRY = "HIGH_ATTENTION_INDUSTRY"  # 社会高度关注行业 (seed 004 第十条)
# seed 004 第十条(三) "根据情况直接定性为C类…或D类": the department decided D for this subject (hub.high_attention)
HIGH_ATTENTION_INDUSTRY_D = "HIGH_ATTENTION_INDUSTRY_D"
OVERRIDE_FLAGS = frozenset({JOINT_PUNISHMENT_LIST, SERIOUS_DISHONESTY_LIST, DISHONEST_EXECUTEE,
                            HIGH_ATTENTION_INDUSTRY, HIGH_ATTENTION_INDUSTRY_D})


@dataclass(frozen=True)
class HighAttentionDecision:
    """A department's case-by-case class for a subject in an industry of high public concern (seed 004
    第十条(三): C or D "根据情况"), with its reason."""

    risk_class: str  # "C" or "D"
    reason: str
    department: str
    decided_on: date


@dataclass(frozen=True)
class RelatedParty:
    """Another subject sharing this subject's legal representative (for related-party indicators)."""

    uscc: str
    on_serious_dishonesty_list: bool
    dishonest_executee: bool


@dataclass(frozen=True)
class SubjectFacts:
    """Everything a scoring model may use about one subject, as of one date.

    ``records`` holds only records that count: repaired records and records withdrawn after an
    upheld objection are excluded by whoever builds the facts (seeds 002 §三.(五).2, 001 §二.(二).5).
    """

    subject: Subject
    as_of: date
    records: tuple[CreditRecord, ...]
    related: tuple[RelatedParty, ...] = ()
    public_credit_score: float | None = None  # the current public score, for industry overlays
    high_attention: HighAttentionDecision | None = None  # the department's C-or-D decision, if any


# One line of an explanation: which indicator moved the score, by how much, because of what — the
# explanation's own Line. ``grounds`` and ``rests_on`` say what the line rests on (hub.explanation):
# every record it counted, which may be more than those it cites. Unsaid, a line rests on everything
# counted, so that only government sees it.
Contribution = Line


@dataclass(frozen=True)
class Score:
    """A model's result before classification."""

    value: float | None
    contributions: tuple[Contribution, ...]
    flags: frozenset[str] = field(default_factory=frozenset)
    flag_grounds: Mapping[str, FlagGrounds] = field(default_factory=dict)  # what raised each flag


@dataclass(frozen=True)
class Classification:
    """A grade under a scheme with the reasons for it (scores' band, or an override)."""

    scheme: str
    grade: str
    level: str | None
    ladder: int
    reasons: tuple[str, ...]
    overridden_by: str | None = None
    reason_flags: tuple[str | None, ...] = ()  # beside each reason, the override flag it speaks of
