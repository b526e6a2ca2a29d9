"""The credit graph's nouns, as plain frozen dataclasses that know nothing of storage or GraphQL.

Node labels in Neo4j mirror these names (see ``docs/data-model.md``). Every subject-scoped item
carries ``subject_uscc`` and its disclosure tier so that :mod:`hub.disclosure` can judge it alone.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from hub.disclosure import ALL_SCOPES, ConsentScope, Disclosure


class SubjectKind(StrEnum):
    """Derived from positions 1–2 of the code (GB 32100)."""

    ENTERPRISE = "ENTERPRISE"  # 91 企业
    INDIVIDUAL_BUSINESS = "INDIVIDUAL_BUSINESS"  # 92 个体工商户
    FARMER_COOPERATIVE = "FARMER_COOPERATIVE"  # 93 农民专业合作社
    SOCIAL_ORGANIZATION = "SOCIAL_ORGANIZATION"  # 5x 民政
    PUBLIC_INSTITUTION = "PUBLIC_INSTITUTION"  # 12 事业单位
    GOVERNMENT_BODY = "GOVERNMENT_BODY"  # 11 机关
    OTHER = "OTHER"

    @classmethod
    def from_uscc(cls, uscc: str) -> SubjectKind:
        prefix = uscc[:2]
        return {
            "91": cls.ENTERPRISE, "92": cls.INDIVIDUAL_BUSINESS, "93": cls.FARMER_COOPERATIVE,
            "11": cls.GOVERNMENT_BODY, "12": cls.PUBLIC_INSTITUTION,
        }.get(prefix, cls.SOCIAL_ORGANIZATION if prefix[0] == "5" else cls.OTHER)


class RecordKind(StrEnum):
    """信用信息 — the kinds of credit record (SPEC 2.4; seed 002 §三.(二), seed 004 第七条)."""

    ADMINISTRATIVE_LICENSE = "ADMINISTRATIVE_LICENSE"  # 行政许可 (双公示)
    ADMINISTRATIVE_PENALTY = "ADMINISTRATIVE_PENALTY"  # 行政处罚 (双公示)
    INSPECTION_RESULT = "INSPECTION_RESULT"  # 抽查检查结果
    COMPLAINT = "COMPLAINT"  # 投诉举报
    SAFETY_INCIDENT = "SAFETY_INCIDENT"  # 安全质量事故
    COMMITMENT = "COMMITMENT"  # 信用承诺 and whether it was kept
    HONOR = "HONOR"  # 表彰奖励
    SERIOUS_DISHONESTY_LIST = "SERIOUS_DISHONESTY_LIST"  # 严重失信主体名单
    DISHONEST_EXECUTEE = "DISHONEST_EXECUTEE"  # 失信被执行人
    ABNORMAL_OPERATION = "ABNORMAL_OPERATION"  # 经营异常名录
    CONTRACT_PERFORMANCE = "CONTRACT_PERFORMANCE"  # 合同履行
    # The rest of what the seeds say a platform collects (seed 004 第七条, §一.(一); seeds 000, 001, 002);
    # hub.credit_info.kinds gives each its seed, required fields, tier and whether grading counts it.
    REGISTRATION = "REGISTRATION"  # 企业登记信息
    BUSINESS_OPERATION = "BUSINESS_OPERATION"  # 生产经营信息
    SELF_DISCLOSURE = "SELF_DISCLOSURE"  # 企业自行公示信息
    INTERNET_INFORMATION = "INTERNET_INFORMATION"  # 互联网信息
    ADMINISTRATIVE_COERCION = "ADMINISTRATIVE_COERCION"  # 行政强制
    ADMINISTRATIVE_CONFIRMATION = "ADMINISTRATIVE_CONFIRMATION"  # 行政确认
    INDUSTRY_EVALUATION = "INDUSTRY_EVALUATION"  # 行业信用评价结果 (谁评价谁共享)
    SUPERVISORY_WARNING = "SUPERVISORY_WARNING"  # 监管预警结果
    MARKET_EVALUATION = "MARKET_EVALUATION"  # 市场信用评价 (行业协会商会, 信用服务机构)


class RecordStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REPAIRED = "REPAIRED"  # 信用修复: stops being published, no longer counts
    WITHDRAWN = "WITHDRAWN"  # corrected after an upheld objection


class Severity(StrEnum):
    MINOR = "MINOR"  # 轻微
    GENERAL = "GENERAL"  # 一般
    SERIOUS = "SERIOUS"  # 严重


@dataclass(frozen=True)
class Department:
    """A regulating department and its supervision domains (seed 000 附件)."""

    code: str
    name: str
    domains: tuple[str, ...]
    region: str


class OrganizationKind(StrEnum):
    """What an organization is to the hub; a consent's grantee must be a BANK."""

    BANK = "bank"
    AGENCY = "agency"
    PLATFORM = "platform"
    CREDIT_OFFICE = "credit_office"

    @classmethod
    def of_role(cls, role: str) -> OrganizationKind | None:
        """The kind of organization a token of ``role`` is issued to (None for the public)."""
        return {"bank": cls.BANK, "agency": cls.AGENCY, "platform": cls.PLATFORM,
                "admin": cls.CREDIT_OFFICE}.get(role)


