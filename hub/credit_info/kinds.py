"""The kinds of credit information (信用信息) a platform collects, each with the seed that names it.

Seed 004 第七条: "依法归集各类涉企信用信息，包括并不限于企业登记信息、行政许可信息、生产经营信息、抽查检查结果信息、
行政处罚信息、投诉举报信息、企业经营异常名录和各类严重失信主体名单信息、企业自行公示信息、互联网信息等"; seed 004
§一.(一): "行政强制、行政确认、行政许可、行政处罚、行政奖励和行政监督检查等信息的归集和公示"; seed 000 §二.(四) and seed
002 §三.(二) add 信用承诺及履约, 安全质量事故, 合同履行 and 失信被执行人; seed 002 §三.(四).1 "谁评价谁共享" the
departments' industry evaluation results; seed 001 §二.(四).1 监管预警结果; seed 001 §二.3 and seed 002 §二.4 the
third-party 市场信用评价 of 行业协会商会 and 信用服务机构.

Each kind's rule says what an item of it must carry (``required``: the fields beyond subject, title and
decision date), its disclosure tier and the seed sentence that sets it, whether a list entry can be
removed (``listed``), and whether a shipped grading catalogue counts it (``counted``: the subject is
re-graded when such an item changes; tests/test_credit_information.py checks the flag against
hub/grading/scoring/catalogues). docs/tiers.md ("Credit information by kind") is this table in prose.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.disclosure import Disclosure
from hub.models import RecordKind


class Field(StrEnum):
    """The fields of a submitted item that a kind may require (GraphQL names in docs/tiers.md)."""

    DOCUMENT_NUMBER = "document_number"  # 决定书文号 / 认定文书号
    CONTENT = "content"
    AMOUNT = "amount_wan_yuan"
    EVALUATOR = "evaluator"  # who made a market evaluation (行业协会商会, 信用服务机构)
    GRADE = "grade"  # the grade an evaluation result gives


@dataclass(frozen=True)
class KindRule:
    kind: RecordKind
    label: str
    seed: str
    disclosure: Disclosure
    disclosure_rule: str
    required: tuple[Field, ...] = ()
    listed: bool = False  # a list entry (列入) that a later removal (移出) ends
    counted: bool = False  # a shipped grading catalogue counts it
    door: str | None = None  # kinds that arrive through their own mutation, not submitCreditInformation


_PUBLISHED = "seed 004 §一.(一) 归集和公示"
_LISTS = "seed 004 第七条 企业经营异常名录和各类严重失信主体名单信息 (published by the listing authority)"
_INTERNAL_SHARED = "seed 001 §二.(四).1 为各政府部门集中提供查询服务 (shared inside government, not published)"
_SAMR_INTERNAL = "seed 004 第六条 (collected for risk classification, not published)"

RULES: dict[RecordKind, KindRule] = {rule.kind: rule for rule in (
    KindRule(RecordKind.REGISTRATION, "企业登记信息", "seed 004 第七条", Disclosure.PUBLIC,
             "seed 004 第七条 via 国家企业信用信息公示系统 (registration facts are public)"),
    KindRule(RecordKind.ADMINISTRATIVE_LICENSE, "行政许可", "seed 004 第七条, §一.(一); 双公示", Disclosure.PUBLIC,
             _PUBLISHED + " (双公示)", (Field.DOCUMENT_NUMBER,), counted=True),
    KindRule(RecordKind.BUSINESS_OPERATION, "生产经营信息", "seed 004 第七条", Disclosure.INTERNAL, _SAMR_INTERNAL),
    KindRule(RecordKind.INSPECTION_RESULT, "抽查检查结果", "seed 004 第七条, §一.(一) 行政监督检查", Disclosure.PUBLIC,
             "seed 004 双随机、一公开 (results published)", (Field.CONTENT,), counted=True),
    KindRule(RecordKind.ADMINISTRATIVE_PENALTY, "行政处罚", "seed 004 第七条, §一.(一); 双公示", Disclosure.PUBLIC,
             _PUBLISHED + " (双公示)", (Field.DOCUMENT_NUMBER, Field.CONTENT), counted=True),
    KindRule(RecordKind.COMPLAINT, "投诉举报", "seed 004 第七条; seed 000 §二.(四)", Disclosure.INTERNAL,
             _INTERNAL_SHARED, (Field.CONTENT,), counted=True),
    KindRule(RecordKind.ABNORMAL_OPERATION, "经营异常名录", "seed 004 第七条", Disclosure.PUBLIC, _LISTS,
             listed=True, counted=True),
    KindRule(RecordKind.SERIOUS_DISHONESTY_LIST, "严重失信主体名单", "seed 004 第七条, 第十条(一)", Disclosure.PUBLIC,
             _LISTS, (Field.DOCUMENT_NUMBER,), listed=True, counted=True),
    KindRule(RecordKind.DISHONEST_EXECUTEE, "失信被执行人", "seed 004 第十条(二); seed 000 §二.(四)",
             Disclosure.PUBLIC, "published by the courts (失信被执行人名单); seed 004 第十条(二)",
             (Field.DOCUMENT_NUMBER,), listed=True, counted=True),
    KindRule(RecordKind.SELF_DISCLOSURE, "企业自行公示信息", "seed 004 第七条", Disclosure.PUBLIC,
             "seed 004 第七条 (the enterprise published it itself)", (Field.CONTENT,)),
    KindRule(RecordKind.INTERNET_INFORMATION, "互联网信息", "seed 004 第七条", Disclosure.INTERNAL,
             _SAMR_INTERNAL + "; unverified by its nature", (Field.CONTENT,)),
    KindRule(RecordKind.ADMINISTRATIVE_COERCION, "行政强制", "seed 004 §一.(一)", Disclosure.PUBLIC, _PUBLISHED,
             (Field.DOCUMENT_NUMBER, Field.CONTENT)),
    KindRule(RecordKind.ADMINISTRATIVE_CONFIRMATION, "行政确认", "seed 004 §一.(一)", Disclosure.PUBLIC, _PUBLISHED,
             (Field.DOCUMENT_NUMBER,)),
    KindRule(RecordKind.HONOR, "表彰奖励 (行政奖励)", "seed 004 §一.(一); seed 000 §二.(二) 加分项", Disclosure.PUBLIC,
             _PUBLISHED, counted=True),
    KindRule(RecordKind.SAFETY_INCIDENT, "安全质量事故", "seed 000 §二.(四); seed 002 §三.(二)", Disclosure.AUTHORIZED,
             "SPEC §2.3 依授权公开 (shown to a bank the subject authorized, as the demo data hold it)",
             (Field.CONTENT,), counted=True),
    KindRule(RecordKind.CONTRACT_PERFORMANCE, "合同履行", "seed 000 §二.(四); seed 002 §三.(二)",
             Disclosure.AUTHORIZED, "SPEC §2.3 依授权公开 (a counterparty's contract record, for 信易贷)",
             counted=True),
    KindRule(RecordKind.COMMITMENT, "信用承诺及履约", "seed 002 §三.(二).2; seed 004 (三)", Disclosure.INTERNAL,
             "hub.commitments.disclosure_of", counted=True, door="recordCommitment"),
    KindRule(RecordKind.INDUSTRY_EVALUATION, "行业信用评价结果", "seed 002 §三.(四).1 谁评价谁共享",
             Disclosure.INTERNAL, "seed 002 §三.(四).1 以政务共享方式 (shared between government platforms)",
             (Field.GRADE,)),
    KindRule(RecordKind.SUPERVISORY_WARNING, "监管预警结果", "seed 001 §二.(四).1", Disclosure.INTERNAL,
             _INTERNAL_SHARED, (Field.CONTENT,)),
    KindRule(RecordKind.MARKET_EVALUATION, "市场信用评价", "seed 001 §二.3; seed 002 §二.4", Disclosure.INTERNAL,
             "seed 001 §二.3 纳入公共信用综合评价 (an input to government evaluations, not published here)",
             (Field.EVALUATOR, Field.GRADE)),
)}

def rule_of(kind: RecordKind) -> KindRule:
    return RULES[kind]
