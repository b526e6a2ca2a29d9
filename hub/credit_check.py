"""事前信用核查 — the credit check a department makes before deciding an application.

Seed 004 (三) "开展事前信用记录核查…强化在行政管理和政务服务过程中核查信用记录": a department handling an
application asks once and gets one answer — whether the conveniences of administrative approval may be
granted, the lists the subject stands on, its current grades and the measures in force — each with the
rule it comes from, so that the answer can be checked against the seeds.

The conveniences (便利措施) are those seed 002 §三.(三).1 grants 诚信守法类 subjects "绿色通道、容缺受理、告知承诺、
简化程序" and the approval commitments of §三.(二).2 (承诺即开工); seed 002 §三.(三).2 restricts them for
严重失信类 subjects: "在行政管理和公共服务中，限制适用告知承诺等便利措施". A subject is 严重失信 here when it
stands on the 严重失信主体名单 or is a 失信被执行人 (seed 004 第十条(一)(二) treat both as D, the 严重失信 rung),
or when a measure in force for its grade restricts them (the measures lists' 限制适用告知承诺等便利措施, e.g.
henan-public-credit 差, heilongjiang-credit E).

Pure: it reads a loaded profile and the measures registry; the service loads and audits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hub.grading.schemes import SchemeRegistry
from hub.models import RecordKind, RecordStatus, SubjectProfile
from hub.supervision.measures import MeasureKind, MeasuresRegistry, measures_in_force


class Convenience(StrEnum):
    """便利措施 of administrative approval (seed 002 §三.(三).1, §三.(二).2)."""

    NOTIFICATION_COMMITMENT = "NOTIFICATION_COMMITMENT"  # 告知承诺
    MISSING_DOCUMENTS = "MISSING_DOCUMENTS"  # 容缺受理
    START_ON_COMMITMENT = "START_ON_COMMITMENT"  # 承诺即开工
    GREEN_CHANNEL = "GREEN_CHANNEL"  # 绿色通道
    SIMPLIFIED_PROCEDURE = "SIMPLIFIED_PROCEDURE"  # 简化程序

    @property
    def label(self) -> str:
        return _CONVENIENCE_LABELS[self]


_CONVENIENCE_LABELS = {
    Convenience.NOTIFICATION_COMMITMENT: "告知承诺", Convenience.MISSING_DOCUMENTS: "容缺受理",
    Convenience.START_ON_COMMITMENT: "承诺即开工", Convenience.GREEN_CHANNEL: "绿色通道",
    Convenience.SIMPLIFIED_PROCEDURE: "简化程序",
}

RESTRICTED_RULE = "seed 002 §三.(三).2 对严重失信类市场主体…在行政管理和公共服务中，限制适用告知承诺等便利措施"
INCENTIVE_RULE = ("seed 002 §三.(三).1 对诚信守法类市场主体在办理行政审批过程中，"
                  "实施绿色通道、容缺受理、告知承诺、简化程序等便利服务措施")
NOT_RESTRICTED_RULE = ("seed 002 §三.(三).2 restricts 告知承诺等便利措施 for 严重失信类 subjects only: "
                       "the subject stands on no 严重失信 list and no measure in force restricts them")
# A measure of a list restricts the conveniences when it says so (限制适用告知承诺等便利措施).
_RESTRICTS_CONVENIENCES = "告知承诺"

# The lists a subject may stand on, and the rule that makes each count (seed 004 第七条 collects them all).
LIST_RULES: dict[RecordKind, tuple[str, str, bool]] = {
    RecordKind.SERIOUS_DISHONESTY_LIST: (
        "严重失信主体名单", "seed 004 第十条(一) 当前被列入严重失信主体名单，直接定性为D类; " + RESTRICTED_RULE, True),
    RecordKind.DISHONEST_EXECUTEE: (
        "失信被执行人", "seed 004 第十条(二) 当前为失信被执行人，直接定性为D类; " + RESTRICTED_RULE, True),
    RecordKind.ABNORMAL_OPERATION: (
        "经营异常名录", "seed 004 第七条 归集…企业经营异常名录和各类严重失信主体名单信息", False),
}


@dataclass(frozen=True)
class ConvenienceAnswer:
    convenience: Convenience
    may_grant: bool
    rule: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ListStanding:
    list_kind: RecordKind
    name: str
    record_id: str
    title: str
    decided_on: date | None
    issuing_department: str | None
    seriously_dishonest: bool
    rule: str


@dataclass(frozen=True)
class GradeInForce:
    scheme: str
    scheme_name: str
    grade: str
    evaluated_at: datetime
    valid_until: date | None
    rule: str


@dataclass(frozen=True)
class MeasureAnswer:
    scheme: str
    grade: str
    measure_id: str
    name: str
    kind: MeasureKind
    rule: str


@dataclass(frozen=True)
class CreditCheck:
    uscc: str
    name: str
    matter: str
    checked_at: datetime
    seriously_dishonest: bool
    conveniences: tuple[ConvenienceAnswer, ...]
    lists: tuple[ListStanding, ...]
    grades: tuple[GradeInForce, ...]
    measures: tuple[MeasureAnswer, ...]
    commitments_broken: int


def check(profile: SubjectProfile, matter: str, schemes: SchemeRegistry, measures: MeasuresRegistry,
          today: date, now: datetime) -> CreditCheck:
    """The one answer for ``matter``: conveniences first, then what they rest on."""
    active = [r for r in profile.records if r.status is RecordStatus.ACTIVE]
    lists = tuple(
        ListStanding(r.kind, LIST_RULES[r.kind][0], r.id, r.title, r.decided_on, r.issuing_department,
                     LIST_RULES[r.kind][2], LIST_RULES[r.kind][1])
        for r in sorted(active, key=lambda r: (r.kind, r.id)) if r.kind in LIST_RULES)
    current = profile.current_evaluations(today)
    grades = tuple(GradeInForce(e.scheme, schemes.get(e.scheme).name if e.scheme in schemes else e.scheme, e.grade,
                                e.evaluated_at, e.valid_until,
                                schemes.get(e.scheme).source if e.scheme in schemes else "not a scheme of this hub")
                   for e in sorted(current, key=lambda e: e.scheme))
    in_force = measures_in_force([(e.scheme, e.grade, e.evaluated_at, e.valid_until) for e in current], measures, today)
    measure_answers = tuple(MeasureAnswer(m.scheme_id, m.grade, m.measure.id, m.measure.name, m.measure.kind,
                                          m.measure.basis) for m in in_force)
    restricting = [m for m in measure_answers
                   if m.kind is MeasureKind.RESTRICTION and _RESTRICTS_CONVENIENCES in m.name]
    incentives = [m for m in measure_answers if m.kind is MeasureKind.INCENTIVE]
    on_lists = [s for s in lists if s.seriously_dishonest]
    refusals = tuple([f"stands on the {s.name} ({s.record_id}, {s.rule})" for s in on_lists]
                     + [f"measure {m.measure_id} in force for grade {m.grade} of {m.scheme}: {m.name} ({m.rule})"
                        for m in restricting])
    answers = []
    for convenience in Convenience:
        if refusals:
            answers.append(ConvenienceAnswer(convenience, False, RESTRICTED_RULE, refusals))
            continue
        offered = [m for m in incentives if convenience.label in m.name]
        if offered:
            answers.append(ConvenienceAnswer(convenience, True, INCENTIVE_RULE, tuple(
                f"measure {m.measure_id} in force for grade {m.grade} of {m.scheme}: {m.name} ({m.rule})"
                for m in offered)))
        else:
            answers.append(ConvenienceAnswer(convenience, True, NOT_RESTRICTED_RULE, ()))
    broken = sum(1 for r in active if r.kind is RecordKind.COMMITMENT and r.kept is False)
    return CreditCheck(profile.uscc, profile.name, matter, now, bool(refusals), tuple(answers), lists, grades,
                       measure_answers, broken)