@dataclass(frozen=True)
class Organization:
    """A party that calls the API: a bank, an agency, a platform, the credit office."""

    name: str
    kind: str
    uscc: str | None = None


@dataclass(frozen=True)
class Person:
    """A natural person (legal representative). The full ID number is sealed; see hub.personal_data."""

    name: str
    id_masked: str
    id_sealed: str
    subject_uscc: str


@dataclass(frozen=True)
class Subject:
    """A credit subject (信用主体), keyed by its unified social credit code."""

    uscc: str
    name: str
    kind: SubjectKind
    region: str
    industry: str | None
    status: str
    registered_on: date | None
    legal_representative: Person | None = None

    @property
    def subject_uscc(self) -> str:
        return self.uscc


@dataclass(frozen=True)
class CreditRecord:
    """One credit record, with its issuing department, source platform and disclosure tier."""

    id: str
    subject_uscc: str
    kind: RecordKind
    title: str
    decided_on: date | None
    issuing_department: str | None
    source_platform: str | None
    disclosure: Disclosure
    status: RecordStatus = RecordStatus.ACTIVE
    severity: Severity | None = None
    publicity_ends_on: date | None = None
    document_number: str | None = None
    content: str | None = None
    amount_wan_yuan: float | None = None
    kept: bool | None = None  # commitments: whether the commitment was kept
    under_objection: bool = False  # a pending 异议 contests it (shown in every tier)

    @property
    def consent_scope(self) -> ConsentScope:
        return ConsentScope.RECORDS

    @property
    def published(self) -> bool:
        return self.status is RecordStatus.ACTIVE


@dataclass(frozen=True)
class Evaluation:
    """A grade given to a subject under a grading scheme."""

    id: str
    subject_uscc: str
    scheme: str
    score: float | None
    grade: str
    level: str | None
    disclosure: Disclosure
    evaluated_at: datetime
    valid_until: date | None
    evaluator: str | None
    explanation: str | None = None  # JSON: the contributions and overrides that produced it
    superseded_at: datetime | None = None  # set when a newer evaluation of the scheme replaced it
    previous_grade: str | None = None
    under_objection: bool = False
    # Who computed it (a platform id) and in whose name it stands (seed 000 §二.(一): the province issues
    # the public credit evaluation; a county's own computation stands in the county's name). None: not
    # recorded (loaded from a file, or written before these were kept).
    computed_by: str | None = None
    issued_in_name_of: str | None = None
    authoritative: bool | None = None

    @property
    def consent_scope(self) -> ConsentScope:
        return ConsentScope.EVALUATIONS

    @property
    def publicity_ends_on(self) -> date | None:
        return None

    @property
    def published(self) -> bool:
        return True

    def is_current(self, today: date) -> bool:
        """Within its validity and not replaced by a newer evaluation (SPEC 2.1)."""
        if self.superseded_at is not None:
            return False
        return self.valid_until is None or today <= self.valid_until


@dataclass(frozen=True)
class Consent:
    """授权 — an authorization by a subject to a grantee, for a purpose, scope and validity."""

    id: str
    subject_uscc: str
    grantee: str
    purpose: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    granted_by: str | None = None
    scopes: frozenset[ConsentScope] = field(default_factory=lambda: ALL_SCOPES)

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class SubjectProfile:
    """A subject with what one request asked of it, loaded in one round trip."""

    subject: Subject
    records: tuple[CreditRecord, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    consents: tuple[Consent, ...] = ()

    @property
    def subject_uscc(self) -> str:
        return self.subject.uscc

    def current_evaluations(self, today: date, schemes: Container[str] | None = None) -> list[Evaluation]:
        """The evaluations in force on ``today`` (Evaluation.is_current, SPEC 2.1), in the profile's
        order; only those of ``schemes`` when given (a registry's ``of_kind``, say)."""
        return [e for e in self.evaluations if (schemes is None or e.scheme in schemes) and e.is_current(today)]

    def newest_current(self, today: date, schemes: Container[str]) -> Evaluation | None:
        """The newest evaluation in force of ``schemes`` — e.g. the market-risk class (seed 004 第六条)."""
        return max(self.current_evaluations(today, schemes), key=lambda e: e.evaluated_at, default=None)

    # The subject's own facts, read as the profile's (GraphQL reads them as plain fields).
    @property
    def uscc(self) -> str:
        return self.subject.uscc

    @property
    def name(self) -> str:
        return self.subject.name

    @property
    def kind(self) -> SubjectKind:
        return self.subject.kind

    @property
    def region(self) -> str:
        return self.subject.region

    @property
    def industry(self) -> str | None:
        return self.subject.industry

    @property
    def status(self) -> str:
        return self.subject.status

    @property
    def registered_on(self) -> date | None:
        return self.subject.registered_on
